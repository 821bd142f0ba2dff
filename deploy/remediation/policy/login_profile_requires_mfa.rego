# Conftest rule for a Terraform plan (`terraform show -json plan > plan.json`,
# `conftest test --policy deploy/remediation/policy plan.json`): a plan that gives an IAM user a
# console password (aws_iam_user_login_profile) fails unless the same plan puts that user in a
# group that has the MFA enforcement policy (deploy/remediation/require-mfa-policy.json, named
# "RequireMFA"; a policy ARN ending in ":policy/RequireMFA" or a policy resource of that name)
# attached, or attaches it to the user directly. IAM.5: console users must have MFA.
package main

import rego.v1

enforcement_name := "RequireMFA"

creates(change) if "create" in change.change.actions

after(change) := change.change.after

# The user names that get a console password in this plan.
console_users contains user if {
	some change in input.resource_changes
	change.type == "aws_iam_user_login_profile"
	creates(change)
	user := after(change).user
}

# Policy ARNs (known now) or names (of policies the plan creates) that are the enforcement.
is_enforcement(attachment) if endswith(object.get(after(attachment), "policy_arn", ""), concat("", [":policy/", enforcement_name]))

is_enforcement(attachment) if {
	some config in input.configuration.root_module.resources
	config.address == attachment.address
	some reference in config.expressions.policy_arn.references
	some policy in input.resource_changes
	policy.type == "aws_iam_policy"
	reference_to(reference, policy.address)
	after(policy).name == enforcement_name
}

reference_to(reference, address) if reference == address

reference_to(reference, address) if startswith(reference, concat("", [address, "."]))

enforced_groups contains group if {
	some change in input.resource_changes
	change.type == "aws_iam_group_policy_attachment"
	is_enforcement(change)
	group := after(change).group
}

enforced_users contains user if {
	some change in input.resource_changes
	change.type == "aws_iam_user_policy_attachment"
	is_enforcement(change)
	user := after(change).user
}

user_groups(user) := {group |
	some change in input.resource_changes
	change.type == "aws_iam_user_group_membership"
	after(change).user == user
	some group in after(change).groups
} | {group |
	some change in input.resource_changes
	change.type == "aws_iam_group_membership"
	user in after(change).users
	group := after(change).group
}

deny contains message if {
	some user in console_users
	not user in enforced_users
	count(user_groups(user) & enforced_groups) == 0
	message := sprintf("IAM user %q gets a console password but no %s policy (directly or through a group): it could sign in without MFA (IAM.5); see deploy/remediation/require-mfa-policy.json", [user, enforcement_name])
}
