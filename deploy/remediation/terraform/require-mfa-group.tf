# IAM.5 and IAM.19: the group human IAM users belong to, with deploy/remediation/
# require-mfa-policy.json attached: without MFA in the session, its members can do nothing but
# set up their own MFA device and change their password.

resource "aws_iam_policy" "require_mfa" {
  name        = "RequireMFA"
  description = "Denies everything but MFA self-service unless the session used MFA."
  policy      = file("${path.module}/../require-mfa-policy.json")
}

resource "aws_iam_group" "humans" {
  name = "humans"
}

resource "aws_iam_group_policy_attachment" "humans_require_mfa" {
  group      = aws_iam_group.humans.name
  policy_arn = aws_iam_policy.require_mfa.arn
}
