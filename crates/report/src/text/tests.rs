//! The text report's sections, the JSON v1 shape, and names from AWS shown escaped.

use super::*;
use crate::{fixtures, FindingChange, SkipReason, SweepInfo, SweepStatus, SCHEMA_VERSION};
use chrono::{TimeZone, Utc};
use mfa_evaluator::ResourceType;

fn report() -> SweepReport {
    let mut report = uncounted();
    report.control_counts = fixtures::counts_of(&report.sweep.controls, &report.accounts);
    report
}

fn uncounted() -> SweepReport {
    let at = Utc
        .with_ymd_and_hms(2026, 11, 23, 3, 0, 0)
        .single()
        .expect("date");
    let mut broken = fixtures::errored("333333333333");
    broken.account_name = "broken".into();
    broken.ou_path = "Root".into();
    if let Some(error) = &mut broken.error {
        error.message = "not authorized".into();
    }
    SweepReport {
        schema_version: SCHEMA_VERSION,
        sweep: SweepInfo {
            id: "sweep-1".into(),
            finished_at: Some(at + chrono::Duration::seconds(12)),
            status: SweepStatus::Partial,
            organization_id: Some("o-abc".into()),
            ..fixtures::sweep_info("sweep-1", at)
        },
        accounts: vec![
            AccountReport {
                account_name: "prod".into(),
                ou_path: "Root/Prod".into(),
                ..fixtures::assessed(
                    "222222222222",
                    vec![fixtures::control(
                        ControlId::Iam9,
                        vec![fixtures::root("222222222222", Status::Failed)],
                    )],
                )
            },
            broken,
            AccountReport {
                account_name: "old".into(),
                ou_path: "Root/Suspended".into(),
                ..fixtures::skipped("444444444444", SkipReason::Suspended)
            },
        ],
        as_of: None,
        control_counts: Vec::new(),
        standards: Vec::new(),
        changes_since_previous_sweep: vec![crate::ChangeReport {
            account_id: "222222222222".into(),
            account_name: "prod".into(),
            control_id: ControlId::Iam9,
            resource_type: ResourceType::AwsAccount,
            resource_id: "arn:aws:iam::222222222222:root".into(),
            change: FindingChange::NewFailure,
            status: Some(Status::Failed),
            previous_status: Some(Status::Passed),
            failing: Some(crate::FailingChange::NewFailure),
        }],
    }
}

#[test]
fn text_report_names_failures_errors_and_skips() {
    let text = render_text(&report());
    assert!(text.contains("sweep sweep-1 (partial)"), "{text}");
    assert!(
        text.contains("3 in scope of the organization: 1 assessed, 1 error, 1 skipped"),
        "{text}"
    );
    assert!(text.contains("222222222222 prod"), "{text}");
    assert!(
        text.contains("1 failing without an exception, in 1 accounts"),
        "{text}"
    );
    assert!(text.contains("333333333333 broken (Root): account not assessed: sts:AssumeRole (us-east-1) AccessDenied: not authorized"), "{text}");
    assert!(
        text.contains("444444444444 old (Root/Suspended): suspended"),
        "{text}"
    );
    assert!(text.contains(ControlId::Iam9.remediation()), "{text}");
    assert!(
        text.contains("    Related requirements: CIS AWS Foundations Benchmark v1.2.0/1.13, "),
        "{text}"
    );
    assert!(
        !text.contains(ControlId::Cognito5.remediation()),
        "only failing controls get advice"
    );
}

#[test]
fn json_shape_is_version_one() {
    let value = serde_json::to_value(report()).expect("serializes");
    assert_eq!(value["schema_version"], 1);
    assert_eq!(value["sweep"]["status"], "partial");
    assert_eq!(value["sweep"]["controls"][4], "Cognito.5");
    let account = &value["accounts"][0];
    assert_eq!(account["outcome"], "assessed");
    assert_eq!(account["skip_reason"], serde_json::Value::Null);
    assert_eq!(account["error"], serde_json::Value::Null);
    assert_eq!(account["controls"][0]["control_id"], "IAM.9");
    assert_eq!(account["controls"][0]["severity"], "CRITICAL");
    assert_eq!(
        account["controls"][0]["resources"][0]["resource_type"],
        "AwsAccount"
    );
    assert_eq!(value["accounts"][1]["error"]["code"], "AccessDenied");
    assert_eq!(value["accounts"][2]["skip_reason"], "suspended");
    assert_eq!(
        value["changes_since_previous_sweep"][0]["change"],
        "new_failure"
    );
    let back: SweepReport = serde_json::from_value(value).expect("round-trips");
    assert_eq!(back, report());
}

