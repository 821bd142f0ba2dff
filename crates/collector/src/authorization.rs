//! An account's identity policies, from one paginated `iam:GetAccountAuthorizationDetails`
//! (filters `User`, `Group`, `LocalManagedPolicy`, `AWSManagedPolicy`; roles are not read: no
//! person signs in as one with a password): each user's inline and attached policies and
//! groups, each group's, and every managed policy with the document of its default version.
//!
//! IAM returns policy documents URL-encoded (RFC 3986): each is decoded here, and one that does
//! not decode is an error naming the policy, as is a managed policy without exactly one
//! default version. `[audit] policies` turns the read on.

use crate::call_context::{CallContext, Quota};
use crate::error::CollectError;
use crate::paginate::{paginate, Page};
use aws_sdk_iam::operation::get_account_authorization_details::GetAccountAuthorizationDetailsOutput;
use aws_sdk_iam::types::{
    AttachedPolicy, EntityType, GroupDetail, ManagedPolicyDetail, PolicyDetail, UserDetail,
};
use mfa_evaluator::{
    AuthorizationDetails, GroupPolicies, InlinePolicy, ManagedPolicy, UserPolicies,
};

const OPERATION: &str = "iam:GetAccountAuthorizationDetails";

/// IAM's largest `MaxItems` (1 to 1,000): the fewest pages, each counting users, groups and
/// policies alike.
const MAX_ITEMS: i32 = 1000;

/// What one page gave.
#[derive(Debug, Default)]
struct PageRead {
    users: Vec<UserPolicies>,
    groups: Vec<GroupPolicies>,
    managed_policies: Vec<ManagedPolicy>,
}

/// The account's identity policies, every page read (`pages` says how many).
pub(crate) async fn authorization_details(
    iam: &aws_sdk_iam::Client,
    ctx: CallContext<'_>,
) -> Result<AuthorizationDetails, CollectError> {
    let pages = paginate(ctx.list_call(OPERATION), |marker| async move {
        let page = ctx
            .call(Quota::Iam, OPERATION, || {
                iam.get_account_authorization_details()
                    .filter(EntityType::User)
                    .filter(EntityType::Group)
                    .filter(EntityType::LocalManagedPolicy)
                    .filter(EntityType::AwsManagedPolicy)
                    .max_items(MAX_ITEMS)
                    .set_marker(marker.clone())
                    .send()
            })
            .await?;
        let (next, truncated) = (page.marker.clone(), Some(page.is_truncated));
        let read = read_page(page).map_err(|message| ctx.malformed(OPERATION, message))?;
        Ok(Page {
            items: vec![read],
            next,
            truncated,
        })
    })
    .await?;
    let mut details = AuthorizationDetails {
        pages: pages.len() as u32,
        ..AuthorizationDetails::default()
    };
    for page in pages {
        details.users.extend(page.users);
        details.groups.extend(page.groups);
        details.managed_policies.extend(page.managed_policies);
    }
    Ok(details)
}

/// One page's users, groups and managed policies; `Err` says what cannot be trusted.
fn read_page(page: GetAccountAuthorizationDetailsOutput) -> Result<PageRead, String> {
    fn list<T>(list: Option<Vec<T>>, name: &str) -> Result<Vec<T>, String> {
        list.ok_or_else(|| format!("a page without {name}"))
    }
    let users = list(page.user_detail_list, "UserDetailList")?;
    let groups = list(page.group_detail_list, "GroupDetailList")?;
    let policies = list(page.policies, "Policies")?;
    Ok(PageRead {
        users: users.into_iter().map(user).collect::<Result<_, _>>()?,
        groups: groups.into_iter().map(group).collect::<Result<_, _>>()?,
        managed_policies: policies
            .into_iter()
            .map(managed)
            .collect::<Result<_, _>>()?,
    })
}

fn user(user: UserDetail) -> Result<UserPolicies, String> {
    let (Some(name), Some(arn)) = (user.user_name, user.arn) else {
        return Err("a user without a UserName or an Arn".to_string());
    };
    let owner = format!("user {name}");
    Ok(UserPolicies {
        inline_policies: inline(user.user_policy_list, &owner)?,
        attached_managed_policies: attached(user.attached_managed_policies, &owner)?,
        groups: user.group_list.unwrap_or_default(),
        permissions_boundary: match user.permissions_boundary {
            None => None,
            Some(boundary) => Some(boundary.permissions_boundary_arn.ok_or_else(|| {
                format!("{owner}'s permissions boundary has no PermissionsBoundaryArn")
            })?),
        },
        name,
        arn,
    })
}

