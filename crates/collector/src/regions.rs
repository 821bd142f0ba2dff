//! Where an account's user pools are searched: the regions the configuration lists, or every
//! region enabled in that account, read with one `account:ListRegions` per account.
//!
//! Opt-in regions (`af-south-1`, `me-central-1`, ...) are enabled account by account, so a list
//! written once for the organization either misses pools in a region one account enabled or
//! names a region another account cannot call. `ListRegions` answers every region with its opt-in
//! status; only `ENABLED` and `ENABLED_BY_DEFAULT` are searched, and a status this version does
//! not know is an error, never a guess either way.

use crate::call_context::{CallContext, Quota};
use crate::error::CollectError;
use crate::ids::Region;
use crate::paginate::{paginate, Page};
use aws_sdk_account::types::RegionOptStatus;
use mfa_evaluator::ALL_ENABLED_REGIONS;

/// What `[audit] regions` says: a list, or `["*"]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegionScope {
    /// These regions, in every account.
    Listed(Vec<Region>),
    /// Every region enabled in each account.
    Enabled,
}

impl RegionScope {
    /// As the configuration writes it (`["*"]` for every enabled region): what a sweep records.
    pub fn as_configured(&self) -> Vec<String> {
        match self {
            RegionScope::Listed(regions) => regions.iter().map(ToString::to_string).collect(),
            RegionScope::Enabled => vec![ALL_ENABLED_REGIONS.to_string()],
        }
    }
}

const LIST_REGIONS: &str = "account:ListRegions";
/// The most `ListRegions` answers in one page: every region AWS has fits in one.
const PAGE_SIZE: i32 = 50;

/// The regions enabled in the account the client's session is in, in the order AWS lists them.
pub(crate) async fn enabled_regions(
    client: &aws_sdk_account::Client,
    ctx: CallContext<'_>,
) -> Result<Vec<String>, CollectError> {
    let call = ctx.list_call(LIST_REGIONS);
    // Every region and its status, not only the enabled ones: a status this version does not
    // know must be seen to be refused.
    let listed = paginate(call, |token| async move {
        let page = ctx
            .call(Quota::AccountManagement, LIST_REGIONS, || {
                client
                    .list_regions()
                    .max_results(PAGE_SIZE)
                    .set_next_token(token.clone())
                    .send()
            })
            .await?;
        Ok(Page {
            items: call.items(page.regions, "Regions")?,
            next: page.next_token,
            truncated: None,
        })
    })
    .await?;
    let statuses: Vec<(Option<String>, Option<RegionOptStatus>)> = listed
        .into_iter()
        .map(|region| (region.region_name, region.region_opt_status))
        .collect();
    searched(statuses).map_err(|message| call.malformed(message))
}

/// The regions to search from `ListRegions`' answer; `Err` names what cannot be trusted.
fn searched(listed: Vec<(Option<String>, Option<RegionOptStatus>)>) -> Result<Vec<String>, String> {
    let mut regions: Vec<String> = Vec::new();
    for (name, status) in listed {
        let name = name.ok_or("a region without a RegionName")?;
        let region: Region = name.parse().map_err(|e| format!("RegionName: {e}"))?;
        let search = match status {
            Some(RegionOptStatus::Enabled | RegionOptStatus::EnabledByDefault) => true,
            // Not usable (yet, or any more): no pool can be read there.
            Some(
                RegionOptStatus::Disabled | RegionOptStatus::Disabling | RegionOptStatus::Enabling,
            ) => false,
            Some(other) => {
                return Err(format!(
                    "region {region} has a RegionOptStatus this version of mfa-auditor does \
                     not know: {:?}",
                    other.as_str()
                ))
            }
            None => return Err(format!("region {region} without a RegionOptStatus")),
        };
        let region = region.to_string();
        if regions.contains(&region) {
            return Err(format!("region {region} is listed twice"));
        }
        if search {
            regions.push(region);
        }
    }
    if regions.is_empty() {
        // Every account has the regions AWS enables by default: an answer without any is broken.
        return Err("no region is enabled, not even those AWS enables by default".to_string());
    }
    Ok(regions)
}

/// What AWS answers, in a region an account has not enabled, to the account's credentials.
const NOT_ENABLED_CODE: &str = "UnrecognizedClientException";

