//! Shared by the end-to-end and fault-injection tests: run the real binary against a freshly
//! seeded emulator and a fresh database, and compare its JSON report with the seeder's
//! expectations.

#![allow(dead_code)] // each test binary uses its own part of this module

pub mod receiver;

use mfa_testkit::{fresh_database, repo_root, Emulator};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::{Command, Output};

pub struct Auditor {
    pub database_url: String,
    pub endpoint: String,
    /// Extra environment (configuration overrides) for every run.
    pub env: Vec<(String, String)>,
    /// This test's own `store.spool_dir`, never the repository's.
    pub spool_dir: PathBuf,
    /// The configuration file, relative to the repository root or absolute.
    pub config: String,
}

impl Auditor {
    pub fn new(database_url: String, endpoint: String) -> Auditor {
        let name = database_url.rsplit('/').next().unwrap_or("db").to_string();
        Auditor {
            database_url,
            endpoint,
            env: Vec::new(),
            spool_dir: std::env::temp_dir().join(format!("mfa-auditor-spool-{name}")),
            config: "config/default.toml".to_string(),
        }
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.run_with(args, &[])
    }

    pub fn run_with(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        self.command(args, env).output().unwrap()
    }

    /// The command, not yet started (for tests that run sweeps side by side or kill one).
    pub fn command(&self, args: &[&str], env: &[(&str, &str)]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_mfa-auditor"));
        command
            .current_dir(repo_root())
            .args(["--config", &self.config])
            .args(args)
            .env("DATABASE_URL", &self.database_url)
            .env("AWS_ENDPOINT_URL", &self.endpoint)
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("MFA_AUDITOR__STORE__SPOOL_DIR", &self.spool_dir)
            .env_remove("AWS_PROFILE")
            .env_remove("MFA_AUDITOR_CONFIG");
        for (key, value) in &self.env {
            command.env(key, value);
        }
        for (key, value) in env {
            command.env(key, value);
        }
        command
    }

    /// `report --format json` of the latest sweep.
    pub fn json_report(&self) -> Value {
        let output = self.run(&["report", "--format", "json"]);
        assert!(output.status.success(), "{}", text(&output.stderr));
        serde_json::from_slice(&output.stdout).unwrap()
    }
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A fresh emulator with the demo organization seeded, and a fresh database.
pub async fn setup() -> (Emulator, Value, Auditor) {
    let emulator = Emulator::start();
    let expected = emulator.seed();
    let auditor = Auditor::new(fresh_database().await, emulator.endpoint.clone());
    (emulator, expected, auditor)
}

/// An accepted risk, as a team writes one: prod-web's CI user (`programmatic-none`, IAM.19)
/// until `days` from today. Writes the exceptions file into `dir` and points the auditor at it.
pub fn accept_ci_user_risk(
    auditor: &mut Auditor,
    expected: &Value,
    dir: &std::path::Path,
    days: u64,
) {
    let prod_web = account_named(expected, "prod-web");
    let file = dir.join("exceptions.toml");
    std::fs::write(
        &file,
        format!(
            "[[exception]]\nid = \"ci-user\"\ncontrols = [\"IAM.19\"]\naccounts = [\"{prod_web}\"]\n\
             resources = [\"arn:aws:iam::*:user/programmatic-none\"]\nowner = \"platform@example.com\"\n\
             reason = \"CI user, keys rotated daily\"\nexpires = {}\n",
            chrono::Utc::now().date_naive() + chrono::Days::new(days)
        ),
    )
    .unwrap();
    auditor.env.push((
        "MFA_AUDITOR__EXCEPTIONS__FILE".into(),
        file.display().to_string(),
    ));
}

/// The id of the seeded account named `name`.
pub fn account_named(expected: &Value, name: &str) -> String {
    expected["accounts"]
        .as_object()
        .unwrap()
        .iter()
        .find(|(_, a)| a["account_name"] == name)
        .map(|(id, _)| id.clone())
        .unwrap_or_else(|| panic!("no seeded account named {name}"))
}

/// The seeded accounts the sweep assesses.
pub fn assessed_accounts(expected: &Value) -> Vec<String> {
    expected["accounts"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, a)| a["outcome"] == "assessed")
        .map(|(id, _)| id.clone())
        .collect()
}

