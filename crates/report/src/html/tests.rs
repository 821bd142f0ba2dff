//! The page: names from AWS are text, never markup, and nothing is fetched; a report as of a
//! day; the coverage table and chart.

use super::render_html;
use crate::coverage::CoveragePoint;
use crate::{fixtures, AccountReport, AsOf, EarlierAssessment};
use chrono::{TimeZone, Utc};
use mfa_evaluator::{ControlId, Priority, Status};

fn hostile_account() -> AccountReport {
    AccountReport {
        account_name: "<img src=x onerror=alert(1)>".into(),
        ou_path: "Root/<b>Prod</b>".into(),
        ..fixtures::assessed(
            "222222222222",
            vec![fixtures::control(
                ControlId::Iam5,
                vec![fixtures::iam_user(
                    "222222222222",
                    "<script>alert(1)</script>",
                    Status::Failed,
                )],
            )],
        )
    }
}

/// An account named as a formula in an OU named to clear a terminal: its root fails, and a
/// control could not be read, with markup in AWS's message.
fn formula_account() -> AccountReport {
    let mut error = fixtures::data_error("iam:GetCredentialReport", "Throttling");
    error.message = "<script>alert(2)</script>".into();
    let mut account = fixtures::assessed(
        "333333333333",
        vec![
            fixtures::control(
                ControlId::Iam9,
                vec![fixtures::root("333333333333", Status::Failed)],
            ),
            fixtures::errored_control(ControlId::Iam5, error),
        ],
    );
    account.account_name = format!("{}<a href=x>", fixtures::FORMULA_NAMES[0]);
    account.ou_path = format!("Root/<i>{}", fixtures::HOSTILE_OU);
    account
}

#[test]
fn names_from_aws_are_text_never_markup_and_the_page_references_nothing() {
    let page = render_html(
        &fixtures::report(vec![hostile_account(), formula_account()]),
        &[],
    );
    for shown in [
        "=HYPERLINK(&quot;http://x&quot;,&quot;y&quot;)&lt;a href=x&gt;",
        // The OU name is text: its escape sequences, bell and line break reach no terminal.
        &format!("Root/&lt;i&gt;{}", fixtures::HOSTILE_OU),
        "&lt;script&gt;alert(2)&lt;/script&gt;",
    ] {
        assert!(page.contains(shown), "{shown} in {page}");
    }
    assert!(
        page.contains("&lt;img src=x onerror=alert(1)&gt;"),
        "{page}"
    );
    assert!(
        page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{page}"
    );
    assert!(page.contains("Root/&lt;b&gt;Prod&lt;/b&gt;"), "{page}");
    let lower = page.to_lowercase();
    for forbidden in [
        "<script", "<img", "<link", "src=\"", "href=\"", "url(", "@import", "<b>", "<a ", "<i>",
    ] {
        assert!(!lower.contains(forbidden), "{forbidden} in {page}");
    }
    assert!(page.contains("http-equiv=\"Content-Security-Policy\" content=\"default-src 'none';"));
    // The failing resource is listed under its account.
    assert!(
        page.contains("data-check=\"failing\" data-control=\"IAM.5\">1<"),
        "{page}"
    );
}

#[test]
fn a_report_as_of_a_day_says_so_and_names_the_accounts_taken_from_an_earlier_sweep() {
    let mut report = fixtures::report(vec![hostile_account()]);
    let assessed_at = Utc
        .with_ymd_and_hms(2026, 6, 29, 3, 0, 0)
        .single()
        .expect("a valid value");
    report.as_of = Some(AsOf {
        date: assessed_at.date_naive().succ_opt().expect("a valid value"),
        end: Utc
            .with_ymd_and_hms(2026, 7, 1, 0, 0, 0)
            .single()
            .expect("a valid value"),
        earlier_assessments: vec![EarlierAssessment {
            account_id: "222222222222".into(),
            sweep_id: "sweep-0".into(),
            assessed_at,
        }],
    });
    let page = render_html(&report, &[]);
    assert!(
        page.contains("<title>MFA audit of o-abcdef1234 as of 2026-06-30</title>"),
        "{page}"
    );
    assert!(page.contains("1 accounts errored in this sweep"), "{page}");
    assert!(page.contains(" · as assessed 2026-06-29"), "{page}");
}

