//! The exit statuses schedulers and CI gates script against: each one's meaning in one place.

use mfa_report::SweepStatus;
use mfa_sweep::SweepSummary;

/// A command line that does not parse (BSD's `EX_USAGE`). Never 2, which a sweep exits with when
/// some accounts errored: a scheduler that counts 2 as a finished night must still see a typo in
/// its command line as a failure.
pub const EXIT_USAGE: u8 = 64;

/// Exit status of a sweep stopped by SIGTERM or Ctrl-C (128 + SIGINT, as shells report it).
pub const EXIT_INTERRUPTED: u8 = 130;

/// A sweep that completed with some accounts errored; an import with records it could not load.
pub const EXIT_SOME_FAILED: u8 = 2;

/// `sweep --fail-on-findings`: some control has a failure no exception covers.
pub const EXIT_FINDINGS: u8 = 3;

/// A finished sweep's status. 3 wins over 2: a gate that asked about findings hears about them
/// first.
pub fn of_sweep(summary: &SweepSummary, fail_on_findings: bool) -> u8 {
    if summary.status == SweepStatus::Interrupted {
        EXIT_INTERRUPTED
    } else if fail_on_findings && summary.accounts_failing_unexcepted > 0 {
        EXIT_FINDINGS
    } else if summary.errored > 0 {
        EXIT_SOME_FAILED
    } else {
        0
    }
}
