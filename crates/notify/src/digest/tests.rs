//! What one webhook hears: new failures and resolved ones by the store's rule, narrowed to
//! its topics and OUs; nothing to say is an empty digest; the topics' strings.

#![allow(clippy::unwrap_used)]

use super::*;
use chrono::{TimeZone, Utc};
use mfa_evaluator::{ResourceType, Status};
use mfa_report::fixtures::{self, assessed, errored, iam_user};
use mfa_report::{ChangeReport, ExceptionRef, FailingChange, FindingChange, SweepException};

const PROD: &str = "222222222222";
const DEV: &str = "333333333333";
const BROKEN: &str = "444444444444";

fn change(
    account: &str,
    user: &str,
    previous: Option<Status>,
    now: Option<Status>,
) -> ChangeReport {
    ChangeReport {
        account_id: account.into(),
        account_name: format!("name-{account}"),
        control_id: ControlId::Iam5,
        resource_type: ResourceType::AwsIamUser,
        resource_id: format!("arn:aws:iam::{account}:user/{user}"),
        // The digest counts what the store's `failing_change` says, whatever the view's
        // `change` called it; here it is set as that SQL function sets it.
        change: FindingChange::Gone,
        failing: match (previous, now) {
            (Some(Status::Failed), Some(Status::Failed)) => None,
            (_, Some(Status::Failed)) => Some(FailingChange::NewFailure),
            (Some(Status::Failed), _) => Some(FailingChange::Resolved),
            _ => None,
        },
        status: now,
        previous_status: previous,
    }
}

fn exception(id: &str, state: ExceptionState) -> SweepException {
    SweepException {
        exception: ExceptionRef {
            id: id.into(),
            owner: "owner@example.com".into(),
            reason: "r".into(),
            expires: chrono::NaiveDate::from_ymd_opt(2026, 12, 10).unwrap(),
            ticket: None,
        },
        state,
    }
}

fn report() -> SweepReport {
    let started = Utc
        .with_ymd_and_hms(2026, 11, 30, 3, 0, 0)
        .single()
        .unwrap();
    let mut excepted = iam_user(PROD, "ci", Status::Failed);
    excepted.exception = Some(exception("ci-keys", ExceptionState::Expiring).exception);
    let prod = assessed(
        PROD,
        vec![fixtures::control(
            ControlId::Iam5,
            vec![iam_user(PROD, "new-console", Status::Failed), excepted],
        )],
    );
    let mut sweep = fixtures::sweep_info("sweep-2", started);
    sweep.exceptions = vec![
        exception("ci-keys", ExceptionState::Expiring),
        exception("old", ExceptionState::Expired),
        exception("calm", ExceptionState::Active),
    ];
    SweepReport {
        schema_version: 1,
        sweep,
        accounts: vec![prod, assessed(DEV, Vec::new()), errored(BROKEN)],
        as_of: None,
        control_counts: Vec::new(),
        standards: Vec::new(),
        changes_since_previous_sweep: vec![
            // Appeared failing: a console user created without MFA.
            change(PROD, "new-console", None, Some(Status::Failed)),
            change(PROD, "ci", Some(Status::Passed), Some(Status::Failed)),
            // Deleted while failing: resolved.
            change(DEV, "gone", Some(Status::Failed), None),
            change(DEV, "fixed", Some(Status::Failed), Some(Status::Passed)),
            // Appeared passing, or gone passing: nothing to tell.
            change(DEV, "fine", None, Some(Status::Passed)),
            change(DEV, "left", Some(Status::Passed), None),
        ],
    }
}

struct World {
    newly_errored: BTreeSet<String>,
    exceptions_changed: HashMap<String, BTreeSet<String>>,
    ous_of: HashMap<String, Vec<String>>,
    became_critical: BTreeSet<(String, String)>,
}

fn world() -> World {
    World {
        newly_errored: [BROKEN.to_string()].into(),
        exceptions_changed: [
            ("ci-keys".to_string(), [PROD.to_string()].into()),
            ("old".to_string(), [DEV.to_string()].into()),
        ]
        .into(),
        ous_of: [
            (
                PROD.to_string(),
                vec!["ou-prod-1".to_string(), "ou-work-1".to_string()],
            ),
            (
                DEV.to_string(),
                vec!["ou-dev-1".to_string(), "ou-work-1".to_string()],
            ),
            (BROKEN.to_string(), vec!["ou-dev-1".to_string()]),
        ]
        .into(),
        became_critical: BTreeSet::new(),
    }
}

fn digest(report: &SweepReport, world: &World, topics: &[Topic], ous: &[&str]) -> Digest {
    let news = News {
        report,
        newly_errored: &world.newly_errored,
        exceptions_changed: &world.exceptions_changed,
        ous_of: &world.ous_of,
        became_critical: &world.became_critical,
    };
    Digest::build(
        &news,
        &Route {
            topics: topics.to_vec(),
            ous: ous.iter().map(ToString::to_string).collect(),
        },
    )
}

fn resources(digest: &Digest, kind: ChangeKind) -> Vec<&str> {
    digest
        .changes
        .iter()
        .filter(|c| c.change == kind)
        .map(|c| c.resource_id.rsplit('/').next().unwrap())
        .collect()
}

