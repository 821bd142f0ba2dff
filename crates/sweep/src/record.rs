//! Where a finished account goes: the database, or when the database stays away, the spool.
//!
//! Writes that fail because the database is gone are retried with backoff for a configured
//! time. If it is still gone, this account and every later one of the sweep go to a spool file
//! (JSON, one record per line, synced as written) that `mfa-auditor import` loads later.
//! Nothing audited is lost, and an import run twice writes nothing twice.

use crate::SweepError;
use chrono::{DateTime, Utc};
use mfa_report::{AccountReport, SweepInfo, SweepStatus};
use mfa_store::{Recorded, Store, StoreError, SweepLock};
use serde::{Deserialize, Serialize};
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tracing::{error, info, warn, Instrument};

/// One line of a spool file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "record", rename_all = "snake_case")]
pub enum SpoolRecord {
    /// The sweep the following lines belong to; always the file's first line.
    Sweep { sweep: SweepInfo },
    Account {
        sweep_id: String,
        account: AccountReport,
    },
    Finished {
        sweep_id: String,
        finished_at: DateTime<Utc>,
        status: SweepStatus,
    },
}

/// How hard to try the database before spooling.
#[derive(Debug, Clone)]
pub struct RecordSettings {
    /// How long a write keeps retrying while the database is unreachable.
    pub retry_for: Duration,
    /// Where spool files are written, one per sweep.
    pub spool_dir: PathBuf,
}

/// Where a record ended up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Destination {
    Database,
    Spool,
}

/// Writes one sweep's records, to the database while it answers and to the spool after.
#[derive(Debug)]
pub(crate) struct Recorder {
    store: Store,
    lock: SweepLock,
    sweep: SweepInfo,
    settings: RecordSettings,
    spool: Option<SpoolFile>,
    /// Set once the database stayed away past `retry_for`: the rest of the sweep is spooled
    /// rather than waiting out the retries once per account.
    database_gone: bool,
    pub(crate) spooled_accounts: usize,
    pub(crate) store_time: Duration,
}

impl Recorder {
    pub(crate) fn new(
        store: Store,
        lock: SweepLock,
        sweep: SweepInfo,
        settings: RecordSettings,
    ) -> Recorder {
        Recorder {
            store,
            lock,
            sweep,
            settings,
            spool: None,
            database_gone: false,
            spooled_accounts: 0,
            store_time: Duration::ZERO,
        }
    }

    pub(crate) fn spool_path(&self) -> Option<&Path> {
        self.spool.as_ref().map(|s| s.path.as_path())
    }

    pub(crate) async fn account(
        &mut self,
        report: &AccountReport,
    ) -> Result<Destination, SweepError> {
        let started = Instant::now();
        let written = if self.database_gone {
            None
        } else {
            let (store, sweep_id) = (self.store.clone(), self.sweep.id.clone());
            let span = tracing::info_span!("account", account_id = %report.account_id);
            self.with_retries("store:record_account", || async {
                store.record_account(&sweep_id, report).await.map(|_| ())
            })
            .instrument(span)
            .await
        };
        self.store_time += started.elapsed();
        if let Some(retried) = written {
            if retried {
                self.retake_lock().await?;
            }
            return Ok(Destination::Database);
        }
        self.spool(SpoolRecord::Account {
            sweep_id: self.sweep.id.clone(),
            account: report.clone(),
        })?;
        self.spooled_accounts += 1;
        Ok(Destination::Spool)
    }

    pub(crate) async fn finish(
        &mut self,
        finished_at: DateTime<Utc>,
        status: SweepStatus,
    ) -> Result<Destination, SweepError> {
        // Once accounts are spooled, the end goes with them: an import then finishes the
        // sweep after its accounts, never before.
        if self.spool.is_none() && !self.database_gone {
            let (store, sweep_id) = (self.store.clone(), self.sweep.id.clone());
            let finished = self
                .with_retries("store:finish_sweep", || {
                    store.finish_sweep(&sweep_id, finished_at, status)
                })
                .await;
            if finished.is_some() {
                return Ok(Destination::Database);
            }
        }
        self.spool(SpoolRecord::Finished {
            sweep_id: self.sweep.id.clone(),
            finished_at,
            status,
        })?;
        Ok(Destination::Spool)
    }

    /// After the database came back: the sweep lock lived on a connection that is gone.
    async fn retake_lock(&mut self) -> Result<(), SweepError> {
        match self.lock.ensure_held(&self.store).await {
            Ok(()) => Ok(()),
            Err(error @ StoreError::SweepRunning(_)) => Err(SweepError::LockLost(error)),
            // Still flaky: the next write will find out, and retry or spool.
            Err(error) => {
                warn!(sweep_id = %self.sweep.id, "could not check the sweep lock: {error}");
                Ok(())
            }
        }
    }

