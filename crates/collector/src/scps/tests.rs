use super::*;
use crate::lifecycle::{AccountState, Lifecycle, StateField};
use crate::organization::OrgUnit;

const MANAGEMENT: &str = "111111111111";
const REGION: &str = "us-east-1";

fn unit(id: &str) -> OrgUnit {
    OrgUnit {
        id: id.to_string(),
        name: format!("name of {id}"),
    }
}

fn account(id: &str, parents: &[&str]) -> OrgAccount {
    OrgAccount {
        id: id.to_string(),
        name: Some(id.to_string()),
        lifecycle: Ok(Lifecycle {
            state: AccountState::Active,
            field: StateField::State,
        }),
        parents: Ok(parents.iter().map(|p| unit(p)).collect()),
    }
}

fn scp(id: &str) -> ServiceControlPolicy {
    ServiceControlPolicy {
        id: id.to_string(),
        name: format!("{id}-name"),
        document: format!("{{\"Sid\":\"{id}\"}}"),
    }
}

/// Root r-1 > ou-a > ou-a-b (nested), and ou-c; FullAWSAccess on the root, protect-mfa on ou-a,
/// an account-level SCP on 222222222222, and FullAWSAccess attached a second time on ou-c.
fn organization(root: RootPolicies) -> OrganizationScps {
    let attached = [
        ("r-1", vec!["p-full"]),
        ("ou-a", vec!["p-protect"]),
        ("ou-c", vec!["p-full"]),
        ("222222222222", vec!["p-account"]),
        (MANAGEMENT, vec!["p-account"]),
    ];
    OrganizationScps {
        management_account_id: MANAGEMENT.to_string(),
        roots: HashMap::from([("r-1".to_string(), root)]),
        policies: ["p-full", "p-protect", "p-account"]
            .into_iter()
            .map(|id| (id.to_string(), scp(id)))
            .collect(),
        attached: attached
            .into_iter()
            .map(|(target, ids)| {
                (
                    target.to_string(),
                    ids.into_iter().map(str::to_string).collect(),
                )
            })
            .collect(),
        not_placed: Vec::new(),
    }
}

fn ids(scps: Result<Vec<ServiceControlPolicy>, DataError>) -> Vec<String> {
    scps.expect("in force").into_iter().map(|p| p.id).collect()
}

#[test]
fn an_scp_reaches_every_account_below_where_it_is_attached() {
    let org = organization(RootPolicies::Enabled);
    let in_force = |account: OrgAccount| ids(org.in_force(&account, REGION));
    // Root-attached: everywhere, an account directly under the root included.
    assert_eq!(in_force(account("333333333333", &["r-1"])), vec!["p-full"]);
    // OU-attached, reaching a nested OU's account.
    assert_eq!(
        in_force(account("444444444444", &["r-1", "ou-a", "ou-a-b"])),
        vec!["p-full", "p-protect"]
    );
    // Account-attached, on that account alone, after what is above it.
    assert_eq!(
        in_force(account("222222222222", &["r-1", "ou-a"])),
        vec!["p-full", "p-protect", "p-account"]
    );
    // Attached twice on the way down: in force once.
    assert_eq!(
        in_force(account("555555555555", &["r-1", "ou-c"])),
        vec!["p-full"]
    );
}

#[test]
fn the_management_account_has_none_whatever_is_attached_above_it() {
    let org = organization(RootPolicies::Enabled);
    assert_eq!(
        ids(org.in_force(&account(MANAGEMENT, &["r-1", "ou-a"]), REGION)),
        Vec::<String>::new()
    );
}

#[test]
fn with_scps_disabled_in_the_root_none_is_in_force() {
    let org = organization(RootPolicies::Disabled);
    assert_eq!(
        ids(org.in_force(&account("444444444444", &["r-1", "ou-a"]), REGION)),
        Vec::<String>::new()
    );
}

#[test]
fn what_cannot_be_placed_is_an_error_never_none() {
    let org = organization(RootPolicies::Enabled);
    let mut lost = account("444444444444", &[]);
    lost.parents = Err(DataError {
        operation: "organizations:ListParents".to_string(),
        region: REGION.to_string(),
        code: Some("ParentNotFoundException".to_string()),
        message: "moved".to_string(),
        request_id: None,
    });
    let error = org.in_force(&lost, REGION).expect_err("parents unknown");
    assert_eq!(error.operation, "organizations:ListParents");
    assert!(
        error.message.contains("SCPs in force") && error.message.contains("moved"),
        "{error}"
    );

    let error = org
        .in_force(&account("444444444444", &[]), REGION)
        .expect_err("no root");
    assert!(error.message.contains("under no root"), "{error}");
    let error = org
        .in_force(&account("444444444444", &["r-2"]), REGION)
        .expect_err("unknown root");
    assert!(error.message.contains("r-2"), "{error}");

    let pending = DataError {
        operation: "organizations:ListRoots".to_string(),
        region: REGION.to_string(),
        code: Some("MalformedResponse".to_string()),
        message: "SERVICE_CONTROL_POLICY is PENDING_ENABLE".to_string(),
        request_id: None,
    };
    let org = organization(RootPolicies::Unknown(pending.clone()));
    assert_eq!(
        org.in_force(&account("444444444444", &["r-1"]), REGION),
        Err(pending)
    );
    // The management account is still settled: SCPs never apply to it.
    assert_eq!(
        ids(org.in_force(&account(MANAGEMENT, &["r-1"]), REGION)),
        Vec::<String>::new()
    );

    let mut org = organization(RootPolicies::Enabled);
    org.policies.remove("p-protect");
    let error = org
        .in_force(&account("444444444444", &["r-1", "ou-a"]), REGION)
        .expect_err("unlisted");
    assert!(error.message.contains("p-protect"), "{error}");
}

#[test]
fn scps_that_could_not_be_read_are_every_accounts_error_but_the_managements() {
    let refused = DataError {
        operation: "organizations:ListPolicies".to_string(),
        region: REGION.to_string(),
        code: Some("AccessDeniedException".to_string()),
        message: "not authorized".to_string(),
        request_id: Some("r-1".to_string()),
    };
    let read = ScpsRead::new(MANAGEMENT, Err(refused.clone()));
    assert_eq!(read.error(), Some(&refused));
    assert_eq!(
        read.in_force(&account("444444444444", &["r-1", "ou-a"]), REGION),
        Err(refused)
    );
    // SCPs never apply to it: none in force, known without them.
    assert_eq!(
        ids(read.in_force(&account(MANAGEMENT, &["r-1"]), REGION)),
        Vec::<String>::new()
    );
    let read = ScpsRead::new(MANAGEMENT, Ok(organization(RootPolicies::Enabled)));
    assert_eq!(read.error(), None);
    assert_eq!(
        ids(read.in_force(&account("444444444444", &["r-1", "ou-a"]), REGION)),
        vec!["p-full", "p-protect"]
    );
}
