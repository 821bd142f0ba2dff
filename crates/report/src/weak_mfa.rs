//! User pools whose MFA is weak: MFA `ON` with SMS the only second factor (`weak_mfa`, SIM
//! swap). They pass Cognito.5, so no failure names them; the text and HTML reports list them
//! in a short section of their own, chosen here once, with the pools whose MFA is on and whose
//! weakness is not known (their second factors not read, or unreadable): said, never left out.

use crate::{AccountReport, ResourceReport, SweepReport};
use mfa_evaluator::{ControlId, Status};

/// Pools named before "and N more": the JSON report has every one.
pub(crate) const SHOWN: usize = 10;

/// Where every weak pool is.
pub(crate) const FULL_LIST: &str = "report --format json, weak_mfa";

/// Where every pool whose second factors could not be read is, with why.
pub(crate) const FULL_ERRORS: &str = "report --format json, second_factors_error";

/// Why a pool's second factors were not read, when no read failed.
pub(crate) const NOT_READ: &str =
    "[audit] mfa_devices = false, or a sweep from before second factors were read";

/// The pools the section names.
pub(crate) struct WeakMfa<'a> {
    /// Every Cognito.5 pool with `weak_mfa: true`, account by account.
    pub weak: Vec<(&'a AccountReport, &'a ResourceReport)>,
    /// Pools with MFA on (they pass Cognito.5) whose second factors were not read.
    pub not_read: usize,
    /// Pools with MFA on whose second factors could not be read, each with why.
    pub unreadable: Vec<(&'a AccountReport, &'a ResourceReport, &'a str)>,
}

impl<'a> WeakMfa<'a> {
    pub fn of(report: &'a SweepReport) -> Self {
        let mut of = WeakMfa {
            weak: Vec::new(),
            not_read: 0,
            unreadable: Vec::new(),
        };
        for (account, pool) in pools(report) {
            match (pool.facts.weak_mfa, &pool.facts.second_factors_error) {
                (Some(true), _) => of.weak.push((account, pool)),
                (Some(false), _) => {}
                // A pool passes Cognito.5 only with MFA on: only there is weakness in question.
                (None, _) if pool.status != Status::Passed => {}
                (None, Some(error)) => of.unreadable.push((account, pool, error)),
                (None, None) => of.not_read += 1,
            }
        }
        of
    }

    /// Whether there is nothing to say: no weak pool, and none whose weakness is not known.
    pub fn is_empty(&self) -> bool {
        self.weak.is_empty() && self.undecided() == 0
    }

    /// Pools with MFA on whose weakness is not known.
    pub fn undecided(&self) -> usize {
        self.not_read + self.unreadable.len()
    }
}

/// Every Cognito.5 pool, account by account.
fn pools(report: &SweepReport) -> impl Iterator<Item = (&AccountReport, &ResourceReport)> {
    report.accounts.iter().flat_map(|account| {
        account
            .controls
            .iter()
            .filter(|c| c.control_id == ControlId::Cognito5)
            .flat_map(|c| &c.resources)
            .map(move |r| (account, r))
    })
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
        let weak: Vec<String> = WeakMfa::of(&report)
            .weak
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

    #[test]
    fn pools_with_mfa_on_whose_factors_were_not_read_or_unreadable_are_counted_apart() {
        let unread = |id: &str| ResourceReport {
            facts: Default::default(),
            ..fixtures::pool("111111111111", id, false)
        };
        let mut unreadable = unread("us-east-1_denied");
        unreadable.facts.second_factors_error = Some("GetUserPoolMfaConfig denied".into());
        // MFA optional or off fails Cognito.5: never weak, whatever was read.
        let failing = ResourceReport {
            status: mfa_evaluator::Status::Failed,
            ..unread("us-east-1_optional")
        };
        let report = fixtures::report(vec![fixtures::assessed(
            "111111111111",
            vec![fixtures::control(
                ControlId::Cognito5,
                vec![
                    unread("us-east-1_a"),
                    unread("us-east-1_b"),
                    unreadable,
                    failing,
                    fixtures::pool("111111111111", "us-east-1_totp", false),
                ],
            )],
        )]);
        let of = WeakMfa::of(&report);
        assert!(of.weak.is_empty());
        assert_eq!(of.not_read, 2);
        let unreadable: Vec<(&str, &str)> = of
            .unreadable
            .iter()
            .map(|(_, pool, error)| (crate::text::short_resource(&pool.resource_id), *error))
            .collect();
        assert_eq!(
            unreadable,
            [("userpool/us-east-1_denied", "GetUserPoolMfaConfig denied")]
        );
        assert_eq!(of.undecided(), 3);
        assert!(!of.is_empty());
    }
}
