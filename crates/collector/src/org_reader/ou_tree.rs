//! The walk of the OU tree: once, from each root down (`ListRoots`, then
//! `ListOrganizationalUnitsForParent` and `ListAccountsForParent` per OU), so the calls grow with
//! OUs and pages, not with accounts.

use super::OrganizationReader;
use crate::error::CollectError;
use crate::organization::OrgUnit;
use aws_sdk_organizations::operation::list_accounts_for_parent::ListAccountsForParentOutput;
use aws_sdk_organizations::operation::list_organizational_units_for_parent::ListOrganizationalUnitsForParentOutput;
use aws_sdk_organizations::operation::list_roots::ListRootsOutput;
use aws_sdk_organizations::types::{Account, OrganizationalUnit, Root};
use mfa_evaluator::DataError;
use std::collections::HashMap;

const LIST_ROOTS: &str = "organizations:ListRoots";
const LIST_UNITS: &str = "organizations:ListOrganizationalUnitsForParent";
const LIST_CHILDREN: &str = "organizations:ListAccountsForParent";

/// The chain of parents above the accounts of one OU, or why it cannot be written.
pub(super) type Chain = Result<Vec<OrgUnit>, DataError>;

/// What one walk of the OU tree found.
pub(super) struct Walk {
    /// Each account's chain of parents, or why it cannot be written.
    pub(super) parents_of: HashMap<String, Chain>,
    /// The organization's roots by id, or why one cannot be named.
    pub(super) roots: HashMap<String, Result<OrgUnit, DataError>>,
}

impl OrganizationReader {
    /// Walks the OU tree once, from each root down; returns each account's chain of parents,
    /// or why it cannot be written (an OU above the account came without a name).
    pub(super) async fn walk_tree(&self) -> Result<Walk, CollectError> {
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

    pub(super) async fn list_roots(&self) -> Result<Vec<Root>, CollectError> {
        let request = |token| {
            self.client
                .list_roots()
                .set_max_results(self.page_size)
                .set_next_token(token)
                .send()
        };
        let split = |page: ListRootsOutput| (page.roots, page.next_token);
        self.list_all(LIST_ROOTS, "Roots", request, split).await
    }

    /// The OUs directly under a root or OU.
    async fn list_units(&self, parent_id: &str) -> Result<Vec<OrganizationalUnit>, CollectError> {
        let request = |token| {
            self.client
                .list_organizational_units_for_parent()
                .parent_id(parent_id)
                .set_max_results(self.page_size)
                .set_next_token(token)
                .send()
        };
        let split = |page: ListOrganizationalUnitsForParentOutput| {
            (page.organizational_units, page.next_token)
        };
        self.list_all(LIST_UNITS, "OrganizationalUnits", request, split)
            .await
    }

    /// The accounts directly under a root or OU.
    async fn list_accounts_of(&self, parent_id: &str) -> Result<Vec<Account>, CollectError> {
        let request = |token| {
            self.client
                .list_accounts_for_parent()
                .parent_id(parent_id)
                .set_max_results(self.page_size)
                .set_next_token(token)
                .send()
        };
        let split = |page: ListAccountsForParentOutput| (page.accounts, page.next_token);
        self.list_all(LIST_CHILDREN, "Accounts", request, split)
            .await
    }
}
