//! Reports built for tests, in one place: the report crate's own tests and the store's
//! (feature `fixtures`). Each builder fills what a test does not care about with the plainest
//! valid value.

use crate::{
    AccountReport, ControlCounts, ControlReport, ErrorInfo, Outcome, ResourceReport, SkipReason,
    SweepInfo, SweepStatus,
};
use chrono::{DateTime, TimeZone, Utc};
use mfa_evaluator::{
    roll_up, AccessKeyStake, ControlId, Enforcement, EnforcementState, MfaDeviceFact, MfaKind,
    Priority, ResourceType, SecondFactor, Stakes, Status,
};
use serde_json::json;

/// A sweep that has just started.
pub fn sweep_info(id: &str, started_at: DateTime<Utc>) -> SweepInfo {
    SweepInfo {
        id: id.to_string(),
        started_at,
        finished_at: None,
        status: SweepStatus::Running,
        organization_id: Some("o-abcdef1234".into()),
        management_account_id: Some("111111111111".into()),
        regions: vec!["us-east-1".into()],
        controls: ControlId::ALL.to_vec(),
        exceptions: Vec::new(),
        centralized_root_access: None,
        centralized_root_access_error: None,
        home_region: None,
    }
}

/// `arn:aws:iam::<account>:user/<path and name>`, decided by the credential report.
pub fn iam_user(account: &str, path_and_name: &str, status: Status) -> ResourceReport {
    ResourceReport {
        resource_type: ResourceType::AwsIamUser,
        resource_id: format!("arn:aws:iam::{account}:user/{path_and_name}"),
        status,
        evidence: json!({"source": "iam:GetCredentialReport", "user": path_and_name,
                         "mfa_active": status == Status::Passed}),
        exception: None,
        failing_since: None,
        facts: Default::default(),
    }
}

/// The account's root, decided by the account summary.
pub fn root(account: &str, status: Status) -> ResourceReport {
    ResourceReport {
        resource_type: ResourceType::AwsAccount,
        resource_id: format!("arn:aws:iam::{account}:root"),
        status,
        evidence: json!({"source": "iam:GetAccountSummary",
                         "AccountMFAEnabled": u8::from(status == Status::Passed)}),
        exception: None,
        failing_since: None,
        facts: Default::default(),
    }
}

/// Midnight UTC of a day, for the dates facts and streaks carry.
pub fn day(year: i32, month: u32, day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(year, month, day, 0, 0, 0)
        .single()
        .unwrap_or_default()
}

/// What an identity puts at stake: admin-equivalent through `admin_via` (when not empty), a
/// console password last used on `password` (`None`: no password; `Some(None)`: never used),
/// and one active access key per `(last used, service)`.
pub fn stakes(
    admin_via: &[&str],
    password: Option<Option<DateTime<Utc>>>,
    keys: &[(Option<DateTime<Utc>>, Option<&str>)],
) -> Stakes {
    Stakes {
        admin_equivalent: Some(!admin_via.is_empty()),
        admin_via: Some(admin_via.iter().map(ToString::to_string).collect()),
        console_password: password.is_some(),
        password_last_used: password.flatten(),
        access_keys: Some(
            keys.iter()
                .map(|(used, service)| AccessKeyStake {
                    active: true,
                    last_used_date: *used,
                    last_used_service: service.map(ToString::to_string),
                })
                .collect(),
        ),
        admin_unrecognised: Vec::new(),
    }
}

/// A failing identity as the evaluator and the store leave it: its priority, its stakes, and
/// the day its failing streak began (`None`: a fresh sweep, not read back).
pub fn prioritised(
    resource: ResourceReport,
    priority: Priority,
    stakes: Stakes,
    failing_since: Option<DateTime<Utc>>,
) -> ResourceReport {
    let mut resource = resource;
    resource.facts.priority = Some(priority);
    resource.facts.stakes = Some(stakes);
    resource.failing_since = failing_since;
    resource
}

