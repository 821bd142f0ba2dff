//! Which identity policies apply to each IAM user (its own inline and managed policies, and
//! those of its groups) and what they say together (`docs/controls.md`, "Enforced by policy"
//! and "What is at stake"): whether MFA is enforced, whether the user is admin-equivalent.
//!
//! Each document is read once per account: a managed policy shared by a thousand users is
//! parsed once. A policy named `by` or `admin_via` is a managed policy's ARN, or
//! `<user or group ARN>:inline/<name>` for an inline one.

use crate::authorization::{
    AuthorizationDetails, GroupPolicies, InlinePolicy, ServiceControlPolicy, UserPolicies,
};
use crate::facts::{Enforcement, EnforcementState};
use crate::policy::{
    grants_admin, is_administrator_access, mfa_deny, mfa_keyed_statements, MfaDeny, PolicyDocument,
};
use std::collections::HashMap;

/// What one policy says, or why it could not be read.
#[derive(Debug, Clone)]
struct Reading {
    name: String,
    said: Result<Said, String>,
}

#[derive(Debug, Clone)]
struct Said {
    mfa: MfaDeny,
    admin: bool,
}

impl Reading {
    fn of(name: String, document: &str) -> Reading {
        let said = match PolicyDocument::parse(document) {
            Ok(document) => Ok(Said {
                mfa: mfa_deny(&document),
                admin: grants_admin(&document),
            }),
            Err(error) => Err(format!("{name}: {error}")),
        };
        Reading { name, said }
    }
}

/// Whether a user is admin-equivalent, by which policies, or why that cannot be told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AdminFacts {
    /// `None` when no policy grants it and some could not be read.
    pub equivalent: Option<bool>,
    pub via: Vec<String>,
    pub unrecognised: Vec<String>,
}

/// What a user's policies say together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UserPolicyFacts {
    pub enforcement: Enforcement,
    pub admin: AdminFacts,
}

/// Every user's [`UserPolicyFacts`], by the user's ARN.
#[derive(Debug, Default)]
pub(crate) struct AccountPolicies {
    by_user: HashMap<String, UserPolicyFacts>,
}

impl AccountPolicies {
    /// Reads an account's policies. `scps` are the SCPs in force when they were read: one
    /// keyed on MFA is something this version does not read for enforcement, said for every
    /// user without a recognised enforcing policy.
    pub fn new(details: &AuthorizationDetails, scps: Option<&[ServiceControlPolicy]>) -> Self {
        let managed: HashMap<&str, Reading> = details
            .managed_policies
            .iter()
            .map(|p| (p.arn.as_str(), Reading::of(p.arn.clone(), &p.document)))
            .collect();
        let groups: HashMap<&str, Vec<Reading>> = details
            .groups
            .iter()
            .map(|g| (g.name.as_str(), group_readings(g, &managed)))
            .collect();
        let scp_reasons = match scps {
            Some(scps) => scps_keyed_on_mfa(scps),
            // Not read: nothing was seen.
            None => Vec::new(),
        };
        let by_user = details
            .users
            .iter()
            .map(|user| {
                let facts = user_facts(user, &managed, &groups, &scp_reasons);
                (user.arn.clone(), facts)
            })
            .collect();
        AccountPolicies { by_user }
    }

    /// The facts of the user with this ARN. A user the answer did not list (made after it was
    /// read) has policies that were not read: said, not guessed.
    pub fn user(&self, arn: &str) -> UserPolicyFacts {
        match self.by_user.get(arn) {
            Some(facts) => facts.clone(),
            None => {
                let why = format!(
                    "{arn}: not in iam:GetAccountAuthorizationDetails' answer (a user made \
                     after it was read?)"
                );
                UserPolicyFacts {
                    enforcement: Enforcement {
                        state: EnforcementState::NotRecognised,
                        by: Vec::new(),
                        unrecognised: vec![why.clone()],
                    },
                    admin: AdminFacts {
                        equivalent: None,
                        via: Vec::new(),
                        unrecognised: vec![why],
                    },
                }
            }
        }
    }
}

fn inline_readings(owner_arn: &str, policies: &[InlinePolicy]) -> Vec<Reading> {
    policies
        .iter()
        .map(|p| Reading::of(format!("{owner_arn}:inline/{}", p.name), &p.document))
        .collect()
}

/// A managed policy attached by ARN, as read once for the account. AWS's `AdministratorAccess`
/// grants everything, whatever the answer carried.
fn attached(arn: &str, managed: &HashMap<&str, Reading>) -> Reading {
    let mut reading = managed.get(arn).cloned().unwrap_or_else(|| Reading {
        name: arn.to_string(),
        said: Err(format!(
            "{arn}: attached, but not in iam:GetAccountAuthorizationDetails' answer"
        )),
    });
    if is_administrator_access(arn) {
        let mfa = reading.said.map_or(MfaDeny::Nothing, |said| said.mfa);
        reading.said = Ok(Said { mfa, admin: true });
    }
    reading
}