#[test]
fn the_coverage_table_shows_the_latest_sweep_and_the_chart_one_point_per_sweep() {
    let point = |day: u32, ou: &str, in_scope: u32, with_mfa: u32| CoveragePoint {
        sweep_id: format!("sweep-{day}"),
        sweep_started_at: Utc
            .with_ymd_and_hms(2026, 11, day, 3, 0, 0)
            .single()
            .expect("a valid value"),
        control_id: ControlId::Iam19,
        top_level_ou: ou.into(),
        accounts_assessed: 1,
        in_scope,
        with_mfa,
        phishing_resistant: None,
    };
    let coverage = vec![
        point(1, "Sandbox", 4, 1),
        point(1, "Workloads", 6, 3),
        point(20, "Sandbox", 4, 4),
        point(20, "Workloads", 6, 3),
    ];
    let page = render_html(&fixtures::report(Vec::new()), &coverage);
    let cell = |ou: &str, metric: &str, value: &str| {
        format!(
            "data-check=\"coverage\" data-control=\"IAM.19\" data-ou=\"{ou}\" \
             data-metric=\"{metric}\">{value}<"
        )
    };
    for expected in [
        cell("", "in_scope", "10"),
        cell("", "with_mfa", "7"),
        cell("", "share", "70.0 %"),
        cell("Sandbox", "share", "100.0 %"),
        cell("Workloads", "with_mfa", "3"),
    ] {
        assert!(page.contains(&expected), "{expected} not in {page}");
    }
    assert_eq!(page.matches("data-check=\"point\"").count(), 2, "{page}");
    // A report narrowed to controls without IAM.19 (`--framework CIS`) draws no IAM.19 chart.
    let mut narrowed = fixtures::report(Vec::new());
    narrowed.sweep.controls.retain(|c| *c != ControlId::Iam19);
    let page_without = render_html(&narrowed, &coverage);
    assert!(
        !page_without.contains("data-control=\"IAM.19\""),
        "{page_without}"
    );
    assert!(
        page.contains("2026-11-01 03:00 UTC: 40.0 % (4 of 10)"),
        "{page}"
    );
    // Nineteen days: dates on the axis, not hours.
    assert!(page.contains(">2026-11-20<"), "{page}");
}

/// Failing users with hostile names and priorities: `count` low ones, and an admin.
fn prioritised_account(count: usize) -> AccountReport {
    use fixtures::{day, prioritised, stakes};
    let mut users: Vec<_> = (0..count)
        .map(|i| {
            let user = fixtures::iam_user("222222222222", &format!("u{i:02}"), Status::Failed);
            prioritised(user, Priority::Low, stakes(&[], None, &[]), None)
        })
        .collect();
    users.push(prioritised(
        fixtures::iam_user("222222222222", "<b>admin", Status::Failed),
        Priority::Critical,
        stakes(
            &["arn:aws:iam::222222222222:policy/<svg onload=alert(3)>"],
            Some(Some(day(2026, 12, 1))),
            &[],
        ),
        Some(day(2026, 6, 1)),
    ));
    AccountReport {
        account_name: "<img src=x onerror=alert(4)>".into(),
        ..fixtures::assessed(
            "222222222222",
            vec![fixtures::control(ControlId::Iam19, users)],
        )
    }
}

#[test]
fn fix_first_comes_before_the_summary_most_urgent_first_and_escaped() {
    let page = render_html(&fixtures::report(vec![prioritised_account(1)]), &[]);
    let at = |needle: &str| page.find(needle).unwrap_or(usize::MAX);
    assert!(at("data-check=\"fix-first\"") < at("<h2>Summary"), "{page}");
    assert!(
        page.contains("data-check=\"fix-first\">Fix first: 1 critical, 0 high, 0 medium, 1 low<"),
        "{page}"
    );
    let admin = at("<code>&lt;b&gt;admin</code>");
    assert!(admin < at("<code>u00</code>"), "critical first: {page}");
    for shown in [
        "<td class=\"critical\">critical</td><td>IAM.19</td><td>&lt;img src=x onerror=alert(4)&gt; \
         <span class=\"meta\">222222222222</span></td>",
        "<td>2026-06-01</td><td>admin (&lt;svg onload=alert(3)&gt;) · console password, \
         last used 2026-12-01</td>",
    ] {
        assert!(page.contains(shown), "{shown} in {page}");
    }
    let lower = page.to_lowercase();
    for forbidden in ["<svg", "<img", "<b>"] {
        assert!(!lower.contains(forbidden), "{forbidden} in {page}");
    }
    assert!(!page.contains("fix-first-more"), "{page}");
}

