//! Which regions were searched for user pools, said the same way in every format that shows it:
//! the configured list, or with `["*"]` the regions each account had enabled.

use crate::{Outcome, SweepReport};
use mfa_evaluator::ALL_ENABLED_REGIONS;
use std::collections::BTreeMap;

/// Accounts named for a region only some accounts have; the JSON report has them all.
const NAMES_SHOWN: usize = 5;

impl SweepReport {
    /// One line: the regions searched for user pools.
    pub fn regions_searched(&self) -> String {
        if !self
            .sweep
            .regions
            .iter()
            .any(|region| region == ALL_ENABLED_REGIONS)
        {
            return self.sweep.regions.join(", ");
        }
        let assessed: Vec<(&str, &Vec<String>)> = self
            .accounts
            .iter()
            .filter(|account| account.outcome == Outcome::Assessed)
            .filter_map(|account| Some((account.account_name.as_str(), account.regions.as_ref()?)))
            .collect();
        let searched: Vec<&Vec<String>> = assessed.iter().map(|(_, regions)| *regions).collect();
        let Some(first) = searched.first() else {
            return "every region enabled in each account (none could be read)".to_string();
        };
        // In AWS's order, as the first account lists them.
        let everywhere: Vec<&str> = first
            .iter()
            .filter(|region| searched.iter().all(|regions| regions.contains(region)))
            .map(String::as_str)
            .collect();
        // The other regions, each with the accounts that have it.
        let mut elsewhere: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (name, regions) in &assessed {
            for region in regions.iter() {
                if !everywhere.contains(&region.as_str()) {
                    elsewhere.entry(region.as_str()).or_default().push(name);
                }
            }
        }
        let mut line = format!(
            "every region enabled in each account: {} in every account ({})",
            everywhere.len(),
            everywhere.join(", ")
        );
        for (region, names) in elsewhere {
            let plural = if names.len() == 1 { "" } else { "s" };
            let shown: Vec<&str> = names.iter().take(NAMES_SHOWN).copied().collect();
            let more = names.len().saturating_sub(NAMES_SHOWN);
            let more = if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            };
            line.push_str(&format!(
                "; {region} in {} account{plural} ({}{more})",
                names.len(),
                shown.join(", ")
            ));
        }
        line
    }
}

#[cfg(test)]
mod tests {
    use crate::fixtures::{self, assessed};

    fn report(configured: &[&str], searched: &[Option<&[&str]>]) -> crate::SweepReport {
        let accounts = searched
            .iter()
            .enumerate()
            .map(|(i, regions)| {
                let mut account = assessed(&format!("{:012}", i + 1), Vec::new());
                account.regions = regions.map(|r| r.iter().map(|s| s.to_string()).collect());
                account
            })
            .collect();
        let mut report = fixtures::report(accounts);
        report.sweep.regions = configured.iter().map(|r| r.to_string()).collect();
        report
    }

    #[test]
    fn a_list_is_said_as_configured() {
        let report = report(
            &["us-east-1", "eu-west-1"],
            &[Some(&["us-east-1", "eu-west-1"])],
        );
        assert_eq!(report.regions_searched(), "us-east-1, eu-west-1");
    }

    #[test]
    fn every_enabled_region_says_what_all_accounts_share_and_what_some_add() {
        let report = report(
            &["*"],
            &[
                Some(&["us-east-1", "eu-west-1"]),
                Some(&["us-east-1", "af-south-1", "eu-west-1"]),
                None,
                Some(&["us-east-1", "eu-west-1", "me-south-1", "af-south-1"]),
            ],
        );
        assert_eq!(
            report.regions_searched(),
            "every region enabled in each account: 2 in every account (us-east-1, eu-west-1); \
             af-south-1 in 2 accounts (name-000000000002, name-000000000004); me-south-1 in 1 \
             account (name-000000000004)"
        );
        let none = self::report(&["*"], &[None]);
        assert_eq!(
            none.regions_searched(),
            "every region enabled in each account (none could be read)"
        );
    }
}
