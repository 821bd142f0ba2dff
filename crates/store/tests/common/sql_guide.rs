//! docs/sql.md as the tests read it: its queries, the answer each gives on a seeded history,
//! and its description of every column. `sql_doc.rs` runs the queries as the owner of the
//! database, `roles.rs` as the read-only role of docs/database-roles.md.

use chrono::{Duration, Utc};
use mfa_evaluator::{ControlId, ExceptionState, Status};
use mfa_report::fixtures::{self, errored};
use mfa_report::{AccountReport, ExceptionRef, SweepException, SweepStatus};
use serde_json::json;
use sqlx::PgPool;

/// The text of docs/sql.md.
pub fn guide() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/sql.md")).unwrap()
}

/// An account whose root has no MFA and whose users fail or pass IAM.5 and IAM.19.
fn account(id: &str, failing: &[&str], passing: &[&str]) -> AccountReport {
    let users: Vec<_> = failing
        .iter()
        .map(|n| fixtures::iam_user(id, n, Status::Failed))
        .chain(
            passing
                .iter()
                .map(|n| fixtures::iam_user(id, n, Status::Passed)),
        )
        .collect();
    fixtures::assessed(
        id,
        vec![
            fixtures::control(ControlId::Iam9, vec![fixtures::root(id, Status::Failed)]),
            fixtures::control(ControlId::Iam5, users.clone()),
            fixtures::control(ControlId::Iam19, users),
        ],
    )
}

/// The facts the last night read (the nights before it come from a version that read none):
/// jess is admin-equivalent, ci has a FIDO key and is under a policy that enforces MFA, dev has
/// an authenticator app; every root without MFA is admin-equivalent.
fn with_facts(mut account: AccountReport) -> AccountReport {
    for control in &mut account.controls {
        for resource in &mut control.resources {
            let name = resource
                .resource_id
                .rsplit(['/', ':'])
                .next()
                .unwrap_or_default();
            let facts = match name {
                "root" => json!({"stakes": {"admin_equivalent": true, "admin_via": [],
                                            "console_password": true,
                                            "password_last_used": null},
                                 "priority": "critical"}),
                "jess" | "new-hire" | "ops" => json!({
                    "mfa_devices": [], "phishing_resistant": false,
                    "mfa_enforcement": {"state": "not_enforced", "by": []},
                    "stakes": {"admin_equivalent": name == "jess", "admin_via": [],
                               "console_password": true, "password_last_used": null,
                               "access_keys": []},
                    "priority": if name == "jess" { "critical" } else { "medium" }}),
                "ci" => json!({
                    "mfa_devices": [{"kind": "fido", "serial": "arn:aws:iam::111111111111:u2f/user/ci/key-1",
                                     "enabled_at": null}],
                    "phishing_resistant": true,
                    "mfa_enforcement": {"state": "enforced",
                                        "by": ["arn:aws:iam::111111111111:policy/RequireMFA"]}}),
                _ => json!({
                    "mfa_devices": [{"kind": "virtual", "serial": format!("arn:aws:iam::222222222222:mfa/{name}"),
                                     "enabled_at": null}],
                    "phishing_resistant": false,
                    "mfa_enforcement": {"state": "not_enforced", "by": []}}),
            };
            resource.facts = serde_json::from_value(facts).unwrap();
        }
    }
    account
}

/// An exception that ends in ten days.
fn onboarding() -> ExceptionRef {
    ExceptionRef {
        id: "onboarding".into(),
        owner: "it-ops@example.com".into(),
        reason: "new hires enrol their MFA in their first weeks".into(),
        expires: Utc::now().date_naive() + chrono::Days::new(10),
        ticket: None,
    }
}

