//! The alerts of `deploy/prometheus/` can run: `promtool check rules` finds them well formed,
//! `promtool test rules` shows each firing when it should and not before, and `serve`, run as
//! `deploy/kubernetes/deployment.yaml` runs it, exposes every series they read from the moment
//! it starts (a counter that appeared only at its first increment would give `increase()`
//! nothing to compare, and the first failure would raise no alert).

#![allow(clippy::unwrap_used)]

use mfa_testkit::{fresh_database, repo_root, validator};
use serde_yaml_ng::Value as Yaml;
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

const RULES: &str = "deploy/prometheus/mfa-auditor.rules.yaml";
const DEPLOYMENT: &str = "deploy/kubernetes/deployment.yaml";

fn read(path: &str) -> String {
    std::fs::read_to_string(repo_root().join(path)).unwrap()
}

#[test]
fn the_alert_rules_are_well_formed_and_fire_when_they_should() {
    let Some(promtool) = validator(
        "promtool",
        "apt-get install prometheus (scripts/test does as root, .ci/run always)",
    ) else {
        return;
    };
    for args in [
        ["check", "rules", "mfa-auditor.rules.yaml"],
        ["test", "rules", "mfa-auditor.rules.test.yaml"],
    ] {
        let output = Command::new(&promtool)
            .args(args)
            .current_dir(repo_root().join("deploy/prometheus"))
            .output()
            .unwrap();
        let said = String::from_utf8_lossy(&output.stdout).into_owned()
            + &String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "promtool {args:?}:\n{said}");
        assert!(said.contains("SUCCESS"), "promtool {args:?}:\n{said}");
    }
}

/// A series an alert reads: its name, and its matchers as (label, operator, value).
#[derive(Debug)]
struct Selector {
    name: String,
    matchers: Vec<(String, String, String)>,
}

