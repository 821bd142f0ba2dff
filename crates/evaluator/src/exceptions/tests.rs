//! Matching by control, account, OU and resource glob; the expiry boundary, with the day
//! passed in.

use super::*;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a valid date")
}

fn glob(pattern: &str) -> ResourceGlob {
    ResourceGlob::new(pattern).unwrap_or_else(|e| panic!("{pattern}: {e}"))
}

fn exception(id: &str) -> Exception {
    Exception {
        id: id.into(),
        controls: ControlScope::Only(vec![ControlId::Iam19]),
        accounts: Vec::new(),
        ous: Vec::new(),
        resources: Vec::new(),
        owner: "platform@example.com".into(),
        reason: "CI user, replaced by an OIDC role".into(),
        expires: day(2027, 3, 31),
        ticket: None,
    }
}

const ACCOUNT: &str = "111122223333";
const CI: &str = "arn:aws:iam::111122223333:user/automation/ci";

fn ous() -> Vec<String> {
    vec![
        "r-ab12".into(),
        "ou-ab12-11111111".into(),
        "ou-ab12-22222222".into(),
    ]
}

fn place<'a>(control: ControlId, ous: &'a [String], resource: &'a str) -> FindingPlace<'a> {
    FindingPlace {
        control,
        account_id: ACCOUNT,
        ous,
        resource_id: resource,
    }
}

#[test]
fn globs_match_whole_resource_ids() {
    // (pattern, text, matches)
    let cases = [
        ("arn:aws:iam::*:user/automation/*", CI, true),
        (
            "arn:aws:iam::*:user/automation/*",
            "arn:aws:iam::111122223333:user/ci",
            false,
        ),
        ("arn:aws:iam::111122223333:user/automation/ci", CI, true),
        ("arn:aws:iam::111122223333:user/automation/c", CI, false),
        ("arn:aws:iam::11112222333?:user/*", CI, true),
        ("arn:aws:iam::1111222233?:user/*", CI, false),
        ("*", CI, true),
        ("*ci", CI, true),
        ("*automation*", CI, true),
        (
            "arn:*:iam::*:root",
            "arn:aws-cn:iam::111122223333:root",
            true,
        ),
        ("arn:*:iam::*:root", CI, false),
        ("a*b*c*d", "arn:aXbYcZd", true),
        ("a*b*c*d", "arn:aXbYcZ", false),
        ("arn*", "arn", true),
        ("arn:**::", "arn:x::", true),
    ];
    for (pattern, text, want) in cases {
        assert_eq!(glob(pattern).matches(text), want, "{pattern} ~ {text}");
    }
}

#[test]
fn a_glob_that_cannot_match_an_arn_is_refused() {
    for bad in [
        "",
        "user/automation/*",
        "ARN:aws:*",
        "arn:aws:iam::* :user/x",
        "xarn:*",
    ] {
        assert!(ResourceGlob::new(bad).is_err(), "{bad:?}");
    }
    for good in ["*", "?rn:*", "ar*", "arn:aws:iam::*:user/*"] {
        assert!(ResourceGlob::new(good).is_ok(), "{good:?}");
    }
}