/// Forty nightly sweeps of three accounts: long-standing failures, last night's changes, and an
/// account that errored last night.
pub async fn seed(store: &super::Locked) {
    let start = Utc::now() - Duration::days(40);
    for night in 0..40i64 {
        let id = format!("00000000-0000-4000-8000-{night:012}");
        let started = start + Duration::days(night);
        let last = night == 39;
        let mut info = fixtures::sweep_info(&id, started);
        if last {
            info.exceptions = vec![
                SweepException {
                    exception: onboarding(),
                    state: ExceptionState::Expiring,
                },
                SweepException {
                    exception: ExceptionRef {
                        id: "spare".into(),
                        expires: Utc::now().date_naive() + chrono::Days::new(200),
                        ..onboarding()
                    },
                    state: ExceptionState::Active,
                },
            ];
        }
        store.begin_sweep(&info).await.unwrap();
        let accounts = vec![
            if last {
                // The new hire's missing MFA is accepted for the onboarding weeks.
                let mut first = account("111111111111", &["jess", "new-hire"], &["ci"]);
                for control in &mut first.controls {
                    for resource in &mut control.resources {
                        if resource.resource_id.ends_with("/new-hire") {
                            resource.exception = Some(onboarding());
                        }
                    }
                }
                with_facts(first)
            } else {
                account("111111111111", &["jess", "ci"], &[])
            },
            if last {
                with_facts(account("222222222222", &["ops"], &["dev"]))
            } else {
                account("222222222222", &["ops"], &["dev"])
            },
            if last {
                errored("333333333333")
            } else {
                account("333333333333", &["legacy"], &[])
            },
        ];
        for a in &accounts {
            store.record_account(&id, a).await.unwrap();
        }
        let status = if last {
            SweepStatus::Partial
        } else {
            SweepStatus::Completed
        };
        store.finish_sweep(&id, started, status).await.unwrap();
    }
}

/// One more night after [`seed`], in which a user of 111111111111 is gone (deleted between two
/// assessments): a change that asks which resources the assessment looked at.
pub async fn seed_a_night_with_a_user_gone(store: &super::Locked) {
    let id = "00000000-0000-4000-8000-000000000040";
    let started = Utc::now();
    store
        .begin_sweep(&fixtures::sweep_info(id, started))
        .await
        .unwrap();
    for account in [
        account("111111111111", &["jess", "new-hire"], &[]),
        account("222222222222", &["ops"], &["dev"]),
        account("333333333333", &["legacy"], &[]),
    ] {
        store.record_account(id, &account).await.unwrap();
    }
    store
        .finish_sweep(id, started, SweepStatus::Completed)
        .await
        .unwrap();
}

pub fn queries(doc: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current: Option<String> = None;
    for line in doc.lines() {
        match (&mut current, line.trim_end()) {
            (None, "```sql") => current = Some(String::new()),
            (Some(query), "```") => {
                out.push(query.clone());
                current = None;
            }
            (Some(query), text) => {
                query.push_str(text);
                query.push('\n');
            }
            (None, _) => {}
        }
    }
    out
}

/// A cell as text, whatever its type; `NULL` for null. Timestamps are not compared (they move
/// with the day the test runs).
fn cell(row: &sqlx::postgres::PgRow, column: &str) -> String {
    use sqlx::Row;
    if let Ok(value) = row.try_get::<Option<String>, _>(column) {
        return value.unwrap_or_else(|| "NULL".into());
    }
    if let Ok(value) = row.try_get::<Option<i64>, _>(column) {
        return value.map_or_else(|| "NULL".into(), |v| v.to_string());
    }
    if let Ok(value) = row.try_get::<Option<i32>, _>(column) {
        return value.map_or_else(|| "NULL".into(), |v| v.to_string());
    }
    if let Ok(value) = row.try_get::<Option<bool>, _>(column) {
        return value.map_or_else(|| "NULL".into(), |v| v.to_string());
    }
    panic!("column {column}: not text, a number or a boolean")
}

fn user(account: &str, name: &str) -> String {
    format!("arn:aws:iam::{account}:user/{name}")
}

fn root(account: &str) -> String {
    format!("arn:aws:iam::{account}:root")
}

fn rows(values: &[&[&str]]) -> Vec<String> {
    values.iter().map(|row| row.join(" | ")).collect()
}

const A1: &str = "111111111111";
const A2: &str = "222222222222";
const A3: &str = "333333333333";

