//! Identifiers as AWS writes them: an account id, an OU or root id, a region name. Each is
//! checked once, where it enters (configuration, or an answer from AWS), and carried as its type
//! after that, so the configuration and the planner agree on what a valid one is.

use std::fmt;
use std::str::FromStr;

/// A 12-digit AWS account id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AccountId(String);

/// An organizational unit (`ou-<root>-<unit>`) or a root (`r-<root>`) id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OuId(String);

/// A region name such as `us-east-1`, `us-gov-west-1` or `us-isof-south-1`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Region(String);

/// Why a string is not the identifier asked for; the message says what was expected and never
/// repeats more than 64 characters of the input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidId(String);

fn shown(text: &str) -> String {
    format!("{:?}", text.chars().take(64).collect::<String>())
}

/// Whether `id` is an account id: exactly 12 ASCII digits.
pub fn is_account_id(id: &str) -> bool {
    id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit())
}

fn lower_alnum(text: &str) -> bool {
    text.bytes()
        .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase())
}

/// `ou-<4-32 of [0-9a-z]>-<8-32 of [0-9a-z]>` or `r-<4-32 of [0-9a-z]>`, as Organizations
/// documents them.
fn is_ou_or_root_id(id: &str) -> bool {
    if let Some(rest) = id.strip_prefix("ou-") {
        return match rest.split_once('-') {
            Some((root, unit)) => {
                (4..=32).contains(&root.len())
                    && (8..=32).contains(&unit.len())
                    && lower_alnum(root)
                    && lower_alnum(unit)
            }
            None => false,
        };
    }
    if let Some(root) = id.strip_prefix("r-") {
        return (4..=32).contains(&root.len()) && lower_alnum(root);
    }
    false
}

/// Lower-case words joined by `-`, ending in a number of one or two digits; the first word has
/// two to four letters (`us`, `eu`, `cn`, `eusc`, ...). The shape only: whether AWS has such a
/// region is `partitions.rs`'s to say, for the names the configuration gives.
fn is_region(region: &str) -> bool {
    let parts: Vec<&str> = region.split('-').collect();
    parts.len() >= 3
        && (2..=4).contains(&parts[0].len())
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts
            .last()
            .is_some_and(|n| !n.is_empty() && n.len() <= 2 && n.bytes().all(|b| b.is_ascii_digit()))
}

macro_rules! checked_id {
    ($type:ident, $check:expr, $expected:literal) => {
        impl FromStr for $type {
            type Err = InvalidId;
            fn from_str(text: &str) -> Result<Self, InvalidId> {
                if $check(text) {
                    Ok($type(text.to_string()))
                } else {
                    Err(InvalidId(format!("{} is not {}", shown(text), $expected)))
                }
            }
        }

        impl $type {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $type {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

checked_id!(AccountId, is_account_id, "a 12-digit account id");
checked_id!(
    OuId,
    is_ou_or_root_id,
    "an OU id (ou-xxxx-xxxxxxxx) or a root id (r-xxxx)"
);
checked_id!(Region, is_region, "a region name such as us-east-1");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_ids() {
        assert!("123456789012".parse::<AccountId>().is_ok());
        for bad in [
            "12345678901",
            "1234567890123",
            "12345678901a",
            "",
            " 123456789012",
        ] {
            let error = bad.parse::<AccountId>().expect_err(bad);
            assert!(error.to_string().contains("12-digit"), "{error}");
        }
    }

    #[test]
    fn ou_and_root_ids() {
        for good in ["ou-ab12-abcdefgh", "r-ab12", "ou-abcd-0123456789abcdef"] {
            assert!(good.parse::<OuId>().is_ok(), "{good}");
        }
        for bad in [
            "ou-ab12",
            "r-AB12",
            "o-abcdefghij",
            "OU-ABCD-12345678",
            "r-ab",
        ] {
            assert!(bad.parse::<OuId>().is_err(), "{bad}");
        }
    }

    #[test]
    fn regions() {
        for good in [
            "us-east-1",
            "ap-southeast-2",
            "us-gov-west-1",
            "cn-north-1",
            "us-isof-south-1",
            "eusc-de-east-1",
        ] {
            assert!(good.parse::<Region>().is_ok(), "{good}");
        }
        for bad in ["useast1", "mars-1", "us-east-", "US-EAST-1", "us-east-123"] {
            assert!(bad.parse::<Region>().is_err(), "{bad}");
        }
    }

    #[test]
    fn a_long_bad_value_is_cut_in_the_message() {
        let long = "x".repeat(500);
        let error = long.parse::<AccountId>().expect_err("long");
        assert!(error.to_string().len() < 120, "{error}");
    }
}
