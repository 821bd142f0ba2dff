//! The shipped deployments (`deploy/`, `docker-compose.yml`, `Dockerfile`) stay true to the
//! binary: every `MFA_AUDITOR__*` variable they set is a configuration key that validates, and
//! every command line they run is one the binary accepts. The systemd unit and the Kubernetes
//! manifests hand secrets as files (`LoadCredential=`, a Secret volume) that they do provide,
//! never as values, and the long-running Kubernetes service keeps its report page behind a
//! password from the Secret. A command line that does not parse exits 64, which the unit does
//! not count as a finished night as it does a partial sweep (2).

#![allow(clippy::unwrap_used)]

use mfa_testkit::repo_root;
use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Every deployment that sets configuration variables, and the configuration file it runs with:
/// the unit and the manifests a copy of config/example.toml, the containers the local stack's.
const DEPLOYMENTS: [(&str, &str); 5] = [
    ("deploy/systemd/mfa-auditor.service", "config/example.toml"),
    ("deploy/kubernetes/cronjob.yaml", "config/example.toml"),
    ("deploy/kubernetes/deployment.yaml", "config/example.toml"),
    ("docker-compose.yml", "config/default.toml"),
    ("Dockerfile", "config/default.toml"),
];

/// The variables that would carry a secret's value itself.
const SECRET_VALUES: [&str; 5] = [
    "DATABASE_URL",
    "MFA_AUDITOR__DATABASE__URL",
    "MFA_AUDITOR__ORGANIZATION__EXTERNAL_ID",
    "MFA_AUDITOR__METRICS__REPORT_PASSWORD",
    "MFA_AUDITOR__NOTIFY__WEBHOOK",
];

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

/// The file a `*_FILE` variable names, as the deployment provides it: systemd's `%d/NAME` needs
/// `LoadCredential=NAME:`, a Kubernetes path a Secret volume mounted on its directory and the
/// key NAME in the Secret the manifest says to create. `None`: not a secret file variable.
fn provided_secret_file(path: &str, name: &str, value: &str) -> Option<String> {
    if !name.ends_with("_FILE") {
        return None;
    }
    let text = read(path);
    if let Some(credential) = value.strip_prefix("%d/") {
        assert!(
            text.contains(&format!("\nLoadCredential={credential}:")),
            "{path}: {name}={value} without LoadCredential={credential}:"
        );
        return Some(credential.to_string());
    }
    let (dir, key) = value.rsplit_once('/').unwrap();
    assert!(
        text.contains(&format!("mountPath: {dir}, readOnly: true}}")),
        "{path}: {name}={value}: nothing is mounted on {dir}"
    );
    assert!(
        text.contains(&format!("--from-literal={key}="))
            || text.contains(&format!("--from-file={key}=")),
        "{path}: {name}={value}: the Secret to create has no key {key}"
    );
    Some(key.to_string())
}

/// A file holding a value that validates for the secret `name` reads, in place of the one the
/// deployment provides at run time.
fn stand_in_secret_file(name: &str) -> PathBuf {
    let value = match name {
        // Unreachable, so that reaching the connection error means the rest validated.
        "MFA_AUDITOR__DATABASE__URL_FILE" => "postgres://nobody@127.0.0.1:1/none",
        "MFA_AUDITOR__METRICS__REPORT_PASSWORD_FILE" => "a-generated-password-0123456789",
        "MFA_AUDITOR__ORGANIZATION__EXTERNAL_ID_FILE" => "an-external-id",
        other => panic!("{other}: a secret file this test does not know; teach it"),
    };
    // Tests run in parallel threads: each stand-in its own file.
    static MADE: AtomicUsize = AtomicUsize::new(0);
    let made = MADE.fetch_add(1, Ordering::Relaxed);
    let file =
        std::env::temp_dir().join(format!("mfa-deploy-{}-{made}-{name}", std::process::id()));
    std::fs::write(&file, format!("{value}\n")).unwrap();
    file
}

