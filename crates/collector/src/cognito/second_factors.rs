//! The second factors a user pool offers (`cognito-idp:GetUserPoolMfaConfig`), read only for the
//! pools Cognito.5 evaluates (password-only sign-in) whose MFA is `ON` or `OPTIONAL`: elsewhere
//! no second factor is asked for. Behind `[audit] mfa_devices`.
//!
//! `SmsMfaConfiguration` present is `SMS`; `SoftwareTokenMfaConfiguration.Enabled` is
//! `SOFTWARE_TOKEN`; `EmailMfaConfiguration` present is `EMAIL`; a passkey counts only with
//! `WebAuthnConfiguration.FactorConfiguration = MULTI_FACTOR_WITH_USER_VERIFICATION` (absent or
//! `SINGLE_FACTOR`: a first factor only, as the SDK documents). A `FactorConfiguration` this
//! version does not know is an error.

use crate::call_context::{CallContext, Quota};
use crate::error::CollectError;
use aws_sdk_cognitoidentityprovider::operation::get_user_pool_mfa_config::GetUserPoolMfaConfigOutput;
use aws_sdk_cognitoidentityprovider::types::WebAuthnFactorConfigurationType;
use mfa_evaluator::{MfaConfiguration, PoolSettings, SecondFactor};

pub(super) const GET_MFA_CONFIG: &str = "cognito-idp:GetUserPoolMfaConfig";

/// Whether a pool's second factors are read: in Cognito.5's scope, with MFA asked for.
pub(super) fn asks_for_a_second_factor(settings: &PoolSettings) -> bool {
    settings.sign_in.is_password_only()
        && matches!(
            settings.mfa_configuration,
            MfaConfiguration::On | MfaConfiguration::Optional
        )
}

/// The pool's second factors, as `GetUserPoolMfaConfig` answers.
pub(super) async fn second_factors(
    client: &aws_sdk_cognitoidentityprovider::Client,
    ctx: CallContext<'_>,
    pool_id: &str,
) -> Result<Vec<SecondFactor>, CollectError> {
    let answer = ctx
        .call(Quota::Cognito, GET_MFA_CONFIG, || {
            client
                .get_user_pool_mfa_config()
                .user_pool_id(pool_id)
                .customize()
                .config_override(super::in_region(ctx.region))
                .send()
        })
        .await?;
    factors_of(&answer)
        .map_err(|message| ctx.malformed(GET_MFA_CONFIG, format!("user pool {pool_id}: {message}")))
}

/// The factors an answer names, in the report's order; `Err` names a value not known.
fn factors_of(answer: &GetUserPoolMfaConfigOutput) -> Result<Vec<SecondFactor>, String> {
    let mut factors = Vec::new();
    if answer.sms_mfa_configuration.is_some() {
        factors.push(SecondFactor::Sms);
    }
    if answer
        .software_token_mfa_configuration
        .as_ref()
        .is_some_and(|totp| totp.enabled)
    {
        factors.push(SecondFactor::SoftwareToken);
    }
    if answer.email_mfa_configuration.is_some() {
        factors.push(SecondFactor::Email);
    }
    let passkey = answer
        .web_authn_configuration
        .as_ref()
        .and_then(|web_authn| web_authn.factor_configuration.as_ref());
    match passkey {
        None | Some(WebAuthnFactorConfigurationType::SingleFactor) => {}
        Some(WebAuthnFactorConfigurationType::MultiFactorWithUserVerification) => {
            factors.push(SecondFactor::WebAuthn)
        }
        Some(other) => {
            return Err(format!(
                "a WebAuthnConfiguration.FactorConfiguration this version of mfa-auditor does \
                 not know: {:?}",
                other.as_str()
            ))
        }
    }
    Ok(factors)
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_cognitoidentityprovider::types::{
        EmailMfaConfigType, SmsMfaConfigType, SoftwareTokenMfaConfigType, WebAuthnConfigurationType,
    };
    use mfa_evaluator::{FirstFactor, SignInPolicy};

    fn answer(
        sms: bool,
        totp: Option<bool>,
        email: bool,
        passkey: Option<Option<&str>>,
    ) -> GetUserPoolMfaConfigOutput {
        GetUserPoolMfaConfigOutput::builder()
            .set_sms_mfa_configuration(sms.then(|| SmsMfaConfigType::builder().build()))
            .set_software_token_mfa_configuration(
                totp.map(|on| SoftwareTokenMfaConfigType::builder().enabled(on).build()),
            )
            .set_email_mfa_configuration(email.then(|| EmailMfaConfigType::builder().build()))
            .set_web_authn_configuration(passkey.map(|factor| {
                WebAuthnConfigurationType::builder()
                    .set_factor_configuration(factor.map(WebAuthnFactorConfigurationType::from))
                    .build()
            }))
            .build()
    }

    #[test]
    fn each_factor_is_read_as_the_answer_names_it() {
        use SecondFactor::*;
        for (answer, want) in [
            (answer(false, None, false, None), vec![]),
            (answer(true, None, false, None), vec![Sms]),
            (answer(false, Some(false), false, None), vec![]),
            (
                answer(false, Some(true), true, None),
                vec![SoftwareToken, Email],
            ),
            (answer(false, None, false, Some(None)), vec![]),
            (
                answer(false, None, false, Some(Some("SINGLE_FACTOR"))),
                vec![],
            ),
            (
                answer(
                    true,
                    Some(true),
                    true,
                    Some(Some("MULTI_FACTOR_WITH_USER_VERIFICATION")),
                ),
                vec![Sms, SoftwareToken, Email, WebAuthn],
            ),
        ] {
            assert_eq!(factors_of(&answer), Ok(want.clone()), "{answer:?}");
        }
        let error = factors_of(&answer(false, None, false, Some(Some("TRIPLE_FACTOR"))))
            .expect_err("unknown");
        assert!(error.contains("\"TRIPLE_FACTOR\""), "{error}");
    }

    #[test]
    fn only_pools_in_scope_that_ask_for_mfa_are_read() {
        let settings = |mfa, sign_in| PoolSettings {
            mfa_configuration: mfa,
            sign_in,
        };
        let password = SignInPolicy::Allowed(vec![FirstFactor::Password]);
        let passwordless =
            SignInPolicy::Allowed(vec![FirstFactor::Password, FirstFactor::WebAuthn]);
        assert!(asks_for_a_second_factor(&settings(
            MfaConfiguration::On,
            SignInPolicy::Absent
        )));
        assert!(asks_for_a_second_factor(&settings(
            MfaConfiguration::Optional,
            password.clone()
        )));
        assert!(!asks_for_a_second_factor(&settings(
            MfaConfiguration::Off,
            password
        )));
        assert!(!asks_for_a_second_factor(&settings(
            MfaConfiguration::On,
            passwordless
        )));
    }
}