fn group(group: GroupDetail) -> Result<GroupPolicies, String> {
    let (Some(name), Some(arn)) = (group.group_name, group.arn) else {
        return Err("a group without a GroupName or an Arn".to_string());
    };
    let owner = format!("group {name}");
    Ok(GroupPolicies {
        inline_policies: inline(group.group_policy_list, &owner)?,
        attached_managed_policies: attached(group.attached_managed_policies, &owner)?,
        name,
        arn,
    })
}

/// A user's or group's inline policies, each document decoded. An absent list is an empty one:
/// in IAM's XML an element left out and an empty one say the same.
fn inline(policies: Option<Vec<PolicyDetail>>, owner: &str) -> Result<Vec<InlinePolicy>, String> {
    policies
        .unwrap_or_default()
        .into_iter()
        .map(|policy| {
            let name = policy
                .policy_name
                .ok_or_else(|| format!("an inline policy of {owner} without a PolicyName"))?;
            let what = format!("the inline policy {name:?} of {owner}");
            let document = policy
                .policy_document
                .ok_or_else(|| format!("{what} has no PolicyDocument"))?;
            Ok(InlinePolicy {
                document: decode_document(&document).map_err(|e| format!("{what}: {e}"))?,
                name,
            })
        })
        .collect()
}

fn attached(policies: Option<Vec<AttachedPolicy>>, owner: &str) -> Result<Vec<String>, String> {
    policies
        .unwrap_or_default()
        .into_iter()
        .map(|policy| {
            policy
                .policy_arn
                .ok_or_else(|| format!("a managed policy attached to {owner} without a PolicyArn"))
        })
        .collect()
}

/// A managed policy with its default version's document: the one version in force.
fn managed(policy: ManagedPolicyDetail) -> Result<ManagedPolicy, String> {
    let arn = policy
        .arn
        .ok_or_else(|| "a managed policy without an Arn".to_string())?;
    let name = policy
        .policy_name
        .ok_or_else(|| format!("the managed policy {arn} has no PolicyName"))?;
    let defaults: Vec<_> = policy
        .policy_version_list
        .unwrap_or_default()
        .into_iter()
        .filter(|version| version.is_default_version)
        .collect();
    let [version] = <[_; 1]>::try_from(defaults).map_err(|defaults| {
        format!(
            "the managed policy {arn} has {} versions marked IsDefaultVersion, not one: the \
             document in force cannot be told",
            defaults.len()
        )
    })?;
    let version_id = version.version_id.ok_or_else(|| {
        format!("the default version of the managed policy {arn} has no VersionId")
    })?;
    if let Some(said) = policy.default_version_id.filter(|said| *said != version_id) {
        return Err(format!(
            "the managed policy {arn} says DefaultVersionId {said:?} but marks {version_id:?} \
             as its default version"
        ));
    }
    let document = version.document.ok_or_else(|| {
        format!("the default version {version_id} of the managed policy {arn} has no Document")
    })?;
    Ok(ManagedPolicy {
        document: decode_document(&document).map_err(|e| {
            format!("the default version {version_id} of the managed policy {arn}: {e}")
        })?,
        arn,
        name,
        default_version_id: version_id,
    })
}

/// A policy document as IAM returns it, URL-encoded per RFC 3986 (`%7B%22Version%22...`), decoded
/// to its JSON text. `+` is a plain `+` there (it is no form encoding). A `%` without two hex
/// digits after it, or bytes that are not UTF-8 once decoded, are an error.
fn decode_document(encoded: &str) -> Result<String, String> {
    let bytes = encoded.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        if bytes[at] != b'%' {
            decoded.push(bytes[at]);
            at += 1;
            continue;
        }
        let digits = bytes
            .get(at + 1..at + 3)
            .filter(|d| d.iter().all(u8::is_ascii_hexdigit));
        let Some(digits) = digits else {
            return Err(format!(
                "the document does not URL-decode (RFC 3986): a '%' at byte {at} is not \
                 followed by two hex digits"
            ));
        };
        let hex = |d: u8| (d as char).to_digit(16).unwrap_or(0) as u8;
        decoded.push(hex(digits[0]) << 4 | hex(digits[1]));
        at += 3;
    }
    String::from_utf8(decoded)
        .map_err(|_| "the document URL-decodes to bytes that are not UTF-8".to_string())
}

#[cfg(test)]
mod tests;
