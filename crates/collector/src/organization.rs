//! The organization as the planner gets it: its accounts, each with its state and its place in
//! the OU tree. Plain data; [`crate::OrganizationReader`] reads it.

use crate::ids::is_account_id;
use crate::lifecycle::Lifecycle;
use mfa_evaluator::DataError;

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
