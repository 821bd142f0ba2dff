//! Spool files left by a sweep that lost the database, loaded before the next sweep starts.

use anyhow::{Context, Result};
use mfa_sweep::LockedStore;
use std::path::Path;

/// Spool files left by a sweep that lost the database: loaded before the next sweep starts,
/// then renamed `*.imported`.
///
/// A file that cannot be imported now (the database went away again) is left where it is, with
/// an error in the log: one bad night must not stop the nightly sweeps. Records that can never
/// be imported are moved aside by the import itself, so no file fails every night.
pub async fn import_pending_spool(sink: &mut LockedStore, spool_dir: &Path) -> Result<()> {
    for path in mfa_sweep::pending_spool_files(spool_dir) {
        tracing::warn!(path = %path.display(), "importing results spooled by an earlier sweep");
        let imported = match mfa_sweep::import_spool(sink, &path).await {
            Ok(imported) => imported,
            Err(error) => {
                tracing::error!(path = %path.display(),
                    "cannot import this spool file now; it stays for the next sweep or `mfa-auditor import`: {error}");
                continue;
            }
        };
        tracing::info!(
            path = %path.display(),
            written = imported.accounts_written,
            already_present = imported.accounts_already_present,
            rejected = imported.rejected,
            "spool file imported"
        );
        set_aside(&path)?;
    }
    Ok(())
}

/// Renames an imported spool file `*.imported`: kept for the record, never imported again.
fn set_aside(path: &Path) -> Result<()> {
    let mut done = path.as_os_str().to_owned();
    done.push(".imported");
    std::fs::rename(path, &done)
        .with_context(|| format!("cannot rename {} after importing it", path.display()))
}
