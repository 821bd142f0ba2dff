//! Notifications, end to end: the real binary, the emulator, and webhook receivers on loopback
//! that record what they are sent and answer as told (200, 500 then 200, or never).

#![allow(clippy::unwrap_used)]

mod common;

use common::receiver::{config_with, Answer, Receiver};
use common::{setup, text, Auditor};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

fn sweep(auditor: &mut Auditor, config: &str, verbose: bool) -> std::process::Output {
    auditor.config = config.to_string();
    auditor.run(if verbose {
        &["-vv", "sweep"]
    } else {
        &["sweep"]
    })
}

/// An OU name as AWS allows one (any character).
const HOSTILE_OU: &str = "Prod\u{1b}[2J\u{1b}]0;pwned\u{7}\nFAKE: all accounts PASSED\r";
/// An account name as AWS allows one (printable ASCII): a Slack mention, then a formula.
const HOSTILE_ACCOUNT: &str = "<!channel> =HYPERLINK(\"http://x\",\"y\")";

fn changes(body: &Value, kind: &str) -> Vec<String> {
    body["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["change"] == kind)
        .map(|c| {
            format!(
                "{} {}",
                c["control_id"].as_str().unwrap(),
                c["resource_id"].as_str().unwrap()
            )
        })
        .collect()
}

#[tokio::test]
async fn each_webhook_hears_what_changed_in_its_part_of_the_organization_and_nothing_else() {
    let (emulator, expected, mut auditor) = setup().await;
    let dir = std::env::temp_dir().join(format!("mfa-notify-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let everything = Receiver::start(Answer::Ok);
    let prod = Receiver::start(Answer::Ok);
    let slack = Receiver::start(Answer::Ok);
    let prod_ou = expected["ou_ids"]["Workloads/Prod"].as_str().unwrap();
    // Names as AWS allows them: the OU's clears a terminal and starts a line of its own, the
    // account's mentions the channel and is a formula.
    let prod_api = common::account_named(&expected, "prod-api");
    emulator.set_faults(json!({"ou_names": {prod_ou: HOSTILE_OU},
                               "account_names": {prod_api.as_str(): HOSTILE_ACCOUNT}}));
    let config = config_with(
        &dir,
        &format!(
            "[[notify.webhook]]\nname = \"security\"\nurl = \"{}\"\nformat = \"json\"\n\n\
             [[notify.webhook]]\nname = \"prod\"\nurl = \"{}\"\nous = [\"{prod_ou}\"]\non = [\"new_failures\", \"resolved\"]\n\n\
             [[notify.webhook]]\nname = \"chat\"\nurl = \"{}\"\nformat = \"slack\"\n",
            everything.url, prod.url, slack.url
        ),
    );

    // The first sweep: no account had an assessment before, so no finding changed; the
    // account that cannot be assessed is news.
    let first = sweep(&mut auditor, &config, false);
    assert_eq!(first.status.code(), Some(2), "{}", text(&first.stderr));
    let bodies = everything.bodies();
    assert_eq!(bodies.len(), 1, "one POST per sweep");
    assert_eq!(bodies[0]["schema_version"], 1);
    assert_eq!(bodies[0]["counts"]["new_failures"], 0, "{}", bodies[0]);
    assert_eq!(bodies[0]["critical"], json!([]), "{}", bodies[0]);
    assert_eq!(
        bodies[0]["account_errors"][0]["code"], "AccessDenied",
        "{}",
        bodies[0]
    );
    assert!(
        prod.bodies().is_empty(),
        "prod asked for finding changes only"
    );

    // Overnight: prod-web's root gets a hardware device; prod-api's root loses its MFA.
    let prod_web = common::account_named(&expected, "prod-web");
    emulator.set_root_state(
        &prod_web,
        json!({"password_present": true, "access_keys_present": false,
        "virtual_mfa": false, "hardware_mfa": true}),
    );
    emulator.set_root_state(
        &prod_api,
        json!({"password_present": true, "access_keys_present": false,
        "virtual_mfa": false, "hardware_mfa": false}),
    );
    let second = sweep(&mut auditor, &config, false);
    assert_eq!(second.status.code(), Some(2), "{}", text(&second.stderr));
    let body = &everything.bodies()[1];
    assert_eq!(
        changes(body, "new_failure"),
        [format!("IAM.9 arn:aws:iam::{prod_api}:root")],
        "{body}"
    );
    let mut resolved = changes(body, "resolved");
    resolved.sort();
    assert_eq!(
        resolved,
        [
            format!("IAM.6 arn:aws:iam::{prod_web}:root"),
            format!("IAM.9 arn:aws:iam::{prod_web}:root")
        ],
        "{body}"
    );
    assert!(
        body["account_errors"].as_array().unwrap().is_empty(),
        "the same account errors: no news"
    );
    // prod-api's root, with a password and no MFA now, became critical; the identities
    // critical since the first sweep (that account's first assessment) are no news.
    let critical: Vec<(&str, &Value)> = body["critical"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["resource_id"].as_str().unwrap(), &c["controls"]))
        .collect();
    assert_eq!(
        critical,
        [(
            format!("arn:aws:iam::{prod_api}:root").as_str(),
            &json!(["IAM.9"])
        )],
        "{body}"
    );
    assert_eq!(body["counts"]["critical"], 1, "{body}");
    // The JSON document carries the names exactly.
    let failure = &body["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["change"] == "new_failure")
        .unwrap();
    assert_eq!(failure["account_name"], HOSTILE_ACCOUNT, "{body}");
    assert_eq!(
        failure["ou_path"],
        format!("Root/Workloads/{HOSTILE_OU}"),
        "{body}"
    );
    // The prod OU's webhook heard the same (both accounts are in it).
    assert_eq!(
        changes(&prod.bodies()[0], "new_failure"),
        changes(body, "new_failure")
    );
    // Slack: counts first, then a line per change, the name escaped for Slack.
    let message = slack.bodies()[1]["text"].as_str().unwrap().to_string();
    assert!(message.starts_with("MFA audit of o-"), "{message}");
    assert!(message.contains("1 new failures, 2 resolved"), "{message}");
    assert!(
        message.contains(&format!("• Critical: &lt;!channel&gt; =HYPERLINK(\"http://x\",\"y\") ({prod_api}) arn:aws:iam::{prod_api}:root: admin")),
        "{message}"
    );
    assert!(
        message.contains(&format!(
            "• New failure: &lt;!channel&gt; =HYPERLINK(\"http://x\",\"y\") ({prod_api}) IAM.9 \
             arn:aws:iam::{prod_api}:root"
        )),
        "{message}"
    );
    assert!(
        !message.contains('<') && !message.contains('>'),
        "{message}"
    );

    // A dev account changes: the prod webhook hears nothing, the others do.
    let dev_web = common::account_named(&expected, "dev-web");
    emulator.set_root_state(
        &dev_web,
        json!({"password_present": true, "access_keys_present": false,
        "virtual_mfa": true, "hardware_mfa": false}),
    );
    let third = sweep(&mut auditor, &config, false);
    assert_eq!(third.status.code(), Some(2), "{}", text(&third.stderr));
    assert_eq!(everything.bodies().len(), 3);
    assert_eq!(prod.bodies().len(), 1, "nothing changed in prod: no POST");

    // Nothing changes at all: no POST anywhere.
    let fourth = sweep(&mut auditor, &config, false);
    assert_eq!(fourth.status.code(), Some(2), "{}", text(&fourth.stderr));
    assert_eq!(everything.bodies().len(), 3, "nothing changed: no POST");
    assert_eq!(slack.bodies().len(), 3);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_failing_receiver_is_retried_a_hanging_one_given_up_and_the_sweep_unchanged() {
    let (_emulator, _expected, mut auditor) = setup().await;
    let dir = std::env::temp_dir().join(format!("mfa-notify-faults-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let flaky = Receiver::start(Answer::FailOnce);
    let hanging = Receiver::start(Answer::Hang);
    let config = config_with(
        &dir,
        &format!(
            "[[notify.webhook]]\nname = \"flaky\"\nurl = \"{}\"\n\n\
             [[notify.webhook]]\nname = \"hanging\"\nurl = \"{}\"\n",
            flaky.url, hanging.url
        ),
    );
    // Everything logged, the HTTP client's own events included.
    auditor.env.push(("RUST_LOG".into(), "trace".into()));
    let started = Instant::now();
    let output = sweep(&mut auditor, &config, true);
    let took = started.elapsed();
    let stderr = text(&output.stderr);
    assert_eq!(
        output.status.code(),
        Some(2),
        "the sweep's own exit status: {stderr}"
    );
    assert_eq!(
        flaky.bodies().len(),
        2,
        "a 500, then the same notification again"
    );
    assert!(
        stderr.contains("webhook \\\"hanging\\\" did not take the notification in 6 s")
            || stderr.contains("webhook \"hanging\" did not take the notification in 6 s"),
        "{stderr}"
    );
    assert!(stderr.contains("notification sent"), "{stderr}");
    assert!(
        took < Duration::from_secs(120),
        "bounded by notify.total_seconds, not the receiver"
    );
    assert!(
        !stderr.contains("SECRETWEBHOOKTOKEN"),
        "a webhook URL is a secret:\n{stderr}"
    );
    assert!(!text(&output.stdout).contains("SECRETWEBHOOKTOKEN"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_bad_webhook_is_named_without_its_url() {
    let (_emulator, _expected, mut auditor) = setup().await;
    let dir = std::env::temp_dir().join(format!("mfa-notify-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = config_with(
        &dir,
        "[[notify.webhook]]\nurl = \"https://hooks.example/ok\"\n\n\
         [[notify.webhook]]\nurl = \"ftp://SECRETWEBHOOKTOKEN@hooks.example/x\"\n",
    );
    let output = sweep(&mut auditor, &config, false);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("key `notify.webhook[2].url`: is not an http or https URL"),
        "{stderr}"
    );
    assert!(!stderr.contains("SECRETWEBHOOKTOKEN"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}
