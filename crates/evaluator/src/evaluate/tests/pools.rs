//! Cognito.5: each pool's verdict, its scope, and the regions searched.

use super::*;

#[test]
fn user_pool_control() {
    use MfaConfiguration::{Off, On, Optional};
    let denied = || Err(data_error("cognito-idp:ListUserPools"));
    // (case, regions, Cognito.5)
    let cases: Vec<(&str, Vec<RegionUserPools>, Status)> = vec![
        ("no regions", vec![], NA),
        (
            "regions without pools",
            vec![
                region("us-east-1", Ok(vec![])),
                region("eu-west-1", Ok(vec![])),
            ],
            NA,
        ),
        (
            "MFA ON",
            vec![region(
                "us-east-1",
                Ok(vec![pool("a", "us-east-1", Ok(On))]),
            )],
            P,
        ),
        (
            "MFA OPTIONAL",
            vec![region(
                "us-east-1",
                Ok(vec![pool("a", "us-east-1", Ok(Optional))]),
            )],
            F,
        ),
        (
            "MFA OFF",
            vec![region(
                "us-east-1",
                Ok(vec![pool("a", "us-east-1", Ok(Off))]),
            )],
            F,
        ),
        (
            "ON in one region, OFF in another",
            vec![
                region("us-east-1", Ok(vec![pool("a", "us-east-1", Ok(On))])),
                region("eu-west-1", Ok(vec![pool("b", "eu-west-1", Ok(Off))])),
            ],
            F,
        ),
        (
            "one region unreadable",
            vec![
                region("us-east-1", Ok(vec![pool("a", "us-east-1", Ok(On))])),
                region("eu-west-1", denied()),
            ],
            E,
        ),
        (
            "one region unreadable, a failing pool elsewhere",
            vec![
                region("us-east-1", Ok(vec![pool("a", "us-east-1", Ok(Off))])),
                region("eu-west-1", denied()),
            ],
            E,
        ),
        (
            "one pool's setting unreadable",
            vec![region(
                "us-east-1",
                Ok(vec![
                    pool("a", "us-east-1", Ok(On)),
                    pool(
                        "b",
                        "us-east-1",
                        Err(data_error("cognito-idp:DescribeUserPool")),
                    ),
                ]),
            )],
            E,
        ),
        (
            "a sign-in policy of the password alone, MFA OFF",
            vec![region(
                "us-east-1",
                Ok(vec![pool_signing_in_with(
                    "a",
                    "us-east-1",
                    Ok(Off),
                    allowing(&[FirstFactor::Password]),
                )]),
            )],
            F,
        ),
        (
            "passwordless sign-in allowed, MFA OFF: not evaluated",
            vec![region(
                "us-east-1",
                Ok(vec![pool_signing_in_with(
                    "a",
                    "us-east-1",
                    Ok(Off),
                    allowing(&[FirstFactor::Password, FirstFactor::EmailOtp]),
                )]),
            )],
            NA,
        ),
        (
            "only passkeys, MFA OPTIONAL: not evaluated",
            vec![region(
                "us-east-1",
                Ok(vec![pool_signing_in_with(
                    "a",
                    "us-east-1",
                    Ok(Optional),
                    allowing(&[FirstFactor::WebAuthn]),
                )]),
            )],
            NA,
        ),
        (
            "a passwordless pool beside a failing password-only one",
            vec![region(
                "us-east-1",
                Ok(vec![
                    pool_signing_in_with(
                        "a",
                        "us-east-1",
                        Ok(Off),
                        allowing(&[FirstFactor::SmsOtp, FirstFactor::Password]),
                    ),
                    pool("b", "us-east-1", Ok(Optional)),
                ]),
            )],
            F,
        ),
        (
            "a passwordless pool beside a passing password-only one",
            vec![region(
                "us-east-1",
                Ok(vec![
                    pool_signing_in_with(
                        "a",
                        "us-east-1",
                        Ok(Off),
                        allowing(&[FirstFactor::WebAuthn, FirstFactor::Password]),
                    ),
                    pool("b", "us-east-1", Ok(On)),
                ]),
            )],
            P,
        ),
    ];
    assert_distinct(cases.iter().map(|(case, regions, _)| (*case, regions)));
    for (case, regions, expected) in cases {
        let mut s = snapshot();
        s.user_pools = Ok(regions);
        assert_eq!(
            status_of(&s, ControlId::Cognito5),
            expected,
            "Cognito.5: {case}"
        );
    }
}

#[test]
fn a_pool_out_of_scope_says_why_and_names_its_sign_in_factors() {
    let mut s = snapshot();
    s.user_pools = Ok(vec![region(
        "us-east-1",
        Ok(vec![
            pool_signing_in_with(
                "passkeys",
                "us-east-1",
                Ok(MfaConfiguration::Off),
                allowing(&[
                    FirstFactor::Password,
                    FirstFactor::WebAuthn,
                    FirstFactor::EmailOtp,
                ]),
            ),
            pool("legacy", "us-east-1", Ok(MfaConfiguration::On)),
        ]),
    )]);
    let result = &evaluate(&s)[4];
    let [passkeys, legacy] = result.resources.as_slice() else {
        panic!("two pools: {:?}", result.resources)
    };
    assert_eq!(passkeys.status, NA);
    assert_eq!(
        passkeys.evidence["sign_in_factors"],
        serde_json::json!(["PASSWORD", "WEB_AUTHN", "EMAIL_OTP"])
    );
    let why = passkeys.evidence["not_evaluated"]
        .as_str()
        .unwrap_or_default();
    assert!(why.contains("WEB_AUTHN, EMAIL_OTP"), "{why}");
    assert_eq!(passkeys.evidence["sign_in_policy"], true);
    assert_eq!(legacy.status, P);
    assert_eq!(
        legacy.evidence["sign_in_factors"],
        serde_json::json!(["PASSWORD"])
    );
    assert_eq!(legacy.evidence["sign_in_policy"], false);
    assert!(legacy.evidence.get("not_evaluated").is_none());
    assert_eq!(legacy.evidence["source"], "cognito-idp:DescribeUserPool");
}

#[test]
fn an_errored_control_names_the_region_and_keeps_what_was_read() {
    let mut s = snapshot();
    let mut error = data_error("cognito-idp:ListUserPools");
    error.region = "eu-west-1".to_string();
    s.user_pools = Ok(vec![
        region(
            "us-east-1",
            Ok(vec![pool("a", "us-east-1", Ok(MfaConfiguration::On))]),
        ),
        region("eu-west-1", Err(error)),
    ]);
    let result = &evaluate(&s)[4];
    assert_eq!(result.status, E);
    assert_eq!(
        result.error.as_ref().map(|e| e.region.as_str()),
        Some("eu-west-1")
    );
    assert_eq!(result.resources.len(), 1);
    // IAM controls are still decided.
    assert_eq!(status_of(&s, ControlId::Iam9), P);
}

#[test]
fn regions_that_cannot_be_known_error_the_pool_control_alone() {
    let mut s = snapshot();
    s.user_pools = Err(data_error("account:ListRegions"));
    let result = &evaluate(&s)[4];
    assert_eq!(result.status, E);
    assert_eq!(
        result.error.as_ref().map(|e| e.operation.as_str()),
        Some("account:ListRegions")
    );
    assert!(result.resources.is_empty());
    assert_eq!(s.regions_searched(), None);
    for control in [
        ControlId::Iam9,
        ControlId::Iam6,
        ControlId::Iam5,
        ControlId::Iam19,
    ] {
        assert_ne!(status_of(&s, control), E, "{control:?}");
    }
}
