//! `mfa-auditor exceptions`: every exception of the file, where it stands today, and the
//! findings it covered in the latest sweep.

use crate::config::AuditConfig;
use crate::database::connect;
use crate::stdout::out;
use crate::sweep_exceptions::{self, WhenUnreadable};
use anyhow::Result;
use chrono::NaiveDate;
use mfa_evaluator::{Exception, ExceptionState};
use mfa_report::terminal::Escaped;
use mfa_store::CoveredFinding;

/// Reads the file first: a bad one stops the command (exit 1) before the database is asked.
pub async fn run(config: &AuditConfig) -> Result<u8> {
    let today = chrono::Utc::now().date_naive();
    let listed = sweep_exceptions::load(config, today, WhenUnreadable::Fail)?;
    let store = connect(config).await?;
    store.migrate().await?;
    let covered = store.latest_exception_coverage().await?;
    out(&listing(
        &listed,
        &covered,
        today,
        config.exceptions.warn_days,
    ))?;
    Ok(0)
}

/// `mfa-auditor exceptions`: every exception of the file, where it stands today (`active`,
/// `expiring`, `expired`, or `unused`: it covered nothing in the latest sweep), and the findings
/// it covered in the latest sweep.
pub fn listing(
    exceptions: &[Exception],
    covered: &[CoveredFinding],
    today: NaiveDate,
    warn_days: u32,
) -> String {
    if exceptions.is_empty() {
        return "No exceptions: [exceptions] file is not set, or lists none.\n".to_string();
    }
    let mut text = format!(
        "{:<28} {:<9} {:>8}  {:<10}  owner\n",
        "exception", "state", "findings", "expires"
    );
    let mut details = String::new();
    for exception in exceptions {
        let findings: Vec<&CoveredFinding> = covered
            .iter()
            .filter(|f| f.exception_id == exception.id)
            .collect();
        let state = match exception.state_on(today, warn_days) {
            ExceptionState::Expired => "expired",
            _ if findings.is_empty() => "unused",
            state => state.as_str(),
        };
        text += &format!(
            "{:<28} {:<9} {:>8}  {:<10}  {}\n",
            Escaped(&exception.id),
            state,
            findings.len(),
            exception.expires,
            Escaped(&exception.owner)
        );
        if !findings.is_empty() {
            details += &format!(
                "\n{} ({}):\n",
                Escaped(&exception.id),
                Escaped(&exception.reason)
            );
            for finding in findings {
                details += &format!(
                    "  {} {:<24} {:<9} {}\n",
                    Escaped(&finding.account_id),
                    Escaped(&finding.account_name),
                    Escaped(&finding.control_id),
                    Escaped(&finding.resource_id)
                );
            }
        }
    }
    text += &format!(
        "(state as of {today}; findings: those covered in the latest sweep; \"unused\": it \
         covered nothing, probably stale)\n"
    );
    text + &details
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sweep_exceptions::tests::{day, exception};

    #[test]
    fn the_listing_shows_names_and_reasons_escaped() {
        let mut accepted = exception("ci\u{1b}[8m", day(12, 31));
        accepted.owner = "ops\r\nFAKE: owner".into();
        accepted.reason = "CI\nFAKE: reason".into();
        let covered = [CoveredFinding {
            exception_id: accepted.id.clone(),
            account_id: "111122223333".into(),
            account_name: "Prod\u{1b}[2J\nFAKE: all accounts PASSED\u{202e}".into(),
            control_id: "IAM.19".into(),
            resource_id: "arn:aws:iam::111122223333:user/\u{9b}ci".into(),
        }];
        let text = listing(&[accepted], &covered, day(11, 29), 30);
        assert!(
            !text
                .chars()
                .any(|c| c != '\n' && mfa_report::terminal::must_escape(c)),
            "{text}"
        );
        assert!(!text.lines().any(|l| l.starts_with("FAKE")), "{text}");
        for shown in [
            "ci\\u{1b}[8m                  active           1  2026-12-31  ops\\r\\nFAKE: owner\n",
            "\nci\\u{1b}[8m (CI\\nFAKE: reason):\n",
            "  111122223333 Prod\\u{1b}[2J\\nFAKE: all accounts PASSED\\u{202e} IAM.19    \
             arn:aws:iam::111122223333:user/\\u{9b}ci\n",
        ] {
            assert!(text.contains(shown), "{shown}\n{text}");
        }
    }
}