/// Whether the text could do anything to a terminal but print: any character the terminal
/// module escapes, other than the newlines between lines.
fn raw_controls(text: &str) -> Vec<char> {
    text.chars()
        .filter(|&c| c != '\n' && crate::terminal::must_escape(c))
        .collect()
}

#[test]
fn names_from_aws_are_shown_escaped_never_obeyed() {
    use fixtures::{BIDI_NAME, FORMULA_NAMES, HOSTILE_OU};
    let ou_path = format!("Root/{HOSTILE_OU}");
    let root = |id: &str| fixtures::root(id, Status::Failed);
    // The exceptions file is no safer than AWS.
    let exception = crate::ExceptionRef {
        id: "ci\u{1b}[8m".into(),
        owner: "ops\r\nFAKE: owner".into(),
        reason: "accepted\nFAKE: reason\u{9b}".into(),
        expires: chrono::NaiveDate::from_ymd_opt(2027, 1, 1).expect("a date"),
        ticket: Some("T\u{7}".into()),
    };
    let mut accepted = fixtures::iam_user("222222222222", "ci", Status::Failed);
    accepted.exception = Some(exception.clone());
    let mut failing = fixtures::assessed(
        "222222222222",
        vec![
            fixtures::control(ControlId::Iam9, vec![root("222222222222")]),
            fixtures::control(
                ControlId::Iam5,
                vec![
                    fixtures::iam_user("222222222222", "ops/\u{1b}[31mred\nFAKE", Status::Failed),
                    accepted,
                ],
            ),
        ],
    );
    failing.account_name = BIDI_NAME.into();
    failing.ou_path = ou_path.clone();
    let mut broken = fixtures::errored("333333333333");
    broken.account_name = FORMULA_NAMES[0].into();
    broken.ou_path = ou_path.clone();
    if let Some(error) = &mut broken.error {
        error.message = "denied\nFAKE: all accounts PASSED\u{1b}[0m".into();
    }
    let mut old = fixtures::skipped("444444444444", SkipReason::Suspended);
    old.account_name = HOSTILE_OU.into();
    old.ou_path = ou_path.clone();
    let mut report = fixtures::report(vec![failing, broken, old]);
    report.sweep.exceptions = vec![crate::SweepException {
        exception,
        state: mfa_evaluator::ExceptionState::Expiring,
    }];
    report.changes_since_previous_sweep = vec![crate::ChangeReport {
        account_id: "222222222222".into(),
        // The column is 24 wide: the cut falls inside the escape of ESC, which must stay whole.
        account_name: "abcdefghijklmnopqrst\u{1b}[2J".into(),
        control_id: ControlId::Iam9,
        resource_type: ResourceType::AwsAccount,
        resource_id: "arn:aws:iam::222222222222:root".into(),
        change: FindingChange::NewFailure,
        status: Some(Status::Failed),
        previous_status: Some(Status::Passed),
        failing: Some(crate::FailingChange::NewFailure),
    }];
    let text = render_text(&report);

    assert_eq!(raw_controls(&text), Vec::<char>::new(), "{text}");
    assert!(!text.lines().any(|line| line.starts_with("FAKE")), "{text}");
    let shown_path = "Root/Prod\\u{1b}[2J\\u{1b}]0;pwned\\u{7}\\nFAKE: all accounts PASSED\\r";
    for expected in [
        // Cut at 24 before the isolate's escape, which would not fit whole.
        "222222222222 admin\\u{202e}txt.exe…     root user".to_string(),
        format!("root user ({shown_path})\n"),
        "user/ops/\\u{1b}[31mred\\nFAKE".to_string(),
        format!(
            "333333333333 =HYPERLINK(\"http://x\",\"y\") ({shown_path}): account not assessed: \
             sts:AssumeRole (us-east-1) AccessDenied: denied\\nFAKE: all accounts PASSED\\u{{1b}}[0m"
        ),
        format!("444444444444 Prod\\u{{1b}}[2J\\u{{1b}}]0;pwned\\u{{7}}\\nFAKE: all accounts PASSED\\r ({shown_path}): suspended"),
        "new_failure  222222222222 abcdefghijklmnopqrst…    IAM.9".to_string(),
        "ci\\u{1b}[8m: 1 finding, owner ops\\r\\nFAKE: owner, until 2027-01-01, ticket T\\u{7}"
            .to_string(),
        "    reason: accepted\\nFAKE: reason\\u{9b}\n".to_string(),
        "    222222222222 admin\\u{202e}txt.exe…    IAM.5     user/ci".to_string(),
        "Expiring soon: ci\\u{1b}[8m (2027-01-01, ops\\r\\nFAKE: owner)".to_string(),
    ] {
        assert!(text.contains(&expected), "{expected}\n{text}");
    }
}

