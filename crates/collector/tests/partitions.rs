//! `partitions.rs` lists the regions the AWS SDK this build uses knows, partition by partition:
//! compared with the partition data embedded in `aws-sdk-sts`'s endpoint resolver (the version
//! in Cargo.lock, from Cargo's registry), so that an SDK update that adds a region fails here
//! until the table has it.

#![allow(clippy::unwrap_used)]

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

/// `aws-sdk-sts`'s version in Cargo.lock.
fn sts_version() -> String {
    let lock = std::fs::read_to_string(root().join("Cargo.lock")).unwrap();
    let (_, after) = lock.split_once("name = \"aws-sdk-sts\"\n").unwrap();
    let line = after.lines().next().unwrap();
    line.trim_start_matches("version = \"")
        .trim_end_matches('"')
        .to_string()
}

/// The SDK's `endpoint_lib.rs` in Cargo's registry, where the build took it from.
fn sts_endpoint_lib() -> PathBuf {
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").unwrap()).join(".cargo"));
    let crate_dir = format!("aws-sdk-sts-{}", sts_version());
    let registries = std::fs::read_dir(cargo_home.join("registry/src")).unwrap();
    registries
        .flatten()
        .map(|registry| registry.path().join(&crate_dir).join("src/endpoint_lib.rs"))
        .find(|path| path.exists())
        .unwrap_or_else(|| panic!("no {crate_dir} in {}/registry/src", cargo_home.display()))
}

/// The partition data: the JSON the resolver is built from, a byte-string literal in the source.
fn sdk_partitions() -> Value {
    let source = std::fs::read_to_string(sts_endpoint_lib()).unwrap();
    let (_, after) = source.split_once("new_from_json(b\"").unwrap();
    let (literal, _) = after.split_once("\")").unwrap();
    let json = literal
        .replace("\\\\", "\u{0}")
        .replace("\\\"", "\"")
        .replace('\u{0}', "\\");
    serde_json::from_str(&json).unwrap()
}

#[test]
fn every_region_of_the_sdks_partitions_is_known_and_no_other() {
    let mut sdk: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for partition in sdk_partitions()["partitions"].as_array().unwrap() {
        let regions = partition["regions"]
            .as_object()
            .unwrap()
            .keys()
            // Global endpoints' pseudo-regions (`aws-global`): no user pool is there.
            .filter(|name| !name.ends_with("-global"))
            .cloned()
            .collect();
        sdk.insert(partition["id"].as_str().unwrap().to_string(), regions);
    }
    let ours: BTreeMap<String, BTreeSet<String>> = mfa_collector::PARTITIONS
        .iter()
        .map(|p| {
            let regions = p.regions.iter().map(ToString::to_string).collect();
            (p.id.to_string(), regions)
        })
        .collect();
    assert!(sdk["aws"].contains("us-east-1"), "the SDK's data was read");
    assert_eq!(
        ours,
        sdk,
        "crates/collector/src/partitions.rs must list the regions of aws-sdk-sts {}",
        sts_version()
    );
    for partition in mfa_collector::PARTITIONS {
        for region in partition.regions {
            assert!(
                region.parse::<mfa_collector::Region>().is_ok(),
                "{region} has a region's shape"
            );
        }
    }
}
