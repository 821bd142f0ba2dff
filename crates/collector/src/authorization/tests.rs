use super::*;
use aws_sdk_iam::types::{AttachedPermissionsBoundary, PolicyVersion};

const DENY_WITHOUT_MFA: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","NotAction":"iam:*","Resource":"*","Condition":{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}}]}"#;

/// The document as IAM sends it: every byte outside RFC 3986's unreserved set percent-encoded.
fn encoded(document: &str) -> String {
    document
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[test]
fn documents_are_url_decoded_strictly() {
    assert_eq!(
        decode_document(&encoded(DENY_WITHOUT_MFA)),
        Ok(DENY_WITHOUT_MFA.into())
    );
    // Lower-case hex, and a document already plain (no '%'): as written.
    assert_eq!(
        decode_document("%7b%22a%22%3a1%7d"),
        Ok(r#"{"a":1}"#.into())
    );
    assert_eq!(
        decode_document(r#"{"a":"b c"}"#),
        Ok(r#"{"a":"b c"}"#.into())
    );
    // '+' is no space in RFC 3986; UTF-8 decodes whole.
    assert_eq!(decode_document("a+b%20%C3%BC"), Ok("a+b ü".into()));
    for (bad, needle) in [
        ("%7B%2", "byte 3"),
        ("100%", "byte 3"),
        ("%G0", "byte 0"),
        ("%+f", "byte 0"),
        ("%FF%FE", "not UTF-8"),
    ] {
        let error = decode_document(bad).expect_err(bad);
        assert!(error.contains(needle), "{bad}: {error}");
    }
}

fn version(id: &str, default: bool, document: Option<&str>) -> PolicyVersion {
    PolicyVersion::builder()
        .version_id(id)
        .is_default_version(default)
        .set_document(document.map(str::to_string))
        .build()
}

fn policy(
    arn: &str,
    default_id: Option<&str>,
    versions: Vec<PolicyVersion>,
) -> ManagedPolicyDetail {
    ManagedPolicyDetail::builder()
        .arn(arn)
        .policy_name(arn.rsplit('/').next().unwrap_or(arn))
        .set_default_version_id(default_id.map(str::to_string))
        .set_policy_version_list(Some(versions))
        .build()
}

#[test]
fn a_managed_policy_is_its_one_default_versions_document() {
    let arn = "arn:aws:iam::111122223333:policy/RequireMFA";
    let read = managed(policy(
        arn,
        Some("v2"),
        vec![
            version("v1", false, Some("%7B%7D")),
            version("v2", true, Some(&encoded(DENY_WITHOUT_MFA))),
        ],
    ))
    .expect("one default version");
    assert_eq!(read.default_version_id, "v2");
    assert_eq!(read.document, DENY_WITHOUT_MFA);
    assert_eq!(read.name, "RequireMFA");

    for (versions, default_id, needle) in [
        (
            vec![version("v1", false, Some("%7B%7D"))],
            None,
            "0 versions marked",
        ),
        (
            vec![
                version("v1", true, Some("%7B%7D")),
                version("v2", true, Some("%7B%7D")),
            ],
            None,
            "2 versions marked",
        ),
        (vec![version("v1", true, None)], None, "has no Document"),
        (
            vec![version("v1", true, Some("%7"))],
            None,
            "does not URL-decode",
        ),
        (
            vec![version("v1", true, Some("%7B%7D"))],
            Some("v3"),
            "DefaultVersionId \"v3\"",
        ),
    ] {
        let error = managed(policy(arn, default_id, versions)).expect_err(needle);
        assert!(error.contains(arn) && error.contains(needle), "{error}");
    }
}

#[test]
fn users_and_groups_carry_their_policies_each_named_in_errors() {
    let page = GetAccountAuthorizationDetailsOutput::builder()
        .user_detail_list(
            UserDetail::builder()
                .user_name("jess")
                .arn("arn:aws:iam::111122223333:user/staff/jess")
                .group_list("admins")
                .user_policy_list(
                    PolicyDetail::builder()
                        .policy_name("require-mfa")
                        .policy_document(encoded(DENY_WITHOUT_MFA))
                        .build(),
                )
                .attached_managed_policies(
                    AttachedPolicy::builder()
                        .policy_arn("arn:aws:iam::aws:policy/AdministratorAccess")
                        .build(),
                )
                .permissions_boundary(
                    AttachedPermissionsBoundary::builder()
                        .permissions_boundary_arn("arn:aws:iam::111122223333:policy/Boundary")
                        .build(),
                )
                .build(),
        )
        .group_detail_list(
            GroupDetail::builder()
                .group_name("admins")
                .arn("arn:aws:iam::111122223333:group/admins")
                .build(),
        )
        .set_policies(Some(Vec::new()))
        .is_truncated(false)
        .build();
    let read = read_page(page).expect("reads");
    let jess = &read.users[0];
    assert_eq!(jess.groups, vec!["admins"]);
    assert_eq!(jess.inline_policies[0].name, "require-mfa");
    assert_eq!(jess.inline_policies[0].document, DENY_WITHOUT_MFA);
    assert_eq!(
        jess.attached_managed_policies,
        vec!["arn:aws:iam::aws:policy/AdministratorAccess"]
    );
    assert_eq!(
        jess.permissions_boundary.as_deref(),
        Some("arn:aws:iam::111122223333:policy/Boundary")
    );
    assert!(read.groups[0].inline_policies.is_empty());

    let broken = UserDetail::builder()
        .user_name("ci")
        .arn("arn:aws:iam::111122223333:user/ci")
        .user_policy_list(
            PolicyDetail::builder()
                .policy_name("odd")
                .policy_document("%ZZ")
                .build(),
        )
        .build();
    let error = user(broken).expect_err("a document that does not decode");
    assert!(
        error.contains("inline policy \"odd\" of user ci"),
        "{error}"
    );
    let page = GetAccountAuthorizationDetailsOutput::builder()
        .is_truncated(false)
        .build();
    assert_eq!(
        read_page(page).expect_err("no lists"),
        "a page without UserDetailList"
    );
}