#[test]
fn fix_first_shows_twenty_then_counts_and_says_when_priorities_were_not_read() {
    let page = render_html(&fixtures::report(vec![prioritised_account(25)]), &[]);
    assert_eq!(page.matches("data-check=\"fix-first-entry\"").count(), 20);
    assert!(
        page.contains(
            "data-check=\"fix-first-more\">And 6 more (report --format json: every failing \
             identity with its stakes and priority; report --format csv: a row per finding and \
             control, with its priority, without the stakes).<"
        ),
        "{page}"
    );
    let unread = fixtures::assessed(
        "222222222222",
        vec![fixtures::control(
            ControlId::Iam5,
            vec![fixtures::iam_user("222222222222", "jess", Status::Failed)],
        )],
    );
    let page = render_html(&fixtures::report(vec![unread]), &[]);
    assert!(page.contains("data-check=\"fix-first-not-read\""), "{page}");
    assert!(page.contains("[audit] policies = false"), "{page}");
    assert!(!page.contains("fix-first-entry"), "{page}");
    let passing = fixtures::assessed(
        "222222222222",
        vec![fixtures::control(
            ControlId::Iam5,
            vec![fixtures::iam_user("222222222222", "jess", Status::Passed)],
        )],
    );
    let page = render_html(&fixtures::report(vec![passing]), &[]);
    assert!(!page.contains("Fix first"), "nothing fails: {page}");
}

#[test]
fn under_a_framework_fix_first_names_its_requirements_and_only_its_controls() {
    let mut report = fixtures::report(vec![prioritised_account(1)]);
    report.retain_standards(&crate::select_standards("NIST.800-171").unwrap_or_default());
    let page = render_html(&report, &[]);
    assert!(
        page.contains(
            "<td class=\"critical\">critical</td><td>NIST.800-171.r2 3.3.8, NIST.800-171.r2 \
             3.5.3, NIST.800-171.r2 3.5.4, NIST.800-171.r2 3.7.5 (IAM.19)</td>"
        ),
        "{page}"
    );
    assert!(page.contains("<th>Requirement (control)</th>"), "{page}");
    assert!(
        page.contains(
            "data-check=\"fix-first-failing\">Identities failing IAM.19 without an exception"
        ),
        "{page}"
    );
    assert!(
        page.contains(" Each is named by the requirements of NIST.800-171.r2 it fails.<"),
        "{page}"
    );
    // CIS relates no requirement to IAM.19: nothing to fix first under it.
    let mut report = fixtures::report(vec![prioritised_account(1)]);
    report.retain_standards(&crate::select_standards("CIS").unwrap_or_default());
    let page = render_html(&report, &[]);
    assert!(!page.contains("Fix first"), "{page}");
}

#[test]
fn the_scps_guarding_mfa_are_said_in_the_header_escaped() {
    let unguarded = AccountReport {
        account_name: "<img src=x onerror=alert(5)>".into(),
        mfa_guardrail_scps: Some(Vec::new()),
        ..fixtures::assessed("222222222222", Vec::new())
    };
    let guarded = AccountReport {
        mfa_guardrail_scps: Some(vec!["p-protect".into()]),
        ..fixtures::assessed("333333333333", Vec::new())
    };
    let page = render_html(&fixtures::report(vec![unguarded, guarded]), &[]);
    assert!(
        page.contains(
            "data-check=\"guardrail-scps\">MFA guardrail SCPs (SCPs in force that deny \
             weakening MFA): 1 of the 2 assessed accounts read have one in force; 1 have none: \
             222222222222 &lt;img src=x onerror=alert(5)&gt;<"
        ),
        "{page}"
    );
    let at = |needle: &str| page.find(needle).unwrap_or(usize::MAX);
    assert!(at("guardrail-scps") < at("<h2>Summary"), "{page}");
    assert!(!page.to_lowercase().contains("<img"), "{page}");
}