/// An account with `weak` pools whose MFA is SMS alone, one that is not, named `name`.
fn pools_account(name: &str, weak: usize) -> AccountReport {
    let mut pools: Vec<_> = (0..weak)
        .map(|i| fixtures::pool("222222222222", &format!("us-east-1_w{i:02}"), true))
        .collect();
    pools.push(fixtures::pool("222222222222", "us-east-1_totp", false));
    AccountReport {
        account_name: name.into(),
        ..fixtures::assessed(
            "222222222222",
            vec![fixtures::control(ControlId::Cognito5, pools)],
        )
    }
}

#[test]
fn weak_pools_are_named_in_a_short_section_of_their_own() {
    let text = render_text(&fixtures::report(vec![pools_account(
        fixtures::HOSTILE_OU,
        12,
    )]));
    assert!(
        text.contains(
            "\nWeak MFA: 12 user pools with MFA on and SMS their only second factor (SIM swap: \
             offer TOTP or a passkey)\n  222222222222 Prod\\u{1b}[2J\\u{1b}]0;p… \
             userpool/us-east-1_w00\n"
        ),
        "{text}"
    );
    assert!(text.contains(" userpool/us-east-1_w09\n"), "{text}");
    assert!(!text.contains("us-east-1_w10"), "{text}");
    assert!(!text.contains("us-east-1_totp"), "{text}");
    assert!(
        text.contains("\n  and 2 more (report --format json, weak_mfa)\n"),
        "{text}"
    );
    assert_eq!(raw_controls(&text), Vec::<char>::new(), "{text}");
    let none = render_text(&fixtures::report(vec![pools_account("prod", 0)]));
    assert!(!none.contains("Weak MFA"), "{none}");
}

#[test]
fn pools_with_mfa_on_whose_factors_were_not_read_are_said_never_left_out() {
    let mut account = pools_account("prod", 0);
    let pools = &mut account.controls[4].resources;
    pools[0].facts.second_factors = None;
    pools[0].facts.weak_mfa = None;
    let mut denied = pools[0].clone();
    denied.resource_id = denied.resource_id.replace("totp", "denied");
    denied.facts.second_factors_error = Some("GetUserPoolMfaConfig: \u{1b}]0;denied\u{7}".into());
    let report = fixtures::report(vec![account.clone()]);
    let text = render_text(&report);
    assert!(
        text.contains(
            "\nWeak MFA: 0 user pools with MFA on and SMS their only second factor (SIM swap: \
             offer TOTP or a passkey); not known for 1 user pools with MFA on\n  not read: the \
             second factors of 1 user pools with MFA on ([audit] mfa_devices = false, or a sweep \
             from before second factors were read)\n"
        ),
        "{text}"
    );
    account.controls[4].resources.push(denied);
    let text = render_text(&fixtures::report(vec![account]));
    assert!(
        text.contains("; not known for 2 user pools with MFA on\n"),
        "{text}"
    );
    assert!(
        text.contains(
            "\n  could not be read: the second factors of 1 user pools with MFA on\n    \
             222222222222 prod                     userpool/us-east-1_denied: \
             GetUserPoolMfaConfig: \\u{1b}]0;denied\\u{7}\n"
        ),
        "{text}"
    );
    assert_eq!(raw_controls(&text), Vec::<char>::new(), "{text}");
}

#[test]
fn the_scps_guarding_mfa_are_said_under_the_headline_escaped() {
    let mut management = fixtures::assessed("111111111111", Vec::new());
    management.account_name = "mgmt".into();
    management.mfa_guardrail_scps = Some(Vec::new());
    let mut refused = fixtures::assessed("222222222222", Vec::new());
    refused.account_name = fixtures::BIDI_NAME.into();
    let mut error = fixtures::data_error("organizations:ListPolicies", "AccessDenied");
    error.message = "denied\u{1b}]0;pwned\u{7}".into();
    refused.mfa_guardrail_scps_error = Some(error);
    let text = render_text(&fixtures::report(vec![management, refused]));
    let expected = "MFA guardrail SCPs (SCPs in force that deny weakening MFA): 0 of the 1 \
                    assessed accounts read have one in force; 1 have none: 111111111111 mgmt \
                    (the management account: SCPs never apply to it)\nMFA guardrail SCPs could \
                    not be read in 1 accounts (222222222222 admin\\u{202e}txt.exe\\u{2066}x\\u{2069}): \
                    organizations:ListPolicies (us-east-1) AccessDenied: \
                    denied\\u{1b}]0;pwned\\u{7}\n";
    assert!(text.contains(expected), "{expected}\n{text}");
    let at = |needle: &str| text.find(needle).unwrap_or(usize::MAX);
    assert!(at("Accounts: ") < at("MFA guardrail SCPs"), "{text}");
    assert!(
        at("MFA guardrail SCPs") < at("control    severity"),
        "{text}"
    );
    assert_eq!(raw_controls(&text), Vec::<char>::new(), "{text}");
}

