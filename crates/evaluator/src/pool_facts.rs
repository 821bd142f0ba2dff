//! A Cognito user pool's facts (`docs/controls.md`, "Cognito user pools"): the first factors of
//! its sign-in, the second factors it offers, and whether its MFA is weak (`ON`, with `SMS` the
//! only second factor: SIM swap).

use crate::authorization::SecondFactor;
use crate::facts::Facts;
use crate::snapshot::{MfaConfiguration, PoolSettings, UserPool};

/// The facts of a pool whose settings were read: its sign-in factors always; its second
/// factors and whether its MFA is weak where `GetUserPoolMfaConfig` was read (and not weak,
/// unread, for a pool in Cognito.5's scope with MFA off).
pub(crate) fn pool_facts(pool: &UserPool, settings: &PoolSettings) -> Facts {
    let mut facts = Facts {
        sign_in_factors: Some(settings.sign_in.factors()),
        ..Facts::default()
    };
    match &pool.second_factors {
        // MFA off is never weak MFA, whatever second factors the pool would offer: known
        // without reading them (they are read only where MFA is on or optional).
        None if settings.sign_in.is_password_only()
            && settings.mfa_configuration == MfaConfiguration::Off =>
        {
            facts.weak_mfa = Some(false)
        }
        None => {}
        Some(Err(error)) => facts.second_factors_error = Some(error.to_string()),
        Some(Ok(factors)) => {
            facts.weak_mfa = Some(weak_mfa(&settings.mfa_configuration, factors));
            facts.second_factors = Some(factors.clone());
        }
    }
    facts
}

/// MFA required, and SMS the only second factor it can be.
fn weak_mfa(mfa: &MfaConfiguration, factors: &[SecondFactor]) -> bool {
    *mfa == MfaConfiguration::On
        && !factors.is_empty()
        && factors.iter().all(|f| *f == SecondFactor::Sms)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::{DataError, FirstFactor, SignInPolicy};
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

        let failed = pool(Some(Err(DataError {
            operation: "cognito-idp:GetUserPoolMfaConfig".to_string(),
            region: "us-east-1".to_string(),
            code: Some("AccessDenied".to_string()),
            message: "denied".to_string(),
            request_id: None,
        })));
        let facts = pool_facts(&failed, &settings(On, SignInPolicy::Absent));
        assert_eq!((facts.second_factors, facts.weak_mfa), (None, None));
        let error = facts.second_factors_error.unwrap_or_default();
        assert!(
            error.contains("cognito-idp:GetUserPoolMfaConfig"),
            "{error}"
        );
    }
}
