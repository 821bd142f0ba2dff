//! Where an account is in its life cycle, as Organizations says it.
//!
//! AWS retired `Account.Status` on 2026-09-09 in favour of `Account.State`, which has more
//! values (the SDK's documentation of `Account::status`). `State` decides; `Status` is read only
//! in an answer that has no `State`. A value this version does not know, or an answer with
//! neither, is an error naming the field and the value: never a guess, so an account AWS
//! describes in a new way is neither audited nor skipped in silence.

use aws_sdk_organizations::types::{Account, AccountState as SdkState, AccountStatus as SdkStatus};
use std::fmt;
use strum::{Display, EnumIter, EnumString, IntoStaticStr};

/// `Account.State`'s values; the string is AWS's spelling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[derive(Display, EnumString, IntoStaticStr, EnumIter)]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
pub enum AccountState {
    /// Sign-up begun and never completed: the account is not usable yet.
    PendingActivation,
    Active,
    /// Suspended by AWS.
    Suspended,
    /// Closing.
    PendingClosure,
    /// Closed, in its post-closure period.
    Closed,
}

/// Which field of the answer gave the state; the string is the field's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[derive(Display, EnumString, IntoStaticStr, EnumIter)]
pub enum StateField {
    State,
    /// The retired field, in an answer without `State`.
    Status,
}

/// An account's state and the field it was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lifecycle {
    pub state: AccountState,
    pub field: StateField,
}

impl fmt::Display for Lifecycle {
    /// `State CLOSED`, `Status SUSPENDED`: what decided, as the answer said it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.field, self.state)
    }
}

/// The account's state from `State`, or from `Status` when the answer has no `State`. `Err`
/// says which field held what.
pub(crate) fn lifecycle_of(account: &Account) -> Result<Lifecycle, String> {
    if let Some(state) = account.state() {
        let known = match state {
            SdkState::PendingActivation => AccountState::PendingActivation,
            SdkState::Active => AccountState::Active,
            SdkState::Suspended => AccountState::Suspended,
            SdkState::PendingClosure => AccountState::PendingClosure,
            SdkState::Closed => AccountState::Closed,
            other => {
                return Err(format!(
                    "State {:?}, a value this version of mfa-auditor does not know",
                    other.as_str()
                ))
            }
        };
        return Ok(Lifecycle {
            state: known,
            field: StateField::State,
        });
    }
    #[allow(deprecated)] // read only where AWS still answers the retired field alone
    let status = account.status();
    let known = match status {
        Some(SdkStatus::Active) => AccountState::Active,
        Some(SdkStatus::Suspended) => AccountState::Suspended,
        Some(SdkStatus::PendingClosure) => AccountState::PendingClosure,
        Some(other) => {
            return Err(format!(
                "no State, and Status {:?}, a value this version of mfa-auditor does not know",
                other.as_str()
            ))
        }
        None => return Err("neither State nor Status".to_string()),
    };
    Ok(Lifecycle {
        state: known,
        field: StateField::Status,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use mfa_evaluator::wire_names::assert_wire_names;

    #[test]
    fn states_and_fields_are_spelled_as_aws_does() {
        assert_wire_names::<AccountState>(&[
            "PENDING_ACTIVATION",
            "ACTIVE",
            "SUSPENDED",
            "PENDING_CLOSURE",
            "CLOSED",
        ]);
        assert_wire_names::<StateField>(&["State", "Status"]);
    }

    fn account(state: Option<&str>, status: Option<&str>) -> Account {
        Account::builder()
            .id("111122223333")
            .set_state(state.map(SdkState::from))
            .set_status(status.map(SdkStatus::from))
            .build()
    }

    #[test]
    fn state_decides_and_status_only_without_it() {
        use AccountState::*;
        for (state, status, want) in [
            (Some("ACTIVE"), None, Ok((Active, StateField::State))),
            (
                Some("PENDING_ACTIVATION"),
                None,
                Ok((PendingActivation, StateField::State)),
            ),
            (Some("SUSPENDED"), None, Ok((Suspended, StateField::State))),
            (
                Some("PENDING_CLOSURE"),
                None,
                Ok((PendingClosure, StateField::State)),
            ),
            (Some("CLOSED"), None, Ok((Closed, StateField::State))),
            // Both: the new field wins over the retired one.
            (
                Some("CLOSED"),
                Some("ACTIVE"),
                Ok((Closed, StateField::State)),
            ),
            (
                Some("ACTIVE"),
                Some("SUSPENDED"),
                Ok((Active, StateField::State)),
            ),
            (None, Some("ACTIVE"), Ok((Active, StateField::Status))),
            (None, Some("SUSPENDED"), Ok((Suspended, StateField::Status))),
            (
                None,
                Some("PENDING_CLOSURE"),
                Ok((PendingClosure, StateField::Status)),
            ),
            (None, None, Err("neither State nor Status")),
            (Some("FROZEN"), None, Err("State \"FROZEN\"")),
            // An unknown State is never overruled by a known Status.
            (Some("FROZEN"), Some("ACTIVE"), Err("State \"FROZEN\"")),
            (None, Some("DORMANT"), Err("Status \"DORMANT\"")),
            (Some(""), None, Err("State \"\"")),
        ] {
            let got = lifecycle_of(&account(state, status));
            match (got, want) {
                (Ok(got), Ok(wanted)) => {
                    assert_eq!((got.state, got.field), wanted, "{state:?} {status:?}")
                }
                (Err(message), Err(needle)) => {
                    assert!(message.contains(needle), "{message} lacks {needle}")
                }
                (got, want) => panic!("{state:?} {status:?}: got {got:?}, want {want:?}"),
            }
        }
    }

    #[test]
    fn the_rule_names_the_field_that_decided() {
        let closed = lifecycle_of(&account(Some("CLOSED"), None)).expect("known");
        assert_eq!(closed.to_string(), "State CLOSED");
        let old = lifecycle_of(&account(None, Some("SUSPENDED"))).expect("known");
        assert_eq!(old.to_string(), "Status SUSPENDED");
    }
}
