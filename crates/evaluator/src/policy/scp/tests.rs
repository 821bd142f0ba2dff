//! Guardrail SCPs: one row per shape that denies weakening MFA, or does not.

use super::*;
use serde_json::{json, Value};

use crate::remediation_kit::PROTECT_MFA_SCP;

/// A document of one statement, as an array of one.
fn one(statement: Value) -> String {
    json!({"Version": "2012-10-17", "Statement": [statement]}).to_string()
}

#[test]
fn what_denies_weakening_mfa() {
    let deny = |actions: Value| json!({"Effect": "Deny", "Action": actions, "Resource": "*"});
    let both = json!(["iam:DeactivateMFADevice", "iam:DeleteVirtualMFADevice"]);
    let cases: Vec<(&str, String, bool)> = vec![
        (
            "the remediation kit's SCP, with its break-glass exception",
            PROTECT_MFA_SCP.to_string(),
            true,
        ),
        ("both, unconditionally", one(deny(both.clone())), true),
        ("iam:*", one(deny(json!("iam:*"))), true),
        ("*", one(deny(json!("*"))), true),
        (
            "by wildcards",
            one(deny(json!(["iam:Deactivate*", "iam:DeleteVirtual*"]))),
            true,
        ),
        (
            "in another case",
            one(deny(json!([
                "IAM:deactivatemfadevice",
                "iam:deletevirtualmfadevice"
            ]))),
            true,
        ),
        (
            "in two statements",
            json!({"Statement": [deny(json!("iam:DeactivateMFADevice")),
                                 deny(json!("iam:DeleteVirtualMFADevice"))]})
            .to_string(),
            true,
        ),
        (
            "a NotAction that leaves them in",
            one(json!({"Effect": "Deny", "NotAction": "s3:*", "Resource": "*"})),
            true,
        ),
        (
            "one of the two",
            one(deny(json!("iam:DeactivateMFADevice"))),
            false,
        ),
        (
            "a NotAction that leaves one out",
            one(json!({"Effect": "Deny", "NotAction": "iam:Deactivate*", "Resource": "*"})),
            false,
        ),
        (
            "an Allow of both",
            one(json!({"Effect": "Allow", "Action": both.clone(), "Resource": "*"})),
            false,
        ),
        (
            "one user's devices only",
            one(json!({"Effect": "Deny", "Action": both.clone(),
                       "Resource": "arn:aws:iam::*:user/admin"})),
            false,
        ),
        (
            "a condition other than break-glass",
            one(
                json!({"Effect": "Deny", "Action": both.clone(), "Resource": "*",
                       "Condition": {"StringEquals": {"aws:RequestedRegion": "us-east-1"}}}),
            ),
            false,
        ),
        (
            "an exception by another key than the principal",
            one(
                json!({"Effect": "Deny", "Action": both.clone(), "Resource": "*",
                       "Condition": {"ArnNotLike": {"aws:SourceArn": "arn:aws:iam::*:role/BG"}}}),
            ),
            false,
        ),
        (
            "break-glass by StringNotLike, the key in lower case",
            one(json!({"Effect": "Deny", "Action": both, "Resource": "*",
                       "Condition": {"StringNotLike": {"aws:principalarn": "arn:aws:iam::*:role/BG"}}})),
            true,
        ),
    ];
    for (case, text, expected) in cases {
        let document = PolicyDocument::parse(&text);
        assert_eq!(
            document.map(|d| denies_weakening_mfa(&d)),
            Ok(expected),
            "{case}"
        );
    }
}

#[test]
fn statements_keyed_on_mfa_are_named_whatever_their_effect() {
    let text = json!({"Statement": [
        {"Sid": "Plain", "Effect": "Deny", "Action": "s3:*", "Resource": "*"},
        {"Sid": "OnlyWithMfa", "Effect": "Allow", "Action": "*", "Resource": "*",
         "Condition": {"Bool": {"AWS:MultiFactorAuthPresent": "true"}}},
        {"Effect": "Deny", "Action": "*", "Resource": "*",
         "Condition": {"NumericGreaterThan": {"aws:MultiFactorAuthAge": "60"}}}]})
    .to_string();
    let named = PolicyDocument::parse(&text).map(|d| mfa_keyed_statements(&d));
    assert_eq!(
        named,
        Ok(vec![
            "statement \"OnlyWithMfa\"".to_string(),
            "statement 3".to_string()
        ])
    );
    let kit = PolicyDocument::parse(&PROTECT_MFA_SCP).map(|d| mfa_keyed_statements(&d));
    assert_eq!(kit, Ok(vec![]), "the guardrail SCP keys on the principal");
}