/// An IAM user with every fact a user can carry: a FIDO key and a virtual device, enforced by
/// one policy, admin through `AdministratorAccess`, a password and a key in use.
pub fn user_with_every_fact(account: &str, name: &str, status: Status) -> ResourceReport {
    let mut user = iam_user(account, name, status);
    user.facts.mfa_devices = Some(vec![
        MfaDeviceFact {
            kind: MfaKind::Fido,
            serial: Some(format!("arn:aws:iam::{account}:u2f/user/{name}/key")),
            enabled_at: Some(day(2026, 1, 5)),
        },
        MfaDeviceFact {
            kind: MfaKind::Virtual,
            serial: Some(format!("arn:aws:iam::{account}:mfa/{name}")),
            enabled_at: None,
        },
    ]);
    user.facts.phishing_resistant = Some(true);
    user.facts.mfa_enforcement = Some(Enforcement {
        state: EnforcementState::Enforced,
        by: vec![format!("arn:aws:iam::{account}:policy/RequireMFA")],
        unrecognised: Vec::new(),
    });
    user.facts.stakes = Some(stakes(
        &["arn:aws:iam::aws:policy/AdministratorAccess"],
        Some(Some(day(2026, 12, 1))),
        &[(Some(day(2026, 12, 3)), Some("s3"))],
    ));
    if status == Status::Failed {
        user.facts.priority = Some(Priority::Critical);
    }
    user
}

/// A user pool in Cognito.5's scope with MFA on; `weak` when SMS is its only second factor.
pub fn pool(account: &str, id: &str, weak: bool) -> ResourceReport {
    let second_factors = if weak {
        vec![SecondFactor::Sms]
    } else {
        vec![SecondFactor::Sms, SecondFactor::SoftwareToken]
    };
    ResourceReport {
        resource_type: ResourceType::AwsCognitoUserPool,
        resource_id: format!("arn:aws:cognito-idp:us-east-1:{account}:userpool/{id}"),
        status: Status::Passed,
        evidence: json!({"source": "cognito-idp:DescribeUserPool", "MfaConfiguration": "ON"}),
        exception: None,
        failing_since: None,
        facts: mfa_evaluator::Facts {
            sign_in_factors: Some(vec![mfa_evaluator::FirstFactor::Password]),
            second_factors: Some(second_factors),
            weak_mfa: Some(weak),
            ..Default::default()
        },
    }
}

/// A report for the formats that carry priorities: in account 222222222222, a failing IAM.5
/// user per priority (named `critical`, `high`, `medium`, `low`), one whose facts were not read
/// (`unread`), a critical one an exception covers (`excepted`, exception `ci-keys`), and a
/// passing user with every fact (`strong`); a failing root (critical) in 333333333333.
pub fn priorities_report() -> crate::SweepReport {
    let account = "222222222222";
    let failing = |name: &str, priority: Priority| {
        prioritised(
            iam_user(account, name, Status::Failed),
            priority,
            stakes(&[], Some(Some(day(2026, 11, 1))), &[]),
            Some(day(2026, 10, 1)),
        )
    };
    let mut excepted = failing("excepted", Priority::Critical);
    excepted.exception = Some(crate::ExceptionRef {
        id: "ci-keys".into(),
        owner: "platform@example.com".into(),
        reason: "rotated by CI".into(),
        expires: day(2027, 3, 31).date_naive(),
        ticket: None,
    });
    let users = vec![
        failing("critical", Priority::Critical),
        failing("high", Priority::High),
        failing("medium", Priority::Medium),
        failing("low", Priority::Low),
        iam_user(account, "unread", Status::Failed),
        excepted,
        user_with_every_fact(account, "strong", Status::Passed),
    ];
    let root_account = "333333333333";
    let failing_root = prioritised(
        root(root_account, Status::Failed),
        Priority::Critical,
        stakes(&[], Some(None), &[]),
        None,
    );
    report(vec![
        assessed(account, vec![control(ControlId::Iam5, users)]),
        assessed(
            root_account,
            vec![control(ControlId::Iam9, vec![failing_root])],
        ),
    ])
}

/// A decided control: its status rolled up from its resources.
pub fn control(id: ControlId, resources: Vec<ResourceReport>) -> ControlReport {
    let status = roll_up(resources.iter().map(|r| r.status));
    ControlReport::new(id, status, None, resources)
}

/// A control that could not be read.
pub fn errored_control(id: ControlId, error: ErrorInfo) -> ControlReport {
    ControlReport {
        status: Status::Error,
        error: Some(error),
        ..control(id, Vec::new())
    }
}

/// An AWS error: `operation` in us-east-1 answered `code`.
pub fn data_error(operation: &str, code: &str) -> ErrorInfo {
    ErrorInfo {
        operation: operation.into(),
        region: "us-east-1".into(),
        code: Some(code.into()),
        message: format!("{operation} failed with {code}"),
        request_id: None,
    }
}

