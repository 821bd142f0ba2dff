//! Which identities Fix first lists, in which order, once each, and how their stakes read.

use super::*;
use crate::fixtures::{self, day, prioritised, stakes};
use mfa_evaluator::Priority::{Critical, High, Low, Medium};

fn user(
    account: &str,
    name: &str,
    priority: Priority,
    since: Option<DateTime<Utc>>,
) -> ResourceReport {
    let user = fixtures::iam_user(account, name, Status::Failed);
    prioritised(user, priority, stakes(&[], Some(None), &[]), since)
}

fn root(account: &str, priority: Priority, since: Option<DateTime<Utc>>) -> ResourceReport {
    let root = fixtures::root(account, Status::Failed);
    prioritised(root, priority, stakes(&[], Some(None), &[]), since)
}

fn account(id: &str, controls: Vec<(ControlId, Vec<ResourceReport>)>) -> AccountReport {
    let controls = controls
        .into_iter()
        .map(|(id, resources)| fixtures::control(id, resources))
        .collect();
    fixtures::assessed(id, controls)
}

/// `priority control account identity` per entry, in order.
fn listed(report: &SweepReport) -> Vec<String> {
    FixFirst::of(report)
        .entries
        .iter()
        .map(|e| {
            format!(
                "{} {} {} {}",
                e.priority,
                e.controls(),
                e.account.account_id,
                e.identity()
            )
        })
        .collect()
}

#[test]
fn by_priority_then_the_longest_failing_then_account_and_resource() {
    let report = fixtures::report(vec![
        account(
            "222222222222",
            vec![
                (
                    ControlId::Iam9,
                    vec![root("222222222222", High, Some(day(2026, 9, 1)))],
                ),
                (
                    ControlId::Iam5,
                    vec![
                        user("222222222222", "fresh", Low, None),
                        user("222222222222", "old", Low, Some(day(2025, 1, 1))),
                        user("222222222222", "admin", Critical, Some(day(2026, 11, 1))),
                        user("222222222222", "b", Medium, None),
                        user("222222222222", "a", Medium, None),
                    ],
                ),
            ],
        ),
        account(
            "111111111111",
            vec![
                (
                    ControlId::Iam9,
                    vec![root("111111111111", High, Some(day(2026, 9, 1)))],
                ),
                (
                    ControlId::Iam19,
                    vec![user("111111111111", "z", Medium, None)],
                ),
            ],
        ),
    ]);
    assert_eq!(
        listed(&report),
        [
            "critical IAM.5 222222222222 admin",
            // Same streak: by account.
            "high IAM.9 111111111111 root",
            "high IAM.9 222222222222 root",
            // No streak known: by account, then resource.
            "medium IAM.19 111111111111 z",
            "medium IAM.5 222222222222 a",
            "medium IAM.5 222222222222 b",
            // A known streak before an unknown one.
            "low IAM.5 222222222222 old",
            "low IAM.5 222222222222 fresh",
        ]
    );
    assert_eq!(
        FixFirst::of(&report).counts(),
        "1 critical, 2 high, 3 medium, 2 low"
    );
}

#[test]
fn a_user_failing_iam5_and_iam19_is_listed_once_naming_both() {
    let account_id = "222222222222";
    let report = fixtures::report(vec![account(
        account_id,
        vec![
            (
                ControlId::Iam5,
                vec![user(account_id, "staff/jess", High, Some(day(2026, 10, 1)))],
            ),
            (
                ControlId::Iam19,
                vec![
                    user(account_id, "staff/jess", Critical, Some(day(2026, 6, 1))),
                    user(account_id, "ci", Medium, None),
                ],
            ),
        ],
    )]);
    let fix = FixFirst::of(&report);
    assert_eq!(
        listed(&report),
        [
            "critical IAM.5, IAM.19 222222222222 jess",
            "medium IAM.19 222222222222 ci"
        ]
    );
    // The most urgent priority and the longest streak of the two findings.
    assert_eq!(fix.entries[0].failing_since, Some(day(2026, 6, 1)));
    assert_eq!(fix.counts(), "1 critical, 0 high, 1 medium, 0 low");
}

