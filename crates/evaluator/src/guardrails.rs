//! The account's MFA guardrails (`docs/controls.md`, "Enforced by policy"): the SCPs in force
//! on it that deny weakening MFA (`deploy/remediation/protect-mfa-scp.json`).

use crate::policy::{denies_weakening_mfa, mfa_keyed_statements, PolicyDocument};
use crate::snapshot::{AccountSnapshot, DataError};

/// The ids of the SCPs in force on the account that deny `iam:DeactivateMFADevice` and
/// `iam:DeleteVirtualMFADevice` (unconditionally or but for break-glass principals), in the
/// snapshot's order; empty when none does. `None` when the SCPs were not read.
///
/// An SCP whose text this version cannot read may be a guardrail or not: the list cannot be
/// told whole, so it is an error naming that SCP (`MalformedResponse`), never a shorter list.
pub fn mfa_guardrail_scps(snapshot: &AccountSnapshot) -> Option<Result<Vec<String>, DataError>> {
    let scps = match snapshot.scps_in_force.as_ref()? {
        Ok(scps) => scps,
        Err(error) => return Some(Err(error.clone())),
    };
    let mut guardrails = Vec::new();
    for scp in scps {
        match PolicyDocument::parse(&scp.document) {
            Ok(document) if denies_weakening_mfa(&document) => guardrails.push(scp.id.clone()),
            Ok(_) => {}
            Err(error) => {
                return Some(Err(DataError {
                    operation: "organizations:DescribePolicy".to_string(),
                    // Organizations is global; the evaluator does not know which endpoint
                    // answered.
                    region: "global".to_string(),
                    code: Some("MalformedResponse".to_string()),
                    message: format!("SCP {} ({}): {error}", scp.id, scp.name),
                    request_id: None,
                }));
            }
        }
    }
    Some(Ok(guardrails))
}

/// Whether an SCP's text bears on the facts: a guardrail, a statement keyed on MFA (said in
/// every user's enforcement as not read), or a text this version cannot read (said as an
/// error). The sweep places only these on accounts: one that bears on nothing, such as AWS's
/// `FullAWSAccess` (attached to every OU and account), needs no `ListTargetsForPolicy`, whose
/// pages grow with the organization.
pub fn scp_bears_on_mfa(document: &str) -> bool {
    match PolicyDocument::parse(document) {
        Err(_) => true,
        Ok(document) => {
            denies_weakening_mfa(&document) || !mfa_keyed_statements(&document).is_empty()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::authorization::ServiceControlPolicy;
    use crate::snapshot::{RootSnapshot, ALL_ENABLED_REGIONS};

    use crate::remediation_kit::PROTECT_MFA_SCP;
    const FULL_ACCESS: &str = r#"{"Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}"#;

    fn data_error(operation: &str) -> DataError {
        DataError {
            operation: operation.to_string(),
            region: "us-east-1".to_string(),
            code: Some("AccessDenied".to_string()),
            message: "denied".to_string(),
            request_id: None,
        }
    }

    fn with_scps(scps: Option<Result<Vec<ServiceControlPolicy>, DataError>>) -> AccountSnapshot {
        AccountSnapshot {
            account_id: "111122223333".to_string(),
            partition: "aws".to_string(),
            root: RootSnapshot {
                summary: Err(data_error("iam:GetAccountSummary")),
                assigned_virtual_devices: Ok(Vec::new()),
            },
            users: Err(data_error("iam:GetCredentialReport")),
            user_pools: Err(data_error(ALL_ENABLED_REGIONS)),
            authorization: None,
            scps_in_force: scps,
        }
    }

    fn scp(id: &str, document: &str) -> ServiceControlPolicy {
        ServiceControlPolicy {
            id: id.to_string(),
            name: format!("{id}-name"),
            document: document.to_string(),
        }
    }

    #[test]
    fn the_scps_that_deny_weakening_mfa() {
        let read = |scps: Vec<ServiceControlPolicy>| mfa_guardrail_scps(&with_scps(Some(Ok(scps))));
        assert_eq!(mfa_guardrail_scps(&with_scps(None)), None, "not read");
        let failed = data_error("organizations:ListPoliciesForTarget");
        assert_eq!(
            mfa_guardrail_scps(&with_scps(Some(Err(failed.clone())))),
            Some(Err(failed))
        );
        assert_eq!(read(vec![]), Some(Ok(vec![])), "none in force");
        assert_eq!(
            read(vec![
                scp("p-full", FULL_ACCESS),
                scp("p-kit", &PROTECT_MFA_SCP),
                scp(
                    "p-also",
                    &PROTECT_MFA_SCP.replace("ArnNotLike", "ArnNotEquals")
                ),
            ]),
            Some(Ok(vec!["p-kit".to_string(), "p-also".to_string()]))
        );
        assert_eq!(read(vec![scp("p-full", FULL_ACCESS)]), Some(Ok(vec![])));
    }

    #[test]
    fn an_scp_it_cannot_read_makes_the_list_an_error_naming_it() {
        let scps = vec![
            scp("p-kit", &PROTECT_MFA_SCP),
            scp("p-odd", "{\"Statement\": 1}"),
        ];
        let error = match mfa_guardrail_scps(&with_scps(Some(Ok(scps)))) {
            Some(Err(error)) => error,
            other => panic!("{other:?}"),
        };
        assert!(error.message.contains("SCP p-odd (p-odd-name)"), "{error}");
        assert_eq!(error.code.as_deref(), Some("MalformedResponse"));
    }

    #[test]
    fn only_the_scps_that_bear_on_mfa_need_placing() {
        let deny_leave = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Deny",
            "Action": "organizations:LeaveOrganization", "Resource": "*"}]}"#;
        let allow_with_mfa = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Action": "*", "Resource": "*",
            "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}]}"#;
        assert!(scp_bears_on_mfa(&PROTECT_MFA_SCP), "a guardrail");
        assert!(scp_bears_on_mfa(allow_with_mfa), "keyed on MFA");
        assert!(scp_bears_on_mfa("{\"Statement\": 1}"), "unreadable");
        assert!(!scp_bears_on_mfa(FULL_ACCESS));
        assert!(!scp_bears_on_mfa(deny_leave));
    }
}
