//! One account's calls, as the account's readers (users, Cognito, regions, root state) make
//! them: under the account's own quotas, through the sweep's [`Caller`], until the account's
//! deadline, and named (account, region, operation) in their errors.

use crate::caller::{Caller, Target};
use crate::error::CollectError;
use crate::limits::QuotaKey;
use crate::paginate::ListCall;
use aws_sdk_iam::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use std::future::Future;
use tokio::time::Instant;

/// Which of the target account's quotas a call is made under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Quota {
    /// The account's IAM quota (IAM is global: no region).
    Iam,
    /// The account's Cognito quota in the context's region.
    Cognito,
    /// Account Management (`account:ListRegions`, once per account and sweep: no per-account
    /// rate can be exceeded, so only the global cap and AWS's own pace apply).
    AccountManagement,
}

impl Quota {
    fn key<'a>(self, account: &'a str, region: &'a str) -> QuotaKey<'a> {
        match self {
            Quota::Iam => QuotaKey::Iam { account },
            Quota::Cognito => QuotaKey::Cognito { account, region },
            Quota::AccountManagement => QuotaKey::AccountManagement { account },
        }
    }
}

/// One account's calls: where they are made, under which caller, until when.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CallContext<'a> {
    pub(crate) account_id: &'a str,
    pub(crate) region: &'a str,
    caller: &'a Caller,
    deadline: Instant,
}

impl<'a> CallContext<'a> {
    pub(crate) fn new(
        account_id: &'a str,
        region: &'a str,
        caller: &'a Caller,
        deadline: Instant,
    ) -> CallContext<'a> {
        CallContext {
            account_id,
            region,
            caller,
            deadline,
        }
    }

    /// A call under the target account's `quota`.
    pub(crate) async fn call<T, E, F, Fut>(
        self,
        quota: Quota,
        operation: &'static str,
        send: F,
    ) -> Result<T, CollectError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let key = quota.key(self.account_id, self.region);
        self.caller.call(self.target(key, operation), send).await
    }

    pub(crate) fn malformed(
        self,
        operation: &'static str,
        message: impl Into<String>,
    ) -> CollectError {
        CollectError::malformed(self.account_id, self.region, operation, message)
    }

    /// The same account's calls in another region.
    pub(crate) fn in_region(self, region: &'a str) -> CallContext<'a> {
        CallContext { region, ..self }
    }

    fn target(self, quota: QuotaKey<'a>, operation: &'static str) -> Target<'a> {
        Target {
            quota,
            account_id: self.account_id,
            region: self.region,
            operation,
            deadline: Some(self.deadline),
        }
    }

    pub(crate) fn list_call(self, operation: &'static str) -> ListCall<'a> {
        ListCall {
            account_id: self.account_id,
            region: self.region,
            operation,
        }
    }
}
