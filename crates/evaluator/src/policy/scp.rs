//! What a service control policy says for the facts (`docs/controls.md`, "Enforced by policy"):
//! whether it denies weakening MFA (a guardrail), and which of its statements key on MFA
//! (an SCP may enforce MFA too: this version does not read SCPs for enforcement, and says so).

use super::recognise::{keyed_on_mfa, statement_name};
use super::{key_is, Effect, PolicyDocument, Statement};

/// The statements of any effect keyed on MFA, each named.
pub(crate) fn mfa_keyed_statements(document: &PolicyDocument) -> Vec<String> {
    document
        .statements
        .iter()
        .enumerate()
        .filter(|(_, statement)| keyed_on_mfa(statement))
        .map(|(index, statement)| statement_name(statement, index))
        .collect()
}

/// The actions that weaken an IAM identity's MFA, which a guardrail SCP denies.
const WEAKENING_MFA: [&str; 2] = ["iam:DeactivateMFADevice", "iam:DeleteVirtualMFADevice"];

/// The conditions a guardrail may carry: an exception for break-glass principals by ARN
/// (`deploy/remediation/protect-mfa-scp.json`). Any other condition may keep it from applying.
const BREAK_GLASS_OPERATORS: [&str; 4] = [
    "ArnNotLike",
    "ArnNotEquals",
    "StringNotLike",
    "StringNotEquals",
];

/// Whether a document (an SCP) denies both actions that weaken MFA, over `Resource: "*"`,
/// unconditionally or but for break-glass principals. Actions match as IAM matches them
/// (`iam:*`, `iam:Deactivate*`, a `NotAction` that leaves them out).
pub(crate) fn denies_weakening_mfa(document: &PolicyDocument) -> bool {
    let guards: Vec<&Statement> = document
        .statements
        .iter()
        .filter(|s| {
            s.effect == Effect::Deny
                && s.resources.lists_star()
                && s.conditions.iter().all(|c| {
                    BREAK_GLASS_OPERATORS.contains(&c.operator.as_str())
                        && key_is(&c.key, "aws:PrincipalArn")
                })
        })
        .collect();
    WEAKENING_MFA
        .iter()
        .all(|action| guards.iter().any(|s| s.actions.covers(action)))
}

#[cfg(test)]
mod tests;
