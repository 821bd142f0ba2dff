//! Table tests over real-world policy shapes: one row per case of `docs/controls.md`,
//! "Enforced by policy" and "What is at stake".

use super::*;
use crate::policy::PolicyDocument;
use serde_json::{json, Value};

use crate::remediation_kit::REQUIRE_MFA_POLICY;

/// The shape of the IAM User Guide's "AWS: Allows MFA-authenticated IAM users to manage their
/// own credentials on the Security credentials page"
/// (`reference_policies_examples_aws_my-sec-creds-self-manage.html`); the statements on signing
/// certificates, SSH keys and Git credentials are left out (they are `Allow`s like the others).
fn aws_self_manage_with_mfa() -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "AllowViewAccountInfo", "Effect": "Allow",
             "Action": ["iam:GetAccountPasswordPolicy", "iam:ListVirtualMFADevices"],
             "Resource": "*"},
            {"Sid": "AllowManageOwnPasswords", "Effect": "Allow",
             "Action": ["iam:ChangePassword", "iam:GetUser"],
             "Resource": "arn:aws:iam::*:user/${aws:username}"},
            {"Sid": "AllowManageOwnAccessKeys", "Effect": "Allow",
             "Action": ["iam:CreateAccessKey", "iam:DeleteAccessKey", "iam:ListAccessKeys",
                        "iam:UpdateAccessKey", "iam:GetAccessKeyLastUsed"],
             "Resource": "arn:aws:iam::*:user/${aws:username}"},
            {"Sid": "AllowManageOwnVirtualMFADevice", "Effect": "Allow",
             "Action": ["iam:CreateVirtualMFADevice"],
             "Resource": "arn:aws:iam::*:mfa/*"},
            {"Sid": "AllowManageOwnUserMFA", "Effect": "Allow",
             "Action": ["iam:DeactivateMFADevice", "iam:EnableMFADevice",
                        "iam:ListMFADevices", "iam:ResyncMFADevice"],
             "Resource": "arn:aws:iam::*:user/${aws:username}"},
            {"Sid": "DenyAllExceptListedIfNoMFA", "Effect": "Deny",
             "NotAction": ["iam:CreateVirtualMFADevice", "iam:EnableMFADevice", "iam:GetUser",
                           "iam:GetMFADevice", "iam:ListMFADevices",
                           "iam:ListVirtualMFADevices", "iam:ResyncMFADevice",
                           "sts:GetSessionToken"],
             "Resource": "*",
             "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}}
        ]
    })
}

/// A document of one statement, as an array of one.
fn one(statement: Value) -> String {
    json!({"Version": "2012-10-17", "Statement": [statement]}).to_string()
}

/// A `Deny` of everything but the listed self-service actions, under `condition`.
fn deny_without(condition: Value) -> String {
    one(json!({
        "Effect": "Deny",
        "NotAction": ["iam:EnableMFADevice", "sts:GetSessionToken"],
        "Resource": "*",
        "Condition": condition,
    }))
}

/// What a text says about enforcement, as a word.
fn enforcement(text: &str) -> &'static str {
    match PolicyDocument::parse(text).map(|d| mfa_deny(&d)) {
        Ok(MfaDeny::Enforces) => "enforced",
        Ok(MfaDeny::Nothing) => "not",
        Ok(MfaDeny::Unrecognised(_)) => "unrecognised",
        Err(_) => "not a policy",
    }
}

