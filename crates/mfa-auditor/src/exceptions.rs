//! The exceptions a sweep applies: read from `[exceptions] file` at the start of each sweep (so
//! an edit between two nights is seen), and said in the sweep's summary.

use crate::config::{self, AuditConfig};
use anyhow::Result;
use chrono::NaiveDate;
use mfa_evaluator::{Exception, ExceptionState};
use mfa_report::terminal::Escaped;
use mfa_store::CoveredFinding;

/// What a sweep does with an exceptions file it cannot read or that is bad.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WhenUnreadable {
    /// `sweep`: stop (exit 1), naming the file, the entry and the key.
    Fail,
    /// `serve`: log the error and sweep with no exception applied (the findings count again),
    /// never stop the nightly service.
    SweepWithout,
}

/// The exceptions configured, as of `today` (UTC).
pub fn load(
    config: &AuditConfig,
    today: NaiveDate,
    when_unreadable: WhenUnreadable,
) -> Result<Vec<Exception>> {
    let Some(file) = &config.exceptions.file else {
        return Ok(Vec::new());
    };
    match config::load_exceptions(file, today, config.exceptions.max_days) {
        Ok(exceptions) => Ok(exceptions),
        Err(error) if when_unreadable == WhenUnreadable::SweepWithout => {
            tracing::error!(
                "{error}; this sweep applies no exception: every failing finding counts"
            );
            Ok(Vec::new())
        }
        Err(error) => Err(error.into()),
    }
}

/// One line for the sweep's summary: how many exceptions apply, which expire soon, which have
/// expired. Empty when there are none.
pub fn summary(exceptions: &[Exception], today: NaiveDate, warn_days: u32) -> String {
    if exceptions.is_empty() {
        return String::new();
    }
    let in_state = |state: ExceptionState| -> Vec<String> {
        exceptions
            .iter()
            .filter(|e| e.state_on(today, warn_days) == state)
            .map(|e| format!("{} ({})", Escaped(&e.id), e.expires))
            .collect()
    };
    let (expiring, expired) = (
        in_state(ExceptionState::Expiring),
        in_state(ExceptionState::Expired),
    );
    let applying = exceptions.len() - expired.len();
    let mut line = format!("Exceptions: {applying} apply");
    if !expiring.is_empty() {
        line += &format!(
            "; expiring within {warn_days} days: {}",
            expiring.join(", ")
        );
    }
    if !expired.is_empty() {
        line += &format!("; expired, no longer applied: {}", expired.join(", "));
    }
    line + ".\n"
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
    use mfa_evaluator::ControlScope;

    fn exception(id: &str, expires: NaiveDate) -> Exception {
        Exception {
            id: id.into(),
            controls: ControlScope::All,
            accounts: vec!["111122223333".into()],
            ous: Vec::new(),
            resources: Vec::new(),
            owner: "o".into(),
            reason: "r".into(),
            expires,
            ticket: None,
        }
    }

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).expect("a date")
    }

    #[test]
    fn the_summary_names_what_expires_and_what_expired() {
        let exceptions = [
            exception("far", day(12, 31)),
            exception("soon", day(12, 10)),
            exception("gone", day(11, 28)),
        ];
        assert_eq!(
            summary(&exceptions, day(11, 29), 30),
            "Exceptions: 2 apply; expiring within 30 days: soon (2026-12-10); expired, no \
             longer applied: gone (2026-11-28).\n"
        );
        assert_eq!(summary(&[], day(11, 29), 30), "");
    }

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