/// An assessed account with these controls; the five controls in order, those not given
/// NOT_APPLICABLE.
pub fn assessed(account_id: &str, controls: Vec<ControlReport>) -> AccountReport {
    let controls = ControlId::ALL
        .iter()
        .map(|&id| {
            controls
                .iter()
                .find(|c| c.control_id == id)
                .cloned()
                .unwrap_or_else(|| control(id, Vec::new()))
        })
        .collect();
    AccountReport {
        account_id: account_id.into(),
        account_name: format!("name-{account_id}"),
        ou_path: "Root/Workloads".into(),
        outcome: Outcome::Assessed,
        skip_reason: None,
        error: None,
        controls,
        regions: None,
        mfa_guardrail_scps: None,
        mfa_guardrail_scps_error: None,
    }
}

/// An account the audit role could not be assumed in.
pub fn errored(account_id: &str) -> AccountReport {
    AccountReport {
        outcome: Outcome::Error,
        error: Some(data_error("sts:AssumeRole", "AccessDenied")),
        controls: Vec::new(),
        ..assessed(account_id, Vec::new())
    }
}

/// An account out of scope.
pub fn skipped(account_id: &str, reason: SkipReason) -> AccountReport {
    AccountReport {
        outcome: Outcome::Skipped,
        skip_reason: Some(reason),
        controls: Vec::new(),
        ..assessed(account_id, Vec::new())
    }
}

/// A finished report of these accounts, sweep `sweep-1` of 2026-11-23 03:00 UTC, no changes.
pub fn report(accounts: Vec<AccountReport>) -> crate::SweepReport {
    let at = Utc
        .with_ymd_and_hms(2026, 11, 23, 3, 0, 0)
        .single()
        .unwrap_or_default();
    crate::SweepReport {
        schema_version: crate::SCHEMA_VERSION,
        sweep: SweepInfo {
            finished_at: Some(at + chrono::Duration::seconds(12)),
            status: SweepStatus::Completed,
            ..sweep_info("sweep-1", at)
        },
        control_counts: counts_of(&ControlId::ALL, &accounts),
        accounts,
        changes_since_previous_sweep: Vec::new(),
        as_of: None,
        standards: Vec::new(),
    }
}

/// Each control's counts over these accounts, as the store's `control_counts` gives them for a
/// sweep (an account that errored as a whole is errored for every control), for reports built
/// without a database.
pub fn counts_of(controls: &[ControlId], accounts: &[AccountReport]) -> Vec<ControlCounts> {
    controls
        .iter()
        .map(|&control_id| {
            let shown = accounts.iter().filter(|a| a.outcome != Outcome::Skipped);
            let results: Vec<Option<&ControlReport>> = shown
                .map(|a| a.controls.iter().find(|c| c.control_id == control_id))
                .collect();
            let with = |status: Status| {
                results
                    .iter()
                    .filter(|r| r.is_some_and(|r| r.status == status))
                    .count()
            };
            let failing = |r: &&ControlReport, excepted: bool| {
                r.resources
                    .iter()
                    .filter(|x| x.status == Status::Failed && (!excepted || x.exception.is_some()))
                    .count()
            };
            let found = || results.iter().flatten();
            ControlCounts {
                control_id,
                accounts_passed: with(Status::Passed),
                accounts_failed: with(Status::Failed),
                accounts_not_applicable: with(Status::NotApplicable),
                accounts_errored: results
                    .iter()
                    .filter(|r| r.is_none_or(|r| r.status == Status::Error))
                    .count(),
                failing_resources: found().map(|r| failing(r, false)).sum(),
                excepted_resources: found().map(|r| failing(r, true)).sum(),
                accounts_failed_unexcepted: found()
                    .filter(|r| r.status == Status::Failed && failing(r, false) > failing(r, true))
                    .count(),
            }
        })
        .collect()
}

/// An OU name as AWS allows one (any character, 1 to 128): it clears the screen, retitles the
/// terminal, rings the bell, starts a line of its own and returns the carriage.
pub const HOSTILE_OU: &str = "Prod\u{1b}[2J\u{1b}]0;pwned\u{7}\nFAKE: all accounts PASSED\r";

/// Account names as AWS allows them (printable ASCII) that a spreadsheet would run as formulas.
pub const FORMULA_NAMES: [&str; 4] = ["=HYPERLINK(\"http://x\",\"y\")", "@SUM(1+1)", "+1", "-2"];

/// A name that reorders the rest of its line (a right-to-left override, then an isolate).
pub const BIDI_NAME: &str = "admin\u{202e}txt.exe\u{2066}x\u{2069}";