fn group_readings(group: &GroupPolicies, managed: &HashMap<&str, Reading>) -> Vec<Reading> {
    let mut readings = inline_readings(&group.arn, &group.inline_policies);
    readings.extend(
        group
            .attached_managed_policies
            .iter()
            .map(|arn| attached(arn, managed)),
    );
    readings
}

fn scps_keyed_on_mfa(scps: &[ServiceControlPolicy]) -> Vec<String> {
    scps.iter()
        .filter_map(|scp| {
            let named = format!("SCP {} ({})", scp.id, scp.name);
            match PolicyDocument::parse(&scp.document) {
                Err(error) => Some(format!("{named}: {error}")),
                Ok(document) => {
                    let keyed = mfa_keyed_statements(&document);
                    (!keyed.is_empty()).then(|| {
                        format!(
                            "{named}: {} keyed on MFA (SCPs are not read for enforcement)",
                            keyed.join(", ")
                        )
                    })
                }
            }
        })
        .collect()
}

fn user_facts(
    user: &UserPolicies,
    managed: &HashMap<&str, Reading>,
    groups: &HashMap<&str, Vec<Reading>>,
    scp_reasons: &[String],
) -> UserPolicyFacts {
    let mut readings = inline_readings(&user.arn, &user.inline_policies);
    readings.extend(
        user.attached_managed_policies
            .iter()
            .map(|arn| attached(arn, managed)),
    );
    for group in &user.groups {
        match groups.get(group.as_str()) {
            Some(group_readings) => readings.extend(group_readings.iter().cloned()),
            None => readings.push(Reading {
                name: format!("group {group}"),
                said: Err(format!(
                    "group {group}: the user is in it, but it is not in \
                     iam:GetAccountAuthorizationDetails' answer"
                )),
            }),
        }
    }
    let mut not_read: Vec<String> = user
        .permissions_boundary
        .iter()
        .map(|arn| format!("permissions boundary {arn}: not read"))
        .collect();
    not_read.extend(scp_reasons.iter().cloned());
    UserPolicyFacts {
        enforcement: enforcement(&readings, not_read),
        admin: admin(&readings),
    }
}

/// The names of the readings `pick` keeps, each once, in order.
fn names(readings: &[Reading], pick: impl Fn(&Said) -> bool) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    for reading in readings {
        let picked = reading.said.as_ref().is_ok_and(&pick);
        if picked && !found.contains(&reading.name) {
            found.push(reading.name.clone());
        }
    }
    found
}

fn unreadable(readings: &[Reading]) -> Vec<String> {
    let mut reasons: Vec<String> = Vec::new();
    for why in readings.iter().filter_map(|r| r.said.as_ref().err()) {
        if !reasons.contains(why) {
            reasons.push(why.clone());
        }
    }
    reasons
}

/// Enforced by any recognised enforcing policy (an explicit `Deny` holds whatever else
/// applies); else not recognised when anything that may enforce it was seen and not read;
/// else not enforced.
fn enforcement(readings: &[Reading], not_read: Vec<String>) -> Enforcement {
    let by = names(readings, |said| said.mfa == MfaDeny::Enforces);
    if !by.is_empty() {
        return Enforcement {
            state: EnforcementState::Enforced,
            by,
            unrecognised: Vec::new(),
        };
    }
    let mut unrecognised = unreadable(readings);
    for reading in readings {
        if let Ok(Said {
            mfa: MfaDeny::Unrecognised(statements),
            ..
        }) = &reading.said
        {
            let named = statements.iter().map(|s| format!("{}: {s}", reading.name));
            unrecognised.extend(named);
        }
    }
    unrecognised.extend(not_read);
    let state = if unrecognised.is_empty() {
        EnforcementState::NotEnforced
    } else {
        EnforcementState::NotRecognised
    };
    Enforcement {
        state,
        by,
        unrecognised,
    }
}

/// Admin-equivalent by any policy that grants it; else unknown when a policy could not be
/// read; else not.
fn admin(readings: &[Reading]) -> AdminFacts {
    let via = names(readings, |said| said.admin);
    let unrecognised = if via.is_empty() {
        unreadable(readings)
    } else {
        Vec::new()
    };
    AdminFacts {
        equivalent: if !via.is_empty() {
            Some(true)
        } else if unrecognised.is_empty() {
            Some(false)
        } else {
            None
        },
        via,
        unrecognised,
    }
}

#[cfg(test)]
mod tests;
