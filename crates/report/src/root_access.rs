//! Centralized root access in the report: whether the organization manages its member
//! accounts' root users, and how many member accounts still have root credentials.

use crate::SweepReport;
use mfa_evaluator::{ControlId, ROOT_CREDENTIALS_PRESENT};

/// Member accounts by what IAM.9's evidence says of their root credentials.
#[derive(Debug, Default)]
struct RootCredentialsOfMembers {
    with: usize,
    without: usize,
    unread: usize,
}

impl SweepReport {
    /// What IAM.9's evidence says of the member accounts' root credentials. A member whose
    /// root user was not read (errored, skipped, the evidence without the fact) is counted as
    /// unread, never as one without credentials.
    fn root_credentials_of_members(&self) -> RootCredentialsOfMembers {
        let management = self.sweep.management_account_id.as_deref();
        let mut counts = RootCredentialsOfMembers::default();
        for account in self
            .accounts
            .iter()
            .filter(|a| Some(a.account_id.as_str()) != management)
        {
            let present: Vec<Option<bool>> = account
                .controls
                .iter()
                .filter(|c| c.control_id == ControlId::Iam9)
                .flat_map(|c| &c.resources)
                .map(|r| r.evidence[ROOT_CREDENTIALS_PRESENT].as_bool())
                .collect();
            if present.is_empty() || present.contains(&None) {
                counts.unread += 1;
            } else if present.contains(&Some(true)) {
                counts.with += 1;
            } else {
                counts.without += 1;
            }
        }
        counts
    }

    /// "N member accounts have root credentials", saying how many were not read.
    fn members_with_root_credentials_phrase(&self) -> String {
        let counts = self.root_credentials_of_members();
        let read = counts.with + counts.without;
        match (read, counts.unread) {
            (_, 0) => format!("{} member accounts have root credentials", counts.with),
            (0, unread) => format!(
                "which member accounts have root credentials is not known (none of the \
                 {unread} member accounts' root users was read)"
            ),
            (read, unread) => format!(
                "{} of the {read} member accounts read have root credentials ({unread} not \
                 read)",
                counts.with
            ),
        }
    }

    /// The summary's line on centralized root access; `None` for a sweep that did not read it.
    pub fn root_access_line(&self) -> Option<String> {
        let still = self.members_with_root_credentials_phrase();
        let line = match (
            &self.sweep.centralized_root_access,
            &self.sweep.centralized_root_access_error,
        ) {
            (Some(access), _) if access.root_credentials_management => format!(
                "Centralized root access: on (root credentials management{}); {still}: delete \
                 them from the management account",
                if access.root_sessions {
                    ", root sessions"
                } else {
                    ""
                }
            ),
            (Some(access), _) => format!(
                "Centralized root access: off ({}); {still}. Enable it, then delete the member \
                 accounts' root credentials: that passes IAM.9 and IAM.6 for them for good",
                if access.trusted_access {
                    "trusted access for IAM is on, root credentials management is not"
                } else {
                    "trusted access for IAM is not enabled in AWS Organizations"
                }
            ),
            (None, Some(error)) => format!(
                "Centralized root access: could not be read: {} ({}) {}: {}; {still}",
                error.operation,
                error.region,
                error.code.as_deref().unwrap_or("no error code"),
                error.message
            ),
            (None, None) => return None,
        };
        Some(line)
    }
}

#[cfg(test)]
mod tests {
    use crate::fixtures::{self, assessed, root};
    use crate::SweepReport;
    use chrono::{TimeZone, Utc};
    use mfa_evaluator::{CentralizedRootAccess, ControlId, Status, ROOT_CREDENTIALS_PRESENT};
    use serde_json::json;

    fn report(access: Option<CentralizedRootAccess>) -> SweepReport {
        let with_credentials = |account: &str, present: bool| {
            let mut finding = root(account, Status::Passed);
            finding.evidence = json!({ (ROOT_CREDENTIALS_PRESENT): present });
            assessed(
                account,
                vec![fixtures::control(ControlId::Iam9, vec![finding])],
            )
        };
        let started = Utc
            .with_ymd_and_hms(2026, 11, 30, 3, 0, 0)
            .single()
            .unwrap_or_default();
        let mut sweep = fixtures::sweep_info("s", started);
        sweep.centralized_root_access = access;
        SweepReport {
            schema_version: 1,
            sweep,
            accounts: vec![
                // The management account's own root does not count.
                with_credentials("111111111111", true),
                with_credentials("222222222222", true),
                with_credentials("333333333333", false),
            ],
            as_of: None,
            control_counts: Vec::new(),
            changes_since_previous_sweep: Vec::new(),
            standards: Vec::new(),
        }
    }

    #[test]
    fn the_summary_says_whether_it_is_on_and_how_many_members_still_have_root_credentials() {
        let off = report(Some(CentralizedRootAccess {
            trusted_access: false,
            root_credentials_management: false,
            root_sessions: false,
        }));
        assert_eq!(off.root_credentials_of_members().with, 1);
        let line = off.root_access_line().unwrap_or_default();
        assert!(
            line.starts_with("Centralized root access: off (trusted access for IAM is not enabled"),
            "{line}"
        );
        assert!(
            line.contains("; 1 member accounts have root credentials. Enable it"),
            "{line}"
        );

        let on = report(Some(CentralizedRootAccess {
            trusted_access: true,
            root_credentials_management: true,
            root_sessions: true,
        }));
        let line = on.root_access_line().unwrap_or_default();
        assert!(line.starts_with("Centralized root access: on (root credentials management, root sessions); 1 member"), "{line}");
        assert_eq!(report(None).root_access_line(), None);
    }

    /// A member whose root user was not read is not a member without root credentials.
    #[test]
    fn members_not_read_are_named_never_counted_as_without_credentials() {
        let access = CentralizedRootAccess {
            trusted_access: false,
            root_credentials_management: false,
            root_sessions: false,
        };
        let mut some_unread = report(Some(access));
        some_unread.accounts.push(fixtures::errored("444444444444"));
        let line = some_unread.root_access_line().unwrap_or_default();
        assert!(
            line.contains("; 1 of the 2 member accounts read have root credentials (1 not read)."),
            "{line}"
        );

        let mut none_read = report(Some(access));
        none_read.accounts = vec![
            fixtures::errored("222222222222"),
            fixtures::errored("333333333333"),
        ];
        let line = none_read.root_access_line().unwrap_or_default();
        assert!(
            line.contains(
                "; which member accounts have root credentials is not known (none of the 2 \
                 member accounts' root users was read)."
            ),
            "{line}"
        );
    }
}
