//! Reads the organization: its accounts (`ListAccounts`) and where each sits in the OU tree.
//!
//! OU paths come from walking the tree once (`ListRoots`, then `ListOrganizationalUnitsForParent`
//! and `ListAccountsForParent` per OU), so the number of calls grows with OUs and pages, not with
//! accounts. `ListParents` is called only for an account the walk did not see (one that moved
//! while the walk ran).

use crate::error::CollectError;
use crate::guard::ReadOnlyGuard;
use crate::limits::{Caller, QuotaKey};
use aws_sdk_organizations::types::AccountStatus as SdkAccountStatus;
use aws_sdk_organizations::Client;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use std::collections::HashMap;

/// The organization as the planner needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organization {
    pub id: String,
    pub management_account_id: String,
    pub accounts: Vec<OrgAccount>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgAccount {
    pub id: String,
    pub name: String,
    pub status: AccountStatus,
    /// From the root down to the account's direct parent.
    pub parents: Vec<OrgUnit>,
}

impl OrgAccount {
    /// Whether the id Organizations gave is an account id (12 digits). Anything else is never
    /// used in a call.
    pub fn has_valid_id(&self) -> bool {
        is_account_id(&self.id)
    }

    /// `Root/Workloads/Prod`.
    pub fn ou_path(&self) -> String {
        self.parents
            .iter()
            .map(|p| p.name.as_str())
            .collect::<Vec<_>>()
            .join("/")
    }
}

fn is_account_id(id: &str) -> bool {
    id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit())
}

/// A root (`r-…`) or an organizational unit (`ou-…`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgUnit {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountStatus {
    Active,
    Suspended,
    PendingClosure,
    Other(String),
}

impl From<&SdkAccountStatus> for AccountStatus {
    fn from(status: &SdkAccountStatus) -> Self {
        match status {
            SdkAccountStatus::Active => AccountStatus::Active,
            SdkAccountStatus::Suspended => AccountStatus::Suspended,
            SdkAccountStatus::PendingClosure => AccountStatus::PendingClosure,
            other => AccountStatus::Other(other.as_str().to_string()),
        }
    }
}

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

impl OrganizationReader {
    pub fn new(sdk: &aws_config::SdkConfig, caller: Caller) -> OrganizationReader {
        OrganizationReader {
            client: Client::from_conf(
                aws_sdk_organizations::config::Builder::from(sdk)
                    .interceptor(ReadOnlyGuard)
                    .build(),
            ),
            caller,
            region: sdk
                .region()
                .map(|r| r.to_string())
                .unwrap_or_else(|| "us-east-1".to_string()),
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
                QuotaKey::Organizations,
                CALLER,
                &self.region,
                operation,
                send,
            )
            .await
    }

