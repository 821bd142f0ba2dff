//! Cognito user pools in one account and region: the list, then each pool read whole with
//! `DescribeUserPool`, which carries both what Cognito.5 needs: the MFA setting and the sign-in
//! policy (`ListUserPools` carries neither); then, when asked, the second factors of the pools
//! in scope with MFA on or optional (`cognito/second_factors.rs`).

use crate::call_context::{CallContext, Quota};
use crate::error::{CollectError, ErrorClass};
use crate::paginate::{paginate, Page};
use aws_sdk_cognitoidentityprovider::types::{AuthFactorType, UserPoolMfaType, UserPoolType};
use chrono::Utc;
use futures::stream::{self, StreamExt};
use mfa_evaluator::{
    DataError, FirstFactor, MfaConfiguration, PoolSettings, SecondFactor, SignInPolicy, UserPool,
};
use second_factors::{asks_for_a_second_factor, second_factors};

mod second_factors;

/// Per-pool calls in flight at once within one account and region.
const POOL_CONCURRENCY: usize = 4;

const LIST: &str = "cognito-idp:ListUserPools";
const DESCRIBE: &str = "cognito-idp:DescribeUserPool";

/// The region's pools, each described; with `read_factors` (`[audit] mfa_devices`), the second
/// factors of those in Cognito.5's scope that ask for MFA.
pub(crate) async fn user_pools_in_region(
    client: &aws_sdk_cognitoidentityprovider::Client,
    ctx: CallContext<'_>,
    partition: &str,
    read_factors: bool,
) -> Result<Vec<UserPool>, CollectError> {
    let listed = paginate(ctx.list_call(LIST), |token| async move {
        let page = ctx
            .call(Quota::Cognito, LIST, || {
                client
                    .list_user_pools()
                    .max_results(60)
                    .set_next_token(token.clone())
                    .customize()
                    .config_override(in_region(ctx.region))
                    .send()
            })
            .await?;
        Ok(Page {
            items: ctx.list_call(LIST).items(page.user_pools, "UserPools")?,
            next: page.next_token,
            truncated: None,
        })
    })
    .await?;
    let mut ids = Vec::with_capacity(listed.len());
    for pool in listed {
        let id = pool
            .id()
            .ok_or_else(|| ctx.malformed(LIST, "a user pool without an Id"))?
            .to_string();
        ids.push(id);
    }
    let pools: Vec<Option<UserPool>> = stream::iter(ids)
        .map(|id| async move {
            let arn = format!(
                "arn:{partition}:cognito-idp:{}:{}:userpool/{id}",
                ctx.region, ctx.account_id
            );
            let described = match describe(client, ctx, &id).await {
                // Deleted between the list and this read: the pool no longer exists, so there
                // is nothing to decide about it.
                Err(error) if error.class == ErrorClass::NotFound => {
                    tracing::debug!(account_id = ctx.account_id, region = ctx.region,
                                    user_pool_id = %id, "user pool deleted since it was listed");
                    return None;
                }
                other => other,
            };
            let (name, settings) = match described {
                Ok(pool) => (
                    pool.name().map(str::to_string),
                    settings_of(&pool).map_err(|message| {
                        ctx.malformed(DESCRIBE, format!("user pool {id}: {message}"))
                            .to_data_error()
                    }),
                ),
                Err(error) => (None, Err(error.to_data_error())),
            };
            let second_factors = match &settings {
                Ok(settings) if read_factors && asks_for_a_second_factor(settings) => {
                    Some(factors(client, ctx, &id).await?)
                }
                _ => None,
            };
            Some(UserPool {
                id,
                name,
                arn,
                settings,
                read_at: Utc::now(),
                second_factors,
            })
        })
        .buffered(POOL_CONCURRENCY)
        .collect()
        .await;
    Ok(pools.into_iter().flatten().collect())
}

/// A pool's second factors, or its read's error; `None` when the pool was deleted since it was
/// described (then, as for `DescribeUserPool`, there is nothing to decide about it).
async fn factors(
    client: &aws_sdk_cognitoidentityprovider::Client,
    ctx: CallContext<'_>,
    id: &str,
) -> Option<Result<Vec<SecondFactor>, DataError>> {
    match second_factors(client, ctx, id).await {
        Err(error) if error.class == ErrorClass::NotFound => {
            tracing::debug!(account_id = ctx.account_id, region = ctx.region,
                            user_pool_id = %id, "user pool deleted since it was described");
            None
        }
        read => Some(read.map_err(|e| e.to_data_error())),
    }
}

/// A call sent to `region`: one client per account serves every region it searches (a client
/// per region held thousands at once with `regions = ["*"]`, one per account and region in
/// flight).
fn in_region(region: &str) -> aws_sdk_cognitoidentityprovider::config::Builder {
    aws_sdk_cognitoidentityprovider::config::Builder::default()
        .region(aws_config::Region::new(region.to_string()))
}

