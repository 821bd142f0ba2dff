//! `mfa-auditor`: audits MFA across every account of an AWS Organization and keeps the history
//! in PostgreSQL. This binary is glue: arguments, configuration, wiring, output.

mod config;
mod progress;
mod telemetry;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand, ValueEnum};
use mfa_collector::{AccountCollector, Caller, OrganizationReader};
use mfa_store::{Store, SweepSelector};
use mfa_sweep::{Decision, SweepRunner, SweepSettings};
use secrecy::ExposeSecret;
use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::Ordering;

/// Audits multi-factor authentication across every account of an AWS Organization (Security
/// Hub controls IAM.9, IAM.6, IAM.5, IAM.19 and Cognito.5) and keeps the history in PostgreSQL.
#[derive(Debug, Parser)]
#[command(name = "mfa-auditor", version, propagate_version = true)]
struct Cli {
    /// Configuration file [default: $MFA_AUDITOR_CONFIG, else config/default.toml]
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Log format on stderr.
    #[arg(long, global = true, value_enum, default_value = "text")]
    log_format: telemetry::LogFormat,
    /// More logging (-v debug, -vv trace).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    /// Only warnings and errors; no progress bar.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run one sweep now: list the accounts, audit them, store the results, print a summary.
    ///
    /// Exit status: 0 when the sweep completed (findings or not), 2 when it completed but some
    /// accounts errored, 1 when it could not run, 3 with --fail-on-findings when any control
    /// FAILED (3 wins over 2: a gate that asked about findings hears about them first).
    Sweep {
        /// Exit 3 when any control FAILED, for CI gates.
        #[arg(long)]
        fail_on_findings: bool,
    },
    /// Print a stored sweep, read back from PostgreSQL.
    Report {
        /// `latest`, or a sweep id.
        #[arg(long, default_value = "latest", value_name = "latest|ID")]
        sweep: String,
        #[arg(long, value_enum, default_value = "text")]
        format: ReportFormat,
    },
    /// Show what a sweep would audit: every account with its OU path and whether it is included,
    /// excluded (by which rule) or skipped. Calls only AWS Organizations.
    Accounts,
    /// Apply the database migrations (sweep also applies them at start).
    Migrate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ReportFormat {
    /// The readable report, with what changed since the previous sweep.
    Text,
    /// The JSON report, schema version 1.
    Json,
    /// The current findings of every account (the `current_findings` view), for spreadsheets;
    /// `--sweep` does not apply.
    Csv,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let verbosity = if cli.quiet {
        -1
    } else {
        cli.verbose.min(2) as i8
    };
    telemetry::init(cli.log_format, verbosity);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(1)
        }
    }
}

fn config_path(cli: &Cli, env: &HashMap<String, String>) -> PathBuf {
    cli.config
        .clone()
        .or_else(|| env.get("MFA_AUDITOR_CONFIG").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("config/default.toml"))
}

async fn run(cli: Cli) -> Result<u8> {
    let env: HashMap<String, String> = std::env::vars().collect();
    let config = config::load(&config_path(&cli, &env), &env)?;
    match cli.command {
        Command::Migrate => {
            let store = connect(&config).await?;
            store.migrate().await?;
            out("migrations applied\n")?;
            Ok(0)
        }
        Command::Accounts => accounts(&config).await,
        Command::Report { sweep, format } => {
            let store = connect(&config).await?;
            let selector = if sweep == "latest" {
                SweepSelector::Latest
            } else {
                SweepSelector::Id(sweep)
            };
            match format {
                ReportFormat::Csv => {
                    let findings = store.current_findings().await?;
                    out(&mfa_report::render_csv(&findings).context("cannot write CSV")?)?;
                }
                ReportFormat::Text => out(&mfa_report::render_text(
                    &store.load_report(&selector).await?,
                ))?,
                ReportFormat::Json => {
                    let report = store.load_report(&selector).await?;
                    out(&(serde_json::to_string_pretty(&report)? + "\n"))?
                }
            }
            Ok(0)
        }
        Command::Sweep { fail_on_findings } => sweep(&config, fail_on_findings, cli.quiet).await,
    }
}

