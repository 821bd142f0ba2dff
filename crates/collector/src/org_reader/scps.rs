//! The organization's SCPs, read once per sweep with the caller's credentials: `ListRoots`
//! (whether the SCP policy type is enabled in each root), then, where it is, `ListPolicies`
//! (filter `SERVICE_CONTROL_POLICY`), `DescribePolicy` for each policy, and
//! `ListTargetsForPolicy` for each that bears on the facts (the sweep says which), every list
//! paginated. `OrganizationScps::in_force` places them on each account.
//!
//! With SCPs enabled in no root nothing else is asked: AWS detaches every SCP when the type is
//! disabled (`ListPolicies` would still list them, attached nowhere).

use super::OrganizationReader;
use crate::error::CollectError;
use crate::scps::{OrganizationScps, RootPolicies};
use aws_sdk_organizations::operation::list_policies::ListPoliciesOutput;
use aws_sdk_organizations::operation::list_targets_for_policy::ListTargetsForPolicyOutput;
use aws_sdk_organizations::types::{PolicyType, PolicyTypeStatus, Root};
use mfa_evaluator::ServiceControlPolicy;
use std::collections::HashMap;

const LIST_ROOTS: &str = "organizations:ListRoots";
const LIST_POLICIES: &str = "organizations:ListPolicies";
const DESCRIBE_POLICY: &str = "organizations:DescribePolicy";
const LIST_TARGETS: &str = "organizations:ListTargetsForPolicy";

/// The most `MaxResults` `ListPolicies` and `ListTargetsForPolicy` take (1 to 20): the fewest
/// pages. `p-FullAWSAccess` is attached to every OU and account where SCPs are on.
const MOST_RESULTS: i32 = 20;

impl OrganizationReader {
    /// Every SCP of the organization, and where those that `bears_on_facts` are attached (the
    /// others are listed in `not_placed`: their targets cost a page per 20, and AWS's
    /// `FullAWSAccess` is attached to every OU and account). `management_account_id`: the
    /// account SCPs never apply to.
    pub async fn read_scps(
        &self,
        management_account_id: &str,
        bears_on_facts: impl Fn(&str) -> bool,
    ) -> Result<OrganizationScps, CollectError> {
        let mut roots = HashMap::new();
        for root in self.list_roots().await? {
            let id = root
                .id()
                .ok_or_else(|| self.list_call(LIST_ROOTS).malformed("a root without an Id"))?
                .to_string();
            let policies = self.root_policies(&id, &root);
            roots.insert(id, policies);
        }
        let mut scps = OrganizationScps {
            management_account_id: management_account_id.to_string(),
            roots,
            policies: HashMap::new(),
            attached: HashMap::new(),
            not_placed: Vec::new(),
        };
        if !scps.roots.values().any(|r| *r == RootPolicies::Enabled) {
            return Ok(scps);
        }
        for id in self.list_scp_ids().await? {
            let policy = self.describe_scp(&id).await?;
            if !bears_on_facts(&policy.document) {
                scps.not_placed.push(id);
                continue;
            }
            for target in self.targets_of(&id).await? {
                scps.attached.entry(target).or_default().push(id.clone());
            }
            scps.policies.insert(id, policy);
        }
        Ok(scps)
    }

    /// Whether SCPs apply in `root`, from its `PolicyTypes`.
    fn root_policies(&self, id: &str, root: &Root) -> RootPolicies {
        let unknown = |what: String| {
            RootPolicies::Unknown(self.list_call(LIST_ROOTS).malformed(what).to_data_error())
        };
        let Some(types) = root.policy_types.as_deref() else {
            return unknown(format!("the root {id} has no PolicyTypes"));
        };
        let scp = types
            .iter()
            .find(|t| t.r#type() == Some(&PolicyType::ServiceControlPolicy));
        match scp.map(|t| t.status()) {
            None => RootPolicies::Disabled,
            Some(Some(PolicyTypeStatus::Enabled)) => RootPolicies::Enabled,
            Some(Some(status)) => unknown(format!(
                "SERVICE_CONTROL_POLICY is {} in the root {id}: which SCPs are in force cannot \
                 be said until it settles",
                status.as_str()
            )),
            Some(None) => unknown(format!(
                "SERVICE_CONTROL_POLICY has no Status in the root {id}"
            )),
        }
    }

    /// The ids of every SCP (`ListPolicies`).
    async fn list_scp_ids(&self) -> Result<Vec<String>, CollectError> {
        let request = |token| {
            self.client
                .list_policies()
                .filter(PolicyType::ServiceControlPolicy)
                .max_results(self.page_size.unwrap_or(MOST_RESULTS))
                .set_next_token(token)
                .send()
        };
        let split = |page: ListPoliciesOutput| (page.policies, page.next_token);
        let summaries = self
            .list_all(LIST_POLICIES, "Policies", request, split)
            .await?;
        let malformed = |what: String| self.list_call(LIST_POLICIES).malformed(what);
        let mut ids = Vec::with_capacity(summaries.len());
        for summary in summaries {
            if summary.r#type() != Some(&PolicyType::ServiceControlPolicy) {
                return Err(malformed(format!(
                    "a policy of type {:?} in the list of SERVICE_CONTROL_POLICY",
                    summary.r#type().map(PolicyType::as_str)
                )));
            }
            let Some(id) = summary.id else {
                return Err(malformed("a policy without an Id".to_string()));
            };
            ids.push(id);
        }
        Ok(ids)
    }

    /// One SCP's name and content (`DescribePolicy`).
    async fn describe_scp(&self, id: &str) -> Result<ServiceControlPolicy, CollectError> {
        let described = self
            .call(DESCRIBE_POLICY, || {
                self.client.describe_policy().policy_id(id).send()
            })
            .await?;
        let malformed = |what: &str| {
            self.list_call(DESCRIBE_POLICY)
                .malformed(format!("the SCP {id} {what}"))
        };
        let policy = described.policy.ok_or_else(|| malformed("has no Policy"))?;
        let name = policy
            .policy_summary
            .and_then(|summary| summary.name)
            .ok_or_else(|| malformed("has no Name"))?;
        let document = policy.content.ok_or_else(|| malformed("has no Content"))?;
        Ok(ServiceControlPolicy {
            id: id.to_string(),
            name,
            document,
        })
    }

    /// The roots, OUs and accounts an SCP is attached to (`ListTargetsForPolicy`), by id.
    async fn targets_of(&self, id: &str) -> Result<Vec<String>, CollectError> {
        let request = |token| {
            self.client
                .list_targets_for_policy()
                .policy_id(id)
                .max_results(self.page_size.unwrap_or(MOST_RESULTS))
                .set_next_token(token)
                .send()
        };
        let split = |page: ListTargetsForPolicyOutput| (page.targets, page.next_token);
        let targets = self
            .list_all(LIST_TARGETS, "Targets", request, split)
            .await?;
        let mut ids = Vec::with_capacity(targets.len());
        for target in targets {
            let Some(target_id) = target.target_id else {
                return Err(self
                    .list_call(LIST_TARGETS)
                    .malformed(format!("a target of the SCP {id} without a TargetId")));
            };
            ids.push(target_id);
        }
        Ok(ids)
    }
}
