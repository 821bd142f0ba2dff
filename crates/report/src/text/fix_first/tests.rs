//! The text report's Fix first: where it stands, what a line says, the cut, the report without
//! priorities, and hostile names shown escaped.

use super::super::render_text;
use crate::fixtures::{self, day, prioritised, stakes, BIDI_NAME, HOSTILE_OU};
use crate::{ControlReport, ResourceReport, SweepReport};
use mfa_evaluator::{ControlId, Priority, Status};

/// An admin with a password and a key in use, failing since the first of `month` 2026.
fn jess(month: u32) -> ResourceReport {
    prioritised(
        fixtures::iam_user("222222222222", "staff/jess", Status::Failed),
        Priority::Critical,
        stakes(
            &["arn:aws:iam::aws:policy/AdministratorAccess"],
            Some(Some(day(2026, 12, 1))),
            &[(Some(day(2026, 12, 3)), Some("s3"))],
        ),
        Some(day(2026, month, 1)),
    )
}

fn prod(controls: Vec<ControlReport>) -> SweepReport {
    let mut account = fixtures::assessed("222222222222", controls);
    account.account_name = "prod".into();
    fixtures::report(vec![account])
}

#[test]
fn fix_first_opens_the_report_one_line_per_identity() {
    let report = prod(vec![
        fixtures::control(ControlId::Iam5, vec![jess(10)]),
        fixtures::control(ControlId::Iam19, vec![jess(6)]),
    ]);
    let text = render_text(&report);
    let expected = "Fix first: 1 critical, 0 high, 0 medium, 0 low (identities failing IAM.9, \
                    IAM.5 or IAM.19 without an exception, most urgent first, then the longest \
                    failing)\n  critical IAM.5, IAM.19 222222222222 prod                     \
                    jess, failing since 2026-06-01: admin (AdministratorAccess) · console \
                    password, last used 2026-12-01 · 1 active key, last used 2026-12-03 (s3)\n\n";
    assert!(text.contains(expected), "{text}");
    let at = |needle: &str| text.find(needle).unwrap_or(usize::MAX);
    assert!(
        at("Accounts: ") < at("Fix first: "),
        "after the headline: {text}"
    );
    assert!(
        at("Fix first: ") < at("control    severity"),
        "before the table: {text}"
    );
    assert!(!text.contains("more ("), "{text}");
}

#[test]
fn past_twenty_identities_the_rest_are_counted_and_the_json_named() {
    let users = (0..23)
        .map(|i| {
            let user = fixtures::iam_user("222222222222", &format!("u{i:02}"), Status::Failed);
            prioritised(user, Priority::Low, stakes(&[], None, &[]), None)
        })
        .collect();
    let text = render_text(&prod(vec![fixtures::control(ControlId::Iam19, users)]));
    assert!(
        text.contains("Fix first: 0 critical, 0 high, 0 medium, 23 low"),
        "{text}"
    );
    assert!(text.contains(" u19: no active credential\n"), "{text}");
    assert!(!text.contains(" u20: "), "{text}");
    assert!(
        text.contains(
            "\n  and 3 more (report --format json: every failing identity with its stakes and \
             priority; report --format csv: a row per finding and control, with its priority, \
             without the stakes)\n"
        ),
        "{text}"
    );
}

#[test]
fn without_priorities_it_says_they_were_not_read_and_lists_nothing() {
    let unread = fixtures::iam_user("222222222222", "jess", Status::Failed);
    let text = render_text(&prod(vec![fixtures::control(
        ControlId::Iam5,
        vec![unread],
    )]));
    assert!(
        text.contains(
            "Fix first: priorities were not read ([audit] policies = false, or a sweep from \
             before they were); every failure is listed below\n"
        ),
        "{text}"
    );
    // Some read, some not: the list, and the others counted.
    let unread = fixtures::iam_user("222222222222", "ci", Status::Failed);
    let text = render_text(&prod(vec![fixtures::control(
        ControlId::Iam5,
        vec![unread, jess(6)],
    )]));
    assert!(
        text.contains("\n  and 1 failing without a priority (they hold a credential, and whether"),
        "{text}"
    );
    assert!(
        text.contains("Fix first: 1 critical, 0 high, 0 medium, 0 low, 1 not prioritised ("),
        "{text}"
    );
    // Nothing fails: no section at all.
    let passing = fixtures::iam_user("222222222222", "jess", Status::Passed);
    let text = render_text(&prod(vec![fixtures::control(
        ControlId::Iam5,
        vec![passing],
    )]));
    assert!(!text.contains("Fix first"), "{text}");
}