#[test]
fn excepted_passing_and_unprioritised_findings_are_not_listed() {
    let account_id = "222222222222";
    let mut excepted = user(account_id, "accepted", Critical, None);
    excepted.exception = Some(crate::ExceptionRef {
        id: "ci-keys".into(),
        owner: "platform@example.com".into(),
        reason: "rotated by CI".into(),
        expires: day(2027, 3, 31).date_naive(),
        ticket: None,
    });
    let mut passing = user(account_id, "passing", High, None);
    passing.status = Status::Passed;
    let unread = fixtures::iam_user(account_id, "unread", Status::Failed);
    let mut both = user(account_id, "both", High, None);
    both.exception = excepted.exception.clone();
    let report = fixtures::report(vec![account(
        account_id,
        vec![
            // IAM.6 carries no priority and is not Fix first's.
            (ControlId::Iam6, vec![root(account_id, Critical, None)]),
            (
                ControlId::Iam5,
                vec![
                    excepted,
                    passing,
                    unread.clone(),
                    both,
                    user(account_id, "x", Low, None),
                    user(account_id, "half", Low, None),
                ],
            ),
            // Excepted under IAM.5, not under IAM.19: listed for IAM.19 alone. A priority
            // under IAM.5 only: listed for IAM.5, not counted as without one.
            (
                ControlId::Iam19,
                vec![
                    unread,
                    user(account_id, "both", High, None),
                    fixtures::iam_user(account_id, "half", Status::Failed),
                ],
            ),
        ],
    )]);
    assert_eq!(
        listed(&report),
        [
            "high IAM.19 222222222222 both",
            "low IAM.5 222222222222 half",
            "low IAM.5 222222222222 x"
        ]
    );
    let fix = FixFirst::of(&report);
    assert_eq!(fix.without_priority, 1, "unread, once for its two controls");
    assert!(!fix.is_empty());
    assert!(FixFirst::of(&fixtures::report(Vec::new())).is_empty());
}

#[test]
fn the_first_twenty_are_shown_and_the_rest_counted() {
    let users: Vec<ResourceReport> = (0..SHOWN + 7)
        .map(|i| user("222222222222", &format!("u{i:03}"), High, None))
        .collect();
    let report = fixtures::report(vec![account(
        "222222222222",
        vec![(ControlId::Iam5, users)],
    )]);
    let fix = FixFirst::of(&report);
    assert_eq!(fix.shown().len(), SHOWN);
    assert_eq!(fix.more(), 7);
    assert_eq!(fix.shown()[0].identity(), "u000");
    assert_eq!(fix.counts(), "0 critical, 27 high, 0 medium, 0 low");
}

#[test]
fn stakes_read_in_one_line() {
    let used = |d| Some(day(2026, 12, d));
    for (stakes, line) in [
        (
            stakes(
                &["arn:aws:iam::aws:policy/AdministratorAccess"],
                Some(used(1)),
                &[(used(3), Some("s3"))],
            ),
            "admin (AdministratorAccess) · console password, last used 2026-12-01 · 1 active key, \
             last used 2026-12-03 (s3)",
        ),
        (
            stakes(
                &[
                    "arn:aws:iam::111111111111:policy/team/Everything",
                    "arn:aws:iam::111111111111:group/admins:inline/all",
                ],
                None,
                &[(used(2), None), (used(5), Some("iam")), (None, None)],
            ),
            "admin (Everything, group/admins:inline/all) · 3 active keys, last used 2026-12-05 (iam)",
        ),
        (
            stakes(&[], Some(None), &[(None, None)]),
            "console password, never used · 1 active key, never used",
        ),
        (stakes(&[], None, &[]), "no active credential"),
        // A low admin: why it is low is said beside what it could do.
        (
            stakes(&["arn:aws:iam::aws:policy/AdministratorAccess"], None, &[]),
            "admin (AdministratorAccess) · no active credential",
        ),
        (
            Stakes {
                admin_via: Some(Vec::new()),
                ..stakes(&["root needs none"], None, &[])
            },
            "admin · no active credential",
        ),
        (
            Stakes {
                access_keys: None,
                ..stakes(&[], None, &[])
            },
            "access keys not read",
        ),
        (
            Stakes {
                access_keys: Some(vec![AccessKeyStake {
                    active: false,
                    last_used_date: used(9),
                    last_used_service: Some("s3".into()),
                }]),
                ..stakes(&[], None, &[])
            },
            "no active credential",
        ),
    ] {
        assert_eq!(stakes_line(&stakes), line);
    }
}