#[test]
fn what_enforces_mfa() {
    let present_false = json!({"aws:MultiFactorAuthPresent": "false"});
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "the remediation kit's policy",
            REQUIRE_MFA_POLICY.to_string(),
            "enforced",
        ),
        (
            "AWS's self-manage-with-MFA example",
            aws_self_manage_with_mfa().to_string(),
            "enforced",
        ),
        (
            "BoolIfExists false",
            deny_without(json!({"BoolIfExists": present_false})),
            "enforced",
        ),
        (
            "Bool false",
            deny_without(json!({"Bool": present_false})),
            "enforced",
        ),
        (
            "Bool with a JSON false",
            deny_without(json!({"Bool": {"aws:MultiFactorAuthPresent": false}})),
            "enforced",
        ),
        (
            "a one-value array",
            deny_without(json!({"Bool": {"aws:MultiFactorAuthPresent": ["false"]}})),
            "enforced",
        ),
        (
            "Null true",
            deny_without(json!({"Null": {"aws:MultiFactorAuthPresent": "true"}})),
            "enforced",
        ),
        (
            "Null with a JSON true",
            deny_without(json!({"Null": {"aws:MultiFactorAuthPresent": true}})),
            "enforced",
        ),
        (
            "the key in lower case",
            deny_without(json!({"BoolIfExists": {"aws:multifactorauthpresent": "false"}})),
            "enforced",
        ),
        (
            "Action \"*\" and a single-statement object",
            json!({"Statement": {"Effect": "Deny", "Action": "*", "Resource": "*",
                   "Condition": {"BoolIfExists": present_false}}})
            .to_string(),
            "enforced",
        ),
        (
            "Resource as an array of \"*\"",
            one(json!({"Effect": "Deny", "Action": ["*"], "Resource": ["*"],
                       "Condition": {"Bool": present_false}})),
            "enforced",
        ),
        // Not enforcement: nothing denied without MFA.
        (
            "no MFA condition at all",
            one(json!({"Effect": "Allow", "Action": "*", "Resource": "*"})),
            "not",
        ),
        (
            "an Allow with an MFA condition",
            one(json!({"Effect": "Allow", "Action": "*", "Resource": "*",
                       "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}})),
            "not",
        ),
        (
            "a Deny keyed on something else",
            one(json!({"Effect": "Deny", "Action": "*", "Resource": "*",
                       "Condition": {"StringNotEquals": {"aws:RequestedRegion": "eu-west-1"}}})),
            "not",
        ),
        // Keyed on MFA, in a shape not read as enforcement: said.
        (
            "Bool true: denies with MFA",
            deny_without(json!({"Bool": {"aws:MultiFactorAuthPresent": "true"}})),
            "unrecognised",
        ),
        (
            "Null false",
            deny_without(json!({"Null": {"aws:MultiFactorAuthPresent": "false"}})),
            "unrecognised",
        ),
        (
            "a value in another case",
            deny_without(json!({"Bool": {"aws:MultiFactorAuthPresent": "False"}})),
            "unrecognised",
        ),
        (
            "both values",
            deny_without(json!({"Bool": {"aws:MultiFactorAuthPresent": ["false", "true"]}})),
            "unrecognised",
        ),
        (
            "no value",
            deny_without(json!({"Bool": {"aws:MultiFactorAuthPresent": []}})),
            "unrecognised",
        ),
        (
            "an operator in another case",
            deny_without(json!({"boolifexists": present_false})),
            "unrecognised",
        ),
        (
            "a set operator",
            deny_without(json!({"ForAnyValue:Bool": present_false})),
            "unrecognised",
        ),
        (
            "aws:MultiFactorAuthAge",
            deny_without(json!({"NumericGreaterThanIfExists": {"aws:MultiFactorAuthAge": "3600"}})),
            "unrecognised",
        ),
        (
            "an extra condition narrows it",
            deny_without(json!({"BoolIfExists": present_false,
                                "StringEquals": {"aws:RequestedRegion": "us-east-1"}})),
            "unrecognised",
        ),
        (
            "a condition it does not know beside MFA",
            deny_without(
                json!({"BoolIfExists": {"aws:MultiFactorAuthPresent": "false",
                                                 "aws:ViaAWSService": "false"}}),
            ),
            "unrecognised",
        ),
        (
            "some actions only",
            one(
                json!({"Effect": "Deny", "Action": ["s3:*", "ec2:*"], "Resource": "*",
                       "Condition": {"BoolIfExists": present_false}}),
            ),
            "unrecognised",
        ),
        (
            "NotAction exempting another service",
            one(
                json!({"Effect": "Deny", "NotAction": ["iam:EnableMFADevice", "s3:*"],
                       "Resource": "*", "Condition": {"BoolIfExists": present_false}}),
            ),
            "unrecognised",
        ),
        (
            "NotAction \"*\": denies nothing",
            one(json!({"Effect": "Deny", "NotAction": "*", "Resource": "*",
                       "Condition": {"BoolIfExists": present_false}})),
            "unrecognised",
        ),
        (
            "one bucket only",
            one(
                json!({"Effect": "Deny", "Action": "*", "Resource": "arn:aws:s3:::vault/*",
                       "Condition": {"BoolIfExists": present_false}}),
            ),
            "unrecognised",
        ),
        (
            "NotResource",
            one(
                json!({"Effect": "Deny", "Action": "*", "NotResource": "arn:aws:s3:::open/*",
                       "Condition": {"BoolIfExists": present_false}}),
            ),
            "unrecognised",
        ),
        (
            "an unrecognised Deny beside a recognised one",
            json!({"Statement": [
                {"Effect": "Deny", "Action": "s3:*", "Resource": "*",
                 "Condition": {"Bool": present_false}},
                {"Effect": "Deny", "Action": "*", "Resource": "*",
                 "Condition": {"Bool": present_false}}]})
            .to_string(),
            "enforced",
        ),
        ("not JSON", "{\"Statement\": [".to_string(), "not a policy"),
    ];
    for (case, text, expected) in cases {
        assert_eq!(enforcement(&text), expected, "{case}: {text}");
    }
}

#[test]
fn an_unrecognised_deny_says_which_statement_and_why() {
    let text = one(
        json!({"Sid": "OnlyTheVault", "Effect": "Deny", "Action": "*",
        "Resource": "arn:aws:s3:::vault/*",
        "Condition": {"NumericGreaterThan": {"aws:MultiFactorAuthAge": "3600"}}}),
    );
    let reasons = match PolicyDocument::parse(&text).map(|d| mfa_deny(&d)) {
        Ok(MfaDeny::Unrecognised(reasons)) => reasons,
        other => panic!("{other:?}"),
    };
    let [reason] = reasons.as_slice() else {
        panic!("{reasons:?}")
    };
    assert!(reason.contains("\"OnlyTheVault\""), "{reason}");
    assert!(reason.contains("arn:aws:s3:::vault/*"), "{reason}");
}

#[test]
fn what_grants_admin() {
    let cases: Vec<(&str, Value, bool)> = vec![
        (
            "Allow * on *",
            json!({"Effect": "Allow", "Action": "*", "Resource": "*"}),
            true,
        ),
        (
            "Allow iam:* on *",
            json!({"Effect": "Allow", "Action": ["iam:*"], "Resource": "*"}),
            true,
        ),
        (
            "Allow IAM:* in another case",
            json!({"Effect": "Allow", "Action": "IAM:*", "Resource": ["*"]}),
            true,
        ),
        (
            "an empty Condition is none",
            json!({"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": {}}),
            true,
        ),
        (
            "Allow all but S3: IAM with it",
            json!({"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"}),
            true,
        ),
        (
            "Allow all but IAM (power user)",
            json!({"Effect": "Allow", "NotAction": ["iam:*", "organizations:*"], "Resource": "*"}),
            false,
        ),
        (
            "Allow all but a pattern without a colon that may be IAM",
            json!({"Effect": "Allow", "NotAction": ["ia*"], "Resource": "*"}),
            false,
        ),
        (
            "Allow all but a wildcard that may be IAM",
            json!({"Effect": "Allow", "NotAction": ["i*:*"], "Resource": "*"}),
            false,
        ),
        (
            "Allow s3:* on *",
            json!({"Effect": "Allow", "Action": "s3:*", "Resource": "*"}),
            false,
        ),
        (
            "Allow iam:Get* on *",
            json!({"Effect": "Allow", "Action": "iam:Get*", "Resource": "*"}),
            false,
        ),
        (
            "Allow * on one bucket",
            json!({"Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::b/*"}),
            false,
        ),
        (
            "Allow * with a condition",
            json!({"Effect": "Allow", "Action": "*", "Resource": "*",
                   "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}),
            false,
        ),
        (
            "Deny * on *",
            json!({"Effect": "Deny", "Action": "*", "Resource": "*"}),
            false,
        ),
    ];
    for (case, statement, expected) in cases {
        let document = PolicyDocument::parse(&one(statement));
        assert_eq!(document.map(|d| grants_admin(&d)), Ok(expected), "{case}");
    }
    let kit = PolicyDocument::parse(&REQUIRE_MFA_POLICY).map(|d| grants_admin(&d));
    assert_eq!(kit, Ok(false), "the remediation kit grants no admin");
}

#[test]
fn administrator_access_by_arn_in_any_partition() {
    let cases = [
        ("arn:aws:iam::aws:policy/AdministratorAccess", true),
        ("arn:aws-cn:iam::aws:policy/AdministratorAccess", true),
        ("arn:aws-us-gov:iam::aws:policy/AdministratorAccess", true),
        (
            "arn:aws:iam::111122223333:policy/AdministratorAccess",
            false,
        ),
        (
            "arn:aws:iam::aws:policy/job-function/AdministratorAccess",
            false,
        ),
        ("arn:aws:iam::aws:policy/AdministratorAccess-Amplify", false),
        ("arn:aws:iam::aws:policy/administratoraccess", false),
        ("arn::iam::aws:policy/AdministratorAccess", false),
    ];
    for (arn, expected) in cases {
        assert_eq!(is_administrator_access(arn), expected, "{arn}");
    }
}
