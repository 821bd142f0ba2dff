use super::*;

const FILE: &str = "config/exceptions.toml";

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 29).expect("a date")
}

fn parse(text: &str) -> Result<Vec<Exception>, ConfigError> {
    parse_exceptions(text, FILE, today(), 365)
}

/// A valid entry, with `extra` lines added (a later key wins in no TOML: tests that change a
/// key build the entry from `entry_without`).
fn entry(extra: &str) -> String {
    format!("{}{extra}", entry_without(&[]))
}

/// A valid entry without the keys named.
fn entry_without(keys: &[&str]) -> String {
    let lines = [
        ("id", "id = \"ci-deployer-keys\""),
        ("controls", "controls = [\"IAM.19\"]"),
        ("accounts", "accounts = [\"123456789012\"]"),
        (
            "resources",
            "resources = [\"arn:aws:iam::*:user/automation/*\"]",
        ),
        ("owner", "owner = \"platform-team@example.com\""),
        ("reason", "reason = \"CI user; replaced by an OIDC role\""),
        ("expires", "expires = 2027-03-31"),
        ("ticket", "ticket = \"SEC-1234\""),
    ];
    let mut text = String::from("[[exception]]\n");
    for (key, line) in lines {
        if !keys.contains(&key) {
            text += line;
            text += "\n";
        }
    }
    text
}

#[test]
fn a_good_file_reads_back_every_field() {
    let text = format!(
        "{}\n[[exception]]\nid = \"legacy-pool\"\ncontrols = [\"*\"]\nous = [\"ou-ab12-11111111\"]\nowner = \"app-team\"\nreason = \"MFA rollout\"\nexpires = 2026-01-31\n",
        entry("")
    );
    let exceptions = parse(&text).expect("valid");
    assert_eq!(exceptions.len(), 2);
    let ci = &exceptions[0];
    assert_eq!(ci.id, "ci-deployer-keys");
    assert_eq!(ci.controls, ControlScope::Only(vec![ControlId::Iam19]));
    assert_eq!(ci.accounts, vec!["123456789012"]);
    assert_eq!(ci.resources[0].as_str(), "arn:aws:iam::*:user/automation/*");
    assert_eq!(ci.owner, "platform-team@example.com");
    assert_eq!(
        ci.expires,
        NaiveDate::from_ymd_opt(2027, 3, 31).expect("a date")
    );
    assert_eq!(ci.ticket.as_deref(), Some("SEC-1234"));
    // Expired already: not an error, it simply applies no more.
    assert_eq!(exceptions[1].controls, ControlScope::All);
    assert!(!exceptions[1].applies_on(today()));
    assert!(parse("")
        .expect("an empty file is no exceptions")
        .is_empty());
}