async fn describe(
    client: &aws_sdk_cognitoidentityprovider::Client,
    ctx: CallContext<'_>,
    pool_id: &str,
) -> Result<UserPoolType, CollectError> {
    let response = ctx
        .call(Quota::Cognito, DESCRIBE, || {
            client
                .describe_user_pool()
                .user_pool_id(pool_id)
                .customize()
                .config_override(in_region(ctx.region))
                .send()
        })
        .await?;
    response
        .user_pool
        .ok_or_else(|| ctx.malformed(DESCRIBE, format!("no UserPool for {pool_id}")))
}

/// The MFA setting and the sign-in policy of a described pool; `Err` names the field and the
/// value that cannot be trusted.
fn settings_of(pool: &UserPoolType) -> Result<PoolSettings, String> {
    let mfa_configuration = match pool.mfa_configuration() {
        Some(UserPoolMfaType::On) => MfaConfiguration::On,
        Some(UserPoolMfaType::Optional) => MfaConfiguration::Optional,
        Some(UserPoolMfaType::Off) => MfaConfiguration::Off,
        Some(other) => return Err(format!("an unknown MfaConfiguration {:?}", other.as_str())),
        None => return Err("no MfaConfiguration".to_string()),
    };
    let sign_in = match pool.policies().and_then(|p| p.sign_in_policy()) {
        None => SignInPolicy::Absent,
        Some(policy) => {
            let Some(factors) = policy.allowed_first_auth_factors.as_deref() else {
                return Err("a SignInPolicy without AllowedFirstAuthFactors".to_string());
            };
            if factors.is_empty() {
                return Err("an empty AllowedFirstAuthFactors".to_string());
            }
            SignInPolicy::Allowed(factors.iter().map(first_factor).collect::<Result<_, _>>()?)
        }
    };
    Ok(PoolSettings {
        mfa_configuration,
        sign_in,
    })
}

fn first_factor(factor: &AuthFactorType) -> Result<FirstFactor, String> {
    match factor {
        AuthFactorType::Password => Ok(FirstFactor::Password),
        AuthFactorType::EmailOtp => Ok(FirstFactor::EmailOtp),
        AuthFactorType::SmsOtp => Ok(FirstFactor::SmsOtp),
        AuthFactorType::WebAuthn => Ok(FirstFactor::WebAuthn),
        // Not a first factor, or one this version does not know: whether the pool is
        // password-only cannot be said.
        other => Err(format!(
            "a first factor this version of mfa-auditor does not know in AllowedFirstAuthFactors: {:?}",
            other.as_str()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_cognitoidentityprovider::types::{SignInPolicyType, UserPoolPolicyType};

    fn pool(mfa: Option<&str>, factors: Option<Option<Vec<&str>>>) -> UserPoolType {
        let policies = factors.map(|factors| {
            UserPoolPolicyType::builder()
                .sign_in_policy(
                    SignInPolicyType::builder()
                        .set_allowed_first_auth_factors(
                            factors.map(|f| f.into_iter().map(AuthFactorType::from).collect()),
                        )
                        .build(),
                )
                .build()
        });
        UserPoolType::builder()
            .id("us-east-1_abc")
            .set_mfa_configuration(mfa.map(UserPoolMfaType::from))
            .set_policies(policies)
            .build()
    }

    #[test]
    fn the_setting_and_the_sign_in_policy_are_read_and_nothing_is_guessed() {
        let read = |mfa, factors| settings_of(&pool(mfa, factors));
        let ok = read(Some("ON"), None).expect("no policy");
        assert_eq!(ok.mfa_configuration, MfaConfiguration::On);
        assert_eq!(ok.sign_in, SignInPolicy::Absent);
        let ok = read(Some("OFF"), Some(Some(vec!["PASSWORD", "WEB_AUTHN"]))).expect("known");
        assert_eq!(
            ok.sign_in,
            SignInPolicy::Allowed(vec![FirstFactor::Password, FirstFactor::WebAuthn])
        );
        for (mfa, factors, needle) in [
            (None, None, "no MfaConfiguration"),
            (
                Some("SOMETIMES"),
                None,
                "unknown MfaConfiguration \"SOMETIMES\"",
            ),
            (Some("ON"), Some(None), "without AllowedFirstAuthFactors"),
            (
                Some("ON"),
                Some(Some(vec![])),
                "an empty AllowedFirstAuthFactors",
            ),
            (
                Some("ON"),
                Some(Some(vec!["PASSWORD", "RETINA"])),
                "\"RETINA\"",
            ),
            (
                Some("ON"),
                Some(Some(vec!["SOFTWARE_TOKEN"])),
                "\"SOFTWARE_TOKEN\"",
            ),
        ] {
            let error = read(mfa, factors.clone()).expect_err(needle);
            assert!(error.contains(needle), "{mfa:?} {factors:?}: {error}");
        }
    }
}