/// The keys and strings of `../shared/interface.md`, "Beyond the controls", exactly.
#[test]
fn the_facts_json_shape_is_the_interfaces() {
    let account_id = "222222222222";
    let user = fixtures::user_with_every_fact(account_id, "jess", Status::Failed);
    let value = serde_json::to_value(&user).expect("serializes");
    let facts: serde_json::Map<String, serde_json::Value> = value
        .as_object()
        .expect("an object")
        .iter()
        .filter(|(key, _)| !BEFORE_FACTS.contains(&key.as_str()))
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect();
    assert_eq!(
        serde_json::Value::Object(facts),
        serde_json::json!({
            "mfa_devices": [
                {"kind": "fido", "serial": "arn:aws:iam::222222222222:u2f/user/jess/key",
                 "enabled_at": "2026-01-05T00:00:00Z"},
                {"kind": "virtual", "serial": "arn:aws:iam::222222222222:mfa/jess",
                 "enabled_at": null},
            ],
            "phishing_resistant": true,
            "mfa_enforcement": {"state": "enforced",
                                "by": ["arn:aws:iam::222222222222:policy/RequireMFA"]},
            "stakes": {"admin_equivalent": true,
                       "admin_via": ["arn:aws:iam::aws:policy/AdministratorAccess"],
                       "console_password": true, "password_last_used": "2026-12-01T00:00:00Z",
                       "access_keys": [{"active": true, "last_used_date": "2026-12-03T00:00:00Z",
                                        "last_used_service": "s3"}]},
            "priority": "critical",
        })
    );
    for state in ["not_enforced", "not_recognised"] {
        let parsed: mfa_evaluator::EnforcementState =
            serde_json::from_value(serde_json::json!(state)).expect("a state of interface.md");
        assert_eq!(parsed.to_string(), state);
    }

    let pool =
        serde_json::to_value(fixtures::pool(account_id, "us-east-1_a", true)).expect("serializes");
    assert_eq!(pool["second_factors"], serde_json::json!(["SMS"]));
    assert_eq!(pool["weak_mfa"], true);
    assert!(pool["sign_in_factors"].is_array(), "{pool}");
    let passkey = serde_json::to_value(mfa_evaluator::SecondFactor::WebAuthn).expect("serializes");
    assert_eq!(passkey, "WEB_AUTHN");

    let mut account = fixtures::assessed(account_id, Vec::new());
    account.mfa_guardrail_scps = Some(vec!["p-abcd1234".into()]);
    let account = serde_json::to_value(&account).expect("serializes");
    assert_eq!(
        account["mfa_guardrail_scps"],
        serde_json::json!(["p-abcd1234"])
    );
}

/// The keys a resource had before the facts: a resource without facts has these alone.
const BEFORE_FACTS: [&str; 6] = [
    "resource_type",
    "resource_id",
    "status",
    "evidence",
    "exception",
    "failing_since",
];

#[test]
fn a_resource_and_an_account_without_facts_have_none_of_their_keys() {
    let user = fixtures::iam_user("222222222222", "jess", Status::Failed);
    let value = serde_json::to_value(&user).expect("serializes");
    let mut keys: Vec<&str> = value
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    let mut expected = BEFORE_FACTS.to_vec();
    expected.sort_unstable();
    assert_eq!(keys, expected);
    let back: crate::ResourceReport = serde_json::from_value(value).expect("reads back");
    assert!(back.facts.is_empty());
    let account =
        serde_json::to_value(fixtures::assessed("222222222222", Vec::new())).expect("serializes");
    assert!(account.get("mfa_guardrail_scps").is_none(), "{account}");
    assert!(
        account.get("mfa_guardrail_scps_error").is_none(),
        "{account}"
    );
}

#[test]
fn sign_in_factors_are_spelled_as_the_interface_says() {
    let pool = serde_json::to_value(fixtures::pool("222222222222", "us-east-1_a", false))
        .expect("serializes");
    assert_eq!(pool["sign_in_factors"], serde_json::json!(["PASSWORD"]));
}
