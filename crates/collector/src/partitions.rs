//! The regions of each AWS partition, to refuse a region AWS does not have before any call is
//! sent there: a name that only looks like one (`eu-west-9`) cost every account a round of
//! retries and an undecided Cognito.5.
//!
//! The list follows the AWS SDK's partition data (smithy-rs's `sdk-partitions.json`, which every
//! `aws-sdk-*` crate embeds in its endpoint resolver without making it public; the resolver
//! itself accepts any name its partition's pattern matches, `eu-west-9` included).
//! `crates/collector/tests/partitions.rs` compares this table with the copy in the `aws-sdk-sts`
//! this build uses, so an SDK update that adds a region says to add it here. The pseudo-regions
//! of global endpoints (`aws-global`, ...) are no place a user pool can be.
//!
//! [`partition_of_arn`] reads the partition the sweep is in from what AWS returns.

/// One partition: its id (the ARN's second field) and its regions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Partition {
    pub id: &'static str,
    pub regions: &'static [&'static str],
}

/// Every partition of the SDK's data, in its order.
pub const PARTITIONS: [Partition; 8] = [
    Partition {
        id: "aws",
        regions: &[
            "af-south-1",
            "ap-east-1",
            "ap-east-2",
            "ap-northeast-1",
            "ap-northeast-2",
            "ap-northeast-3",
            "ap-south-1",
            "ap-south-2",
            "ap-southeast-1",
            "ap-southeast-2",
            "ap-southeast-3",
            "ap-southeast-4",
            "ap-southeast-5",
            "ap-southeast-6",
            "ap-southeast-7",
            "ca-central-1",
            "ca-west-1",
            "eu-central-1",
            "eu-central-2",
            "eu-north-1",
            "eu-south-1",
            "eu-south-2",
            "eu-west-1",
            "eu-west-2",
            "eu-west-3",
            "il-central-1",
            "me-central-1",
            "me-south-1",
            "mx-central-1",
            "sa-east-1",
            "us-east-1",
            "us-east-2",
            "us-west-1",
            "us-west-2",
        ],
    },
    Partition {
        id: "aws-cn",
        regions: &["cn-north-1", "cn-northwest-1"],
    },
    Partition {
        id: "aws-eusc",
        regions: &["eusc-de-east-1"],
    },
    Partition {
        id: "aws-iso",
        regions: &["us-iso-east-1", "us-iso-west-1"],
    },
    Partition {
        id: "aws-iso-b",
        regions: &["us-isob-east-1", "us-isob-west-1"],
    },
    Partition {
        id: "aws-iso-e",
        regions: &["eu-isoe-west-1"],
    },
    Partition {
        id: "aws-iso-f",
        regions: &["us-isof-east-1", "us-isof-south-1"],
    },
    Partition {
        id: "aws-us-gov",
        regions: &["us-gov-east-1", "us-gov-west-1"],
    },
];

/// The partition `region` is a region of; `Err` says it is none, with the names it may have
/// meant.
pub fn partition_of_region(region: &str) -> Result<&'static Partition, String> {
    PARTITIONS
        .iter()
        .find(|partition| partition.regions.contains(&region))
        .ok_or_else(|| format!("{region:?} is no AWS region{}", did_you_mean(region, None)))
}

/// `Ok` when `region` is a region of `partition`; `Err` says which partition it is of, or that
/// it is none, with the names it may have meant.
pub fn region_of_partition(partition: &Partition, region: &str) -> Result<(), String> {
    if partition.regions.contains(&region) {
        return Ok(());
    }
    match PARTITIONS.iter().find(|p| p.regions.contains(&region)) {
        Some(other) => Err(format!(
            "{region:?} is a region of the {} partition, not of {}: one sweep reads one \
             partition",
            other.id, partition.id
        )),
        None => Err(format!(
            "{region:?} is no region of the {} partition{}",
            partition.id,
            did_you_mean(region, Some(partition))
        )),
    }
}

/// The regions that share all but the last word of `region` (`eu-west-`), else its first word
/// (`eu-`), as a suggestion; empty when none does.
fn did_you_mean(region: &str, within: Option<&Partition>) -> String {
    let regions = PARTITIONS
        .iter()
        .filter(|p| within.is_none_or(|w| w.id == p.id))
        .flat_map(|p| p.regions.iter().copied());
    let prefixes = [
        region.rsplit_once('-').map(|(head, _)| format!("{head}-")),
        region.split_once('-').map(|(head, _)| format!("{head}-")),
    ];
    for prefix in prefixes.into_iter().flatten() {
        let near: Vec<&str> = regions
            .clone()
            .filter(|known| known.starts_with(&prefix))
            .collect();
        if !near.is_empty() {
            return format!(" (did you mean {}?)", near.join(", "));
        }
    }
    String::new()
}

/// The partition of an ARN (`arn:<partition>:...`): `aws`, `aws-cn`, `aws-us-gov`,
/// `aws-iso-b`, ... Taken from what AWS returns, never guessed from a region's name.
pub fn partition_of_arn(arn: &str) -> Option<&str> {
    let mut parts = arn.split(':');
    match (parts.next(), parts.next()) {
        (Some("arn"), Some(partition))
            if !partition.is_empty()
                && partition
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') =>
        {
            Some(partition)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn aws() -> &'static Partition {
        partition_of_region("us-east-1").expect("us-east-1 is a region")
    }

    #[test]
    fn a_region_aws_has_is_of_its_partition() {
        assert_eq!(aws().id, "aws");
        assert_eq!(
            partition_of_region("cn-north-1").map(|p| p.id),
            Ok("aws-cn")
        );
        assert_eq!(
            partition_of_region("us-gov-west-1").map(|p| p.id),
            Ok("aws-us-gov")
        );
        assert_eq!(region_of_partition(aws(), "af-south-1"), Ok(()));
    }

    #[test]
    fn a_name_aws_does_not_have_is_refused_with_what_it_may_mean() {
        assert_eq!(
            region_of_partition(aws(), "eu-west-9"),
            Err(
                "\"eu-west-9\" is no region of the aws partition (did you mean eu-west-1, \
                 eu-west-2, eu-west-3?)"
                    .to_string()
            )
        );
        assert_eq!(
            partition_of_region("mars-north-1"),
            Err("\"mars-north-1\" is no AWS region".to_string())
        );
        // The global endpoints' pseudo-regions hold no user pool.
        assert!(region_of_partition(aws(), "aws-global").is_err());
    }

    #[test]
    fn a_region_of_another_partition_says_which() {
        assert_eq!(
            region_of_partition(aws(), "cn-north-1"),
            Err(
                "\"cn-north-1\" is a region of the aws-cn partition, not of aws: one sweep \
                 reads one partition"
                    .to_string()
            )
        );
    }

    #[test]
    fn partitions_come_from_arns() {
        for (arn, partition) in [
            (
                "arn:aws:organizations::111122223333:organization/o-abc",
                Some("aws"),
            ),
            (
                "arn:aws-iso-f:sts::111122223333:assumed-role/R/s",
                Some("aws-iso-f"),
            ),
            ("arn:aws-us-gov:iam::111122223333:root", Some("aws-us-gov")),
            ("aws:iam::1:root", None),
            ("arn::iam::1:root", None),
            ("arn:AWS:x", None),
            ("", None),
        ] {
            assert_eq!(partition_of_arn(arn), partition, "{arn}");
        }
    }
}