#[test]
fn weak_pools_are_named_after_what_fails() {
    let mut pools: Vec<_> = (0..11)
        .map(|i| fixtures::pool("222222222222", &format!("us-east-1_w{i:02}"), true))
        .collect();
    pools.push(fixtures::pool("222222222222", "us-east-1_totp", false));
    let account = AccountReport {
        account_name: "<i>pools</i>".into(),
        ..fixtures::assessed(
            "222222222222",
            vec![fixtures::control(ControlId::Cognito5, pools)],
        )
    };
    let page = render_html(&fixtures::report(vec![account]), &[]);
    let at = |needle: &str| page.find(needle).unwrap_or(usize::MAX);
    assert!(
        at("What fails now") < at("data-check=\"weak-mfa\""),
        "{page}"
    );
    assert!(
        page.contains("data-check=\"weak-mfa\">Weak MFA: 11 user pools<"),
        "{page}"
    );
    assert_eq!(page.matches("data-check=\"weak-pool\"").count(), 10);
    assert!(
        page.contains(
            "&lt;i&gt;pools&lt;/i&gt; <span class=\"meta\">222222222222</span> \
             <code>userpool/us-east-1_w00</code>"
        ),
        "{page}"
    );
    assert!(!page.contains("us-east-1_totp"), "{page}");
    assert!(
        page.contains("And 1 more (report --format json, weak_mfa)."),
        "{page}"
    );
}

#[test]
fn pools_with_mfa_on_whose_factors_were_not_read_are_said_never_left_out() {
    let mut unread = fixtures::pool("222222222222", "us-east-1_unread", false);
    unread.facts.second_factors = None;
    unread.facts.weak_mfa = None;
    let mut denied = fixtures::pool("222222222222", "us-east-1_denied", false);
    denied.facts.second_factors = None;
    denied.facts.weak_mfa = None;
    denied.facts.second_factors_error = Some("<b>denied</b>".into());
    let account = AccountReport {
        account_name: "<i>pools</i>".into(),
        ..fixtures::assessed(
            "222222222222",
            vec![fixtures::control(ControlId::Cognito5, vec![unread, denied])],
        )
    };
    let page = render_html(&fixtures::report(vec![account]), &[]);
    assert!(
        page.contains("data-check=\"weak-mfa\">Weak MFA: 0 user pools<"),
        "{page}"
    );
    assert!(
        page.contains(
            "data-check=\"weak-mfa-not-read\">Not known for 1 user pools with MFA on: their \
             second factors were not read ([audit] mfa_devices = false, or a sweep from before \
             second factors were read).<"
        ),
        "{page}"
    );
    assert!(
        page.contains(
            "<li>&lt;i&gt;pools&lt;/i&gt; <span class=\"meta\">222222222222</span> \
             <code>userpool/us-east-1_denied</code>: &lt;b&gt;denied&lt;/b&gt;</li>"
        ),
        "{page}"
    );
    assert!(!page.contains("<b>"), "{page}");
}

/// The chart marked `check`: the y of its axis line, of its top grid line, and of each of its
/// organization's points.
fn chart_heights(page: &str, check: &str) -> (f64, f64, Vec<f64>) {
    let chart = page
        .split_once(&format!("data-check=\"{check}\""))
        .and_then(|(_, rest)| rest.split_once("</svg>"))
        .map_or("", |(chart, _)| chart);
    let number = |after: &str, text: &str| -> Option<f64> {
        let (_, rest) = text.split_once(after)?;
        rest.split('"').next()?.parse().ok()
    };
    let heights = |mark: &str, of: &str| -> Vec<f64> {
        chart
            .split(mark)
            .skip(1)
            .filter_map(|part| number(of, part))
            .collect()
    };
    let axis = heights("class=\"axis-line\"", "y1=\"");
    let top = heights("class=\"grid\"", "y1=\"")
        .into_iter()
        .fold(f64::MAX, f64::min);
    let points = heights("<circle class=\"point\"", "cy=\"");
    (axis.first().copied().unwrap_or_default(), top, points)
}