/// What each query of docs/sql.md answers on the seeded history, in the page's order: the
/// columns compared, and the rows (as a multiset: ties in the page's ORDER BY may come in any
/// order).
pub fn documented_answers() -> Vec<(Vec<&'static str>, Vec<String>)> {
    let failing_since_night_0 = |with_resource: bool| -> Vec<String> {
        let mut out = Vec::new();
        for (account, user_name) in [(A1, "jess"), (A2, "ops"), (A3, "legacy")] {
            for control in ["IAM.19", "IAM.5"] {
                let resource = user(account, user_name);
                let mut row = vec![account, control];
                if with_resource {
                    row.push(&resource);
                }
                out.push(row.join(" | "));
            }
            let resource = root(account);
            let mut row = vec![account, "IAM.9"];
            if with_resource {
                row.push(&resource);
            }
            out.push(row.join(" | "));
        }
        out
    };
    let mut failing_now = failing_since_night_0(true);
    failing_now.extend(rows(&[
        &[A1, "IAM.19", &user(A1, "new-hire")],
        &[A1, "IAM.5", &user(A1, "new-hire")],
    ]));
    let mut trend = vec!["3 | 0 | 0 | 4".to_string(); 39];
    trend.push("2 | 0 | 1 | 3".into());
    vec![
        (vec!["account_id", "control_id", "resource_id"], failing_now),
        (
            vec!["control_id", "failing_resources", "accounts"],
            rows(&[
                &["IAM.19", "4", "3"],
                &["IAM.5", "4", "3"],
                &["IAM.9", "3", "3"],
            ]),
        ),
        (
            vec!["control_id", "resource_id", "status", "stale"],
            rows(&[
                &["IAM.19", &user(A1, "ci"), "PASSED", "false"],
                &["IAM.19", &user(A1, "jess"), "FAILED", "false"],
                &["IAM.19", &user(A1, "new-hire"), "FAILED", "false"],
                &["IAM.5", &user(A1, "ci"), "PASSED", "false"],
                &["IAM.5", &user(A1, "jess"), "FAILED", "false"],
                &["IAM.5", &user(A1, "new-hire"), "FAILED", "false"],
                &["IAM.9", &root(A1), "FAILED", "false"],
            ]),
        ),
        (vec!["account_id"], rows(&[&[A1], &[A2], &[A3]])),
        (
            vec!["account_id", "control_id", "resource_id"],
            failing_since_night_0(true),
        ),
        (vec!["account_id"], rows(&[&[A3]])),
        (
            vec![
                "account_id",
                "control_id",
                "resource_id",
                "change",
                "previous_status",
                "status",
            ],
            rows(&[
                &[
                    A1,
                    "IAM.19",
                    &user(A1, "new-hire"),
                    "new_resource",
                    "NULL",
                    "FAILED",
                ],
                &[
                    A1,
                    "IAM.5",
                    &user(A1, "new-hire"),
                    "new_resource",
                    "NULL",
                    "FAILED",
                ],
                &[
                    A1,
                    "IAM.19",
                    &user(A1, "ci"),
                    "resolved",
                    "FAILED",
                    "PASSED",
                ],
                &[A1, "IAM.5", &user(A1, "ci"), "resolved", "FAILED", "PASSED"],
            ]),
        ),
        (
            vec!["account_id", "control_id", "resource_id", "change"],
            rows(&[
                &[A1, "IAM.19", &user(A1, "new-hire"), "new_resource"],
                &[A1, "IAM.5", &user(A1, "new-hire"), "new_resource"],
            ]),
        ),
        (
            vec!["status", "failed_resources", "account_outcome"],
            vec!["FAILED | 2 | assessed".to_string(); 40],
        ),
        (
            vec![
                "accounts_failed",
                "accounts_passed",
                "accounts_errored",
                "failing_resources",
            ],
            trend,
        ),
        // Week by week: the weeks depend on the day the test runs; the worst of each control
        // does not.
        (vec!["control_id", "failing_resources"], Vec::new()),
        (
            vec!["account_id", "error_code"],
            rows(&[&[A3, "AccessDenied"]]),
        ),
        // Two of five console users with MFA on the last night (ci enabled it, new-hire came
        // without), one of five before.
        (vec!["in_scope", "with_mfa", "percent"], {
            let mut nights = vec!["5 | 1 | 20.0".to_string(); 39];
            nights.push("5 | 2 | 40.0".into());
            nights
        }),
        (
            vec![
                "control_id",
                "top_level_ou",
                "in_scope",
                "with_mfa",
                "percent",
            ],
            rows(&[
                &["IAM.9", "Workloads", "2", "0", "0.0"],
                &["IAM.19", "Workloads", "5", "2", "40.0"],
                &["IAM.5", "Workloads", "5", "2", "40.0"],
            ]),
        ),
        // The last night read the facts: ci's FIDO key and the policy on it; the night before
        // read none, and nothing is invented for it.
        (
            vec!["in_scope", "with_mfa", "phishing_resistant", "mfa_enforced"],
            rows(&[&["5", "2", "1", "1"], &["5", "1", "NULL", "NULL"]]),
        ),
        // Each identity once; new-hire's failures are accepted, and 333333333333's findings
        // (stale: it errored last night) come from a night that read no facts.
        (
            vec!["account_id", "resource_id", "priority", "controls"],
            rows(&[
                &[A1, &root(A1), "critical", "IAM.9"],
                &[A1, &user(A1, "jess"), "critical", "IAM.19, IAM.5"],
                &[A2, &root(A2), "critical", "IAM.9"],
                &[A2, &user(A2, "ops"), "medium", "IAM.19, IAM.5"],
            ]),
        ),
        // jess, admin-equivalent, fails IAM.5 and IAM.19; both roots without MFA are admins.
        (
            vec!["control_id", "admin_without_mfa"],
            rows(&[&["IAM.19", "1"], &["IAM.5", "1"], &["IAM.9", "2"]]),
        ),
        (
            vec!["exception_id", "owner", "state", "findings_covered"],
            rows(&[
                &["onboarding", "it-ops@example.com", "expiring", "2"],
                &["spare", "it-ops@example.com", "unused", "0"],
            ]),
        ),
        (
            vec![
                "account_id",
                "control_id",
                "resource_id",
                "exception_id",
                "exception_owner",
            ],
            rows(&[
                &[
                    A1,
                    "IAM.19",
                    &user(A1, "new-hire"),
                    "onboarding",
                    "it-ops@example.com",
                ],
                &[
                    A1,
                    "IAM.5",
                    &user(A1, "new-hire"),
                    "onboarding",
                    "it-ops@example.com",
                ],
            ]),
        ),
        (
            vec!["exception_id", "owner", "findings_covered"],
            rows(&[&["onboarding", "it-ops@example.com", "2"]]),
        ),
        (vec!["failing_resources", "excepted_resources"], {
            let mut nights = vec!["4 | 0".to_string(); 39];
            nights.push("3 | 1".into());
            nights
        }),
    ]
}