/// Every `mfa_auditor_*` selector of a PromQL expression.
fn selectors(expr: &str) -> Vec<Selector> {
    expr.match_indices("mfa_auditor_")
        .map(|(start, _)| {
            let name: String = expr[start..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            let rest = &expr[start + name.len()..];
            let matchers = match rest.strip_prefix('{') {
                None => Vec::new(),
                Some(inner) => inner[..inner.find('}').unwrap()]
                    .split(',')
                    .map(|matcher| {
                        let at = matcher.find(['=', '!']).unwrap();
                        let end = at + matcher[at..].find('"').unwrap();
                        let operator = matcher[at..end].to_string();
                        assert!(
                            ["=", "=~"].contains(&operator.as_str()),
                            "{matcher}: a matcher this test does not know; teach it"
                        );
                        let value = matcher[end..].trim_matches('"').to_string();
                        (matcher[..at].trim().to_string(), operator, value)
                    })
                    .collect(),
            };
            Selector { name, matchers }
        })
        .collect()
}

/// Every sample of a Prometheus text exposition: name and labels.
fn samples(exposition: &str) -> Vec<(String, BTreeMap<String, String>)> {
    exposition
        .lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .map(|line| {
            let series = line.rsplit_once(' ').unwrap().0;
            let (name, labels) = series.split_once('{').unwrap_or((series, "}"));
            let labels = labels
                .trim_end_matches('}')
                .split(',')
                .filter(|pair| !pair.is_empty())
                .map(|pair| {
                    let (label, value) = pair.split_once('=').unwrap();
                    (label.to_string(), value.trim_matches('"').to_string())
                })
                .collect();
            (name.to_string(), labels)
        })
        .collect()
}

/// `GET /metrics` on loopback; `None` while nothing listens.
fn scrape(port: u16) -> Option<String> {
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    write!(
        stream,
        "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let (head, body) = response.split_once("\r\n\r\n")?;
    head.contains(" 200 ").then(|| body.to_string())
}

fn stand_in(name: &str, content: &str) -> PathBuf {
    let file = std::env::temp_dir().join(format!("mfa-alerts-{}-{name}", std::process::id()));
    std::fs::write(&file, format!("{content}\n")).unwrap();
    file
}

/// `serve` as the Deployment runs it: its arguments (the ConfigMap being config/example.toml)
/// and environment, the Secret's files replaced by stand-ins, on a loopback port, and one
/// webhook, so that its notification counters exist. Returns the first scrape of /metrics.
async fn scrape_the_deployment_at_start() -> String {
    let documents: Vec<Yaml> = {
        use serde::Deserialize;
        let text = read(DEPLOYMENT);
        serde_yaml_ng::Deserializer::from_str(&text)
            .map(|d| Yaml::deserialize(d).unwrap())
            .collect()
    };
    let deployment = documents
        .iter()
        .find(|d| d["kind"].as_str() == Some("Deployment"))
        .unwrap();
    let pod = &deployment["spec"]["template"];
    let container = &pod["spec"]["containers"][0];
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    // Prometheus scrapes where the manifest says the metrics are.
    let annotations = &pod["metadata"]["annotations"];
    let container_port = container["ports"][0]["containerPort"].as_i64().unwrap();
    assert_eq!(
        annotations["prometheus.io/port"].as_str(),
        Some(container_port.to_string().as_str())
    );
    assert_eq!(annotations["prometheus.io/path"].as_str(), Some("/metrics"));

    let database = stand_in("database-url", &fresh_database().await);
    let spool = std::env::temp_dir().join(format!("mfa-alerts-{}-spool", std::process::id()));
    let mut env = Vec::new();
    for variable in container["env"].as_sequence().unwrap() {
        let name = variable["name"].as_str().unwrap().to_string();
        let value = match name.as_str() {
            "MFA_AUDITOR__DATABASE__URL_FILE" => database.display().to_string(),
            "MFA_AUDITOR__ORGANIZATION__EXTERNAL_ID_FILE" => {
                stand_in("external-id", "an-external-id")
                    .display()
                    .to_string()
            }
            "MFA_AUDITOR__METRICS__REPORT_PASSWORD_FILE" => {
                stand_in("report-password", "a-generated-password-0123456789")
                    .display()
                    .to_string()
            }
            "MFA_AUDITOR__METRICS__LISTEN" => {
                let listen = variable["value"].as_str().unwrap();
                assert!(listen.ends_with(&format!(":{container_port}")), "{listen}");
                format!("127.0.0.1:{port}")
            }
            "MFA_AUDITOR__STORE__SPOOL_DIR" => spool.display().to_string(),
            other if other.ends_with("_FILE") => panic!("{other}: give this test a stand-in"),
            _ => variable["value"].as_str().unwrap().to_string(),
        };
        env.push((name, value));
    }
    let args: Vec<String> = container["args"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|a| match a.as_str().unwrap() {
            "/etc/mfa-auditor/config.toml" => "config/example.toml".to_string(),
            other => other.to_string(),
        })
        .collect();
    let mut serve = Command::new(env!("CARGO_BIN_EXE_mfa-auditor"))
        .current_dir(repo_root())
        .args(&args)
        .envs(env)
        .env(
            "MFA_AUDITOR__NOTIFY__WEBHOOK",
            r#"[{name = "security-chat", url_env = "MFA_ALERTS_HOOK", format = "json"}]"#,
        )
        .env("MFA_ALERTS_HOOK", "http://127.0.0.1:1/hook")
        // Should the schedule fire meanwhile, nothing reaches AWS.
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:1")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut scraped = None;
    for _ in 0..300 {
        scraped = scrape(port);
        if scraped.is_some() || serve.try_wait().unwrap().is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = serve.kill();
    let output = serve.wait_with_output().unwrap();
    for file in ["database-url", "external-id", "report-password"] {
        let _ = std::fs::remove_file(
            std::env::temp_dir().join(format!("mfa-alerts-{}-{file}", std::process::id())),
        );
    }
    scraped.unwrap_or_else(|| {
        panic!(
            "serve never answered /metrics: {}",
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

#[tokio::test]
async fn the_deployment_exposes_every_series_the_alerts_read_from_its_start() {
    let exposition = scrape_the_deployment_at_start().await;
    let exposed = samples(&exposition);
    let rules: Yaml = serde_yaml_ng::from_str(&read(RULES)).unwrap();
    let mut read_by_alerts = 0;
    for rule in rules["groups"][0]["rules"].as_sequence().unwrap() {
        let alert = rule["alert"].as_str().unwrap();
        for selector in selectors(rule["expr"].as_str().unwrap()) {
            read_by_alerts += 1;
            let of_name: Vec<&BTreeMap<String, String>> = exposed
                .iter()
                .filter(|(name, _)| *name == selector.name)
                .map(|(_, labels)| labels)
                .collect();
            assert!(
                !of_name.is_empty(),
                "{alert} reads {}, which serve does not expose:\n{exposition}",
                selector.name
            );
            for (label, operator, value) in &selector.matchers {
                let wanted: Vec<&str> = match operator.as_str() {
                    "=~" => value.split('|').collect(),
                    _ => vec![value.as_str()],
                };
                for one in wanted {
                    assert!(
                        of_name
                            .iter()
                            .any(|l| l.get(label).map(String::as_str) == Some(one)),
                        "{alert} reads {}{{{label}=\"{one}\"}}, which serve does not expose \
                         from its start:\n{exposition}",
                        selector.name
                    );
                }
            }
        }
    }
    assert!(read_by_alerts >= 6, "{read_by_alerts} selectors in {RULES}");
}
