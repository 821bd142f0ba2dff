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
use crate::lifecycle::{lifecycle_of, Lifecycle};
use crate::limits::QuotaKey;
use crate::paginate::{paginate, ListCall, Page};
use aws_sdk_organizations::types::{Account, OrganizationalUnit, Root};
use aws_sdk_organizations::Client;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use mfa_evaluator::DataError;
use std::collections::HashMap;

/// The organization as the planner needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organization {
    pub id: String,
    pub management_account_id: String,
    /// From the organization's ARN: what every role and resource ARN of the sweep is built in.
    pub partition: String,
    pub accounts: Vec<OrgAccount>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgAccount {
    pub id: String,
    /// `None` when Organizations gave the account no name: the planner records it as an
    /// error, and the reports show the name as absent.
    pub name: Option<String>,
    /// Its state (`State`, or `Status` in an older answer); an error when the answer had
    /// neither, or a value this version does not know.
    pub lifecycle: Result<Lifecycle, DataError>,
    /// From the root down to the account's direct parent; an error when they could not be
    /// read (the account moved or left while the tree was walked, or an OU above it came
    /// without a name).
    pub parents: Result<Vec<OrgUnit>, DataError>,
}

impl OrgAccount {
    /// Whether the id Organizations gave is an account id (12 digits). Anything else is never
    /// used in a call.
    pub fn has_valid_id(&self) -> bool {
        is_account_id(&self.id)
    }

    /// `Root/Workloads/Prod`; empty when the parents could not be read.
    pub fn ou_path(&self) -> String {
        match &self.parents {
            Ok(parents) => parents
                .iter()
                .map(|p| p.name.as_str())
                .collect::<Vec<_>>()
                .join("/"),
            Err(_) => String::new(),
        }
    }

    /// The name, empty when Organizations gave none or one that cannot be stored (one holding
    /// NUL): such an account is an error, and its name is shown as absent.
    pub fn name_or_empty(&self) -> &str {
        self.name
            .as_deref()
            .filter(|name| !name.contains('\0'))
            .unwrap_or("")
    }
}

/// A root (`r-…`) or an organizational unit (`ou-…`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgUnit {
    pub id: String,
    pub name: String,
}

