//! IAM.5 and IAM.19: each user's verdict from the credential report.

use super::*;

#[test]
fn user_controls() {
    // (case, users, IAM.5, IAM.19)
    let cases: Vec<(&str, Vec<IamUser>, Status, Status)> = vec![
        ("no IAM users", vec![], NA, NA),
        (
            "console user with MFA",
            vec![user("a", true, true, false)],
            P,
            P,
        ),
        (
            "console user without MFA",
            vec![user("a", true, false, false)],
            F,
            F,
        ),
        (
            "programmatic user without MFA",
            vec![user("a", false, false, true)],
            NA,
            F,
        ),
        (
            "programmatic user with MFA",
            vec![user("a", false, true, true)],
            NA,
            P,
        ),
        // Also a user with no credentials at all, or whose login profile was deleted: the
        // report shows them alike. A device never enabled or deactivated leaves mfa_active
        // false, as no device does. Those differ only in IAM itself, so they are cases of the
        // seeded organization (tests/emulator/seed.py: console_never_enabled,
        // console_deactivated, deleted_login_profile, no_credentials), checked end to end.
        (
            "user without an active key or a password",
            vec![user("a", false, false, false)],
            NA,
            F,
        ),
        (
            "one failing among passing",
            vec![user("a", true, true, false), user("b", true, false, false)],
            F,
            F,
        ),
        (
            "console passes, programmatic fails",
            vec![user("a", true, true, false), user("b", false, false, true)],
            P,
            F,
        ),
    ];
    assert_distinct(cases.iter().map(|(case, users, ..)| (*case, users)));
    for (case, users, iam5, iam19) in cases {
        let mut s = snapshot();
        s.users = Ok(CredentialReport {
            generated_at: Some(at()),
            read_at: at(),
            freshness: ReportFreshness::GeneratedForThisAudit,
            users,
            root_usage: None,
        });
        assert_eq!(status_of(&s, ControlId::Iam5), iam5, "IAM.5: {case}");
        assert_eq!(status_of(&s, ControlId::Iam19), iam19, "IAM.19: {case}");
    }
}

#[test]
fn user_findings_name_each_user_and_carry_evidence() {
    let mut s = snapshot();
    s.users = Ok(CredentialReport {
        generated_at: Some(at()),
        read_at: at(),
        freshness: ReportFreshness::GeneratedForThisAudit,
        users: vec![
            user("jess", true, false, false),
            user("ci", false, false, true),
        ],
        root_usage: None,
    });
    let results = evaluate(&s);
    let iam5 = &results[2];
    assert_eq!(
        iam5.resources.len(),
        1,
        "only the console user is in IAM.5's scope"
    );
    assert_eq!(
        iam5.resources[0].resource_id,
        "arn:aws:iam::111122223333:user/staff/jess"
    );
    assert_eq!(
        iam5.resources[0].evidence["source"],
        "iam:GetCredentialReport"
    );
    assert_eq!(iam5.resources[0].evidence["mfa_active"], false);
    let iam19 = &results[3];
    assert_eq!(iam19.resources.len(), 2);
    assert!(iam19.resources.iter().all(|r| r.status == F));
}

#[test]
fn a_user_listed_twice_is_one_finding_failed_if_either_row_fails() {
    let mut s = snapshot();
    s.users = Ok(CredentialReport {
        generated_at: Some(at()),
        read_at: at(),
        freshness: ReportFreshness::GeneratedForThisAudit,
        users: vec![
            user("jess", true, true, false),
            user("ci", false, true, true),
            user("jess", true, false, false),
        ],
        root_usage: None,
    });
    let results = evaluate(&s);
    for control in [&results[2], &results[3]] {
        let jess: Vec<&ResourceFinding> = control
            .resources
            .iter()
            .filter(|r| r.resource_id.ends_with("/jess"))
            .collect();
        assert_eq!(jess.len(), 1, "{:?}", control.control);
        assert_eq!(jess[0].status, F);
        assert_eq!(jess[0].evidence["mfa_active"], false);
        assert_eq!(jess[0].evidence["rows_in_report"], 2);
        assert_eq!(control.status, F);
    }
    assert_eq!(results[3].resources.len(), 2, "jess and ci");
}

#[test]
fn user_controls_when_report_is_missing() {
    let mut s = snapshot();
    s.users = Err(data_error("iam:GetCredentialReport"));
    assert_eq!(status_of(&s, ControlId::Iam5), E);
    assert_eq!(status_of(&s, ControlId::Iam19), E);
    // The root controls do not depend on the report.
    assert_eq!(status_of(&s, ControlId::Iam9), P);
}
