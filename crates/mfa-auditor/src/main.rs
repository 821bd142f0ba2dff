//! `mfa-auditor`: audits MFA across every account of an AWS Organization and keeps the history
//! in PostgreSQL. This binary is glue: arguments, configuration, wiring, output.
//!
//! `main` parses the command line (`cli.rs`), starts logging and the runtime, loads the
//! configuration and hands each command to the module that runs it.

mod accounts_command;
mod aws;
mod cli;
mod config;
mod database;
mod errors;
mod exceptions_command;
mod exit_codes;
mod import_command;
mod log_writer;
mod metrics;
mod notify;
mod progress;
mod report_auth;
mod report_command;
mod report_page;
mod serve;
mod signals;
mod spool_import;
mod stdout;
mod sweep_command;
mod sweep_exceptions;
mod sweep_summary;
mod telemetry;

use anyhow::Result;
use clap::Parser;
use cli::{Cli, Command};
use std::collections::HashMap;
use std::process::ExitCode;
use sweep_command::{Resume, SweepRequest};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => return cli::usage_error(&error),
    };
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
            eprintln!("error: {}", errors::shown(&error));
            ExitCode::from(1)
        }
    }
}

async fn run(cli: Cli) -> Result<u8> {
    let env: HashMap<String, String> = std::env::vars().collect();
    let config = config::load_chosen(cli.config.as_deref(), &env)?;
    match cli.command {
        Command::Migrate => {
            let store = database::connect(&config).await?;
            store.migrate().await?;
            stdout::out("migrations applied\n")?;
            Ok(0)
        }
        Command::Accounts => accounts_command::run(&config).await,
        Command::Exceptions => exceptions_command::run(&config).await,
        Command::Report {
            sweep,
            as_of,
            format,
            framework,
        } => report_command::run(&config, &sweep, as_of, format, framework.as_deref()).await,
        Command::Sweep {
            fail_on_findings,
            resume,
        } => {
            let stop = signals::stop_on_signal(config.schedule.stop_grace);
            let request = SweepRequest {
                fail_on_findings,
                exceptions_unreadable: sweep_exceptions::WhenUnreadable::Fail,
                resume: if resume { Resume::Required } else { Resume::No },
                quiet: cli.quiet,
                metrics: None,
                stop,
            };
            sweep_command::sweep(&config, &request).await
        }
        Command::Serve { once } => serve::serve(&config, once, cli.quiet).await,
        Command::Import { file } => import_command::run(&config, &file).await,
    }
}