#[test]
fn new_failures_include_resources_that_appear_failing_and_resolved_those_gone_failing() {
    let (report, world) = (report(), world());
    let all = digest(&report, &world, &Topic::ALL, &[]);
    assert_eq!(
        resources(&all, ChangeKind::NewFailure),
        ["new-console", "ci"]
    );
    assert_eq!(resources(&all, ChangeKind::Resolved), ["gone", "fixed"]);
    let ci = all
        .changes
        .iter()
        .find(|c| c.resource_id.ends_with("/ci"))
        .unwrap();
    assert_eq!(
        ci.exception.as_deref(),
        Some("ci-keys"),
        "an accepted new failure says so"
    );
    assert_eq!(all.account_errors.len(), 1);
    assert_eq!(all.account_errors[0].code.as_deref(), Some("AccessDenied"));
    let exceptions: Vec<&str> = all.exceptions.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(
        exceptions,
        ["ci-keys", "old"],
        "active ones and unchanged ones are not news"
    );
}

#[test]
fn a_webhook_hears_only_its_topics_and_its_ous() {
    let (report, world) = (report(), world());
    let resolved_only = digest(&report, &world, &[Topic::Resolved], &[]);
    assert!(resolved_only.account_errors.is_empty() && resolved_only.exceptions.is_empty());
    assert_eq!(
        resources(&resolved_only, ChangeKind::NewFailure),
        Vec::<&str>::new()
    );

    let prod = digest(&report, &world, &Topic::ALL, &["ou-prod-1"]);
    assert!(prod.changes.iter().all(|c| c.account_id == PROD));
    assert_eq!(prod.changes.len(), 2);
    assert!(
        prod.account_errors.is_empty(),
        "the broken account is in dev"
    );
    let exceptions: Vec<&str> = prod.exceptions.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(
        exceptions,
        ["ci-keys"],
        "only the exception that covered findings there"
    );

    // A parent OU covers its nested OUs.
    let work = digest(&report, &world, &Topic::ALL, &["ou-work-1"]);
    assert_eq!(work.changes.len(), 4);
}

#[test]
fn nothing_changed_is_an_empty_digest() {
    let world = World {
        newly_errored: BTreeSet::new(),
        exceptions_changed: HashMap::new(),
        ous_of: HashMap::new(),
        became_critical: BTreeSet::new(),
    };
    let mut report = report();
    report.changes_since_previous_sweep.clear();
    assert!(digest(&report, &world, &Topic::ALL, &[]).is_empty());
    // An account that errored already the night before is not news either.
    assert!(report.accounts.iter().any(|a| a.outcome == Outcome::Error));
}

#[test]
fn topics_are_the_configuration_files() {
    use strum::IntoEnumIterator;
    mfa_evaluator::wire_names::assert_wire_names::<Topic>(&[
        "new_failures",
        "resolved",
        "account_errors",
        "exceptions_expiring",
        "critical",
    ]);
    mfa_evaluator::wire_names::assert_serde_agrees::<Topic>();
    assert_eq!(Topic::iter().collect::<Vec<_>>(), Topic::ALL);
}

/// `admin` fails IAM.5 and IAM.19 and is critical: it became so this sweep. `old-admin` was
/// critical already; `keys` became critical by the store's word but is not critical in the
/// report (never trusted alone).
fn critical_world() -> (SweepReport, World) {
    let mut report = report();
    let critical = |user: &str| {
        let mut resource = iam_user(PROD, user, Status::Failed);
        resource.facts.priority = Some(mfa_evaluator::Priority::Critical);
        resource.facts.stakes = Some(mfa_evaluator::Stakes {
            admin_equivalent: Some(true),
            admin_via: Some(vec!["arn:aws:iam::aws:policy/AdministratorAccess".into()]),
            console_password: true,
            password_last_used: None,
            access_keys: Some(Vec::new()),
            admin_unrecognised: Vec::new(),
        });
        resource
    };
    report.accounts[0] = assessed(
        PROD,
        vec![
            fixtures::control(
                ControlId::Iam5,
                vec![critical("admin"), critical("old-admin")],
            ),
            fixtures::control(
                ControlId::Iam19,
                vec![
                    critical("admin"),
                    critical("old-admin"),
                    iam_user(PROD, "keys", Status::Failed),
                ],
            ),
        ],
    );
    let mut world = world();
    world.became_critical = ["admin", "keys"]
        .iter()
        .map(|u| (PROD.to_string(), format!("arn:aws:iam::{PROD}:user/{u}")))
        .collect();
    (report, world)
}

#[test]
fn an_identity_that_became_critical_is_news_once_on_its_topic() {
    let (report, world) = critical_world();
    let heard = digest(&report, &world, &[Topic::Critical], &[]);
    assert_eq!(
        heard
            .critical
            .iter()
            .map(|c| (c.resource_id.as_str(), c.controls.clone()))
            .collect::<Vec<_>>(),
        vec![(
            "arn:aws:iam::222222222222:user/admin",
            vec![ControlId::Iam5, ControlId::Iam19]
        )]
    );
    assert!(!heard.is_empty());
    assert!(digest(&report, &world, &[Topic::NewFailures], &[])
        .critical
        .is_empty());
    assert!(digest(&report, &world, &[Topic::Critical], &["ou-dev-1"]).is_empty());
}