/// Runs every query of docs/sql.md on `pool` (a history made by [`seed`]) and compares each
/// answer with the documented one; `who` names the role in failure messages.
pub async fn check_every_answer(pool: &PgPool, who: &str) {
    let queries = queries(&guide());
    let answers = documented_answers();
    assert_eq!(
        queries.len(),
        answers.len(),
        "every query of docs/sql.md has its answer here"
    );
    for (query, (columns, mut want)) in queries.iter().zip(answers) {
        let found = sqlx::query(query)
            .fetch_all(pool)
            .await
            .unwrap_or_else(|e| panic!("as {who}: {e}\n{query}"));
        let mut got: Vec<String> = found
            .iter()
            .map(|row| {
                columns
                    .iter()
                    .map(|c| cell(row, c))
                    .collect::<Vec<_>>()
                    .join(" | ")
            })
            .collect();
        if want.is_empty() {
            // The weekly query: each control's worst week.
            got.sort();
            got.dedup_by(|b, a| {
                a.split(" | ").next() == b.split(" | ").next() && {
                    *a = std::cmp::max(a.clone(), b.clone());
                    true
                }
            });
            want = rows(&[
                &["Cognito.5", "0"],
                &["IAM.19", "4"],
                &["IAM.5", "4"],
                &["IAM.6", "0"],
                &["IAM.9", "3"],
            ]);
        }
        got.sort();
        want.sort();
        assert_eq!(got, want, "as {who}: {query}");
    }
}

/// One relation of the page's "Every column": its name, the sentence under its heading, and
/// each column with what the page says it holds.
#[derive(Debug, PartialEq)]
pub struct Described {
    pub relation: String,
    pub summary: String,
    pub columns: Vec<(String, String)>,
}

/// The relations docs/sql.md describes column by column, in the page's order.
pub fn described_relations() -> Vec<Described> {
    let guide = guide();
    let section = guide
        .split_once("\n## Every column\n")
        .expect("docs/sql.md has its section \"Every column\"")
        .1;
    let mut out: Vec<Described> = Vec::new();
    for line in section.lines().map(str::trim) {
        if let Some(name) = line.strip_prefix("### ") {
            out.push(Described {
                relation: name.trim_matches('`').to_string(),
                summary: String::new(),
                columns: Vec::new(),
            });
            continue;
        }
        let Some(current) = out.last_mut() else {
            continue;
        };
        if let Some(row) = line.strip_prefix("| `") {
            let (column, text) = row.split_once("` | ").expect("| `column` | text |");
            let text = text.strip_suffix(" |").expect("a row ends with |");
            current.columns.push((column.to_string(), text.to_string()));
        } else if !line.is_empty() && !line.starts_with('|') && current.summary.is_empty() {
            current.summary = line.to_string();
        }
    }
    out
}