/// Writes to stdout; a closed pipe (`| head`) is not an error.
fn out(text: &str) -> Result<()> {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(error) if error.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(error).context("cannot write to standard output")
        }
        _ => Ok(()),
    }
}

async fn connect(config: &config::AuditConfig) -> Result<Store> {
    let Some(url) = &config.database.url else {
        anyhow::bail!(
            "{}: key `database.url` is not set: give it in the file or with DATABASE_URL",
            config.database.origin
        );
    };
    Ok(Store::connect(
        url.expose_secret(),
        config.database.max_connections,
        config.database.connect_timeout,
    )
    .await?)
}

async fn accounts(config: &config::AuditConfig) -> Result<u8> {
    let sdk = config.aws.load().await;
    let organization = OrganizationReader::new(&sdk, Caller::new(config.limits.clone()))
        .read()
        .await
        .context("cannot read the organization")?;
    let plan = mfa_sweep::plan(organization, &config.scope);
    let mut text = format!(
        "Organization {} (management account {})\n{:<12}  {:<28} {:<36} decision\n",
        plan.organization_id, plan.management_account_id, "account", "name", "ou path"
    );
    for planned in &plan.accounts {
        let decision = match &planned.decision {
            Decision::Audit => "included".to_string(),
            Decision::Skip { reason, rule } => format!("{} ({rule})", reason.as_str()),
            Decision::Invalid { message } => format!("error ({message})"),
        };
        text += &format!(
            "{:<12}  {:<28} {:<36} {decision}\n",
            planned.account.id,
            planned.account.name,
            planned.account.ou_path()
        );
    }
    text += &format!(
        "{} accounts: {} included, {} not\n",
        plan.accounts.len(),
        plan.audited().count(),
        plan.accounts.len() - plan.audited().count()
    );
    out(&text)?;
    Ok(0)
}

async fn sweep(config: &config::AuditConfig, fail_on_findings: bool, quiet: bool) -> Result<u8> {
    let store = connect(config).await?;
    store.migrate().await?;
    // Held until this function returns: never two sweeps at once, from any host.
    let _lock = store.lock_for_sweep(config.when_busy).await?;
    let sdk = config.aws.load().await;
    // One caller for the whole sweep: its limiters are shared by every worker.
    let caller = Caller::new(config.limits.clone());
    let organization = OrganizationReader::new(&sdk, caller.clone())
        .read()
        .await
        .context("cannot read the organization")?;
    let plan = mfa_sweep::plan(organization, &config.scope);
    let collector = AccountCollector::new(
        &sdk,
        caller.clone(),
        config.role.clone(),
        config.regions.clone(),
        config.credential_report_deadline,
    );
    let runner = SweepRunner::new(
        collector,
        store.clone(),
        SweepSettings {
            concurrency: config.concurrency,
            account_deadline: config.account_deadline,
        },
    );
    let progress = progress::SweepProgress::new(quiet);
    let summary = runner.run(plan, &progress).await;
    progress.finish();
    let summary = summary?;
    // Retention runs after the sweep; a failure to prune loses nothing and fails nothing.
    match store.prune(config.keep_days).await {
        Ok(0) => {}
        Ok(pruned) => tracing::info!(pruned, keep_days = config.keep_days, "pruned old findings"),
        Err(error) => tracing::warn!("pruning old findings failed: {error}"),
    }
    let stats = caller.stats();
    out(&format!(
        "Sweep {} {}: {} assessed, {} errored, {} skipped; {} accounts with failing controls.\n\
         {:.1} s in all, {:.2} s of it writing to PostgreSQL; {} AWS calls ({} retries, {} throttled).\n\
         Read it with: mfa-auditor report --sweep {}\n",
        summary.sweep_id,
        summary.status.as_str(),
        summary.assessed,
        summary.errored,
        summary.skipped,
        summary.accounts_failing,
        summary.elapsed.as_secs_f64(),
        summary.store_time.as_secs_f64(),
        stats.attempts.load(Ordering::Relaxed),
        stats.retries.load(Ordering::Relaxed),
        stats.throttled.load(Ordering::Relaxed),
        summary.sweep_id
    ))?;
    Ok(if fail_on_findings && summary.accounts_failing > 0 {
        3
    } else if summary.errored > 0 {
        2
    } else {
        0
    })
}
