//! The exceptions a sweep applies: read from `[exceptions] file` at the start of each sweep (so
//! an edit between two nights is seen), and said in the sweep's summary.

use crate::config::{self, AuditConfig};
use anyhow::Result;
use chrono::NaiveDate;
use mfa_evaluator::{Exception, ExceptionState};
use mfa_report::terminal::Escaped;

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

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use mfa_evaluator::ControlScope;

    /// An exception of one account, for every control, ending on `expires`.
    pub(crate) fn exception(id: &str, expires: NaiveDate) -> Exception {
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

    /// A day of 2026.
    pub(crate) fn day(m: u32, d: u32) -> NaiveDate {
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
}
