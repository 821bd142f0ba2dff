//! The command line: its commands, flags and help text (what `--help` shows), and what a command
//! line that does not parse exits with.

use crate::exit_codes::EXIT_USAGE;
use crate::telemetry;
use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;

/// Audits multi-factor authentication across every account of an AWS Organization (Security
/// Hub controls IAM.9, IAM.6, IAM.5, IAM.19 and Cognito.5) and keeps the history in PostgreSQL.
#[derive(Debug, Parser)]
#[command(
    name = "mfa-auditor",
    version,
    propagate_version = true,
    after_help = "Configuration: the TOML file, then DATABASE_URL, AWS_REGION and \
                  AWS_ENDPOINT_URL, then MFA_AUDITOR__<SECTION>__<KEY> variables. A secret \
                  (database.url, organization.external_id, a webhook's url, \
                  metrics.report_password) may instead be read from a variable (KEY_env = \
                  \"VAR\") or a file (KEY_file = \"/path\"): see the README's \"Configuration\". \
                  A command line that does not parse exits 64 (EX_USAGE), never 2, which a sweep \
                  exits with when some accounts errored."
)]
pub struct Cli {
    /// Configuration file [default: $MFA_AUDITOR_CONFIG, else config/default.toml: the local
    /// stack's (the emulator, a scratch database), with a warning naming what it points at]
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Log format on stderr.
    #[arg(long, global = true, value_enum, default_value = "text")]
    pub log_format: telemetry::LogFormat,
    /// More logging (-v debug, -vv trace).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Only warnings and errors; no progress bar.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run one sweep now: list the accounts, audit them, store the results, print a summary.
    ///
    /// Exit status: 0 when the sweep completed (findings or not), 2 when it completed but some
    /// accounts errored, 1 when it could not run, 3 with --fail-on-findings when any control
    /// has a failure no exception covers (3 wins over 2: a gate that asked about findings hears
    /// about them first).
    ///
    /// Exit 130 when stopped by SIGTERM or Ctrl-C: the sweep is recorded `interrupted` with the
    /// accounts it finished, and `sweep --resume` finishes it. Exit 1 too when another sweep
    /// holds the lock (`schedule.if_sweep_running`, `schedule.lock_wait_seconds`), or took it
    /// after a database restart: this sweep then stops at once, its finished accounts kept.
    /// When the database goes away mid-sweep, writes retry for `store.write_retry_seconds`,
    /// then the results go to a spool file under `store.spool_dir` (exit 1); the next sweep,
    /// or `import`, loads it.
    Sweep {
        /// Exit 3 when any control has a failure no exception covers, for CI gates.
        #[arg(long)]
        fail_on_findings: bool,
        /// Finish the latest sweep, which must be `interrupted`: audit only the accounts it did
        /// not record, under the same sweep id.
        #[arg(long)]
        resume: bool,
    },
    /// The nightly service: sweep on `schedule.cron` in `schedule.timezone` (and at start with
    /// `schedule.sweep_at_start`), one sweep at a time, with Prometheus metrics on
    /// `metrics.listen` (`/metrics` and `/healthz`, open: counts only, no findings).
    ///
    /// With `metrics.report = true`, the same listener serves the latest HTML report at
    /// `/report` to HTTP Basic credentials only (`metrics.report_user`, and the password of
    /// `metrics.report_password`, `_env` or `_file`); the report lists every identity without
    /// MFA. Refusals answer 401 and are counted in
    /// `mfa_auditor_report_unauthorized_total{reason}`.
    ///
    /// Logs the next run time at start and after each sweep. A failed sweep is logged and the
    /// service waits for the next run. SIGTERM or Ctrl-C stops it: a sweep in progress gets
    /// `schedule.stop_grace_seconds` for the accounts in flight and is recorded `interrupted`.
    Serve {
        /// Run one sweep now, with the service's behaviour (lock, resume, metrics), and exit
        /// with the sweep's exit status: for a systemd timer or a Kubernetes CronJob.
        #[arg(long)]
        once: bool,
    },
    /// Load a spool file (results written while the database was unreachable) into the
    /// database. Idempotent: accounts already there are left as they are.
    ///
    /// A last line cut short (a crash while it was written) is reported and skipped. A record
    /// that cannot be imported (unreadable, or refused by the database) is moved to
    /// FILE.rejected with the reason, and the exit status is 2; otherwise 0. Exit 1 when the
    /// database is unreachable: nothing is lost, run it again later.
    Import {
        /// A spool file, e.g. spool/sweep-<id>.jsonl.
        file: PathBuf,
    },
    /// Print a stored sweep, read back from PostgreSQL, or the organization as of a day.
    ///
    /// Reads only: a database never migrated (or migrated by an older version) is refused,
    /// saying to run `mfa-auditor migrate`.
    Report {
        /// `latest`, or a sweep id.
        #[arg(long, default_value = "latest", value_name = "latest|ID")]
        sweep: String,
        /// The organization as it stood at the end of DATE (UTC), in any format: the last
        /// finished sweep that started by then, each account's findings from the last sweep up
        /// to it that assessed the account (one that errored in that sweep is shown as an
        /// earlier one saw it). The evidence an auditor asks for: "show me MFA on 30 June".
        /// Today at the latest: no sweep has seen a later day.
        #[arg(long, value_name = "YYYY-MM-DD", conflicts_with = "sweep", value_parser = past_day)]
        as_of: Option<chrono::NaiveDate>,
        #[arg(long, value_enum, default_value = "text")]
        format: ReportFormat,
        /// Only the controls a framework relates, and as text grouped by its requirements: a
        /// prefix of a standard's name, e.g. `CIS`, `CIS AWS Foundations Benchmark v3.0.0`,
        /// `PCI DSS`, `NIST.800-53.r5` (see docs/compliance.md).
        #[arg(long, value_name = "STANDARD")]
        framework: Option<String>,
    },
    /// List every exception of `[exceptions] file` (accepted risks): `active`, `expiring`
    /// (within `exceptions.warn_days` of its end), `expired`, or `unused` (it covered nothing in
    /// the latest sweep: probably stale), with the findings it covered in the latest sweep.
    ///
    /// Exit 1 when the file is bad, naming the file, the entry and the key.
    Exceptions,
    /// Show what a sweep would audit: every account with its OU path and whether it is included,
    /// excluded (by which rule), skipped (its `State` in Organizations is not ACTIVE:
    /// suspended, pending_closure, closed, pending_activation) or an error (a state, name or OU
    /// this version cannot read: never silently left out). Names are shown with control
    /// characters escaped. Calls only AWS Organizations.
    Accounts,
    /// Apply the database migrations (sweep, serve, import and exceptions also apply them at
    /// start; report, which only reads, asks for them).
    Migrate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// The readable report: Fix first (failing identities by priority, with what is at
    /// stake), the guardrail SCPs, the summary per control, weak MFA in user pools, what
    /// changed since the previous sweep, errors, what to do.
    Text,
    /// The JSON report, schema version 1.
    Json,
    /// The current findings of every account (the `current_findings` view), for spreadsheets;
    /// with `--sweep` or `--as-of`, the findings of that sweep or day. A cell that would start
    /// a formula (`=`, `+`, `-`, `@`, tab, carriage return) is prefixed with `'` (OWASP).
    Csv,
    /// OCSF 1.5.0 Compliance Findings (class 2003), one JSON object per line, one per resource
    /// and control: for a SIEM or Amazon Security Lake.
    Ocsf,
    /// AWS Security Finding Format: a JSON array for `securityhub batch-import-findings`, to
    /// send in batches of 100 (see the README's "Outputs").
    Asff,
    /// One self-contained HTML page (inline CSS and SVG, nothing fetched, prints on A4): Fix
    /// first, the guardrail SCPs, the summary, MFA and phishing-resistant coverage over the year
    /// before the sweep per control and top-level OU, weak MFA, what changed, what fails and
    /// since when, errors, exceptions, the compliance mapping.
    Html,
}

/// What clap says about a command line it did not run: `--help` and `--version` on stdout (exit
/// 0), a usage error on stderr (exit 64, where clap itself would exit 2).
pub fn usage_error(error: &clap::Error) -> ExitCode {
    // Printing to a closed pipe is no reason for another status.
    let _ = error.print();
    if error.use_stderr() {
        ExitCode::from(EXIT_USAGE)
    } else {
        ExitCode::SUCCESS
    }
}

/// A day for `--as-of`: a date not after today (UTC). A later day would show the latest sweep
/// as if it were that day's, so it is refused as a bad argument is.
fn past_day(text: &str) -> Result<chrono::NaiveDate, String> {
    let day: chrono::NaiveDate = text
        .parse()
        .map_err(|error| format!("not a date as YYYY-MM-DD ({error})"))?;
    let today = chrono::Utc::now().date_naive();
    if day > today {
        return Err(format!(
            "{day} is after today ({today}, UTC): no sweep has seen that day yet; leave out \
             --as-of for the latest sweep"
        ));
    }
    Ok(day)
}