#[test]
fn phishing_resistant_coverage_has_an_axis_of_its_own_from_zero() {
    let point = |day: u32, strong: u32| CoveragePoint {
        sweep_id: format!("sweep-{day}"),
        sweep_started_at: Utc
            .with_ymd_and_hms(2026, 11, day, 3, 0, 0)
            .single()
            .expect("a valid value"),
        control_id: ControlId::Iam19,
        top_level_ou: "Workloads".into(),
        accounts_assessed: 1,
        in_scope: 100,
        with_mfa: 90,
        phishing_resistant: Some(strong),
    };
    let page = render_html(&fixtures::report(Vec::new()), &[point(1, 1), point(2, 2)]);
    let (axis, top, points) = chart_heights(&page, "phishing_resistant_chart");
    assert_eq!(points.len(), 2, "{page}");
    // 1 % and 2 % on an axis from 0 % to 5 %: a fifth and two fifths of the way up, not 1 %
    // and 2 % of it as on an axis to 100 %.
    let plot = axis - top;
    assert!(plot > 100.0, "{axis} {top}");
    for y in &points {
        assert!(axis - y > 0.15 * plot, "{y} on an axis at {axis}: {page}");
    }
    assert!(
        page.contains(
            "data-check=\"phishing_resistant_scale\" data-control=\"IAM.19\">Axis 0 % to 5 % \
             (the highest share, rounded up; not to 100 %)<"
        ),
        "{page}"
    );
}

#[test]
fn phishing_resistant_coverage_is_charted_beside_mfa_coverage_where_it_was_read() {
    let point = |day: u32, strong: Option<u32>| CoveragePoint {
        sweep_id: format!("sweep-{day}"),
        sweep_started_at: Utc
            .with_ymd_and_hms(2026, 11, day, 3, 0, 0)
            .single()
            .expect("a valid value"),
        control_id: ControlId::Iam19,
        top_level_ou: "Workloads".into(),
        accounts_assessed: 1,
        in_scope: 8,
        with_mfa: 6,
        phishing_resistant: strong,
    };
    let page = render_html(
        &fixtures::report(Vec::new()),
        &[point(1, None), point(2, Some(2)), point(3, Some(4))],
    );
    assert_eq!(page.matches("data-check=\"point\"").count(), 3, "{page}");
    assert_eq!(
        page.matches("data-check=\"phishing_resistant_point\"")
            .count(),
        2,
        "{page}"
    );
    assert!(
        page.contains(
            "data-check=\"phishing_resistant_coverage\" data-control=\"IAM.19\" data-ou=\"\" \
             data-metric=\"share\">50.0 %<"
        ),
        "{page}"
    );
    // Nothing read: no chart, not an empty one.
    let before = render_html(&fixtures::report(Vec::new()), &[point(1, None)]);
    assert!(!before.contains("phishing_resistant_chart"), "{before}");
}

#[test]
fn a_sweep_that_did_not_read_the_devices_says_so_beside_the_others_chart() {
    let point = |day: u32, strong: Option<u32>| CoveragePoint {
        sweep_id: format!("sweep-{day}"),
        sweep_started_at: Utc
            .with_ymd_and_hms(2026, 11, day, 3, 0, 0)
            .single()
            .expect("a valid value"),
        control_id: ControlId::Iam19,
        top_level_ou: "Workloads".into(),
        accounts_assessed: 1,
        in_scope: 8,
        with_mfa: 6,
        phishing_resistant: strong,
    };
    // The report's sweep is `sweep-1`.
    let report = fixtures::report(Vec::new());
    let note = "data-check=\"phishing_resistant_not_read\" data-control=\"IAM.19\">Not read in \
                this sweep ([audit] mfa_devices = false, or a version from before it was read): ";
    let page = render_html(
        &report,
        &[point(1, None), point(2, Some(2)), point(3, Some(4))],
    );
    assert!(
        page.contains(&format!(
            "{note}the chart shows the sweeps that read it, the latest on 2026-11-03 03:00 UTC, \
             which the table gives.<"
        )),
        "{page}"
    );
    assert!(page.contains("phishing_resistant_chart"), "{page}");
    let never = render_html(&report, &[point(1, None)]);
    assert!(
        never.contains(&format!("{note}no sweep shown read it.<")),
        "{never}"
    );
    // Read in this sweep: nothing to say.
    let read = render_html(&report, &[point(1, Some(1)), point(2, Some(2))]);
    assert!(!read.contains("phishing_resistant_not_read"), "{read}");
    assert!(read.contains("phishing_resistant_chart"), "{read}");
}
