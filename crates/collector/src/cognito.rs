//! Cognito user pools in one account and region: the list, then each pool's MFA setting.

use crate::account::Ctx;
use crate::error::{CollectError, ErrorClass};
use crate::paginate::{paginate, Page};
use aws_sdk_cognitoidentityprovider::types::UserPoolMfaType;
use chrono::Utc;
use futures::stream::{self, StreamExt};
use mfa_evaluator::{MfaConfiguration, UserPool};

/// Per-pool calls in flight at once within one account and region.
const POOL_CONCURRENCY: usize = 4;

pub(crate) async fn user_pools_in_region(
    client: &aws_sdk_cognitoidentityprovider::Client,
    ctx: Ctx<'_>,
    partition: &str,
) -> Result<Vec<UserPool>, CollectError> {
    const LIST: &str = "cognito-idp:ListUserPools";
    let listed = paginate(ctx.list_call(LIST), |token| async move {
        let page = ctx
            .cognito(LIST, || {
                client
                    .list_user_pools()
                    .max_results(60)
                    .set_next_token(token.clone())
                    .send()
            })
            .await?;
        Ok(Page {
            items: page.user_pools.unwrap_or_default(),
            next: page.next_token,
            truncated: None,
        })
    })
    .await?;
    let mut descriptions = Vec::with_capacity(listed.len());
    for pool in listed {
        let id = pool
            .id()
            .ok_or_else(|| ctx.malformed(LIST, "a user pool without an Id"))?
            .to_string();
        descriptions.push((id, pool.name().unwrap_or_default().to_string()));
    }
    let pools: Vec<Option<UserPool>> = stream::iter(descriptions)
        .map(|(id, name)| async move {
            let arn = format!(
                "arn:{partition}:cognito-idp:{}:{}:userpool/{id}",
                ctx.region, ctx.account_id
            );
            let mfa_configuration = match pool_mfa(client, ctx, &id).await {
                // Deleted between the list and this read: the pool no longer exists, so there
                // is nothing to decide about it.
                Err(error) if error.class == ErrorClass::NotFound => {
                    tracing::debug!(account_id = ctx.account_id, region = ctx.region,
                                    user_pool_id = %id, "user pool deleted since it was listed");
                    return None;
                }
                result => result.map_err(|e| e.to_data_error()),
            };
            Some(UserPool {
                id,
                name,
                arn,
                mfa_configuration,
                read_at: Utc::now(),
            })
        })
        .buffered(POOL_CONCURRENCY)
        .collect()
        .await;
    Ok(pools.into_iter().flatten().collect())
}

async fn pool_mfa(
    client: &aws_sdk_cognitoidentityprovider::Client,
    ctx: Ctx<'_>,
    pool_id: &str,
) -> Result<MfaConfiguration, CollectError> {
    // ListUserPools does not carry the setting, and stock moto's DescribeUserPool can show a
    // stale one; GetUserPoolMfaConfig is right on both.
    const OPERATION: &str = "cognito-idp:GetUserPoolMfaConfig";
    let response = ctx
        .cognito(OPERATION, || {
            client
                .get_user_pool_mfa_config()
                .user_pool_id(pool_id)
                .send()
        })
        .await?;
    match response.mfa_configuration() {
        Some(UserPoolMfaType::On) => Ok(MfaConfiguration::On),
        Some(UserPoolMfaType::Optional) => Ok(MfaConfiguration::Optional),
        Some(UserPoolMfaType::Off) => Ok(MfaConfiguration::Off),
        // AWS documents OFF as the default when the field is absent.
        None => Ok(MfaConfiguration::Off),
        Some(other) => Err(ctx.malformed(
            OPERATION,
            format!(
                "user pool {pool_id} has an unknown MfaConfiguration {:?}",
                other.as_str()
            ),
        )),
    }
}
