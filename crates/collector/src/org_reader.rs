//! Reads the organization: its accounts (`ListAccounts`) and where each sits in the OU tree.
//!
//! OU paths come from walking the tree once (`ListRoots`, then `ListOrganizationalUnitsForParent`
//! and `ListAccountsForParent` per OU), so the number of calls grows with OUs and pages, not with
//! accounts. `ListParents` is called only for an account the walk did not see (one that moved
//! while the walk ran).

use crate::caller::{Caller, Target};
use crate::error::CollectError;
use crate::guard::ReadOnlyGuard;
use crate::ids::is_account_id;
use crate::lifecycle::lifecycle_of;
use crate::limits::QuotaKey;
use crate::organization::{OrgAccount, OrgUnit, Organization};
use crate::paginate::{paginate, ListCall, Page};
use crate::partitions::partition_of_arn;
use aws_sdk_organizations::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_organizations::operation::list_accounts::ListAccountsOutput;
use aws_sdk_organizations::types::Account;
use aws_sdk_organizations::Client;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use mfa_evaluator::DataError;
use ou_tree::{Chain, Walk};
use std::future::Future;

mod ou_tree;
mod scps;

/// Reads the organization with the caller's own credentials (the management account or a
/// delegated administrator).
#[derive(Debug, Clone)]
pub struct OrganizationReader {
    client: Client,
    caller: Caller,
    region: String,
    /// `MaxResults` for the list calls; `None` leaves the service's default.
    page_size: Option<i32>,
}

/// Stands for the caller's own account in errors: Organizations calls are not made in a member.
const CALLER: &str = "(caller)";

const LIST_ACCOUNTS: &str = "organizations:ListAccounts";

/// What `DescribeOrganization` says of the organization.
struct Described {
    id: String,
    management_account_id: String,
    partition: String,
}

impl OrganizationReader {
    pub fn new(sdk: &aws_config::SdkConfig, caller: Caller) -> OrganizationReader {
        OrganizationReader {
            client: Client::from_conf(
                aws_sdk_organizations::config::Builder::from(sdk)
                    .interceptor(ReadOnlyGuard)
                    .build(),
            ),
            caller,
            region: crate::aws::home_region(sdk),
            page_size: None,
        }
    }

    /// Asks for pages of at most `size` items (tests use small pages to exercise pagination).
    pub fn with_page_size(mut self, size: i32) -> OrganizationReader {
        self.page_size = Some(size);
        self
    }

    async fn call<T, E, F, Fut>(&self, operation: &'static str, send: F) -> Result<T, CollectError>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<
            Output = Result<T, aws_sdk_organizations::error::SdkError<E, HttpResponse>>,
        >,
        E: aws_sdk_organizations::error::ProvideErrorMetadata
            + std::error::Error
            + Send
            + Sync
            + 'static,
    {
        self.caller
            .call(
                Target {
                    quota: QuotaKey::Organizations,
                    account_id: CALLER,
                    region: &self.region,
                    operation,
                    deadline: None,
                },
                send,
            )
            .await
    }

    pub async fn read(&self) -> Result<Organization, CollectError> {
        let described = self.describe().await?;
        let walk = self.walk_tree().await?;
        let listed = self.list_accounts().await?;
        let mut accounts = Vec::with_capacity(listed.len());
        for account in listed {
            accounts.push(self.org_account(&account, &walk).await?);
        }
        Ok(Organization {
            id: described.id,
            management_account_id: described.management_account_id,
            partition: described.partition,
            accounts,
        })
    }

    /// `DescribeOrganization`: the organization's id, its management account and partition.
    async fn describe(&self) -> Result<Described, CollectError> {
        const DESCRIBE: &str = "organizations:DescribeOrganization";
        let description = self
            .call(DESCRIBE, || self.client.describe_organization().send())
            .await?;
        let missing = |what: &str| {
            CollectError::malformed(
                CALLER,
                &self.region,
                DESCRIBE,
                format!("the organization has no {what}"),
            )
        };
        let org = description
            .organization()
            .ok_or_else(|| missing("description"))?;
        let id = org.id().ok_or_else(|| missing("Id"))?.to_string();
        let management_account_id = org
            .master_account_id()
            .ok_or_else(|| missing("MasterAccountId"))?
            .to_string();
        let arn = org.arn().ok_or_else(|| missing("Arn"))?;
        let partition = partition_of_arn(arn)
            .ok_or_else(|| missing(&format!("well-formed Arn (got {arn:?})")))?
            .to_string();
        Ok(Described {
            id,
            management_account_id,
            partition,
        })
    }

    /// Every account of the organization (`ListAccounts`); never none.
    async fn list_accounts(&self) -> Result<Vec<Account>, CollectError> {
        let request = |token| {
            self.client
                .list_accounts()
                .set_max_results(self.page_size)
                .set_next_token(token)
                .send()
        };
        let split = |page: ListAccountsOutput| (page.accounts, page.next_token);
        let listed = self
            .list_all(LIST_ACCOUNTS, "Accounts", request, split)
            .await?;
        if listed.is_empty() {
            // The management account is always a member: an empty list is a broken answer, and
            // a sweep over it would say nothing of the organization.
            return Err(self
                .list_call(LIST_ACCOUNTS)
                .malformed("no account at all, not even the management account"));
        }
        Ok(listed)
    }

    /// One listed account, placed in the tree. Only a missing id fails the read: anything else
    /// wrong is that account's own error, for the planner to record.
    async fn org_account(
        &self,
        account: &Account,
        walk: &Walk,
    ) -> Result<OrgAccount, CollectError> {
        let account_id = account
            .id()
            .ok_or_else(|| {
                self.list_call(LIST_ACCOUNTS)
                    .malformed("an account without an Id")
            })?
            .to_string();
        let parents = match walk.parents_of.get(&account_id) {
            Some(parents) => parents.clone(),
            // Not an account id: nothing to ask about it; the planner records it as an error.
            None if !is_account_id(&account_id) => Ok(Vec::new()),
            // An account the walk did not see (it moved, or left, while the walk ran): its
            // own error, never the sweep's.
            None => self.parents_of_one(&account_id, walk).await,
        };
        let lifecycle = lifecycle_of(account).map_err(|what| {
            self.list_call(LIST_ACCOUNTS)
                .malformed(format!(
                    "account {:?} has {what}: neither audited nor skipped",
                    account_id.chars().take(64).collect::<String>()
                ))
                .to_data_error()
        });
        Ok(OrgAccount {
            name: account.name().filter(|n| !n.is_empty()).map(str::to_string),
            lifecycle,
            id: account_id,
            parents,
        })
    }

    /// Every page of one Organizations list: `request` asks for the page after a token, `split`
    /// takes the page's list (named `field` in the error when a page lacks it) and next token.
    async fn list_all<T, O, E, R, Fut>(
        &self,
        operation: &'static str,
        field: &str,
        request: R,
        split: impl Fn(O) -> (Option<Vec<T>>, Option<String>),
    ) -> Result<Vec<T>, CollectError>
    where
        R: Fn(Option<String>) -> Fut,
        Fut: Future<Output = Result<O, SdkError<E, HttpResponse>>>,
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let (request, split) = (&request, &split);
        paginate(self.list_call(operation), |token| async move {
            // `call` may send again (a retry): each send asks for the same page.
            let page = self.call(operation, || request(token.clone())).await?;
            let (items, next) = split(page);
            Ok(Page {
                items: self.list_call(operation).items(items, field)?,
                next,
                truncated: None,
            })
        })
        .await
    }

