//! Each resource's [`Facts`], put together from the parts that decide them (kinds of device,
//! enforcement, stakes, priority, a pool's factors) for `evaluate.rs` to attach. Facts never
//! change a status: they are computed from it (the priority), never the other way round.

use crate::controls::{ControlId, Status};
use crate::facts::Facts;
use crate::identity_policies::AccountPolicies;
use crate::kinds::{root_devices, user_devices, DeviceFacts};
use crate::snapshot::{AccountSnapshot, AccountSummary, IamUser};
use crate::stakes::{root_stakes, user_priority, user_stakes, ROOT_PRIORITY};
use chrono::{DateTime, Utc};

/// What the facts of one account's resources are read from, prepared once per account.
#[derive(Debug)]
pub(crate) struct FactSources<'a> {
    snapshot: &'a AccountSnapshot,
    /// Every user's policies, read once; `None` when they were not read (`[audit] policies`
    /// off, or `GetAccountAuthorizationDetails` failed): enforcement and admin are then absent.
    policies: Option<AccountPolicies>,
    /// Why they could not be read, said on every user's facts.
    policies_error: Option<String>,
}

impl<'a> FactSources<'a> {
    pub fn new(snapshot: &'a AccountSnapshot) -> Self {
        let scps = match &snapshot.scps_in_force {
            Some(Ok(scps)) => Some(scps.as_slice()),
            // Not read, or not readable: nothing was seen.
            Some(Err(_)) | None => None,
        };
        let (policies, policies_error) = match &snapshot.authorization {
            Some(Ok(details)) => (Some(AccountPolicies::new(details, scps)), None),
            Some(Err(error)) => (None, Some(error.to_string())),
            None => (None, None),
        };
        FactSources {
            snapshot,
            policies,
            policies_error,
        }
    }

    /// The root resource's facts under IAM.9 or IAM.6; a priority on a FAILED IAM.9 only.
    pub fn root(&self, summary: &AccountSummary, control: ControlId, status: Status) -> Facts {
        let devices = root_devices(
            summary,
            &self.snapshot.root.assigned_virtual_devices,
            &self.snapshot.root_arn(),
        );
        let root_usage = match &self.snapshot.users {
            Ok(report) => report.root_usage.as_ref(),
            Err(_) => None,
        };
        let facts = Facts {
            stakes: Some(root_stakes(summary, root_usage)),
            priority: (control == ControlId::Iam9 && status == Status::Failed)
                .then_some(ROOT_PRIORITY),
            ..Facts::default()
        };
        with_devices(facts, devices)
    }

    /// An IAM user's facts under IAM.5 or IAM.19; a priority when it FAILED. `now` is when the
    /// credential report was read.
    pub fn user(&self, user: &IamUser, now: DateTime<Utc>, status: Status) -> Facts {
        let (enforcement, admin) = match self.policies.as_ref().map(|p| p.user(&user.arn)) {
            Some(policies) => (Some(policies.enforcement), Some(policies.admin)),
            None => (None, None),
        };
        let stakes = user_stakes(user, admin);
        let facts = Facts {
            mfa_enforcement: enforcement,
            policies_error: self.policies_error.clone(),
            priority: match status {
                Status::Failed => user_priority(&stakes, now),
                _ => None,
            },
            stakes: Some(stakes),
            ..Facts::default()
        };
        with_devices(facts, user_devices(user.mfa_devices.as_ref()))
    }
}

fn with_devices(facts: Facts, devices: DeviceFacts) -> Facts {
    Facts {
        mfa_devices: devices.devices,
        mfa_devices_error: devices.error,
        phishing_resistant: devices.phishing_resistant,
        ..facts
    }
}
