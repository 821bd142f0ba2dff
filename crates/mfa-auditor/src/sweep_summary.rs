//! What a sweep says when it ends, on stdout: its counts, what it skipped, the exceptions, the
//! time and the AWS calls it took, and what to do next.

use crate::sweep_exceptions;
use chrono::NaiveDate;
use mfa_collector::CallStats;
use mfa_evaluator::Exception;
use mfa_report::SkipReason;
use mfa_sweep::SweepSummary;
use std::path::Path;
use std::sync::atomic::Ordering;

/// What the sweep did, and what it took (`stats`: the AWS calls of the whole sweep).
pub fn summary(
    summary: &SweepSummary,
    skipped_by_reason: &[(SkipReason, usize)],
    exceptions: &[Exception],
    today: NaiveDate,
    warn_days: u32,
    stats: &CallStats,
) -> String {
    let mut text = format!(
        "Sweep {} {}: {} assessed, {} errored, {} skipped; {} accounts with failing controls{}.\n",
        summary.sweep_id,
        summary.status.as_str(),
        summary.assessed,
        summary.errored,
        summary.skipped,
        summary.accounts_failing,
        if summary.accounts_failing_unexcepted == summary.accounts_failing {
            String::new()
        } else {
            format!(
                " ({} with failures no exception covers)",
                summary.accounts_failing_unexcepted
            )
        },
    );
    if !skipped_by_reason.is_empty() {
        let reasons: Vec<String> = skipped_by_reason
            .iter()
            .map(|(reason, count)| format!("{count} {}", reason.as_str()))
            .collect();
        text += &format!("Skipped: {}.\n", reasons.join(", "));
    }
    if summary.assessed == 0 && summary.already_done == 0 {
        text += "No account was assessed: nothing in this sweep says anything about MFA.\n";
    }
    text += &sweep_exceptions::summary(exceptions, today, warn_days);
    if summary.already_done > 0 {
        text += &format!(
            "Resumed: {} accounts were already recorded by the interrupted run and not audited again.\n",
            summary.already_done
        );
    }
    text += &format!(
        "{:.1} s in all, {:.2} s of it writing to PostgreSQL; {} AWS calls ({} retries, {} throttled).\n",
        summary.elapsed.as_secs_f64(),
        summary.store_time.as_secs_f64(),
        stats.attempts.load(Ordering::Relaxed),
        stats.retries.load(Ordering::Relaxed),
        stats.throttled.load(Ordering::Relaxed),
    );
    text
}

/// The error a sweep ends with when some accounts went to the spool file `spool`.
pub fn spooled(summary: &SweepSummary, spool: &Path) -> anyhow::Error {
    anyhow::anyhow!(
        "{} accounts could not be written to the database (see the log for why) and were \
         written to {} instead; nothing is lost. Load them with `mfa-auditor import {}` \
         (the next sweep also does it)",
        summary.spooled,
        spool.display(),
        spool.display()
    )
}

/// The summary's last lines: how to finish an interrupted sweep, and how to read it.
pub fn next_steps(summary: &SweepSummary) -> String {
    let mut text = String::new();
    if summary.unfinished > 0 {
        text += &format!(
            "Interrupted; accounts not audited: {}. Finish it with: mfa-auditor sweep --resume\n",
            summary.unfinished
        );
    }
    text += &format!(
        "Read it with: mfa-auditor report --sweep {}\n",
        summary.sweep_id
    );
    text
}
