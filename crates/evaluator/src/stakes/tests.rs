//! One row per rule of the priority, and the stakes of a user and of root.

use super::*;
use crate::authorization::AccessKeyUse;
use crate::snapshot::UserSource;
use chrono::TimeZone;
use Priority::{Critical, High, Low, Medium};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 1, 3, 0, 0)
        .single()
        .expect("valid date")
}

fn days_ago(days: i64) -> DateTime<Utc> {
    now() - Duration::days(days)
}

fn key(used: Option<i64>) -> AccessKeyStake {
    AccessKeyStake {
        active: true,
        last_used_date: used.map(days_ago),
        last_used_service: used.map(|_| "s3".to_string()),
    }
}

/// Stakes with the admin verdict, a console password last used so many days ago (or never),
/// and the active keys each last used so many days ago (`None`: keys not read).
fn stakes(
    admin: Option<bool>,
    console: Option<Option<i64>>,
    keys: Option<&[Option<i64>]>,
) -> Stakes {
    Stakes {
        admin_equivalent: admin,
        admin_via: admin.map(|_| Vec::new()),
        admin_unrecognised: Vec::new(),
        console_password: console.is_some(),
        password_last_used: console.flatten().map(days_ago),
        access_keys: keys.map(|keys| keys.iter().copied().map(key).collect()),
    }
}

#[test]
fn priority_of_a_failing_user() {
    const NO_KEYS: Option<&[Option<i64>]> = Some(&[]);
    const UNREAD: Option<&[Option<i64>]> = None;
    let console_never_used = Some(None);
    // (case, stakes, priority)
    let cases: Vec<(&str, Stakes, Option<Priority>)> = vec![
        (
            "no credential at all",
            stakes(Some(false), None, NO_KEYS),
            Some(Low),
        ),
        (
            "no credential, admin",
            stakes(Some(true), None, NO_KEYS),
            Some(Low),
        ),
        (
            "no credential, policies not read",
            stakes(None, None, NO_KEYS),
            Some(Low),
        ),
        (
            "keys not read, no password",
            stakes(Some(false), None, UNREAD),
            None,
        ),
        (
            "admin with a password",
            stakes(Some(true), console_never_used, NO_KEYS),
            Some(Critical),
        ),
        (
            "admin with a key",
            stakes(Some(true), None, Some(&[None])),
            Some(Critical),
        ),
        (
            "admin, keys not read, a password",
            stakes(Some(true), console_never_used, UNREAD),
            Some(Critical),
        ),
        (
            "a password, policies not read",
            stakes(None, Some(Some(1)), NO_KEYS),
            None,
        ),
        (
            "a key, policies not read",
            stakes(None, None, Some(&[Some(1)])),
            None,
        ),
        (
            "a password used 10 days ago",
            stakes(Some(false), Some(Some(10)), NO_KEYS),
            Some(High),
        ),
        (
            "a password used 90 days ago",
            stakes(Some(false), Some(Some(90)), NO_KEYS),
            Some(High),
        ),
        (
            "a password used 91 days ago",
            stakes(Some(false), Some(Some(91)), NO_KEYS),
            Some(Medium),
        ),
        (
            "a password never used",
            stakes(Some(false), console_never_used, NO_KEYS),
            Some(Medium),
        ),
        (
            "a key used 5 days ago",
            stakes(Some(false), None, Some(&[Some(5)])),
            Some(High),
        ),
        (
            "a key never used",
            stakes(Some(false), None, Some(&[None])),
            Some(Medium),
        ),
        (
            "a key used a year ago",
            stakes(Some(false), None, Some(&[Some(365)])),
            Some(Medium),
        ),
        (
            "two keys, the second recent",
            stakes(Some(false), None, Some(&[Some(400), Some(3)])),
            Some(High),
        ),
        (
            "a recent password, keys not read",
            stakes(Some(false), Some(Some(2)), UNREAD),
            Some(High),
        ),
        (
            "an old password, keys not read",
            stakes(Some(false), Some(Some(200)), UNREAD),
            None,
        ),
    ];
    for (case, stakes, expected) in cases {
        assert_eq!(user_priority(&stakes, now()), expected, "{case}");
    }
}

