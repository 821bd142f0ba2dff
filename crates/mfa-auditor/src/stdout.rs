//! Standard output: text for a person (escaped), or a document byte for byte.

use anyhow::{Context, Result};
use mfa_report::terminal::escape_lines;

/// Text for a person on stdout. Its writers escape every value they show
/// (`mfa_report::terminal`); this escapes anything one of them missed but the newlines.
pub(crate) fn out(text: &str) -> Result<()> {
    out_document(&escape_lines(text))
}

/// A document on stdout (JSON, CSV, OCSF, ASFF, HTML), byte for byte; a closed pipe (`| head`)
/// is not an error.
pub(crate) fn out_document(text: &str) -> Result<()> {
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