/// A listed region the account has not enabled (an opt-in region): AWS refuses the account's
/// credentials there with a code that says nothing of regions. Said as what it is, and what to
/// do; the code is kept. With `["*"]` no such call is made.
pub(crate) fn not_enabled_said(scope: &RegionScope, mut error: CollectError) -> CollectError {
    if matches!(scope, RegionScope::Listed(_))
        && error.aws_code.as_deref() == Some(NOT_ENABLED_CODE)
    {
        error.message = format!(
            "region {} is not enabled in account {} (an opt-in region: AWS refuses the \
             account's credentials there): enable it in that account, or set [audit] regions = \
             [\"{ALL_ENABLED_REGIONS}\"] to search each account's enabled regions only (AWS \
             said: {})",
            error.region, error.account_id, error.message
        );
    }
    error
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listed(
        entries: &[(Option<&str>, Option<&str>)],
    ) -> Vec<(Option<String>, Option<RegionOptStatus>)> {
        entries
            .iter()
            .map(|(name, status)| (name.map(str::to_string), status.map(RegionOptStatus::from)))
            .collect()
    }

    #[test]
    fn enabled_regions_are_searched_in_aws_order() {
        let got = searched(listed(&[
            (Some("us-east-1"), Some("ENABLED_BY_DEFAULT")),
            (Some("af-south-1"), Some("ENABLED")),
            (Some("me-south-1"), Some("DISABLED")),
            (Some("ap-east-1"), Some("ENABLING")),
            (Some("eu-south-1"), Some("DISABLING")),
            (Some("eu-west-1"), Some("ENABLED_BY_DEFAULT")),
        ]))
        .expect("a good answer");
        assert_eq!(got, ["us-east-1", "af-south-1", "eu-west-1"]);
    }

    #[test]
    fn what_cannot_be_trusted_is_an_error_naming_it() {
        for (entries, needle) in [
            (
                vec![(Some("us-east-1"), Some("ENABLED_SOMETIMES"))],
                "RegionOptStatus this version of mfa-auditor does not know: \"ENABLED_SOMETIMES\"",
            ),
            (
                vec![(Some("us-east-1"), None)],
                "us-east-1 without a RegionOptStatus",
            ),
            (vec![(None, Some("ENABLED"))], "without a RegionName"),
            (vec![(Some("US East"), Some("ENABLED"))], "RegionName"),
            (
                vec![
                    (Some("us-east-1"), Some("ENABLED_BY_DEFAULT")),
                    (Some("us-east-1"), Some("ENABLED_BY_DEFAULT")),
                ],
                "listed twice",
            ),
            (
                vec![(Some("me-south-1"), Some("DISABLED"))],
                "no region is enabled",
            ),
            (vec![], "no region is enabled"),
        ] {
            let error = searched(listed(&entries)).expect_err(needle);
            assert!(error.contains(needle), "{entries:?}: {error}");
        }
    }

    #[test]
    fn a_listed_region_the_account_has_not_enabled_is_said_so() {
        let refused = || CollectError {
            account_id: "111122223333".into(),
            region: "af-south-1".into(),
            operation: "cognito-idp:ListUserPools",
            class: crate::ErrorClass::Other,
            aws_code: Some(NOT_ENABLED_CODE.into()),
            message: "The security token included in the request is invalid.".into(),
            request_id: None,
            source: None,
        };
        let listed = RegionScope::Listed(vec!["af-south-1".parse().expect("a region")]);
        let said = not_enabled_said(&listed, refused());
        assert_eq!(
            said.message,
            "region af-south-1 is not enabled in account 111122223333 (an opt-in region: AWS \
             refuses the account's credentials there): enable it in that account, or set [audit] \
             regions = [\"*\"] to search each account's enabled regions only (AWS said: The \
             security token included in the request is invalid.)"
        );
        assert_eq!(said.aws_code.as_deref(), Some(NOT_ENABLED_CODE));
        // Another code, or regions read from the account: as AWS said it.
        let other = CollectError {
            aws_code: Some("AccessDeniedException".into()),
            ..refused()
        };
        assert_eq!(not_enabled_said(&listed, other).message, refused().message);
        assert_eq!(
            not_enabled_said(&RegionScope::Enabled, refused()).message,
            refused().message
        );
    }

    #[test]
    fn the_configuration_is_recorded_as_written() {
        assert_eq!(RegionScope::Enabled.as_configured(), ["*"]);
        let listed = RegionScope::Listed(vec![
            "us-east-1".parse().expect("a region"),
            "eu-west-1".parse().expect("a region"),
        ]);
        assert_eq!(listed.as_configured(), ["us-east-1", "eu-west-1"]);
    }
}