/// The chain of parents above the accounts of one OU, or why it cannot be written.
type Chain = Result<Vec<OrgUnit>, DataError>;

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
const LIST_ROOTS: &str = "organizations:ListRoots";
const LIST_UNITS: &str = "organizations:ListOrganizationalUnitsForParent";
const LIST_CHILDREN: &str = "organizations:ListAccountsForParent";

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
        let listed = paginate(self.list_call(LIST_ACCOUNTS), |token| async move {
            let page = self
                .call(LIST_ACCOUNTS, || {
                    self.client
                        .list_accounts()
                        .set_max_results(self.page_size)
                        .set_next_token(token.clone())
                        .send()
                })
                .await?;
            Ok(Page {
                items: self
                    .list_call(LIST_ACCOUNTS)
                    .items(page.accounts, "Accounts")?,
                next: page.next_token,
                truncated: None,
            })
        })
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

    fn list_call(&self, operation: &'static str) -> ListCall<'_> {
        ListCall {
            account_id: CALLER,
            region: &self.region,
            operation,
        }
    }

    /// Walks the OU tree once, from each root down; returns each account's chain of parents,
    /// or why it cannot be written (an OU above the account came without a name).
    async fn walk_tree(&self) -> Result<Walk, CollectError> {
        // (the parent whose children are listed next, the chain down to it)
        let mut pending: Vec<(String, Chain)> = Vec::new();
        let mut root_units = HashMap::new();
        for root in self.list_roots().await? {
            let id = root
                .id()
                .ok_or_else(|| self.list_call(LIST_ROOTS).malformed("a root without an Id"))?;
            let unit = self.unit(LIST_ROOTS, id, root.name());
            pending.push((id.to_string(), unit.clone().map(|unit| vec![unit])));
            root_units.insert(id.to_string(), unit);
        }
        let mut parents_of = HashMap::new();
        while let Some((parent_id, chain)) = pending.pop() {
            let units = self.list_units(&parent_id).await?;
            let children = self.list_accounts_of(&parent_id).await?;
            for unit in units {
                let id = unit
                    .id()
                    .ok_or_else(|| self.list_call(LIST_UNITS).malformed("an OU without an Id"))?;
                // An OU without a name still has children to walk: they are placed (so no
                // ListParents is spent on them) with the error as their chain.
                let child = chain.clone().and_then(|mut chain| {
                    chain.push(self.unit(LIST_UNITS, id, unit.name())?);
                    Ok(chain)
                });
                pending.push((id.to_string(), child));
            }
            for account in children {
                if let Some(id) = account.id() {
                    parents_of.insert(id.to_string(), chain.clone());
                }
            }
        }
        Ok(Walk {
            parents_of,
            roots: root_units,
        })
    }

    async fn list_roots(&self) -> Result<Vec<Root>, CollectError> {
        paginate(self.list_call(LIST_ROOTS), |token| async move {
            let page = self
                .call(LIST_ROOTS, || {
                    self.client
                        .list_roots()
                        .set_max_results(self.page_size)
                        .set_next_token(token.clone())
                        .send()
                })
                .await?;
            Ok(Page {
                items: self.list_call(LIST_ROOTS).items(page.roots, "Roots")?,
                next: page.next_token,
                truncated: None,
            })
        })
        .await
    }

    /// The OUs directly under a root or OU.
    async fn list_units(&self, parent_id: &str) -> Result<Vec<OrganizationalUnit>, CollectError> {
        paginate(self.list_call(LIST_UNITS), |token| async move {
            let page = self
                .call(LIST_UNITS, || {
                    self.client
                        .list_organizational_units_for_parent()
                        .parent_id(parent_id)
                        .set_max_results(self.page_size)
                        .set_next_token(token.clone())
                        .send()
                })
                .await?;
            Ok(Page {
                items: self
                    .list_call(LIST_UNITS)
                    .items(page.organizational_units, "OrganizationalUnits")?,
                next: page.next_token,
                truncated: None,
            })
        })
        .await
    }

    /// The accounts directly under a root or OU.
    async fn list_accounts_of(&self, parent_id: &str) -> Result<Vec<Account>, CollectError> {
        paginate(self.list_call(LIST_CHILDREN), |token| async move {
            let page = self
                .call(LIST_CHILDREN, || {
                    self.client
                        .list_accounts_for_parent()
                        .parent_id(parent_id)
                        .set_max_results(self.page_size)
                        .set_next_token(token.clone())
                        .send()
                })
                .await?;
            Ok(Page {
                items: self
                    .list_call(LIST_CHILDREN)
                    .items(page.accounts, "Accounts")?,
                next: page.next_token,
                truncated: None,
            })
        })
        .await
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

/// What one walk of the OU tree found.
struct Walk {
    /// Each account's chain of parents, or why it cannot be written.
    parents_of: HashMap<String, Chain>,
    /// The organization's roots by id, or why one cannot be named.
    roots: HashMap<String, Result<OrgUnit, DataError>>,
}

/// The partition of an ARN (`arn:<partition>:...`): `aws`, `aws-cn`, `aws-us-gov`,
/// `aws-iso-b`, ... Taken from what AWS returns, never guessed from a region's name.
pub fn partition_of_arn(arn: &str) -> Option<&str> {
    let mut parts = arn.split(':');
    match (parts.next(), parts.next()) {
        (Some("arn"), Some(partition))
            if !partition.is_empty()
                && partition
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') =>
        {
            Some(partition)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partitions_come_from_arns() {
        for (arn, partition) in [
            (
                "arn:aws:organizations::111122223333:organization/o-abc",
                Some("aws"),
            ),
            (
                "arn:aws-iso-f:sts::111122223333:assumed-role/R/s",
                Some("aws-iso-f"),
            ),
            ("arn:aws-us-gov:iam::111122223333:root", Some("aws-us-gov")),
            ("aws:iam::1:root", None),
            ("arn::iam::1:root", None),
            ("arn:AWS:x", None),
            ("", None),
        ] {
            assert_eq!(partition_of_arn(arn), partition, "{arn}");
        }
    }
}
