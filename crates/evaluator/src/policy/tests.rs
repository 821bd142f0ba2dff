//! Reading a policy's text: what is refused and why, and IAM's wildcards.

use super::*;

#[test]
fn texts_that_are_not_policies_say_why() {
    // (case, text, a word the reason names)
    let cases = [
        ("not JSON", "Version: 2012-10-17", "not JSON"),
        (
            "URL-encoded",
            "%7B%22Version%22%3A%222012-10-17%22%7D",
            "not JSON",
        ),
        ("an array", "[]", "not a JSON object"),
        (
            "no statement",
            r#"{"Version": "2012-10-17"}"#,
            "no Statement",
        ),
        ("a statement string", r#"{"Statement": "Deny"}"#, "neither"),
        ("a statement number", r#"{"Statement": [1]}"#, "statement 1"),
        (
            "an unknown top element",
            r#"{"Statement": [], "Extra": 1}"#,
            "\"Extra\"",
        ),
        (
            "an element in another case",
            r#"{"Statement": [{"effect": "Deny", "Action": "*", "Resource": "*"}]}"#,
            "\"effect\"",
        ),
        (
            "an effect in another case",
            r#"{"Statement": [{"Effect": "deny", "Action": "*", "Resource": "*"}]}"#,
            "Effect",
        ),
        (
            "Action and NotAction",
            r#"{"Statement": [{"Effect": "Deny", "Action": "*", "NotAction": "s3:*", "Resource": "*"}]}"#,
            "both Action and NotAction",
        ),
        (
            "no Resource",
            r#"{"Statement": [{"Sid": "S", "Effect": "Deny", "Action": "*"}]}"#,
            "statement \"S\" has neither Resource",
        ),
        (
            "an action that is a number",
            r#"{"Statement": [{"Effect": "Deny", "Action": [1], "Resource": "*"}]}"#,
            "Action holds 1",
        ),
        (
            "a Principal (a resource policy)",
            r#"{"Statement": [{"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*"}]}"#,
            "\"Principal\"",
        ),
        (
            "a condition value that is an object",
            r#"{"Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*",
                "Condition": {"Bool": {"aws:MultiFactorAuthPresent": {"x": 1}}}}]}"#,
            "Bool aws:MultiFactorAuthPresent",
        ),
        (
            "a condition operator that is a string",
            r#"{"Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*",
                "Condition": {"Bool": "false"}}]}"#,
            "condition Bool",
        ),
    ];
    for (case, text, named) in cases {
        match PolicyDocument::parse(text) {
            Ok(document) => panic!("{case}: read as {document:?}"),
            Err(error) => assert!(error.to_string().contains(named), "{case}: {error}"),
        }
    }
}

#[test]
fn wildcards_match_as_iam_does() {
    let cases = [
        ("*", "iam:DeactivateMFADevice", true),
        ("iam:*", "iam:DeactivateMFADevice", true),
        ("iam:Deactivate*", "iam:DeactivateMFADevice", true),
        ("iam:*MFA*", "iam:DeleteVirtualMFADevice", true),
        ("iam:De?ctivateMFADevice", "iam:DeactivateMFADevice", true),
        ("IAM:DEACTIVATEMFADEVICE", "iam:DeactivateMFADevice", true),
        ("iam:Deactivate", "iam:DeactivateMFADevice", false),
        ("iam:*Virtual", "iam:DeleteVirtualMFADevice", false),
        ("iam:?", "iam:", false),
        ("s3:*", "iam:DeactivateMFADevice", false),
        ("*:*", "iam:DeactivateMFADevice", true),
        ("a*b*c", "aXbYbZc", true),
        ("a*b*c", "aXbYbZ", false),
        ("", "", true),
        ("", "x", false),
    ];
    for (pattern, text, expected) in cases {
        assert_eq!(glob_matches(pattern, text), expected, "{pattern} ~ {text}");
    }
}
