//! `format = "json"`: the digest as a versioned JSON document (schema in the README,
//! "Notifications").

use crate::Digest;
use mfa_report::SweepReport;
use serde_json::{json, Value};

/// Bumped only on incompatible changes; fields are only ever added.
pub const JSON_SCHEMA_VERSION: u32 = 1;

pub fn render_json(report: &SweepReport, digest: &Digest) -> Value {
    let sweep = &report.sweep;
    json!({
        "schema_version": JSON_SCHEMA_VERSION,
        "sweep": {
            "id": sweep.id,
            "status": sweep.status.as_str(),
            "started_at": sweep.started_at,
            "finished_at": sweep.finished_at,
            "organization_id": sweep.organization_id,
        },
        "counts": {
            "new_failures": digest.new_failures(),
            "resolved": digest.resolved(),
            "account_errors": digest.account_errors.len(),
            "exceptions": digest.exceptions.len(),
            "critical": digest.critical.len(),
        },
        "changes": digest.changes,
        "account_errors": digest.account_errors,
        "exceptions": digest.exceptions,
        "critical": digest.critical,
    })
}
