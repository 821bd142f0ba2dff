//! Spool files: a sweep's results kept on disk while the database is unreachable, and their
//! import.
//!
//! A spool file is JSON lines, one [`SpoolRecord`] each, synced as written (and its directory
//! synced when the file is created, so the file itself survives a power loss). The import is
//! idempotent (accounts already recorded are left alone) and never stuck on one bad line: a torn
//! last line (the power went while it was written) ends the import with everything before it
//! loaded, and a record the database refuses, or that cannot be read, is moved aside to
//! `<file>.rejected` with the reason, so it cannot fail every next night.

use crate::sink::{Sink, WriteFailure};
use crate::SweepError;
use chrono::{DateTime, Utc};
use mfa_report::{AccountReport, SweepInfo, SweepStatus};
use mfa_store::Recorded;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};
use tracing::{error, warn};

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

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> SweepError + '_ {
    move |source| SweepError::Spool {
        path: path.to_path_buf(),
        source,
    }
}

/// Opens `path` to append, readable by its owner only (findings name users and their
/// weaknesses).
fn open_private(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

/// An open spool file.
#[derive(Debug)]
pub(crate) struct SpoolFile {
    pub(crate) path: PathBuf,
    file: std::fs::File,
}

impl SpoolFile {
    pub(crate) fn create(dir: &Path, sweep_id: &str) -> Result<SpoolFile, SweepError> {
        let path = dir.join(format!("sweep-{sweep_id}.jsonl"));
        std::fs::create_dir_all(dir).map_err(io_error(&path))?;
        let file = open_private(&path).map_err(io_error(&path))?;
        // The new file's name lives in the directory: sync it too, or a power loss can leave
        // synced records in a file that no longer exists.
        #[cfg(unix)]
        std::fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(io_error(&path))?;
        Ok(SpoolFile { path, file })
    }

    /// Appends one record and syncs it: what is spooled survives a crash right after.
    pub(crate) fn append(&mut self, record: &SpoolRecord) -> Result<(), SweepError> {
        let mut line = serde_json::to_vec(record)
            .map_err(|e| io_error(&self.path)(std::io::Error::other(e)))?;
        line.push(b'\n');
        self.file
            .write_all(&line)
            .and_then(|()| self.file.sync_data())
            .map_err(io_error(&self.path))
    }
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportSummary {
    pub sweeps: Vec<String>,
    pub accounts_written: usize,
    pub accounts_already_present: usize,
    pub sweeps_finished: usize,
    /// Lines moved aside to [`ImportSummary::rejected_file`]: unreadable, or refused by the
    /// database.
    pub rejected: usize,
    pub rejected_file: Option<PathBuf>,
    /// The last line, cut short (the power went while it was written): not imported.
    pub torn_line: Option<usize>,
}

/// Lines that cannot be imported, kept beside the spool file with the reason.
struct Rejects<'a> {
    spool: &'a Path,
    file: Option<(PathBuf, std::fs::File)>,
}

impl Rejects<'_> {
    fn add(&mut self, line_number: usize, line: &str, reason: &str) -> Result<(), SweepError> {
        error!(path = %self.spool.display(), line = line_number,
               "spool record moved aside, it cannot be imported: {reason}");
        if self.file.is_none() {
            let mut path = self.spool.as_os_str().to_owned();
            path.push(".rejected");
            let path = PathBuf::from(path);
            let file = open_private(&path).map_err(io_error(&path))?;
            self.file = Some((path, file));
        }
        if let Some((path, file)) = &mut self.file {
            let entry = serde_json::json!({"line": line_number, "reason": reason, "record": line});
            writeln!(file, "{entry}")
                .and_then(|()| file.sync_data())
                .map_err(io_error(path))?;
        }
        Ok(())
    }
}

/// Loads a spool file through `sink`. Idempotent: accounts already recorded are left alone.
/// Stops with an error only when the database is unreachable or another sweep holds the lock:
/// the file then stays for the next try.
pub async fn import_spool<S: Sink>(sink: &mut S, path: &Path) -> Result<ImportSummary, SweepError> {
    let bytes = std::fs::read(path).map_err(io_error(path))?;
    let text = String::from_utf8_lossy(&bytes);
    let complete = text.ends_with('\n');
    let lines: Vec<&str> = text.split_terminator('\n').collect();
    let mut summary = ImportSummary::default();
    let mut rejects = Rejects {
        spool: path,
        file: None,
    };
    for (index, line) in lines.iter().enumerate() {
        let line_number = index + 1;
        if line.trim().is_empty() {
            continue;
        }
        let record: SpoolRecord = match serde_json::from_str(line) {
            Ok(record) => record,
            Err(error) if index + 1 == lines.len() && !complete => {
                warn!(path = %path.display(), line = line_number,
                      "the last line of the spool file was cut short (a crash or power loss \
                       while it was written); everything before it is imported: {error}");
                summary.torn_line = Some(line_number);
                break;
            }
            Err(error) => {
                rejects.add(line_number, line, &format!("not a spool record: {error}"))?;
                summary.rejected += 1;
                continue;
            }
        };
        let written = match &record {
            SpoolRecord::Sweep { sweep } => sink.begin(sweep).await.map(|()| {
                summary.sweeps.push(sweep.id.clone());
            }),
            SpoolRecord::Account { sweep_id, account } => {
                sink.record(sweep_id, account)
                    .await
                    .map(|recorded| match recorded {
                        Recorded::Written => summary.accounts_written += 1,
                        Recorded::AlreadyPresent => summary.accounts_already_present += 1,
                    })
            }
            SpoolRecord::Finished {
                sweep_id,
                finished_at,
                status,
            } => sink
                .finish(sweep_id, *finished_at, *status, true)
                .await
                .map(|finished| summary.sweeps_finished += usize::from(finished)),
        };
        match written {
            Ok(()) => {}
            Err(WriteFailure::Refused(reason)) => {
                rejects.add(line_number, line, &reason)?;
                summary.rejected += 1;
            }
            Err(failure) => return Err(SweepError::Write(failure)),
        }
    }
    summary.rejected_file = rejects.file.map(|(path, _)| path);
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

#[cfg(test)]
mod tests;
