//! What is at stake for an identity (`docs/controls.md`, "What is at stake"): its power
//! (admin-equivalent), its active credentials and their last use; and the priority of a FAILED
//! IAM.9, IAM.5 or IAM.19 finding, by the first rule that matches:
//! `critical` (root without MFA; an admin-equivalent user with a credential), `high` (a
//! credential used in the last 90 days), `medium` (a credential), `low` (none).
//!
//! "The last 90 days" end when the credential report was read: the evaluator has no clock.

use crate::authorization::CredentialUse;
use crate::facts::{AccessKeyStake, Priority, Stakes};
use crate::identity_policies::AdminFacts;
use crate::snapshot::{AccountSummary, IamUser};
use chrono::{DateTime, Duration, Utc};

/// How recent a use makes a credential `high`.
const RECENT: Duration = Duration::days(90);

fn access_keys(usage: &CredentialUse) -> Vec<AccessKeyStake> {
    usage
        .active_access_keys
        .iter()
        .map(|key| AccessKeyStake {
            active: true,
            last_used_date: key.last_used_date,
            last_used_service: key.last_used_service.clone(),
        })
        .collect()
}

/// An IAM user's stakes. `admin` is `None` when its policies were not read; its access keys are
/// absent when the credential report has no row for it (a user made since).
pub(crate) fn user_stakes(user: &IamUser, admin: Option<AdminFacts>) -> Stakes {
    let (admin_equivalent, admin_via, admin_unrecognised) = match admin {
        Some(admin) => (admin.equivalent, Some(admin.via), admin.unrecognised),
        None => (None, None, Vec::new()),
    };
    Stakes {
        admin_equivalent,
        admin_via,
        admin_unrecognised,
        console_password: user.password_enabled,
        password_last_used: user.usage.as_ref().and_then(|u| u.password_last_used),
        access_keys: user.usage.as_ref().map(access_keys),
    }
}

/// Root's stakes: root can do anything (no policy needed, so `admin_via` is empty); its
/// password and keys from `GetAccountSummary`, their use from the credential report's
/// `<root_account>` row. Without that row, its keys are known only when it has none.
pub(crate) fn root_stakes(summary: &AccountSummary, usage: Option<&CredentialUse>) -> Stakes {
    Stakes {
        admin_equivalent: Some(true),
        admin_via: Some(Vec::new()),
        admin_unrecognised: Vec::new(),
        console_password: summary.account_password_present,
        password_last_used: usage.and_then(|u| u.password_last_used),
        access_keys: match usage {
            Some(usage) => Some(access_keys(usage)),
            None if !summary.account_access_keys_present => Some(Vec::new()),
            None => None,
        },
    }
}

fn recent(used: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    used.is_some_and(|used| now - used <= RECENT)
}

/// The priority of a FAILED IAM.5 or IAM.19 finding for a user with these stakes, `now` being
/// when the credential report was read.
///
/// `None` when the rules cannot decide it, rather than a guess: a user with a credential whose
/// policies were not read (`[audit] policies` off) could be `critical`; a user whose keys were
/// not read (no row in the report) could have one, used or not. A user known to have no active
/// credential is `low` whatever else is unknown.
pub(crate) fn user_priority(stakes: &Stakes, now: DateTime<Utc>) -> Option<Priority> {
    let keys = stakes.access_keys.as_deref();
    let has_credential = match (stakes.console_password, keys) {
        (true, _) => true,
        (false, Some(keys)) => !keys.is_empty(),
        (false, None) => return None,
    };
    if !has_credential {
        return Some(Priority::Low);
    }
    match stakes.admin_equivalent {
        Some(true) => return Some(Priority::Critical),
        None => return None,
        Some(false) => {}
    }
    let password_recent = stakes.console_password && recent(stakes.password_last_used, now);
    let key_recent = keys.map(|keys| keys.iter().any(|k| recent(k.last_used_date, now)));
    match (password_recent, key_recent) {
        (true, _) | (_, Some(true)) => Some(Priority::High),
        (false, Some(false)) => Some(Priority::Medium),
        // A key not read may have been used.
        (false, None) => None,
    }
}

/// The priority of a FAILED IAM.9 finding: root with credentials and without MFA is always
/// `critical`.
pub(crate) const ROOT_PRIORITY: Priority = Priority::Critical;

#[cfg(test)]
mod tests;