#[test]
fn under_a_framework_fix_first_names_its_requirements_and_only_its_controls() {
    let root = prioritised(
        fixtures::root("222222222222", Status::Failed),
        Priority::Critical,
        stakes(&[], Some(None), &[]),
        None,
    );
    let mut report = prod(vec![
        fixtures::control(ControlId::Iam9, vec![root]),
        fixtures::control(ControlId::Iam5, vec![jess(10)]),
        fixtures::control(ControlId::Iam19, vec![jess(6)]),
    ]);
    let cis = crate::select_standards("CIS AWS Foundations Benchmark v5.0.0").unwrap_or_default();
    report.retain_standards(&cis);
    let text = render_text(&report);
    // CIS relates no requirement to IAM.19: it is neither named nor counted.
    assert!(
        text.contains(
            "Fix first: 2 critical, 0 high, 0 medium, 0 low (identities failing IAM.9 or IAM.5 \
             without an exception, most urgent first, then the longest failing; each named by \
             the requirements of CIS AWS Foundations Benchmark v5.0.0 it fails)\n  critical \
             CIS AWS Foundations Benchmark v5.0.0/1.9 (IAM.5) 222222222222 prod                     \
             jess, failing since 2026-10-01: admin"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "  critical CIS AWS Foundations Benchmark v5.0.0/1.4 (IAM.9) 222222222222 prod"
        ),
        "{text}"
    );
    assert!(!text.contains("IAM.19"), "{text}");
    // Two standards: each one's requirement, in standard order.
    let mut report = prod(vec![
        fixtures::control(ControlId::Iam5, vec![jess(10)]),
        fixtures::control(ControlId::Iam19, vec![jess(6)]),
    ]);
    report.retain_standards(&crate::select_standards("PCI DSS").unwrap_or_default());
    let text = render_text(&report);
    assert!(
        text.contains(
            "  critical PCI DSS v3.2.1/8.3.1, PCI DSS v4.0.1/8.4.2 (IAM.5, IAM.19) 222222222222 "
        ),
        "{text}"
    );
}

#[test]
fn hostile_names_in_fix_first_are_shown_escaped() {
    let hostile = prioritised(
        fixtures::iam_user(
            "222222222222",
            "ops/\u{1b}[31mred\nFAKE: fixed",
            Status::Failed,
        ),
        Priority::High,
        stakes(
            &["arn:aws:iam::222222222222:policy/\u{202e}Admin\r\nFAKE: policy"],
            None,
            &[(Some(day(2026, 12, 3)), Some("s3\u{1b}]0;pwned\u{7}"))],
        ),
        None,
    );
    let mut report = prod(vec![fixtures::control(ControlId::Iam5, vec![hostile])]);
    report.accounts[0].account_name = BIDI_NAME.into();
    report.accounts[0].ou_path = HOSTILE_OU.into();
    let text = render_text(&report);
    let raw: Vec<char> = text
        .chars()
        .filter(|&c| c != '\n' && crate::terminal::must_escape(c))
        .collect();
    assert_eq!(raw, Vec::<char>::new(), "{text}");
    assert!(!text.lines().any(|line| line.starts_with("FAKE")), "{text}");
    let line = "  high     IAM.5         222222222222 admin\\u{202e}txt.exe…    \
                \\u{1b}[31mred\\nFAKE: fixed: admin (\\u{202e}Admin\\r\\nFAKE: policy) · 1 active \
                key, last used 2026-12-03 (s3\\u{1b}]0;pwned\\u{7})\n";
    assert!(text.contains(line), "{line}\n{text}");
}
