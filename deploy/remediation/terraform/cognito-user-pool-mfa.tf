# Cognito.5: a user pool that requires MFA. Turning MFA ON for an existing pool is accepted by
# Cognito only when an MFA method is configured (here TOTP apps); users without a device are asked
# to enrol at their next sign-in. For a rollout, run a while with "OPTIONAL" (an exception in
# mfa-auditor, with an owner and an end date), then switch to "ON".

variable "pool_name" {
  type        = string
  description = "The user pool's name."
}

resource "aws_cognito_user_pool" "this" {
  name = var.pool_name

  mfa_configuration = "ON"

  software_token_mfa_configuration {
    enabled = true
  }

  # Email or SMS codes as a second factor: enable one only with its sending configured
  # (email_configuration, or sms_configuration with an IAM role for SNS).
}

output "user_pool_id" {
  value = aws_cognito_user_pool.this.id
}