#[test]
fn the_scope_is_the_intersection_of_what_is_given() {
    let ous = ous();
    let at = place(ControlId::Iam19, &ous, CI);
    let on = day(2027, 1, 1);
    // (case, exception, covers)
    let cases: Vec<(&str, Exception, bool)> = vec![
        ("controls only", exception("a"), true),
        (
            "another control",
            Exception {
                controls: ControlScope::Only(vec![ControlId::Iam5]),
                ..exception("a")
            },
            false,
        ),
        (
            "every control",
            Exception {
                controls: ControlScope::All,
                ..exception("a")
            },
            true,
        ),
        (
            "this account",
            Exception {
                accounts: vec![ACCOUNT.into()],
                ..exception("a")
            },
            true,
        ),
        (
            "another account",
            Exception {
                accounts: vec!["999999999999".into()],
                ..exception("a")
            },
            false,
        ),
        (
            "a parent OU of the account, two levels up",
            Exception {
                ous: vec!["ou-ab12-11111111".into()],
                ..exception("a")
            },
            true,
        ),
        (
            "the root",
            Exception {
                ous: vec!["r-ab12".into()],
                ..exception("a")
            },
            true,
        ),
        (
            "an OU the account is not in",
            Exception {
                ous: vec!["ou-ab12-33333333".into()],
                ..exception("a")
            },
            false,
        ),
        (
            "a matching resource glob",
            Exception {
                resources: vec![glob("arn:aws:iam::*:user/automation/*")],
                ..exception("a")
            },
            true,
        ),
        (
            "the right account but another resource",
            Exception {
                accounts: vec![ACCOUNT.into()],
                resources: vec![glob("arn:aws:iam::*:user/staff/*")],
                ..exception("a")
            },
            false,
        ),
        (
            "the right resource but another OU",
            Exception {
                ous: vec!["ou-ab12-33333333".into()],
                resources: vec![glob("*")],
                ..exception("a")
            },
            false,
        ),
        (
            "any of several globs",
            Exception {
                resources: vec![glob("arn:aws:iam::*:user/x"), glob("*/ci")],
                ..exception("a")
            },
            true,
        ),
    ];
    for (case, exception, covers) in cases {
        assert_eq!(exception.covers(&at), covers, "{case}");
        assert_eq!(
            exception_for(std::slice::from_ref(&exception), &at, on).is_some(),
            covers,
            "{case}"
        );
    }
}

#[test]
fn an_exception_applies_through_its_last_day_and_not_after() {
    let ous = ous();
    let at = place(ControlId::Iam19, &ous, CI);
    let exceptions = [exception("ci")];
    let last_day = day(2027, 3, 31);
    assert!(
        exception_for(&exceptions, &at, last_day).is_some(),
        "the last day"
    );
    assert!(
        exception_for(&exceptions, &at, last_day.pred_opt().expect("a day")).is_some(),
        "the day before"
    );
    assert!(
        exception_for(&exceptions, &at, last_day.succ_opt().expect("a day")).is_none(),
        "the day after: the finding counts again"
    );
}

#[test]
fn states_on_a_day() {
    let e = exception("ci");
    assert_eq!(e.state_on(day(2027, 1, 1), 30), ExceptionState::Active);
    // 30 days of warning: from 2 March (29 days left) on.
    assert_eq!(e.state_on(day(2027, 3, 1), 30), ExceptionState::Active);
    assert_eq!(e.state_on(day(2027, 3, 2), 30), ExceptionState::Expiring);
    assert_eq!(e.state_on(day(2027, 3, 31), 30), ExceptionState::Expiring);
    assert_eq!(e.state_on(day(2027, 4, 1), 30), ExceptionState::Expired);
    assert_eq!(e.state_on(day(2027, 3, 31), 0), ExceptionState::Active);
}

#[test]
fn the_first_exception_in_the_file_that_applies_wins() {
    let ous = ous();
    let at = place(ControlId::Iam19, &ous, CI);
    let expired = Exception {
        expires: day(2026, 12, 31),
        ..exception("old")
    };
    let other_control = Exception {
        controls: ControlScope::Only(vec![ControlId::Iam5]),
        ..exception("console")
    };
    let exceptions = [expired, other_control, exception("ci"), exception("later")];
    let found = exception_for(&exceptions, &at, day(2027, 1, 15)).expect("covered");
    assert_eq!(found.id, "ci");
}

#[test]
fn exception_states_are_the_histories() {
    crate::wire_names::assert_wire_names::<ExceptionState>(&["active", "expiring", "expired"]);
    crate::wire_names::assert_serde_agrees::<ExceptionState>();
}
