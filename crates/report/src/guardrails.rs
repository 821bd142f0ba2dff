//! The SCPs guarding MFA in the text and HTML reports (`mfa_guardrail_scps`, per assessed
//! account in the JSON): how many assessed accounts have one in force, which have none, and
//! where they could not be read, with the error. Said in a few lines, made here once; each
//! renderer escapes them its own way (account names and errors come from AWS).

use crate::{AccountReport, ErrorInfo, Outcome, SweepReport};

/// Accounts named in a line before "and N more": the JSON report has every one.
const SHOWN: usize = 10;

/// Why an assessed account has no guardrail SCPs and no error: none were read.
const NOT_READ: &str = "[audit] policies = false, or a sweep from before they were read";

/// The assessed accounts by what their guardrail SCPs say.
#[derive(Default)]
struct Guardrails<'a> {
    guarded: usize,
    unguarded: Vec<&'a AccountReport>,
    /// Each error once, with the accounts it was given for, in report order.
    failed: Vec<(&'a ErrorInfo, Vec<&'a AccountReport>)>,
    not_read: usize,
}

impl<'a> Guardrails<'a> {
    fn of(report: &'a SweepReport) -> Self {
        let mut of = Guardrails::default();
        let assessed = report
            .accounts
            .iter()
            .filter(|a| a.outcome == Outcome::Assessed);
        for account in assessed {
            match (
                &account.mfa_guardrail_scps,
                &account.mfa_guardrail_scps_error,
            ) {
                (Some(scps), _) if !scps.is_empty() => of.guarded += 1,
                (Some(_), _) => of.unguarded.push(account),
                (None, Some(error)) => match of.failed.iter_mut().find(|(e, _)| *e == error) {
                    Some((_, accounts)) => accounts.push(account),
                    None => of.failed.push((error, vec![account])),
                },
                (None, None) => of.not_read += 1,
            }
        }
        of
    }
}

impl SweepReport {
    /// The report's lines on the SCPs guarding MFA (raw: each renderer escapes them); none when
    /// no account was assessed.
    pub fn guardrail_lines(&self) -> Vec<String> {
        let of = Guardrails::of(self);
        let read = of.guarded + of.unguarded.len();
        let assessed = read + of.failed.iter().map(|(_, a)| a.len()).sum::<usize>() + of.not_read;
        if assessed == 0 {
            return Vec::new();
        }
        if of.not_read == assessed {
            return vec![format!("MFA guardrail SCPs: not read ({NOT_READ})")];
        }
        let mut lines = vec![format!(
            "MFA guardrail SCPs (SCPs in force that deny weakening MFA): {} of the {read} \
             assessed accounts read have one in force{}",
            of.guarded,
            match of.unguarded.len() {
                0 => String::new(),
                n => format!("; {n} have none: {}", self.named(&of.unguarded)),
            }
        )];
        for (error, accounts) in &of.failed {
            lines.push(format!(
                "MFA guardrail SCPs could not be read in {} accounts ({}): {error}",
                accounts.len(),
                self.named(accounts)
            ));
        }
        if of.not_read > 0 {
            lines.push(format!(
                "MFA guardrail SCPs not read in {} assessed accounts ({NOT_READ})",
                of.not_read
            ));
        }
        lines
    }

    /// `222222222222 prod, 111111111111 mgmt (the management account: SCPs never apply to
    /// it), … and 3 more (report --format json, mfa_guardrail_scps)`.
    fn named(&self, accounts: &[&AccountReport]) -> String {
        let management = self.sweep.management_account_id.as_deref();
        let mut names: Vec<String> = accounts
            .iter()
            .take(SHOWN)
            .map(|a| {
                if Some(a.account_id.as_str()) == management {
                    format!(
                        "{} {} (the management account: SCPs never apply to it)",
                        a.account_id, a.account_name
                    )
                } else {
                    format!("{} {}", a.account_id, a.account_name)
                }
            })
            .collect();
        if accounts.len() > SHOWN {
            names.push(format!(
                "and {} more (report --format json, mfa_guardrail_scps)",
                accounts.len() - SHOWN
            ));
        }
        names.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use crate::fixtures::{self, assessed, data_error};
    use crate::AccountReport;

    fn account(id: &str, scps: Option<&[&str]>, error: Option<&str>) -> AccountReport {
        AccountReport {
            mfa_guardrail_scps: scps.map(|s| s.iter().map(ToString::to_string).collect()),
            mfa_guardrail_scps_error: error
                .map(|code| data_error("organizations:ListPolicies", code)),
            ..assessed(id, Vec::new())
        }
    }

    #[test]
    fn guarded_unguarded_unreadable_and_unread_accounts_each_said() {
        let report = fixtures::report(vec![
            // The management account (the fixtures' 111111111111): none in force, ever.
            account("111111111111", Some(&[]), None),
            account("222222222222", Some(&["p-protect"]), None),
            account("333333333333", Some(&[]), None),
            account("444444444444", None, Some("AccessDenied")),
            account("555555555555", None, Some("AccessDenied")),
            account("666666666666", None, None),
            // Not assessed: not counted.
            fixtures::errored("777777777777"),
        ]);
        assert_eq!(
            report.guardrail_lines(),
            [
                "MFA guardrail SCPs (SCPs in force that deny weakening MFA): 1 of the 3 assessed \
                 accounts read have one in force; 2 have none: 111111111111 name-111111111111 \
                 (the management account: SCPs never apply to it), 333333333333 \
                 name-333333333333",
                "MFA guardrail SCPs could not be read in 2 accounts (444444444444 \
                 name-444444444444, 555555555555 name-555555555555): organizations:ListPolicies \
                 (us-east-1) AccessDenied: organizations:ListPolicies failed with AccessDenied",
                "MFA guardrail SCPs not read in 1 assessed accounts ([audit] policies = false, or \
                 a sweep from before they were read)",
            ]
        );
    }

    #[test]
    fn none_read_is_one_line_and_many_unguarded_are_cut() {
        let unread = fixtures::report(vec![account("222222222222", None, None)]);
        assert_eq!(
            unread.guardrail_lines(),
            ["MFA guardrail SCPs: not read ([audit] policies = false, or a sweep from before they \
              were read)"]
        );
        assert!(fixtures::report(vec![fixtures::errored("222222222222")])
            .guardrail_lines()
            .is_empty());
        let many: Vec<AccountReport> = (0..13)
            .map(|i| account(&format!("2222222222{i:02}"), Some(&[]), None))
            .collect();
        let lines = fixtures::report(many).guardrail_lines();
        assert_eq!(lines.len(), 1);
        assert!(
            lines[0].starts_with(
                "MFA guardrail SCPs (SCPs in force that deny weakening MFA): 0 of the 13 \
                 assessed accounts read have one in force; 13 have none: 222222222200 \
                 name-222222222200, "
            ),
            "{lines:?}"
        );
        assert!(
            lines[0].ends_with(
                ", 222222222209 name-222222222209, and 3 more (report --format json, \
                 mfa_guardrail_scps)"
            ),
            "{lines:?}"
        );
    }
}
