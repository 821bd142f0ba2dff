//! The one convention for an enum's string form, and the check every such enum's tests run.
//!
//! An enum whose values reach the database, JSON, CSV or a configuration file derives strum's
//! `Display`, `EnumString`, `IntoStaticStr` and `EnumIter`. Its strings are set the way serde's
//! are on the same enum: `#[strum(serialize_all = "...")]` next to `#[serde(rename_all = "...")]`,
//! or `#[strum(serialize = "...")]` next to each `#[serde(rename = "...")]`, so the two can be
//! read side by side. Parsing fails closed: no `#[strum(default)]`, and an unknown string is
//! `strum::ParseError`, to which the caller adds where the string came from.
//!
//! The strings are a contract with stored history and with scripts: each enum's tests pin them
//! with [`assert_wire_names`], and [`assert_serde_agrees`] where serde writes the same values.

#[cfg(any(test, feature = "testing"))]
pub use checks::{assert_serde_agrees, assert_wire_names};

#[cfg(any(test, feature = "testing"))]
mod checks {
    use std::fmt::Debug;
    use std::str::FromStr;
    use strum::IntoEnumIterator;

    /// Checks that the variants' strings are `expected`, in declaration order; that each is what
    /// `Display` writes and parses back to its variant; and that strings close to them (empty,
    /// padded, in another case) are refused.
    pub fn assert_wire_names<E>(expected: &[&str])
    where
        E: IntoEnumIterator + FromStr + ToString + Debug + PartialEq + Clone,
        &'static str: From<E>,
    {
        let names: Vec<&'static str> = E::iter().map(<&'static str>::from).collect();
        assert_eq!(
            names,
            expected,
            "the strings of {}",
            std::any::type_name::<E>()
        );
        for variant in E::iter() {
            let name = <&'static str>::from(variant.clone());
            assert_eq!(variant.to_string(), name, "Display of {variant:?}");
            assert_eq!(name.parse::<E>().ok(), Some(variant), "parsing {name:?}");
        }
        let first = expected.first().copied().unwrap_or_default();
        let mut near_misses = vec![
            String::new(),
            "not a variant".to_string(),
            format!("{first} "),
            format!(" {first}"),
        ];
        for other_case in [first.to_lowercase(), first.to_uppercase()] {
            if !expected.contains(&other_case.as_str()) {
                near_misses.push(other_case);
            }
        }
        for unknown in near_misses {
            assert!(
                unknown.parse::<E>().is_err(),
                "{unknown:?} parsed as a {}",
                std::any::type_name::<E>()
            );
        }
    }

    /// Checks that serde writes each variant as the same string strum does.
    pub fn assert_serde_agrees<E>()
    where
        E: IntoEnumIterator + serde::Serialize + Debug + Clone,
        &'static str: From<E>,
    {
        for variant in E::iter() {
            let json = serde_json::to_value(&variant).expect("a unit variant serializes");
            let name = <&'static str>::from(variant.clone());
            assert_eq!(
                json,
                serde_json::Value::from(name),
                "serde and strum on {variant:?}"
            );
        }
    }
}