#[test]
fn a_password_removed_since_its_last_use_is_no_credential() {
    let mut removed = stakes(Some(false), None, Some(&[]));
    removed.password_last_used = Some(days_ago(3));
    assert_eq!(user_priority(&removed, now()), Some(Low));
    removed.access_keys = Some(vec![key(None)]);
    assert_eq!(user_priority(&removed, now()), Some(Medium));
}

fn user(usage: Option<CredentialUse>) -> IamUser {
    IamUser {
        name: "jess".to_string(),
        arn: "arn:aws:iam::111122223333:user/jess".to_string(),
        password_enabled: true,
        mfa_active: false,
        access_key_1_active: true,
        access_key_2_active: false,
        in_report: usage.is_some(),
        mfa_source: UserSource::CredentialReport,
        console_source: UserSource::CredentialReport,
        usage,
        mfa_devices: None,
    }
}

fn usage(password: Option<i64>, keys: &[Option<i64>]) -> CredentialUse {
    CredentialUse {
        password_last_used: password.map(days_ago),
        active_access_keys: keys
            .iter()
            .map(|used| AccessKeyUse {
                last_used_date: used.map(days_ago),
                last_used_service: used.map(|_| "s3".to_string()),
            })
            .collect(),
    }
}

#[test]
fn a_users_stakes() {
    let admin = AdminFacts {
        equivalent: Some(true),
        via: vec!["arn:aws:iam::aws:policy/AdministratorAccess".to_string()],
        unrecognised: Vec::new(),
    };
    let read = user_stakes(&user(Some(usage(Some(4), &[Some(2)]))), Some(admin.clone()));
    assert_eq!(read.admin_equivalent, Some(true));
    assert_eq!(read.admin_via, Some(admin.via));
    assert!(read.console_password);
    assert_eq!(read.password_last_used, Some(days_ago(4)));
    assert_eq!(read.access_keys, Some(vec![key(Some(2))]));

    let unread = user_stakes(&user(None), None);
    assert_eq!(unread.admin_equivalent, None);
    assert_eq!(
        unread.admin_via, None,
        "policies not read: no list, not an empty one"
    );
    assert_eq!(unread.password_last_used, None);
    assert_eq!(unread.access_keys, None, "keys not read are absent");
}

fn summary(password: bool, keys: bool) -> AccountSummary {
    AccountSummary {
        account_mfa_enabled: false,
        account_password_present: password,
        account_access_keys_present: keys,
        read_at: now(),
    }
}

#[test]
fn roots_stakes() {
    // (case, password, keys, the report's root row, console, keys listed)
    type Case<'a> = (&'a str, bool, bool, Option<CredentialUse>, Option<usize>);
    let cases: Vec<Case> = vec![
        ("a password, no row", true, false, None, Some(0)),
        ("keys, no row: not read", false, true, None, None),
        (
            "keys, a row",
            false,
            true,
            Some(usage(None, &[Some(1)])),
            Some(1),
        ),
        (
            "a password and a row",
            true,
            false,
            Some(usage(Some(1), &[])),
            Some(0),
        ),
    ];
    for (case, password, keys, row, listed) in cases {
        let stakes = root_stakes(&summary(password, keys), row.as_ref());
        assert_eq!(stakes.admin_equivalent, Some(true), "{case}");
        assert_eq!(stakes.admin_via, Some(Vec::new()), "{case}");
        assert_eq!(stakes.console_password, password, "{case}");
        assert_eq!(stakes.access_keys.map(|k| k.len()), listed, "{case}");
        let used = row.and_then(|r| r.password_last_used);
        assert_eq!(stakes.password_last_used, used, "{case}");
    }
}
