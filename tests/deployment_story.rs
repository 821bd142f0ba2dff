//! One deployment story, told alike by every file a person deploys from: the example
//! configuration (what the manifests' ConfigMap and the systemd unit's config.toml are made of),
//! the IAM policies and the StackSet of `deploy/iam`, the Kubernetes manifests, the systemd unit
//! and timer, the Dockerfile, and the README's "Install", "Permissions" and "Deploying to an AWS
//! Organization". Each test reads what several of them say about one thing (the audit role, the
//! caller, the ExternalId, the configuration, the schedule, the permissions) and names the two
//! that disagree.

#![allow(clippy::unwrap_used)]

use mfa_testkit::repo_root;
use serde_json::Value as Json;
use serde_yaml_ng::Value as Yaml;
use std::collections::BTreeSet;

const MANIFESTS: [&str; 2] = [
    "deploy/kubernetes/cronjob.yaml",
    "deploy/kubernetes/deployment.yaml",
];
const UNIT: &str = "deploy/systemd/mfa-auditor.service";
const STACKSET: &str = "deploy/iam/audit-role-stackset.yaml";

fn read(path: &str) -> String {
    std::fs::read_to_string(repo_root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn json(path: &str) -> Json {
    serde_json::from_str(&read(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn yaml_documents(path: &str) -> Vec<Yaml> {
    use serde::Deserialize;
    let text = read(path);
    serde_yaml_ng::Deserializer::from_str(&text)
        .map(|document| Yaml::deserialize(document).unwrap_or_else(|e| panic!("{path}: {e}")))
        .collect()
}

fn example() -> toml::Table {
    read("config/example.toml").parse().unwrap()
}

fn example_str(section: &str, key: &str) -> String {
    example()[section][key]
        .as_str()
        .unwrap_or_else(|| panic!("config/example.toml: {section}.{key} is not a string"))
        .to_string()
}

fn example_int(section: &str, key: &str) -> i64 {
    example()[section][key].as_integer().unwrap()
}

/// The README's section `## title`, up to the next one.
fn readme_section(title: &str) -> String {
    let readme = read("README.md");
    let start = readme
        .find(&format!("\n## {title}\n"))
        .unwrap_or_else(|| panic!("README.md has no section {title:?}"));
    let rest = &readme[start + 1..];
    let end = rest[3..].find("\n## ").map_or(rest.len(), |i| i + 3);
    rest[..end].to_string()
}

fn of_kind<'a>(documents: &'a [Yaml], kind: &str) -> &'a Yaml {
    documents
        .iter()
        .find(|d| d["kind"].as_str() == Some(kind))
        .unwrap_or_else(|| panic!("no {kind}"))
}

/// The pod a manifest runs: a CronJob's job template's, or a Deployment's.
fn pod_spec(documents: &[Yaml]) -> &Yaml {
    documents
        .iter()
        .find_map(|d| match d["kind"].as_str() {
            Some("CronJob") => Some(&d["spec"]["jobTemplate"]["spec"]["template"]["spec"]),
            Some("Deployment") => Some(&d["spec"]["template"]["spec"]),
            _ => None,
        })
        .unwrap()
}

fn container_env(pod: &Yaml, name: &str) -> Option<String> {
    pod["containers"][0]["env"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|e| e["name"].as_str() == Some(name))
        .map(|e| e["value"].as_str().unwrap().to_string())
}

/// Where the pod mounts the volume whose source (`configMap`, `secret`, ...) has this key.
fn mount_of(pod: &Yaml, source: &str) -> String {
    let volume = pod["volumes"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|v| !v[source].is_null())
        .unwrap_or_else(|| panic!("no {source} volume"));
    pod["containers"][0]["volumeMounts"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|m| m["name"] == volume["name"])
        .map(|m| m["mountPath"].as_str().unwrap().to_string())
        .unwrap()
}

/// The values of `Key=` lines of the systemd unit, in order.
fn unit_values(key: &str) -> Vec<String> {
    read(UNIT)
        .lines()
        .filter_map(|l| l.strip_prefix(&format!("{key}=")))
        .map(str::to_string)
        .collect()
}

fn unit_environment(name: &str) -> Option<String> {
    unit_values("Environment")
        .iter()
        .find_map(|v| v.strip_prefix(&format!("{name}=")).map(str::to_string))
}

fn actions(statement: &Json) -> BTreeSet<String> {
    match &statement["Action"] {
        Json::String(action) => BTreeSet::from([action.clone()]),
        Json::Array(list) => list.iter().map(|a| a.as_str().unwrap().into()).collect(),
        other => panic!("Action {other}"),
    }
}

fn policy_actions(path: &str) -> BTreeSet<String> {
    json(path)["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(actions)
        .collect()
}

/// The caller, as the audit role's trust policy names it: every other file must say the same.
fn caller() -> String {
    let trust = json("deploy/iam/audit-role-trust-policy.json");
    trust["Statement"][0]["Principal"]["AWS"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn the_audit_role_is_the_one_the_stackset_creates_and_the_caller_may_assume() {
    let role = example_str("organization", "audit_role_name");
    let stackset = &yaml_documents(STACKSET)[0];
    assert_eq!(
        stackset["Parameters"]["RoleName"]["Default"].as_str(),
        Some(role.as_str()),
        "config/example.toml's organization.audit_role_name vs {STACKSET}'s RoleName"
    );
    let assumable: Vec<Json> = json("deploy/iam/caller-policy.json")["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| actions(s).contains("sts:AssumeRole"))
        .map(|s| s["Resource"].clone())
        .collect();
    let resource = format!("arn:aws:iam::*:role/{role}");
    assert_eq!(
        assumable,
        [Json::String(resource.clone())],
        "deploy/iam/caller-policy.json may assume the role config/example.toml names"
    );
    assert!(
        readme_section("Permissions").contains(&format!("`sts:AssumeRole` on `{resource}`")),
        "README Permissions: the caller assumes {resource}"
    );
    assert!(
        readme_section("Deploying to an AWS Organization")
            .contains(&format!("`audit_role_name = \"{role}\"`")),
        "README: the example's audit role"
    );
    // The session asked for is one the role allows.
    let longest = stackset["Resources"]["AuditRole"]["Properties"]["MaxSessionDuration"]
        .as_i64()
        .unwrap();
    let asked = example_int("organization", "session_duration_seconds");
    assert!(
        asked <= longest,
        "config/example.toml's session_duration_seconds {asked} > the role's MaxSessionDuration {longest}"
    );
}

/// Every IAM role ARN in a file: the text from `arn:aws:iam::` up to the first character an
/// ARN cannot hold.
fn role_arns(text: &str) -> Vec<String> {
    text.match_indices("arn:aws:iam::")
        .map(|(i, _)| {
            text[i..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || ":/*_+=,.@-".contains(*c))
                .collect::<String>()
                .trim_end_matches(['.', ','])
                .to_string()
        })
        .filter(|arn| arn.contains(":role/"))
        .collect()
}

fn files_under(dir: &std::path::Path, found: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files_under(&path, found);
        } else {
            let relative = path.strip_prefix(repo_root()).unwrap();
            found.push(relative.display().to_string());
        }
    }
}

#[test]
fn one_caller_is_named_by_every_policy_manifest_and_example() {
    let caller = caller();
    let account = caller.split(':').nth(4).unwrap().to_string();
    let audit_role = format!(
        "arn:aws:iam::*:role/{}",
        example_str("organization", "audit_role_name")
    );
    let mut files = vec![
        "README.md".to_string(),
        "config/example.toml".to_string(),
        "docker-compose.yml".to_string(),
    ];
    // deploy/remediation is the organization's own kit (its SCP names break-glass roles).
    for dir in ["deploy/iam", "deploy/kubernetes", "deploy/systemd"] {
        files_under(&repo_root().join(dir), &mut files);
    }
    for file in &files {
        for arn in role_arns(&read(file)) {
            assert!(
                arn == caller || arn == audit_role,
                "{file} names {arn}: the caller is {caller} (deploy/iam/audit-role-trust-policy.json), \
                 the audit role {audit_role}"
            );
        }
    }
    let delegation = json("deploy/iam/organizations-delegation-policy.json");
    assert_eq!(
        delegation["Statement"][0]["Principal"]["AWS"], caller,
        "organizations-delegation-policy.json"
    );
    let organizations: BTreeSet<String> = policy_actions("deploy/iam/caller-policy.json")
        .into_iter()
        .filter(|a| a.starts_with("organizations:"))
        .collect();
    assert_eq!(
        policy_actions("deploy/iam/organizations-delegation-policy.json"),
        organizations,
        "the delegation policy lets the caller read what caller-policy.json lets it read"
    );
    assert!(read(STACKSET).contains(&format!("ParameterValue={caller} ")));
    assert!(readme_section("Deploying to an AWS Organization")
        .contains(&format!("ParameterValue={caller} ")));

    let pod_identity = json("deploy/iam/caller-trust-eks-pod-identity.json");
    let pod_identity = &pod_identity["Statement"][0]["Condition"]["StringEquals"];
    assert_eq!(pod_identity["aws:SourceAccount"], account.as_str());
    let irsa = json("deploy/iam/caller-trust-eks-irsa.json");
    let subjects: Vec<&str> = irsa["Statement"][0]["Condition"]["StringEquals"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(key, _)| key.ends_with(":sub"))
        .map(|(_, value)| value.as_str().unwrap())
        .collect();
    for manifest in MANIFESTS {
        let documents = yaml_documents(manifest);
        let account_of_pods = of_kind(&documents, "ServiceAccount");
        let (name, namespace) = (
            account_of_pods["metadata"]["name"].as_str().unwrap(),
            account_of_pods["metadata"]["namespace"].as_str().unwrap(),
        );
        assert_eq!(
            account_of_pods["metadata"]["annotations"]["eks.amazonaws.com/role-arn"], caller,
            "{manifest}: the IRSA annotation"
        );
        assert!(read(manifest).contains(&format!(
            "--namespace {namespace} \\\n#       --service-account {name} --role-arn {caller}\n"
        )));
        assert_eq!(
            pod_spec(&documents)["serviceAccountName"],
            name,
            "{manifest}"
        );
        assert_eq!(
            (
                pod_identity["aws:RequestTag/kubernetes-namespace"].as_str(),
                pod_identity["aws:RequestTag/kubernetes-service-account"].as_str()
            ),
            (Some(namespace), Some(name)),
            "caller-trust-eks-pod-identity.json vs {manifest}"
        );
        assert_eq!(
            subjects,
            [format!("system:serviceaccount:{namespace}:{name}")],
            "caller-trust-eks-irsa.json vs {manifest}"
        );
    }
}

#[test]
fn the_external_id_the_role_requires_is_given_by_the_example_and_every_scheduled_deployment() {
    let stackset = &yaml_documents(STACKSET)[0];
    let shortest = stackset["Parameters"]["ExternalId"]["MinLength"]
        .as_i64()
        .unwrap();
    assert!(shortest >= 8, "{STACKSET}: ExternalId MinLength {shortest}");
    assert!(read(STACKSET).contains("sts:ExternalId: !Ref ExternalId"));
    let trust = json("deploy/iam/audit-role-trust-policy.json");
    assert!(trust["Statement"][0]["Condition"]["StringEquals"]["sts:ExternalId"].is_string());

    // The example reads it from the file the manifests mount; the unit hands its own.
    let file = example_str("organization", "external_id_file");
    let (dir, key) = file.rsplit_once('/').unwrap();
    for manifest in MANIFESTS {
        let documents = yaml_documents(manifest);
        let pod = pod_spec(&documents);
        assert_eq!(
            container_env(pod, "MFA_AUDITOR__ORGANIZATION__EXTERNAL_ID_FILE").as_deref(),
            Some(file.as_str()),
            "{manifest} vs config/example.toml's organization.external_id_file"
        );
        assert_eq!(
            mount_of(pod, "secret"),
            dir,
            "{manifest}: the Secret's mount"
        );
        assert!(
            read(manifest).contains(&format!("--from-file={key}={key}")),
            "{manifest}: the Secret to create holds {key}"
        );
    }
    assert!(unit_values("LoadCredential")
        .iter()
        .any(|c| c.starts_with(&format!("{key}:/etc/mfa-auditor/credentials/"))));
    assert_eq!(
        unit_environment("MFA_AUDITOR__ORGANIZATION__EXTERNAL_ID_FILE"),
        Some(format!("%d/{key}"))
    );
    assert!(readme_section("Deploying to an AWS Organization").contains(&format!("`{file}`")));
}

#[test]
fn the_manifests_and_the_unit_run_the_example_configuration_and_the_installed_binary() {
    for manifest in MANIFESTS {
        let documents = yaml_documents(manifest);
        let pod = pod_spec(&documents);
        assert!(
            read(manifest).contains("--from-file=config.toml=config/example.toml"),
            "{manifest}: the ConfigMap is made of config/example.toml"
        );
        let config = format!("{}/config.toml", mount_of(pod, "configMap"));
        let args: Vec<&str> = pod["containers"][0]["args"]
            .as_sequence()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap())
            .collect();
        assert!(
            args.windows(2).any(|w| w == ["--config", config.as_str()]),
            "{manifest}: {args:?} reads {config}"
        );
        assert_eq!(
            pod["securityContext"]["runAsUser"].as_i64(),
            Some(10001),
            "{manifest}: the Dockerfile's USER"
        );
    }
    assert!(read("Dockerfile").contains("\nUSER 10001\n"));
    let config = unit_environment("MFA_AUDITOR_CONFIG").unwrap();
    assert!(read(UNIT).contains(&format!("install -m 0644 config/example.toml {config} ")));

    // The unit runs the binary where the README's "Install" puts it.
    let install = readme_section("Install");
    let root = install
        .split("cargo install --locked --path crates/mfa-auditor --root ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .expect("README Install: cargo install --locked ... --root DIR");
    let exec = unit_values("ExecStart");
    assert!(
        exec.len() == 1 && exec[0].starts_with(&format!("{root}/bin/mfa-auditor ")),
        "{exec:?}: README installs into {root}/bin"
    );
}

/// `(minute, hour)` of a daily cron line `M H * * *`.
fn daily(cron: &str) -> (u32, u32) {
    let fields: Vec<&str> = cron.split_whitespace().collect();
    assert_eq!(fields[2..], ["*", "*", "*"], "{cron}: a daily schedule");
    (fields[0].parse().unwrap(), fields[1].parse().unwrap())
}

fn canonical_zone(zone: &str) -> &str {
    zone.strip_prefix("Etc/").unwrap_or(zone)
}

#[test]
fn every_scheduler_sweeps_at_the_same_hour_resumes_a_night_cut_short_and_waits_out_its_grace() {
    let cron = example_str("schedule", "cron");
    let zone = example_str("schedule", "timezone");
    let cronjob_documents = yaml_documents(MANIFESTS[0]);
    let cronjob = of_kind(&cronjob_documents, "CronJob");
    assert_eq!(
        (
            cronjob["spec"]["schedule"].as_str().map(daily),
            cronjob["spec"]["timeZone"].as_str().map(canonical_zone)
        ),
        (Some(daily(&cron)), Some(canonical_zone(&zone))),
        "the CronJob vs config/example.toml's [schedule]"
    );
    let timer = read("deploy/systemd/mfa-auditor.timer");
    let (minute, hour) = daily(&cron);
    assert!(
        timer.contains(&format!(
            "\nOnCalendar=*-*-* {hour:02}:{minute:02}:00 {}\n",
            canonical_zone(&zone)
        )),
        "mfa-auditor.timer vs config/example.toml's [schedule]"
    );

    let grace = example_int("schedule", "stop_grace_seconds");
    for manifest in MANIFESTS {
        let documents = yaml_documents(manifest);
        let pod = pod_spec(&documents);
        assert_eq!(
            container_env(pod, "MFA_AUDITOR__SCHEDULE__RESUME_INTERRUPTED").as_deref(),
            Some("true"),
            "{manifest}"
        );
        let waited = pod["terminationGracePeriodSeconds"].as_i64().unwrap();
        assert!(
            waited > grace,
            "{manifest}: {waited} s, the sweep's grace {grace} s"
        );
        // Spooled results outlive the pod.
        let spool = container_env(pod, "MFA_AUDITOR__STORE__SPOOL_DIR").unwrap();
        let volume = mount_of(pod, "persistentVolumeClaim");
        assert!(
            spool.starts_with(&format!("{volume}/")),
            "{manifest}: {spool}"
        );
    }
    assert_eq!(
        unit_environment("MFA_AUDITOR__SCHEDULE__RESUME_INTERRUPTED").as_deref(),
        Some("true")
    );
    let stop: Vec<i64> = unit_values("TimeoutStopSec")
        .iter()
        .map(|v| v.parse().unwrap())
        .collect();
    assert!(
        stop.len() == 1 && stop[0] > grace,
        "TimeoutStopSec {stop:?}"
    );
    let state = unit_values("StateDirectory");
    let spool = unit_environment("MFA_AUDITOR__STORE__SPOOL_DIR").unwrap();
    assert!(
        spool.starts_with(&format!("/var/lib/{}/", state[0])),
        "{spool}"
    );
}

/// The `service:Action` names written in backquotes in a piece of the README.
fn actions_named(text: &str) -> BTreeSet<String> {
    text.split('`')
        .skip(1)
        .step_by(2)
        .filter(|word| {
            word.split_once(':').is_some_and(|(service, action)| {
                !service.is_empty()
                    && service.chars().all(|c| c.is_ascii_lowercase() || c == '-')
                    && action.starts_with(|c: char| c.is_ascii_uppercase())
                    && action.chars().all(|c| c.is_ascii_alphanumeric())
            })
        })
        .map(str::to_string)
        .collect()
}

#[test]
fn the_readme_lists_exactly_the_permissions_the_policies_grant() {
    let section = readme_section("Permissions");
    let caller_part = section
        .split_once("The caller (")
        .expect("README Permissions: \"The caller (\"")
        .1;
    let (caller_part, role_part) = caller_part
        .split_once("The audit role, in every audited account")
        .expect("README Permissions: \"The audit role, in every audited account\"");
    assert_eq!(
        actions_named(caller_part),
        policy_actions("deploy/iam/caller-policy.json"),
        "README Permissions (the caller) vs deploy/iam/caller-policy.json"
    );
    assert_eq!(
        actions_named(role_part),
        policy_actions("deploy/iam/audit-role-policy.json"),
        "README Permissions (the audit role) vs deploy/iam/audit-role-policy.json"
    );
}