/// Compares the report with the expectations, account by account and control by control.
/// An expected control may say `{"status": "ERROR", "error_region": R, "error_code": C}`: then
/// the control's error must name that region and code.
pub fn compare_with_expected(report: &Value, expected: &Value) {
    assert_eq!(report["schema_version"], 1);
    assert_eq!(
        report["sweep"]["organization_id"],
        expected["organization_id"]
    );
    assert_eq!(
        report["sweep"]["management_account_id"],
        expected["management_account_id"]
    );
    assert_eq!(report["sweep"]["regions"], expected["regions"]);
    assert_eq!(
        report["sweep"]["controls"],
        serde_json::json!(["IAM.9", "IAM.6", "IAM.5", "IAM.19", "Cognito.5"])
    );

    let want = expected["accounts"].as_object().unwrap();
    let got: BTreeMap<&str, &Value> = report["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["account_id"].as_str().unwrap(), a))
        .collect();
    assert_eq!(
        got.len(),
        want.len(),
        "every account of the organization appears once"
    );

    for (account_id, want) in want {
        let got = got
            .get(account_id.as_str())
            .unwrap_or_else(|| panic!("{account_id} missing"));
        let context = format!("{account_id} ({})", want["account_name"]);
        assert_eq!(got["account_name"], want["account_name"], "{context}");
        assert_eq!(got["ou_path"], want["ou_path"], "{context}");
        assert_eq!(
            got["outcome"], want["outcome"],
            "{context}: {}",
            got["error"]
        );
        match want["outcome"].as_str().unwrap() {
            "skipped" => {
                assert_eq!(got["skip_reason"], want["skip_reason"], "{context}");
                assert_eq!(got["controls"], serde_json::json!([]), "{context}");
            }
            "error" => {
                assert_eq!(
                    got["error"]["operation"], want["error"]["operation"],
                    "{context}"
                );
                assert_eq!(got["error"]["code"], want["error"]["code"], "{context}");
                assert_eq!(got["error"]["region"], "us-east-1", "{context}");
                assert!(!got["error"]["message"].as_str().unwrap().is_empty());
            }
            _ => {
                assert_eq!(got["error"], Value::Null, "{context}");
                let controls = got["controls"].as_array().unwrap();
                assert_eq!(controls.len(), 5, "{context}");
                for control in controls {
                    compare_control(control, &want["controls"], &context);
                }
            }
        }
    }
}

fn compare_control(control: &Value, want_controls: &Value, context: &str) {
    let id = control["control_id"].as_str().unwrap();
    let want = &want_controls[id];
    assert_eq!(
        control["status"], want["status"],
        "{context} {id}: {}",
        control["error"]
    );
    assert!(!control["title"].as_str().unwrap().is_empty());
    assert!(!control["remediation"].as_str().unwrap().is_empty());
    if want["status"] == "ERROR" {
        assert_eq!(
            control["error"]["region"], want["error_region"],
            "{context} {id}"
        );
        assert_eq!(
            control["error"]["code"], want["error_code"],
            "{context} {id}"
        );
        return;
    }
    assert_eq!(control["error"], Value::Null, "{context} {id}");
    let resources: BTreeMap<&str, &Value> = control["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["resource_id"].as_str().unwrap(), &r["status"]))
        .collect();
    let want_resources: BTreeMap<&str, &Value> = want["resources"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.as_str(), v))
        .collect();
    assert_eq!(resources, want_resources, "{context} {id}");
    for resource in control["resources"].as_array().unwrap() {
        assert!(
            resource["evidence"]["source"].is_string(),
            "{context} {id}: evidence names its source"
        );
    }
}

/// Each seeded account got exactly the AWS calls one audit of it makes: 0 when skipped, 1 (the
/// refused AssumeRole) when it errors, 5 + regions + user pools (+ extra MFA device pages) when
/// assessed, and with the default `[audit] mfa_devices` and `policies` (`facts_call_budget`)
/// one `GetAccountAuthorizationDetails`, one `ListMFADevices` per user with MFA and one
/// `GetUserPoolMfaConfig` per searched pool in Cognito.5's scope with MFA on or optional.
/// Across two runs (interrupted, then resumed) this says each was audited once.
pub fn check_account_call_budget(requests: &[Value], expected: &Value) {
    let regions = expected["regions"].as_array().unwrap().len();
    for (account_id, want) in expected["accounts"].as_object().unwrap() {
        let calls = requests
            .iter()
            .filter(|r| r["account"] == account_id.as_str())
            .count();
        let budget = match want["outcome"].as_str().unwrap() {
            "skipped" => 0,
            "error" => 1,
            _ => {
                let seeded = &want["seeded"];
                let virtual_devices = seeded["assigned_virtual_devices"].as_u64().unwrap() as usize;
                let extra_device_pages = virtual_devices / 100;
                5 + regions
                    + searched_pools(expected, want).len()
                    + extra_device_pages
                    + facts_call_budget(expected, want)
            }
        };
        assert_eq!(
            calls, budget,
            "AWS calls for {account_id} ({})",
            want["account_name"]
        );
    }
}

/// The calls of the facts beyond the controls in one assessed account (`want`), as a sweep
/// with the default `[audit] mfa_devices = true` and `policies = true` makes them.
pub fn facts_call_budget(expected: &Value, want: &Value) -> usize {
    let seeded = &want["seeded"];
    let users_with_mfa = seeded["users"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|user| user["mfa"] == true)
        .count();
    let pools_asking_for_mfa = searched_pools(expected, want)
        .into_iter()
        .filter(|pool| {
            let password_only = pool["first_factors"].is_null()
                || pool["first_factors"] == serde_json::json!(["PASSWORD"]);
            password_only && (pool["mfa"] == "ON" || pool["mfa"] == "OPTIONAL")
        })
        .count();
    1 + users_with_mfa + pools_asking_for_mfa
}

/// The Organizations calls of the SCPs, once per sweep: `ListRoots`, then, where the seeder
/// enabled SCPs (its `scps`, beside AWS's own `FullAWSAccess`), `ListPolicies`, a
/// `DescribePolicy` per SCP, and the targets in pages of 20 (`ListTargetsForPolicy`) of those
/// bearing on MFA only: the seeded guardrails (`FullAWSAccess`, on every OU and account, and
/// the SCP that is no guardrail are not placed).
pub fn scp_call_budget(expected: &Value) -> usize {
    let Some(seeded) = expected["scps"].as_object() else {
        return 1;
    };
    let pages = |targets: usize| targets.div_ceil(20).max(1);
    let target_pages: usize = seeded
        .values()
        .filter(|scp| scp["guardrail"] == true)
        .map(|scp| pages(scp["targets"].as_array().unwrap().len()))
        .sum();
    1 + 1 + (seeded.len() + 1) + target_pages
}

/// The seeded user pools of an account (`want`, its entry in `expected`) that a sweep of the
/// demo configuration's regions searches: not those in an opt-in region outside that list.
pub fn searched_pools<'a>(expected: &Value, want: &'a Value) -> Vec<&'a Value> {
    let regions = expected["regions"].as_array().unwrap();
    want["seeded"]["pools"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|pool| regions.contains(&pool["region"]))
        .collect()
}

