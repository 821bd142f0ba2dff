//! How a sweep ended and where each account stands: the words the history stores for them
//! (`sweeps.status`, `sweep_accounts.outcome` and `skip_reason`, the views' `account_state`).

use serde::{Deserialize, Serialize};
use std::str::FromStr;
use strum::{Display, EnumIter, EnumString, IntoEnumIterator, IntoStaticStr};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[derive(Display, EnumString, IntoStaticStr, EnumIter)]
#[strum(serialize_all = "snake_case")]
pub enum SweepStatus {
    /// Still being written (or its process died; the next start marks it interrupted).
    Running,
    /// Every planned account was assessed or skipped.
    Completed,
    /// Finished, but some accounts errored.
    Partial,
    Interrupted,
}

impl SweepStatus {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[derive(Display, EnumString, IntoStaticStr, EnumIter)]
#[strum(serialize_all = "snake_case")]
pub enum Outcome {
    Assessed,
    Error,
    Skipped,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// Why an account was not audited: the configuration excluded it, or its state in
/// Organizations (`Account.State`) is not `ACTIVE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[derive(Display, EnumString, IntoStaticStr, EnumIter)]
#[strum(serialize_all = "snake_case")]
pub enum SkipReason {
    Suspended,
    Excluded,
    PendingClosure,
    Closed,
    PendingActivation,
}

impl SkipReason {
    pub const ALL: [SkipReason; 5] = [
        SkipReason::Suspended,
        SkipReason::Excluded,
        SkipReason::PendingClosure,
        SkipReason::Closed,
        SkipReason::PendingActivation,
    ];

    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// Where an account stands in the history (the views' `account_state`): a skipped account
/// stands as its skip reason. strum cannot parse a variant that holds a value, so `FromStr` is
/// written out below.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Display, IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
pub enum AccountStanding {
    /// Assessed in its latest sweep.
    Current,
    /// Errored in its latest sweep: its findings are those of its last successful assessment.
    Stale,
    /// Out of scope in its latest sweep.
    #[strum(transparent)]
    Skipped(SkipReason),
    /// Absent from the latest finished sweep: no longer in the organization.
    Left,
}

impl AccountStanding {
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Every standing, skip reasons included.
    pub fn iter() -> impl Iterator<Item = AccountStanding> {
        [AccountStanding::Current, AccountStanding::Stale]
            .into_iter()
            .chain(SkipReason::iter().map(AccountStanding::Skipped))
            .chain([AccountStanding::Left])
    }
}

impl FromStr for AccountStanding {
    type Err = strum::ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "current" => Ok(AccountStanding::Current),
            "stale" => Ok(AccountStanding::Stale),
            "left" => Ok(AccountStanding::Left),
            other => other.parse().map(AccountStanding::Skipped),
        }
    }
}

impl Serialize for AccountStanding {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for AccountStanding {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse()
            .map_err(|_| serde::de::Error::custom(format!("unknown account state {text:?}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mfa_evaluator::wire_names::{assert_serde_agrees, assert_wire_names};

    #[test]
    fn sweep_statuses_are_the_historys() {
        assert_wire_names::<SweepStatus>(&["running", "completed", "partial", "interrupted"]);
        assert_serde_agrees::<SweepStatus>();
    }

    #[test]
    fn outcomes_are_the_historys() {
        assert_wire_names::<Outcome>(&["assessed", "error", "skipped"]);
        assert_serde_agrees::<Outcome>();
    }

    #[test]
    fn skip_reasons_are_the_historys() {
        assert_wire_names::<SkipReason>(&[
            "suspended",
            "excluded",
            "pending_closure",
            "closed",
            "pending_activation",
        ]);
        assert_serde_agrees::<SkipReason>();
        assert_eq!(SkipReason::iter().collect::<Vec<_>>(), SkipReason::ALL);
    }

    #[test]
    fn account_standings_are_the_views_with_skip_reasons() {
        let names: Vec<&str> = AccountStanding::iter()
            .map(AccountStanding::as_str)
            .collect();
        assert_eq!(
            names,
            [
                "current",
                "stale",
                "suspended",
                "excluded",
                "pending_closure",
                "closed",
                "pending_activation",
                "left",
            ]
        );
        for standing in AccountStanding::iter() {
            assert_eq!(standing.to_string(), standing.as_str());
            assert_eq!(standing.as_str().parse(), Ok(standing));
            let json = serde_json::to_value(standing).expect("serializes");
            assert_eq!(json, standing.as_str());
        }
        for unknown in ["", "Current", "current ", "skipped", "not a standing"] {
            assert!(unknown.parse::<AccountStanding>().is_err(), "{unknown:?}");
        }
    }
}
