//! The organization's service control policies, read once per sweep
//! ([`crate::OrganizationReader::read_scps`]), and which are in force on each account: those
//! attached to the account, to any OU above it, or to its root, placed down the OU tree the
//! sweep already walked (`OrgAccount::parents`), never by an Organizations call per account.
//! Only the SCPs that bear on the facts are placed (the sweep's predicate); the others are
//! named in `not_placed` and in force nowhere, as far as [`OrganizationScps::in_force`] says.
//!
//! SCPs never apply to the management account: none is in force there, whatever is attached
//! above it. Where the SCP policy type is not enabled in a root (`ListRoots`' `PolicyTypes` has
//! no `SERVICE_CONTROL_POLICY`), AWS has detached every SCP and none applies: none is in force.
//! A type being enabled or disabled (`PENDING_ENABLE`, `PENDING_DISABLE`) or a status this
//! version does not know leaves what is in force unknown: an error, never an empty list.

use crate::organization::OrgAccount;
use mfa_evaluator::{DataError, ServiceControlPolicy};
use std::collections::HashMap;

/// Whether SCPs apply in one root, as `ListRoots` says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RootPolicies {
    /// `SERVICE_CONTROL_POLICY` is `ENABLED`: the attached SCPs are in force.
    Enabled,
    /// Not in `PolicyTypes`: no SCP is attached, none applies.
    Disabled,
    /// Being enabled or disabled, or a status this version does not know: why, as an error.
    Unknown(DataError),
}

/// The organization's SCPs and where each is attached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganizationScps {
    pub(crate) management_account_id: String,
    /// Each root's SCP status, by root id.
    pub(crate) roots: HashMap<String, RootPolicies>,
    /// Every SCP placed, by policy id.
    pub(crate) policies: HashMap<String, ServiceControlPolicy>,
    /// The ids of the SCPs attached to each root, OU or account, by its id, in the order
    /// `ListPolicies` gave them.
    pub(crate) attached: HashMap<String, Vec<String>>,
    /// The ids of the SCPs read but not placed: they bear on no fact.
    pub(crate) not_placed: Vec<String>,
}

/// A sweep's one read of the organization's SCPs, which may have failed, beside the management
/// account's id: SCPs never apply to it, so it has none in force even when they could not be
/// read, which no read is needed to say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScpsRead {
    management_account_id: String,
    read: Result<OrganizationScps, DataError>,
}

impl ScpsRead {
    pub fn new(management_account_id: &str, read: Result<OrganizationScps, DataError>) -> Self {
        ScpsRead {
            management_account_id: management_account_id.to_string(),
            read,
        }
    }

    /// The SCPs in force on `account` ([`OrganizationScps::in_force`]); where they could not be
    /// read, the read's error, except on the management account, which has none.
    pub fn in_force(
        &self,
        account: &OrgAccount,
        region: &str,
    ) -> Result<Vec<ServiceControlPolicy>, DataError> {
        match &self.read {
            Ok(scps) => scps.in_force(account, region),
            Err(_) if account.id == self.management_account_id => Ok(Vec::new()),
            Err(error) => Err(error.clone()),
        }
    }

    /// Why the SCPs could not be read, if they could not.
    pub fn error(&self) -> Option<&DataError> {
        self.read.as_ref().err()
    }
}

/// Where the errors of placing SCPs are said to come from.
const PLACING: &str = "organizations:ListTargetsForPolicy";

impl OrganizationScps {
    /// The SCPs that bear on the facts in force on `account`: attached to its root, an OU above it or the account
    /// itself, root first, each once. `region` names where Organizations was called, for errors.
    pub fn in_force(
        &self,
        account: &OrgAccount,
        region: &str,
    ) -> Result<Vec<ServiceControlPolicy>, DataError> {
        if account.id == self.management_account_id {
            return Ok(Vec::new());
        }
        let error = |message: String| DataError {
            operation: PLACING.to_string(),
            region: region.to_string(),
            code: Some("MalformedResponse".to_string()),
            message,
            request_id: None,
        };
        let parents = account.parents.as_ref().map_err(|cause| DataError {
            message: format!(
                "the account's place in the OU tree is unknown, so are the SCPs in force on it: {}",
                cause.message
            ),
            ..cause.clone()
        })?;
        let Some(root) = parents.first() else {
            return Err(error("the account is under no root".to_string()));
        };
        match self.roots.get(&root.id) {
            Some(RootPolicies::Enabled) => {}
            Some(RootPolicies::Disabled) => return Ok(Vec::new()),
            Some(RootPolicies::Unknown(why)) => return Err(why.clone()),
            None => {
                return Err(error(format!(
                    "the account's root {} is not among the roots ListRoots gave",
                    root.id
                )))
            }
        }
        let mut in_force: Vec<ServiceControlPolicy> = Vec::new();
        let targets = parents.iter().map(|unit| unit.id.as_str());
        for target in targets.chain([account.id.as_str()]) {
            for id in self.attached.get(target).into_iter().flatten() {
                let policy = self.policies.get(id).ok_or_else(|| {
                    error(format!("the SCP {id} attached to {target} was not listed"))
                })?;
                if !in_force.iter().any(|p| p.id == *id) {
                    in_force.push(policy.clone());
                }
            }
        }
        Ok(in_force)
    }

    /// The ids of the SCPs placed (for logs and tests).
    pub fn policy_ids(&self) -> Vec<&str> {
        let mut ids: Vec<&str> = self.policies.keys().map(String::as_str).collect();
        ids.sort_unstable();
        ids
    }

    /// The ids of the SCPs read but not placed, bearing on no fact (for logs and tests).
    pub fn not_placed(&self) -> &[String] {
        &self.not_placed
    }
}

#[cfg(test)]
mod tests;