/// Accounts in a report that were audited (not skipped).
pub fn audited_in(report: &Value) -> usize {
    report["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["outcome"] != "skipped")
        .count()
}

/// The latest sweep's report, once there is one.
pub fn latest_report(auditor: &Auditor) -> Option<Value> {
    let output = auditor.run(&["report", "--format", "json"]);
    output
        .status
        .success()
        .then(|| serde_json::from_slice(&output.stdout).unwrap())
}

/// Polls the latest report (every 100 ms, for up to 30 s) until `ready` says yes; returns it.
pub async fn until_report(auditor: &Auditor, ready: impl Fn(&Value) -> bool) -> Value {
    for _ in 0..300 {
        if let Some(report) = latest_report(auditor).filter(|r| ready(r)) {
            return report;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the background sweep never got that far");
}

/// A sweep started in the background: its pid, and its output once it ends. The output is
/// drained from the start, so a verbose sweep never blocks on a full pipe.
pub fn spawn_sweep(
    auditor: &Auditor,
    args: &[&str],
    env: &[(&str, &str)],
) -> (String, tokio::task::JoinHandle<Output>) {
    let child = auditor
        .command(args, env)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id().to_string();
    let finished = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap());
    (pid, finished)
}

/// Sends `signal` (e.g. `-TERM`) to a process.
pub fn kill(signal: &str, pid: &str) {
    let status = Command::new("kill").args([signal, pid]).status().unwrap();
    assert!(status.success(), "kill {signal} {pid}");
}

/// Runs `sweep` (with `args` before it), takes the database away with `down` once the sweep
/// has audited an account, and brings it back with `up` after the sweep has ended. Writes
/// retry for `write_retry_seconds` before spooling. Returns the sweep's output and how many
/// accounts it had audited when the database went.
pub async fn sweep_losing_the_database(
    auditor: &Auditor,
    args: &[&str],
    write_retry_seconds: u32,
    down: impl FnOnce(),
    up: impl FnOnce(),
) -> (Output, usize) {
    let write_retry_seconds = write_retry_seconds.to_string();
    // 20 calls a second: the sweep takes about 10 s, time to lose the database part way.
    let env = [
        ("MFA_AUDITOR__LIMITS__GLOBAL_PER_SECOND", "20"),
        ("MFA_AUDITOR__LIMITS__CONCURRENCY", "2"),
        // Two accounts audited at once: the stop finds most of them not begun.
        ("MFA_AUDITOR__LIMITS__ACCOUNTS_IN_FLIGHT", "2"),
        (
            "MFA_AUDITOR__STORE__WRITE_RETRY_SECONDS",
            &write_retry_seconds,
        ),
        ("MFA_AUDITOR__DATABASE__CONNECT_TIMEOUT_SECONDS", "1"),
    ];
    let mut all_args = args.to_vec();
    all_args.push("sweep");
    let (_, finished) = spawn_sweep(auditor, &all_args, &env);
    let report = until_report(auditor, |r| audited_in(r) > 0).await;
    down();
    let output = finished.await.unwrap();
    up();
    (output, audited_in(&report))
}

/// The spool files in the auditor's spool directory.
pub fn spool_files(auditor: &Auditor) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(&auditor.spool_dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries.map(|e| e.unwrap().path()).collect();
    files.sort();
    files
}
