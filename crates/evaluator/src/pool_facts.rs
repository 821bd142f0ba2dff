//! A Cognito user pool's facts (`docs/controls.md`, "Cognito user pools"): the first factors of
//! its sign-in, the second factors it offers, and whether its MFA is weak (`ON`, with `SMS` the
//! only second factor: SIM swap).

use crate::authorization::SecondFactor;
use crate::facts::Facts;
use crate::snapshot::{DataError, MfaConfiguration, PoolSettings, UserPool};

/// The facts of a pool whose settings were read: its sign-in factors always; its second
/// factors where `GetUserPoolMfaConfig` was read (why not, where it failed); and, in Cognito.5's
/// scope, whether its MFA is weak wherever the rule can decide it.
pub(crate) fn pool_facts(pool: &UserPool, settings: &PoolSettings) -> Facts {
    let mut facts = Facts {
        sign_in_factors: Some(settings.sign_in.factors()),
        weak_mfa: weak_mfa(settings, pool.second_factors.as_ref()),
        ..Facts::default()
    };
    match &pool.second_factors {
        None => {}
        Some(Err(error)) => facts.second_factors_error = Some(error.to_string()),
        Some(Ok(factors)) => facts.second_factors = Some(factors.clone()),
    }
    facts
}

/// MFA required, and SMS the only second factor it can be; for pools in Cognito.5's scope (the
/// pools whose second factors are read). `OFF` and `OPTIONAL` are never weak (they fail
/// Cognito.5 instead), known without the factors; `ON` is decided by them, and unknown
/// (`None`) when they were not read (`[audit] mfa_devices` off) or could not be.
fn weak_mfa(
    settings: &PoolSettings,
    factors: Option<&Result<Vec<SecondFactor>, DataError>>,
) -> Option<bool> {
    if !settings.sign_in.is_password_only() {
        return None;
    }
    match (&settings.mfa_configuration, factors) {
        (MfaConfiguration::Off | MfaConfiguration::Optional, _) => Some(false),
        (MfaConfiguration::On, Some(Ok(factors))) => {
            Some(!factors.is_empty() && factors.iter().all(|f| *f == SecondFactor::Sms))
        }
        (MfaConfiguration::On, None | Some(Err(_))) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::{FirstFactor, SignInPolicy};
    use chrono::{TimeZone, Utc};
    use MfaConfiguration::{Off, On, Optional};
    use SecondFactor::{Email, Sms, SoftwareToken, WebAuthn};

    fn pool(second_factors: Option<Result<Vec<SecondFactor>, DataError>>) -> UserPool {
        UserPool {
            id: "us-east-1_a".to_string(),
            name: Some("a".to_string()),
            arn: "arn:aws:cognito-idp:us-east-1:111122223333:userpool/us-east-1_a".to_string(),
            settings: Err(DataError {
                operation: "cognito-idp:DescribeUserPool".to_string(),
                region: "us-east-1".to_string(),
                code: None,
                message: "the settings are passed apart".to_string(),
                request_id: None,
            }),
            read_at: Utc
                .with_ymd_and_hms(2026, 11, 1, 3, 0, 0)
                .single()
                .expect("valid date"),
            second_factors,
        }
    }

    fn settings(mfa: MfaConfiguration, sign_in: SignInPolicy) -> PoolSettings {
        PoolSettings {
            mfa_configuration: mfa,
            sign_in,
        }
    }

    #[test]
    fn weak_mfa_is_on_with_sms_alone() {
        // (MFA, second factors, weak)
        let cases = [
            (On, vec![Sms], true),
            (On, vec![Sms, Sms], true),
            (On, vec![Sms, SoftwareToken], false),
            (On, vec![SoftwareToken], false),
            (On, vec![Email], false),
            (On, vec![WebAuthn, Sms], false),
            (On, vec![], false),
            (Optional, vec![Sms], false),
            (Off, vec![Sms], false),
        ];
        for (mfa, factors, weak) in cases {
            let facts = pool_facts(
                &pool(Some(Ok(factors.clone()))),
                &settings(mfa.clone(), SignInPolicy::Absent),
            );
            assert_eq!(facts.weak_mfa, Some(weak), "{mfa:?} {factors:?}");
            assert_eq!(facts.second_factors, Some(factors));
        }
    }

    fn denied() -> DataError {
        DataError {
            operation: "cognito-idp:GetUserPoolMfaConfig".to_string(),
            region: "us-east-1".to_string(),
            code: Some("AccessDenied".to_string()),
            message: "denied".to_string(),
            request_id: None,
        }
    }

    #[test]
    fn weak_mfa_is_decided_wherever_the_rule_can_and_only_there() {
        // (MFA, second factors as read, weak in Cognito.5's scope)
        let cases = [
            (On, None, None),
            (On, Some(Err(denied())), None),
            (On, Some(Ok(vec![Sms])), Some(true)),
            (On, Some(Ok(vec![SoftwareToken])), Some(false)),
            // Never weak by the rule: known without the factors, read or not.
            (Optional, None, Some(false)),
            (Optional, Some(Err(denied())), Some(false)),
            (Optional, Some(Ok(vec![Sms])), Some(false)),
            (Off, None, Some(false)),
        ];
        let passkeys = SignInPolicy::Allowed(vec![FirstFactor::Password, FirstFactor::WebAuthn]);
        for (mfa, factors, weak) in cases {
            let case = format!("{mfa:?} {factors:?}");
            let pool = pool(factors);
            let in_scope = pool_facts(&pool, &settings(mfa.clone(), SignInPolicy::Absent));
            assert_eq!(in_scope.weak_mfa, weak, "{case}");
            // Out of Cognito.5's scope no factor is read: the fact is not said.
            let out = pool_facts(&pool, &settings(mfa, passkeys.clone()));
            assert_eq!(out.weak_mfa, None, "{case}");
        }
    }

    #[test]
    fn sign_in_factors_always_second_factors_where_read() {
        let passkeys = SignInPolicy::Allowed(vec![FirstFactor::Password, FirstFactor::WebAuthn]);
        let facts = pool_facts(&pool(None), &settings(Off, passkeys));
        assert_eq!(
            facts.sign_in_factors,
            Some(vec![FirstFactor::Password, FirstFactor::WebAuthn])
        );
        assert_eq!((facts.second_factors, facts.weak_mfa), (None, None));
        assert_eq!(facts.second_factors_error, None);

        let legacy = pool_facts(&pool(None), &settings(On, SignInPolicy::Absent));
        assert_eq!(legacy.sign_in_factors, Some(vec![FirstFactor::Password]));
        // Not read, so not known: ON may be weak.
        assert_eq!((legacy.second_factors, legacy.weak_mfa), (None, None));
        // In scope with MFA off: not weak, known without reading the factors.
        let off = pool_facts(&pool(None), &settings(Off, SignInPolicy::Absent));
        assert_eq!((off.second_factors, off.weak_mfa), (None, Some(false)));

        let failed = pool(Some(Err(denied())));
        let facts = pool_facts(&failed, &settings(On, SignInPolicy::Absent));
        assert_eq!((facts.second_factors, facts.weak_mfa), (None, None));
        let error = facts.second_factors_error.unwrap_or_default();
        assert!(
            error.contains("cognito-idp:GetUserPoolMfaConfig"),
            "{error}"
        );
    }
}
