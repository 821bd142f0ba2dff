#!/usr/bin/env python3
"""Changes IAM users (and user pools' sign-in) in one account of the seeded organization, as
people do between sweeps.

    change_users.py --endpoint URL --account ID --changes JSON

JSON is a list of changes, each one of:
  {"enable_virtual_mfa": "user"}       create a virtual device and enable it for the user
  {"deactivate_mfa": "user"}           deactivate every MFA device of the user
  {"delete_user": "user"}              delete the user (keys, login profile, devices first)
  {"delete_login_profile": "user"}     remove the user's console password
  {"create_user": "user", "kind": K}   create a user of a seed.py kind (e.g. console_none)
  {"set_sign_in": "pool", "region": R, "factors": ["PASSWORD", ...]}
                                       the pool's AllowedFirstAuthFactors (UpdateUserPool; its
                                       MFA setting is passed again, as AWS resets what is left out)
  {"enable_device": "user", "serial": S}
                                       a device of any kind enabled on the user, as the console
                                       enables a FIDO key (POST /_mfa_ext/mfa-device)
  {"credential_use": "user" or "<root_account>", "password_last_used": T,
   "access_keys": [{"last_used_date": T, "last_used_service": "s3"}, null]}
                                       when credentials were last used; T is RFC 3339 text,
                                       {"days_ago": N} or null (POST /_mfa_ext/credential-use)
  {"attach_user_policy": "user", "policy_arn": ARN}
                                       a managed policy attached (AWS managed ones included)
  {"put_user_policy": "user", "name": N, "document": {...}}
                                       an inline policy put on the user
"""

import argparse
import json
import sys

from seed import UserSpec, client, create_user, ext


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--account", required=True)
    parser.add_argument("--changes", required=True)
    args = parser.parse_args()
    sts = client(args.endpoint, "sts")
    creds = sts.assume_role(
        RoleArn=f"arn:aws:iam::{args.account}:role/OrganizationAccountAccessRole",
        RoleSessionName="change-users")["Credentials"]
    iam = client(args.endpoint, "iam", creds=creds)
    for change in json.loads(args.changes):
        if "enable_virtual_mfa" in change:
            user = change["enable_virtual_mfa"]
            serial = iam.create_virtual_mfa_device(
                VirtualMFADeviceName=f"{user}-new-phone")["VirtualMFADevice"]["SerialNumber"]
            iam.enable_mfa_device(UserName=user, SerialNumber=serial,
                                  AuthenticationCode1="123456", AuthenticationCode2="654321")
        elif "deactivate_mfa" in change:
            user = change["deactivate_mfa"]
            for device in iam.list_mfa_devices(UserName=user)["MFADevices"]:
                iam.deactivate_mfa_device(UserName=user, SerialNumber=device["SerialNumber"])
        elif "delete_user" in change:
            user = change["delete_user"]
            for key in iam.list_access_keys(UserName=user)["AccessKeyMetadata"]:
                iam.delete_access_key(UserName=user, AccessKeyId=key["AccessKeyId"])
            for device in iam.list_mfa_devices(UserName=user)["MFADevices"]:
                iam.deactivate_mfa_device(UserName=user, SerialNumber=device["SerialNumber"])
            try:
                iam.delete_login_profile(UserName=user)
            except iam.exceptions.NoSuchEntityException:
                pass
            iam.delete_user(UserName=user)
        elif "delete_login_profile" in change:
            iam.delete_login_profile(UserName=change["delete_login_profile"])
        elif "create_user" in change:
            create_user(iam, args.account, UserSpec(change["create_user"], change["kind"]),
                        args.endpoint.rstrip("/"))
        elif "set_sign_in" in change:
            cognito = client(args.endpoint, "cognito-idp", region=change["region"], creds=creds)
            pools = cognito.list_user_pools(MaxResults=60)["UserPools"]
            pool_id = next(p["Id"] for p in pools if p["Name"] == change["set_sign_in"])
            mfa = cognito.describe_user_pool(UserPoolId=pool_id)["UserPool"]["MfaConfiguration"]
            cognito.update_user_pool(
                UserPoolId=pool_id, MfaConfiguration=mfa,
                Policies={"SignInPolicy": {"AllowedFirstAuthFactors": change["factors"]}})
        elif "enable_device" in change:
            ext(args.endpoint.rstrip("/"), "mfa-device", {"account_id": args.account,
                                              "user_name": change["enable_device"],
                                              "serial": change["serial"]})
        elif "credential_use" in change:
            body = {key: value for key, value in change.items() if key != "credential_use"}
            ext(args.endpoint.rstrip("/"), "credential-use", {"account_id": args.account,
                                                  "user_name": change["credential_use"], **body})
        elif "attach_user_policy" in change:
            iam.attach_user_policy(UserName=change["attach_user_policy"],
                                   PolicyArn=change["policy_arn"])
        elif "put_user_policy" in change:
            iam.put_user_policy(UserName=change["put_user_policy"], PolicyName=change["name"],
                                PolicyDocument=json.dumps(change["document"]))
        else:
            print(f"unknown change {change}", file=sys.stderr)
            return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