#[test]
fn a_bad_file_names_the_entry_and_the_key() {
    let named = format!("{FILE}, exception \"ci-deployer-keys\"");
    let first = format!("{FILE}, exception #1");
    let spaced = format!("{FILE}, exception \"ci keys\"");
    // (case, text, origin, key, part of the message)
    let cases: Vec<(&str, String, &str, &str, &str)> = vec![
        (
            "not TOML",
            "[[exception]\nid = 1".into(),
            FILE,
            "",
            "not valid TOML at line 1",
        ),
        (
            "an unknown top-level key",
            format!("exceptions = []\n{}", entry("")),
            FILE,
            "",
            "unknown key `exceptions`",
        ),
        (
            "an unknown key in an entry",
            entry("owners = \"x\"\n"),
            &named,
            "owners",
            "is not a key of an exception",
        ),
        ("no id", entry_without(&["id"]), &first, "id", "is required"),
        (
            "an id with spaces",
            entry_without(&["id"]) + "id = \"ci keys\"\n",
            &spaced,
            "id",
            "letters, digits",
        ),
        (
            "a duplicate id",
            format!("{}{}", entry(""), entry("")),
            &named,
            "id",
            "earlier entry",
        ),
        (
            "no controls",
            entry_without(&["controls"]),
            &named,
            "controls",
            "is required",
        ),
        (
            "an unknown control",
            entry_without(&["controls"]) + "controls = [\"IAM.99\"]\n",
            &named,
            "controls",
            "\"IAM.99\" is not a control",
        ),
        (
            "\"*\" with others",
            entry_without(&["controls"]) + "controls = [\"*\", \"IAM.5\"]\n",
            &named,
            "controls",
            "stands alone",
        ),
        (
            "a bad account id",
            entry_without(&["accounts"]) + "accounts = [\"12345\"]\n",
            &named,
            "accounts",
            "12-digit",
        ),
        (
            "a bad OU id",
            entry("ous = [\"ou-12\"]\n"),
            &named,
            "ous",
            "not an OU id",
        ),
        (
            "a glob that cannot match an ARN",
            entry_without(&["resources"]) + "resources = [\"user/automation/*\"]\n",
            &named,
            "resources",
            "cannot match a resource id",
        ),
        (
            "no scope at all",
            entry_without(&["accounts", "resources"]),
            &named,
            "accounts",
            "at least one of accounts, ous or resources",
        ),
        (
            "no owner",
            entry_without(&["owner"]),
            &named,
            "owner",
            "is required",
        ),
        (
            "an empty reason",
            entry_without(&["reason"]) + "reason = \" \"\n",
            &named,
            "reason",
            "must not be empty",
        ),
        (
            "no expires",
            entry_without(&["expires"]),
            &named,
            "expires",
            "nothing is accepted for ever",
        ),
        (
            "expires as a string",
            entry_without(&["expires"]) + "expires = \"2027-03-31\"\n",
            &named,
            "expires",
            "TOML date",
        ),
        (
            "expires with a time",
            entry_without(&["expires"]) + "expires = 2027-03-31T10:00:00Z\n",
            &named,
            "expires",
            "no time",
        ),
        (
            "expires beyond max_days",
            entry_without(&["expires"]) + "expires = 2027-12-31\n",
            &named,
            "expires",
            "more than 365 days ahead",
        ),
        (
            "a ticket that is a number",
            entry_without(&["ticket"]) + "ticket = 1234\n",
            &named,
            "ticket",
            "must be a string",
        ),
        (
            "accounts not a list",
            entry_without(&["accounts"]) + "accounts = \"123456789012\"\n",
            &named,
            "accounts",
            "list of strings",
        ),
        (
            "exception not an array of tables",
            "exception = 3\n".into(),
            FILE,
            "",
            "array of tables",
        ),
    ];
    assert!(cases.len() >= 15);
    for (case, text, origin, key, message) in cases {
        let error = parse(&text).expect_err(case);
        assert_eq!(error.origin, origin, "{case}: {error}");
        assert_eq!(error.key, key, "{case}: {error}");
        assert!(error.message.contains(message), "{case}: {error}");
    }
}

#[test]
fn the_last_allowed_day_is_max_days_ahead() {
    let at = |date: &str| entry_without(&["expires"]) + &format!("expires = {date}\n");
    assert!(parse(&at("2027-11-29")).is_ok(), "365 days ahead");
    assert!(parse(&at("2027-11-30")).is_err(), "366 days ahead");
}

#[test]
fn a_missing_file_is_named() {
    let error = load_exceptions(Path::new("/nonexistent/exceptions.toml"), today(), 365)
        .expect_err("missing");
    assert_eq!(error.origin, "/nonexistent/exceptions.toml");
    assert!(
        error.message.contains("cannot read the exceptions file"),
        "{error}"
    );
}

#[test]
fn the_shipped_example_is_valid() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/exceptions.example.toml");
    let exceptions = load_exceptions(&path, chrono::Utc::now().date_naive(), 365)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(exceptions.len(), 2);
}

/// The keys messages list are the entry's fields, in order, and the list keys are its lists:
/// a field added to `RawEntry` and not to `KEYS` (or the other way) fails here, not in a
/// message a user reads.
#[test]
fn the_keys_messages_list_are_the_entry_s_fields() {
    let refused = toml::from_str::<RawEntry>("zz = 1")
        .err()
        .map(|e| e.message().to_string())
        .unwrap_or_default();
    let listed: Vec<&str> = refused
        .split_once("expected one of ")
        .map(|(_, names)| names.split(", ").map(|n| n.trim_matches('`')).collect())
        .unwrap_or_default();
    assert_eq!(listed, KEYS, "{refused}");
    for key in KEYS {
        let as_string = toml::from_str::<RawEntry>(&format!("{key} = \"x\""));
        let is_list = as_string
            .as_ref()
            .err()
            .is_some_and(|e| e.message().contains("expected a sequence"));
        assert_eq!(
            is_list,
            LIST_KEYS.contains(&key),
            "{key}: {as_string:?}",
            as_string = as_string.err()
        );
    }
}