    pub async fn read(&self) -> Result<Organization, CollectError> {
        const DESCRIBE: &str = "organizations:DescribeOrganization";
        let description = self
            .call(DESCRIBE, || self.client.describe_organization().send())
            .await?;
        let org = description.organization().ok_or_else(|| {
            CollectError::malformed(
                CALLER,
                &self.region,
                DESCRIBE,
                "no organization in the response",
            )
        })?;
        let id = org.id().unwrap_or_default().to_string();
        let management_account_id = org.master_account_id().unwrap_or_default().to_string();

        let parents_of = self.walk_tree().await?;

        let mut listed = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let page = self
                .call("organizations:ListAccounts", || {
                    self.client
                        .list_accounts()
                        .set_max_results(self.page_size)
                        .set_next_token(token.clone())
                        .send()
                })
                .await?;
            listed.extend(page.accounts.unwrap_or_default());
            token = page.next_token;
            if token.is_none() {
                break;
            }
        }
        let mut accounts = Vec::with_capacity(listed.len());
        for account in listed {
            let account_id = account.id().unwrap_or_default().to_string();
            let parents = match parents_of.get(&account_id) {
                Some(parents) => parents.clone(),
                // Not an account id: nothing to ask about it; the planner records it as an error.
                None if !is_account_id(&account_id) => Vec::new(),
                None => self.parents_of_one(&account_id).await?,
            };
            accounts.push(OrgAccount {
                name: account.name().unwrap_or_default().to_string(),
                status: account
                    .status()
                    .map(AccountStatus::from)
                    .unwrap_or(AccountStatus::Other("unknown".to_string())),
                id: account_id,
                parents,
            });
        }
        Ok(Organization {
            id,
            management_account_id,
            accounts,
        })
    }

    /// Walks the OU tree once; returns each account's chain of parents.
    async fn walk_tree(&self) -> Result<HashMap<String, Vec<OrgUnit>>, CollectError> {
        let mut parents_of = HashMap::new();
        let mut pending: Vec<Vec<OrgUnit>> = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let page = self
                .call("organizations:ListRoots", || {
                    self.client
                        .list_roots()
                        .set_max_results(self.page_size)
                        .set_next_token(token.clone())
                        .send()
                })
                .await?;
            for root in page.roots() {
                pending.push(vec![OrgUnit {
                    id: root.id().unwrap_or_default().to_string(),
                    name: root.name().unwrap_or("Root").to_string(),
                }]);
            }
            token = page.next_token;
            if token.is_none() {
                break;
            }
        }
        while let Some(chain) = pending.pop() {
            let Some(parent) = chain.last() else { continue };
            let mut token: Option<String> = None;
            loop {
                let page = self
                    .call("organizations:ListOrganizationalUnitsForParent", || {
                        self.client
                            .list_organizational_units_for_parent()
                            .parent_id(&parent.id)
                            .set_max_results(self.page_size)
                            .set_next_token(token.clone())
                            .send()
                    })
                    .await?;
                for unit in page.organizational_units() {
                    let mut child = chain.clone();
                    child.push(OrgUnit {
                        id: unit.id().unwrap_or_default().to_string(),
                        name: unit.name().unwrap_or_default().to_string(),
                    });
                    pending.push(child);
                }
                token = page.next_token;
                if token.is_none() {
                    break;
                }
            }
            let mut token: Option<String> = None;
            loop {
                let page = self
                    .call("organizations:ListAccountsForParent", || {
                        self.client
                            .list_accounts_for_parent()
                            .parent_id(&parent.id)
                            .set_max_results(self.page_size)
                            .set_next_token(token.clone())
                            .send()
                    })
                    .await?;
                for account in page.accounts() {
                    parents_of.insert(account.id().unwrap_or_default().to_string(), chain.clone());
                }
                token = page.next_token;
                if token.is_none() {
                    break;
                }
            }
        }
        Ok(parents_of)
    }

    /// The parents of one account, by `ListParents` up to the root.
    async fn parents_of_one(&self, account_id: &str) -> Result<Vec<OrgUnit>, CollectError> {
        let mut chain = Vec::new();
        let mut child = account_id.to_string();
        // An organization is at most five OU levels deep; the bound guards against a cycle.
        for _ in 0..8 {
            let response = self
                .call("organizations:ListParents", || {
                    self.client.list_parents().child_id(&child).send()
                })
                .await?;
            let Some(parent) = response.parents().first() else {
                break;
            };
            let parent_id = parent.id().unwrap_or_default().to_string();
            let is_root = parent_id.starts_with("r-");
            let name = if is_root {
                "Root".to_string()
            } else {
                self.call("organizations:DescribeOrganizationalUnit", || {
                    self.client
                        .describe_organizational_unit()
                        .organizational_unit_id(&parent_id)
                        .send()
                })
                .await?
                .organizational_unit()
                .and_then(|u| u.name())
                .unwrap_or_default()
                .to_string()
            };
            chain.push(OrgUnit {
                id: parent_id.clone(),
                name,
            });
            if is_root {
                break;
            }
            child = parent_id;
        }
        chain.reverse();
        Ok(chain)
    }
}