    /// Runs a write, retrying while the database is unreachable. `Some(retried)` when written,
    /// `None` when it must be spooled: the database stayed away past `retry_for`, or refused
    /// this one write.
    async fn with_retries<F, Fut>(&mut self, operation: &str, mut write: F) -> Option<bool>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<(), StoreError>>,
    {
        let started = Instant::now();
        let mut backoff = Duration::from_millis(250);
        let mut failed = false;
        loop {
            match write().await {
                Ok(()) => {
                    if failed {
                        info!(sweep_id = %self.sweep.id, operation, "database back; written");
                    }
                    return Some(failed);
                }
                Err(error) if error.is_connection_lost() => {
                    let waited = started.elapsed();
                    if waited >= self.settings.retry_for {
                        error!(sweep_id = %self.sweep.id, operation,
                               "database unreachable for {} s: {error}; the rest of this sweep goes to the spool",
                               waited.as_secs());
                        self.database_gone = true;
                        return None;
                    }
                    failed = true;
                    warn!(sweep_id = %self.sweep.id, operation,
                          retry_in_ms = backoff.as_millis() as u64,
                          "database write failed, retrying: {error}");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(5));
                }
                Err(error) => {
                    // Not a lost connection: retrying will not help, but the results are not
                    // dropped either.
                    error!(sweep_id = %self.sweep.id, operation,
                           "database write refused, spooled instead: {error}");
                    return None;
                }
            }
        }
    }

    fn spool(&mut self, record: SpoolRecord) -> Result<(), SweepError> {
        if self.spool.is_none() {
            let mut file = SpoolFile::create(&self.settings.spool_dir, &self.sweep.id)?;
            file.append(&SpoolRecord::Sweep {
                sweep: self.sweep.clone(),
            })?;
            warn!(sweep_id = %self.sweep.id, path = %file.path.display(), "spooling results to a file");
            self.spool = Some(file);
        }
        match &mut self.spool {
            Some(file) => file.append(&record),
            None => Ok(()),
        }
    }
}

#[derive(Debug)]
struct SpoolFile {
    path: PathBuf,
    file: std::fs::File,
}

impl SpoolFile {
    fn create(dir: &Path, sweep_id: &str) -> Result<SpoolFile, SweepError> {
        let path = dir.join(format!("sweep-{sweep_id}.jsonl"));
        let spool_error = |source| SweepError::Spool {
            path: path.clone(),
            source,
        };
        std::fs::create_dir_all(dir).map_err(spool_error)?;
        let mut options = std::fs::OpenOptions::new();
        options.create(true).append(true);
        // Findings name users and their weaknesses: readable by the service's user only.
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options.open(&path).map_err(spool_error)?;
        Ok(SpoolFile { path, file })
    }

    /// Appends one record and syncs it to disk: what is spooled survives a crash right after.
    fn append(&mut self, record: &SpoolRecord) -> Result<(), SweepError> {
        let mut line = serde_json::to_vec(record).map_err(|e| SweepError::Spool {
            path: self.path.clone(),
            source: std::io::Error::other(e),
        })?;
        line.push(b'\n');
        self.file
            .write_all(&line)
            .and_then(|()| self.file.sync_data())
            .map_err(|source| SweepError::Spool {
                path: self.path.clone(),
                source,
            })
    }
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportSummary {
    pub sweeps: Vec<String>,
    pub accounts_written: usize,
    pub accounts_already_present: usize,
    pub sweeps_finished: usize,
}

/// Loads a spool file into the store. Idempotent: accounts already recorded are left alone.
/// The caller holds the sweep lock, so no sweep writes meanwhile.
pub async fn import_spool(store: &Store, path: &Path) -> Result<ImportSummary, SweepError> {
    let file = std::fs::File::open(path).map_err(|source| SweepError::Spool {
        path: path.to_path_buf(),
        source,
    })?;
    let mut summary = ImportSummary::default();
    for (index, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line_number = index + 1;
        let line = line.map_err(|source| SweepError::Spool {
            path: path.to_path_buf(),
            source,
        })?;
        if line.trim().is_empty() {
            continue;
        }
        let record: SpoolRecord =
            serde_json::from_str(&line).map_err(|error| SweepError::SpoolLine {
                path: path.to_path_buf(),
                line: line_number,
                message: error.to_string(),
            })?;
        match record {
            SpoolRecord::Sweep { sweep } => {
                store.begin_sweep(&sweep).await?;
                summary.sweeps.push(sweep.id);
            }
            SpoolRecord::Account { sweep_id, account } => {
                match store.record_account(&sweep_id, &account).await? {
                    Recorded::Written => summary.accounts_written += 1,
                    Recorded::AlreadyPresent => summary.accounts_already_present += 1,
                }
            }
            SpoolRecord::Finished {
                sweep_id,
                finished_at,
                status,
            } => {
                if store
                    .finish_sweep_if_open(&sweep_id, finished_at, status)
                    .await?
                {
                    summary.sweeps_finished += 1;
                }
            }
        }
    }
    Ok(summary)
}

/// Spool files waiting in `dir` (none when it does not exist).
pub fn pending_spool_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "jsonl"))
        .collect();
    files.sort();
    files
}
