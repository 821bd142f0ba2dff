//! `mfa-auditor import FILE`: a spool file loaded into the database, under the sweep lock.

use crate::config;
use crate::database::connect;
use crate::exit_codes::{EXIT_INTERRUPTED, EXIT_SOME_FAILED};
use crate::signals::stop_requested;
use crate::stdout::out;
use anyhow::Result;
use mfa_report::terminal::Escaped;
use mfa_sweep::{CancellationToken, LockedStore};
use std::path::Path;

pub async fn run(config: &config::AuditConfig, file: &Path) -> Result<u8> {
    let store = connect(config).await?;
    store.migrate().await?;
    // Each account is imported in one transaction and importing twice is harmless: a signal
    // may end the import at once.
    tokio::spawn(async {
        stop_requested().await;
        eprintln!("stopped; run the import again to finish it");
        std::process::exit(EXIT_INTERRUPTED.into());
    });
    // No sweep writes while the import does.
    let never_stopped = CancellationToken::new();
    let lock = mfa_sweep::take_sweep_lock(&store, config.when_busy, &never_stopped).await?;
    let imported = mfa_sweep::import_spool(&mut LockedStore::new(store, lock), file).await?;
    let mut text = format!(
        "{}: {} accounts written, {} already in the database, {} sweeps finished ({}).\n",
        file.display(),
        imported.accounts_written,
        imported.accounts_already_present,
        imported.sweeps_finished,
        Escaped(&imported.sweeps.join(", "))
    );
    if let Some(line) = imported.torn_line {
        text += &format!(
            "Line {line}, the last, was cut short (a crash or power loss while it was written) \
             and was not imported; everything before it was.\n"
        );
    }
    if let Some(rejected) = &imported.rejected_file {
        text += &format!(
            "{} records could not be imported and were moved to {} with the reason for each.\n",
            imported.rejected,
            rejected.display()
        );
    }
    out(&text)?;
    Ok(if imported.rejected > 0 {
        EXIT_SOME_FAILED
    } else {
        0
    })
}
