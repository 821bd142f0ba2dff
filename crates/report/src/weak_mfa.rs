//! User pools whose MFA is weak: MFA `ON` with SMS the only second factor (`weak_mfa`, SIM
//! swap). They pass Cognito.5, so no failure names them; the text and HTML reports list them
//! in a short section of their own, chosen here once.

use crate::{AccountReport, ResourceReport, SweepReport};
use mfa_evaluator::ControlId;

/// Pools named before "and N more": the JSON report has every one.
pub(crate) const SHOWN: usize = 10;

/// Where every weak pool is.
pub(crate) const FULL_LIST: &str = "report --format json, weak_mfa";

/// Every Cognito.5 pool with `weak_mfa: true`, account by account.
pub(crate) fn weak_pools(report: &SweepReport) -> Vec<(&AccountReport, &ResourceReport)> {
    report
        .accounts
        .iter()
        .flat_map(|account| {
            account
                .controls
                .iter()
                .filter(|c| c.control_id == ControlId::Cognito5)
                .flat_map(|c| &c.resources)
                .filter(|r| r.facts.weak_mfa == Some(true))
                .map(move |r| (account, r))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;

    #[test]
    fn only_pools_whose_one_second_factor_is_sms_are_weak() {
        let account = |id: &str| {
            fixtures::assessed(
                id,
                vec![fixtures::control(
                    ControlId::Cognito5,
                    vec![
                        fixtures::pool(id, "us-east-1_weak", true),
                        fixtures::pool(id, "us-east-1_totp", false),
                        // Not read: not weak, not guessed.
                        ResourceReport {
                            facts: Default::default(),
                            ..fixtures::pool(id, "us-east-1_unread", true)
                        },
                    ],
                )],
            )
        };
        let report = fixtures::report(vec![account("111111111111"), account("222222222222")]);
        let weak: Vec<String> = weak_pools(&report)
            .into_iter()
            .map(|(a, r)| format!("{} {}", a.account_id, r.resource_id))
            .collect();
        assert_eq!(
            weak,
            [
                "111111111111 arn:aws:cognito-idp:us-east-1:111111111111:userpool/us-east-1_weak",
                "222222222222 arn:aws:cognito-idp:us-east-1:222222222222:userpool/us-east-1_weak",
            ]
        );
    }
}