/// The `MFA_AUDITOR__*` variables `path` sets, each secret file among them replaced by a stand-in
/// holding a value that validates. Remove the stand-ins with [`remove_stand_ins`].
fn environment_with_stand_ins(path: &str) -> Vec<(String, String)> {
    let mut vars = variables(path);
    for (name, value) in &mut vars {
        if provided_secret_file(path, name, value).is_some() {
            *value = stand_in_secret_file(name).display().to_string();
        }
    }
    vars
}

fn remove_stand_ins(vars: &[(String, String)]) {
    for (name, value) in vars {
        if name.ends_with("_FILE") {
            let _ = std::fs::remove_file(value);
        }
    }
}

/// Runs the binary as the deployment `path` would, with its variables and `config` as the
/// configuration file, the database unreachable. Returns its exit code and standard error.
fn run_as_deployed(path: &str, config: &str, args: &[String]) -> (Option<i32>, String) {
    let vars = environment_with_stand_ins(path);
    let output = Command::new(env!("CARGO_BIN_EXE_mfa-auditor"))
        .current_dir(repo_root())
        .args(args)
        .env("MFA_AUDITOR_CONFIG", config)
        .env("DATABASE_URL", "postgres://nobody@127.0.0.1:1/none")
        .env("MFA_AUDITOR__DATABASE__CONNECT_TIMEOUT_SECONDS", "1")
        .envs(vars.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .output()
        .unwrap();
    remove_stand_ins(&vars);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (output.status.code(), format!("{vars:?}: {stderr}"))
}

/// The configuration is checked before the database is tried: reaching the connection error
/// means every key and value was accepted.
const REACHED_THE_DATABASE: &str = "cannot connect to PostgreSQL at 127.0.0.1:1";

#[test]
fn every_variable_the_deployments_set_is_a_valid_configuration_key() {
    for (path, config) in DEPLOYMENTS {
        assert!(
            !variables(path).is_empty(),
            "{path} sets MFA_AUDITOR__ variables"
        );
        let args = ["--config", config, "migrate"].map(String::from);
        let (_, stderr) = run_as_deployed(path, config, &args);
        assert!(stderr.contains(REACHED_THE_DATABASE), "{path} {stderr}");
    }
}

#[test]
fn the_unit_and_the_manifests_hand_secrets_as_files_they_provide() {
    for path in [
        "deploy/systemd/mfa-auditor.service",
        "deploy/kubernetes/cronjob.yaml",
        "deploy/kubernetes/deployment.yaml",
    ] {
        let vars = variables(path);
        let text = read(path);
        for secret in SECRET_VALUES {
            assert!(
                !vars.iter().any(|(name, _)| name == secret)
                    && !text.contains(&format!("name: {secret}\n"))
                    && !text.contains(&format!("Environment={secret}=")),
                "{path} hands {secret} as a value"
            );
        }
        let files: Vec<String> = vars
            .iter()
            .filter_map(|(name, value)| provided_secret_file(path, name, value))
            .collect();
        assert!(
            files.contains(&"database-url".to_string()),
            "{path}: the database URL as a file: {vars:?}"
        );
    }
    assert!(
        !read("deploy/systemd/mfa-auditor.env.example").contains("\nDATABASE_URL="),
        "the environment file holds no database password"
    );
    // The long-running service shows the report, behind the Secret's password.
    let vars = variables("deploy/kubernetes/deployment.yaml");
    for wanted in [
        ("MFA_AUDITOR__METRICS__REPORT", "true"),
        (
            "MFA_AUDITOR__METRICS__REPORT_PASSWORD_FILE",
            "/run/secrets/mfa-auditor/report-password",
        ),
    ] {
        assert!(
            vars.iter().any(|(n, v)| (n.as_str(), v.as_str()) == wanted),
            "{wanted:?} in {vars:?}"
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
    let manifest_args = |path: &str| -> String {
        let manifest = read(path);
        let args_start = manifest.find("args: [").unwrap() + "args: [".len();
        let args_end = args_start + manifest[args_start..].find(']').unwrap();
        manifest[args_start..args_end]
            .split(',')
            .map(|a| a.trim().trim_matches('"').to_string() + " ")
            .collect()
    };
    let cron_args = manifest_args("deploy/kubernetes/cronjob.yaml");
    let deployment_args = manifest_args("deploy/kubernetes/deployment.yaml");
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
    let runs = [
        ("deploy/systemd/mfa-auditor.service", exec.to_string()),
        ("deploy/kubernetes/cronjob.yaml", cron_args),
        ("deploy/kubernetes/deployment.yaml", deployment_args),
        ("docker-compose.yml", compose_args),
    ];
    for (path, line) in runs {
        let (_, config) = DEPLOYMENTS.iter().find(|(p, _)| *p == path).unwrap();
        let mut args: Vec<String> = line.split_whitespace().map(String::from).collect();
        assert!(args.iter().any(|a| a == "serve"), "{path}: {line}");
        // The file the deployment mounts at its --config path is a copy of `config`.
        if let Some(at) = args.iter().position(|a| a == "--config") {
            args[at + 1] = config.to_string();
        }
        // Run, not `--help`: clap checks the values of flags only when it parses them all.
        let (code, stderr) = run_as_deployed(path, config, &args);
        assert!(
            stderr.contains(REACHED_THE_DATABASE),
            "{path}: {line}: {stderr}"
        );
        assert_eq!(code, Some(1), "{path}: {line}: {stderr}");
    }
}

/// `SuccessExitStatus=` of the systemd unit: the statuses besides 0 it counts as a finished run.
fn unit_success_statuses() -> Vec<String> {
    read("deploy/systemd/mfa-auditor.service")
        .lines()
        .filter_map(|l| l.strip_prefix("SuccessExitStatus="))
        .flat_map(|v| v.split_whitespace().map(str::to_string).collect::<Vec<_>>())
        .collect()
}

#[test]
fn a_command_line_that_does_not_parse_exits_64_which_the_unit_and_the_cronjob_count_as_failures() {
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_mfa-auditor"))
            .current_dir(repo_root())
            .args(args)
            .output()
            .unwrap()
    };
    for args in [
        &["serve", "--onse"][..],
        &["--log-format", "yaml", "serve", "--once"],
        &["--config"],
        &["swep"],
        &["report", "--format", "xml"],
        &["import"],
        &[],
    ] {
        let output = run(args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(64), "{args:?}: {stderr}");
        // What was wrong and where to read more: clap's message, or the whole help when no
        // command was given.
        assert!(stderr.contains("--help"), "{args:?}: {stderr}");
    }
    // Asking for help or the version is no error.
    for args in [&["--help"][..], &["serve", "--help"], &["--version"]] {
        let output = run(args);
        assert_eq!(output.status.code(), Some(0), "{args:?}");
        assert!(!output.stdout.is_empty(), "{args:?}");
    }
    // The unit counts a partial sweep (2) as a finished night, and nothing else.
    assert_eq!(unit_success_statuses(), ["2"]);
    // A Job succeeds on 0 alone; the CronJob retries nothing but a pod evicted mid-sweep, which
    // the next pod resumes.
    let cronjob = read("deploy/kubernetes/cronjob.yaml");
    let policy = &cronjob[cronjob.find("      podFailurePolicy:\n").unwrap()..];
    let rules: Vec<&str> = policy
        .lines()
        .skip(2)
        .take_while(|l| l.starts_with("          "))
        .map(str::trim)
        .filter(|l| !l.starts_with('#'))
        .collect();
    assert_eq!(
        rules,
        [
            "- action: Ignore",
            "onPodConditions: [{type: DisruptionTarget, status: \"True\"}]"
        ]
    );
    assert!(cronjob.contains("\n      backoffLimit: 0\n"));
}
