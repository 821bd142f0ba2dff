//! The shipped deployments (`deploy/`, `docker-compose.yml`, `Dockerfile`) stay true to the
//! binary: every `MFA_AUDITOR__*` variable they set is a configuration key that validates, and
//! every command line they run is one the binary accepts.

#![allow(clippy::unwrap_used)]

use mfa_testkit::repo_root;
use std::process::Command;

fn read(path: &str) -> String {
    std::fs::read_to_string(repo_root().join(path)).unwrap()
}

fn unquote(value: &str) -> String {
    let value = value.split(" #").next().unwrap_or("").trim();
    value.trim_matches('"').to_string()
}

/// `(name, value)` of every `MFA_AUDITOR__*` variable a file sets, in its own syntax.
fn variables(path: &str) -> Vec<(String, String)> {
    let text = read(path);
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    let mut found = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if let Some(rest) = line.strip_prefix("Environment=MFA_AUDITOR__") {
            // systemd
            let (name, value) = rest.split_once('=').unwrap();
            found.push((format!("MFA_AUDITOR__{name}"), value.to_string()));
        } else if let Some(name) = line.strip_prefix("- name: MFA_AUDITOR__") {
            // Kubernetes: the value is on the next line.
            let value = lines[i + 1].strip_prefix("value:").unwrap();
            found.push((format!("MFA_AUDITOR__{name}"), unquote(value)));
        } else if let Some(rest) = line.strip_prefix("MFA_AUDITOR__") {
            // docker compose
            let (name, value) = rest.split_once(':').unwrap();
            found.push((format!("MFA_AUDITOR__{name}"), unquote(value)));
        } else if let Some(rest) = line.strip_prefix("ENV MFA_AUDITOR__") {
            // Dockerfile
            let (name, value) = rest.split_once('=').unwrap();
            found.push((format!("MFA_AUDITOR__{name}"), value.to_string()));
        }
    }
    found
}

#[test]
fn every_variable_the_deployments_set_is_a_valid_configuration_key() {
    for path in [
        "deploy/systemd/mfa-auditor.service",
        "deploy/kubernetes/cronjob.yaml",
        "docker-compose.yml",
        "Dockerfile",
    ] {
        let vars = variables(path);
        assert!(!vars.is_empty(), "{path} sets MFA_AUDITOR__ variables");
        // The configuration is checked before the database is tried: reaching the
        // connection error means every key and value was accepted.
        let output = Command::new(env!("CARGO_BIN_EXE_mfa-auditor"))
            .current_dir(repo_root())
            .args(["--config", "config/example.toml", "migrate"])
            .env("DATABASE_URL", "postgres://nobody@127.0.0.1:1/none")
            .env("MFA_AUDITOR__DATABASE__CONNECT_TIMEOUT_SECONDS", "1")
            .envs(vars.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("cannot connect to PostgreSQL at 127.0.0.1:1"),
            "{path} {vars:?}: {stderr}"
        );
    }
}

#[test]
fn every_command_line_the_deployments_run_is_accepted() {
    let service = read("deploy/systemd/mfa-auditor.service");
    let exec = service
        .lines()
        .find_map(|l| l.strip_prefix("ExecStart=/usr/local/bin/mfa-auditor "))
        .unwrap();
    let cronjob = read("deploy/kubernetes/cronjob.yaml");
    let args_start = cronjob.find("args: [").unwrap() + "args: [".len();
    let args_end = args_start + cronjob[args_start..].find(']').unwrap();
    let cron_args: String = cronjob[args_start..args_end]
        .split(',')
        .map(|a| a.trim().trim_matches('"').to_string() + " ")
        .collect();
    let compose = read("docker-compose.yml");
    let compose_command = compose
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("command: [\"--config\""))
        .unwrap();
    let compose_args: String = compose_command["command: [".len()..compose_command.len() - 1]
        .split(',')
        .map(|a| a.trim().trim_matches('"').to_string() + " ")
        .collect();
    for line in [exec.to_string(), cron_args, compose_args] {
        let args: Vec<&str> = line.split_whitespace().collect();
        assert!(args.contains(&"serve"), "{line}");
        // --help after the command line: clap checks every flag before it, then prints help.
        let output = Command::new(env!("CARGO_BIN_EXE_mfa-auditor"))
            .current_dir(repo_root())
            .args(&args)
            .arg("--help")
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{line}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}
