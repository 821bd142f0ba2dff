//! Errors as a person reads them: the chain of causes on one line, each cause said once.
//!
//! Libraries (sqlx, the AWS SDK, ours) often put their cause's text into their own message *and*
//! return that cause as `source()`: printed cause by cause, the same words came two or three
//! times (`X: X: X`). Here a cause whose text the line already holds adds nothing and is left
//! out, wherever the duplicate came from.

use mfa_report::terminal::escape_lines;

/// The error and its causes, outermost first, joined by `: `, each text said once.
pub(crate) fn causes(error: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in error.chain() {
        let said = cause.to_string();
        if said.trim().is_empty() || line.contains(&said) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(&said);
    }
    line
}

/// An error for stderr: its causes on one line, with what AWS or a file put in it escaped; a
/// message of several lines (a TOML error's excerpt) keeps them, indented, so that no line of
/// it starts with what a value chose.
pub(crate) fn shown(error: &anyhow::Error) -> String {
    escape_lines(&causes(error)).replace('\n', "\n  ")
}

#[cfg(test)]
mod tests {
    use super::{causes, shown};

    #[derive(Debug, thiserror::Error)]
    #[error("error returned from database: {0}")]
    struct Driver(#[source] Server);

    #[derive(Debug, thiserror::Error)]
    #[error("relation \"sweeps\" does not exist")]
    struct Server;

    #[derive(Debug, thiserror::Error)]
    #[error("database read of the latest sweep failed: {0}")]
    struct Query(#[source] Driver);

    #[test]
    fn a_cause_already_said_is_not_said_again() {
        // As sqlx and the store nest them: each message repeats its source's.
        let error = anyhow::Error::new(Query(Driver(Server))).context("cannot print the report");
        assert_eq!(
            causes(&error),
            "cannot print the report: database read of the latest sweep failed: error returned \
             from database: relation \"sweeps\" does not exist"
        );
    }

    #[test]
    fn causes_that_add_something_are_all_said() {
        let error = anyhow::anyhow!("connection refused")
            .context("cannot connect to PostgreSQL at 127.0.0.1:1/x")
            .context("cannot print the report");
        assert_eq!(
            causes(&error),
            "cannot print the report: cannot connect to PostgreSQL at 127.0.0.1:1/x: connection \
             refused"
        );
    }

    #[test]
    fn an_error_shows_what_aws_put_in_it_escaped_and_no_line_of_its_own() {
        let error =
            anyhow::anyhow!("AccessDenied: no\u{1b}[2J\u{9b}0m\nFAKE: all accounts PASSED\r")
                .context("cannot read the organization");
        assert_eq!(
            shown(&error),
            "cannot read the organization: AccessDenied: no\\u{1b}[2J\\u{9b}0m\n  FAKE: all accounts \
             PASSED\\r"
        );
    }
}
