//! What one identity policy says for the facts (`docs/controls.md`, "Enforced by policy" and
//! "What is at stake"): whether it denies everything without MFA, and whether it grants
//! admin-equivalent power. Only the shapes the rules name are recognised; a `Deny` keyed on MFA
//! in any other shape is said ([`MfaDeny::Unrecognised`]), never read as enforcement.

use super::{glob_matches, key_is, Condition, Effect, Patterns, PolicyDocument, Statement};

const MFA_PRESENT: &str = "aws:MultiFactorAuthPresent";
const MFA_AGE: &str = "aws:MultiFactorAuthAge";

/// What a document says about enforcing MFA.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum MfaDeny {
    /// A statement denies everything (but self-service) to a request without MFA.
    Enforces,
    /// No `Deny` keyed on MFA.
    Nothing,
    /// `Deny` statements keyed on MFA in shapes this version does not read, each named.
    Unrecognised(Vec<String>),
}

pub(super) fn statement_name(statement: &Statement, index: usize) -> String {
    match &statement.sid {
        Some(sid) => format!("statement {sid:?}"),
        None => format!("statement {}", index + 1),
    }
}

pub(super) fn keyed_on_mfa(statement: &Statement) -> bool {
    statement
        .conditions
        .iter()
        .any(|c| key_is(&c.key, MFA_PRESENT) || key_is(&c.key, MFA_AGE))
}

/// Whether a document enforces MFA: a `Deny` over `Resource: "*"` of `Action: "*"` or a
/// `NotAction` list of IAM and STS (self-service) actions, whose one condition holds when the
/// request has no MFA (`Bool`/`BoolIfExists` `aws:MultiFactorAuthPresent` `false`, or `Null`
/// `aws:MultiFactorAuthPresent` `true`).
pub(crate) fn mfa_deny(document: &PolicyDocument) -> MfaDeny {
    let mut unrecognised = Vec::new();
    for (index, statement) in document.statements.iter().enumerate() {
        if statement.effect != Effect::Deny || !keyed_on_mfa(statement) {
            continue;
        }
        match enforcing_shape(statement) {
            Ok(()) => return MfaDeny::Enforces,
            Err(why) => unrecognised.push(format!(
                "{}: a Deny keyed on MFA that this version does not read as enforcement ({why})",
                statement_name(statement, index)
            )),
        }
    }
    if unrecognised.is_empty() {
        MfaDeny::Nothing
    } else {
        MfaDeny::Unrecognised(unrecognised)
    }
}

/// `Ok` for the enforcing shape, else what differs from it.
fn enforcing_shape(statement: &Statement) -> Result<(), String> {
    match &statement.resources {
        resources if resources.lists_star() => {}
        Patterns::Listed(listed) => return Err(format!("Resource {listed:?}, not \"*\"")),
        Patterns::AllBut(excepted) => return Err(format!("NotResource {excepted:?}")),
    }
    match &statement.actions {
        Patterns::Listed(_) if statement.actions.lists_star() => {}
        Patterns::Listed(actions) => return Err(format!("Action {actions:?}, not \"*\"")),
        Patterns::AllBut(exempt) => {
            let outside: Vec<&String> = exempt.iter().filter(|a| !self_service(a)).collect();
            if !outside.is_empty() {
                return Err(format!(
                    "NotAction exempts {outside:?}, outside IAM and STS self-service"
                ));
            }
        }
    }
    match statement.conditions.as_slice() {
        [condition] if holds_without_mfa(condition) => Ok(()),
        [condition] => Err(format!("condition {condition}")),
        several => Err(format!(
            "conditions {}",
            several
                .iter()
                .map(Condition::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// An action of IAM or STS, which a user without MFA needs to enrol a device and sign in with
/// it (`iam:EnableMFADevice`, `sts:GetSessionToken`).
fn self_service(action: &str) -> bool {
    action.split_once(':').is_some_and(|(service, _)| {
        service.eq_ignore_ascii_case("iam") || service.eq_ignore_ascii_case("sts")
    })
}

fn holds_without_mfa(condition: &Condition) -> bool {
    let only =
        |wanted: &str| !condition.values.is_empty() && condition.values.iter().all(|v| v == wanted);
    key_is(&condition.key, MFA_PRESENT)
        && match condition.operator.as_str() {
            "Bool" | "BoolIfExists" => only("false"),
            "Null" => only("true"),
            _ => false,
        }
}

/// Whether a document grants admin-equivalent power: an `Allow` without a condition over
/// `Resource: "*"` of an action pattern that covers all of IAM (`*`, `iam:*`, which can grant
/// itself anything), or of a `NotAction` list none of whose patterns can match an IAM action
/// (everything else, IAM with it).
pub(crate) fn grants_admin(document: &PolicyDocument) -> bool {
    document.statements.iter().any(|statement| {
        statement.effect == Effect::Allow
            && statement.conditions.is_empty()
            && statement.resources.lists_star()
            && match &statement.actions {
                Patterns::Listed(actions) => actions.iter().any(|a| covers_all_of_iam(a)),
                Patterns::AllBut(exempt) => !exempt.iter().any(|a| may_match_iam(a)),
            }
    })
}

fn covers_all_of_iam(pattern: &str) -> bool {
    pattern == "*"
        || pattern.split_once(':').is_some_and(|(service, action)| {
            glob_matches(service, "iam") && !action.is_empty() && action.chars().all(|c| c == '*')
        })
}

/// Whether a pattern may match some IAM action (when unsure, it may).
fn may_match_iam(pattern: &str) -> bool {
    match pattern.split_once(':') {
        Some((service, _)) => glob_matches(service, "iam"),
        None => pattern.contains(['*', '?']),
    }
}

/// The AWS managed `AdministratorAccess`, in any partition.
pub(crate) fn is_administrator_access(arn: &str) -> bool {
    let fields: Vec<&str> = arn.splitn(6, ':').collect();
    matches!(
        fields.as_slice(),
        ["arn", partition, "iam", "", "aws", "policy/AdministratorAccess"] if !partition.is_empty()
    )
}

#[cfg(test)]
mod tests;