    fn list_call(&self, operation: &'static str) -> ListCall<'_> {
        ListCall {
            account_id: CALLER,
            region: &self.region,
            operation,
        }
    }

    /// A root or OU as an answer gave it: a unit without a name cannot be part of an OU path
    /// (`Root//Prod`), so it is an error for the accounts below it.
    fn unit(
        &self,
        operation: &'static str,
        id: &str,
        name: Option<&str>,
    ) -> Result<OrgUnit, DataError> {
        let what = if id.starts_with("r-") {
            "the root"
        } else {
            "the OU"
        };
        match name {
            // AWS allows any character in an OU's name, NUL among them; PostgreSQL cannot store
            // NUL in text, and a path with it would be cut short by C tools downstream.
            Some(name) if name.contains('\0') => Err(self
                .list_call(operation)
                .malformed(format!(
                    "{what} {id:?} has a Name holding a NUL character, which cannot be stored: \
                     rename it to audit the accounts below it"
                ))
                .to_data_error()),
            Some(name) if !name.is_empty() => Ok(OrgUnit {
                id: id.to_string(),
                name: name.to_string(),
            }),
            _ => Err(self
                .list_call(operation)
                .malformed(format!(
                    "{what} {id:?} has no Name, so the OU path of the accounts below it cannot be written"
                ))
                .to_data_error()),
        }
    }

    /// The parents of one account, by `ListParents` up to the root (named as the walk read
    /// it: `ListParents` gives ids only).
    async fn parents_of_one(&self, account_id: &str, walk: &Walk) -> Chain {
        const PARENTS: &str = "organizations:ListParents";
        const DESCRIBE: &str = "organizations:DescribeOrganizationalUnit";
        let mut chain = Vec::new();
        let mut child = account_id.to_string();
        // An organization is at most five OU levels deep; the bound guards against a cycle.
        for _ in 0..8 {
            let response = self
                .call(PARENTS, || {
                    self.client.list_parents().child_id(&child).send()
                })
                .await
                .map_err(|e| e.to_data_error())?;
            let Some(parent) = response.parents().first() else {
                break;
            };
            let parent_id = parent
                .id()
                .ok_or_else(|| {
                    self.list_call(PARENTS)
                        .malformed("a parent without an Id")
                        .to_data_error()
                })?
                .to_string();
            if let Some(root) = walk.roots.get(&parent_id) {
                chain.push(root.clone()?);
                break;
            }
            let described = self
                .call(DESCRIBE, || {
                    self.client
                        .describe_organizational_unit()
                        .organizational_unit_id(&parent_id)
                        .send()
                })
                .await
                .map_err(|e| e.to_data_error())?;
            let name = described.organizational_unit().and_then(|u| u.name());
            chain.push(self.unit(DESCRIBE, &parent_id, name)?);
            child = parent_id;
        }
        chain.reverse();
        Ok(chain)
    }
}
