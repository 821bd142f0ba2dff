use crate::config::{from_str, AuditConfig, ConfigError};
use secrecy::ExposeSecret;
use std::collections::HashMap;

const MINIMAL: &str = "[database]\nurl = \"postgres://postgres@127.0.0.1:5432/mfa_auditor\"\n";
const PASSWORD: &str = "Report-Pass-6b1f-0a9c-77d2";

fn load(metrics: &str, vars: &[(&str, &str)]) -> Result<AuditConfig, ConfigError> {
    let env: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    from_str(
        &format!("{MINIMAL}[metrics]\n{metrics}"),
        "config/test.toml",
        &env,
    )
}

/// (user, password) the page asks for; `None`: off.
fn access(config: &AuditConfig) -> Option<(String, String)> {
    config
        .report_page
        .as_ref()
        .map(|a| (a.user.clone(), a.password.expose_secret().to_string()))
}

#[test]
fn the_report_page_is_off_unless_asked_for() {
    assert_eq!(access(&load("", &[]).expect("valid")), None);
    // A password alone does not open it.
    let config = load(&format!("report_password = \"{PASSWORD}\"\n"), &[]).expect("valid");
    assert_eq!(access(&config), None);
}

#[test]
fn the_report_page_on_without_a_password_is_an_error_naming_the_key() {
    for (metrics, vars) in [
        ("report = true\n", vec![]),
        ("report = true\nreport_password = \"\"\n", vec![]),
        ("", vec![("MFA_AUDITOR__METRICS__REPORT", "true")]),
    ] {
        let error = load(metrics, &vars).expect_err(metrics);
        assert_eq!(error.key, "metrics.report_password", "{error}");
        assert!(
            error.message.contains(
                "`metrics.report_password`, `metrics.report_password_env` or \
                 `metrics.report_password_file`"
            ),
            "{error}"
        );
    }
}

#[test]
fn the_report_password_comes_in_any_form_and_layer() {
    let config = load(
        &format!("report = true\nreport_password = \"{PASSWORD}\"\n"),
        &[],
    )
    .expect("valid");
    let expected = Some(("auditor".to_string(), PASSWORD.to_string()));
    assert_eq!(access(&config), expected);

    let config = load(
        "report = true\nreport_password_env = \"REPORT_PASSWORD\"\n",
        &[("REPORT_PASSWORD", PASSWORD)],
    )
    .expect("valid");
    assert_eq!(access(&config), expected);

    let file = std::env::temp_dir().join(format!("mfa-report-password-{}", std::process::id()));
    std::fs::write(&file, format!("{PASSWORD}\n")).expect("written");
    let file = file.display().to_string();
    // The environment's form replaces the file's.
    let config = load(
        "report = true\nreport_user = \"security\"\nreport_password = \"Replaced-By-The-Env-1234\"\n",
        &[("MFA_AUDITOR__METRICS__REPORT_PASSWORD_FILE", &file)],
    )
    .expect("valid");
    assert_eq!(
        access(&config),
        Some(("security".to_string(), PASSWORD.to_string()))
    );
    let _ = std::fs::remove_file(&file);
}

#[test]
fn a_weak_password_or_a_bad_user_is_refused_without_repeating_the_password() {
    let error = load(
        "report = true\nreport_password_env = \"REPORT_PASSWORD\"\n",
        &[("REPORT_PASSWORD", "Short-9f2")],
    )
    .expect_err("short");
    assert_eq!(error.key, "metrics.report_password_env");
    assert!(
        error.message.contains("shorter than 16 characters"),
        "{error}"
    );
    assert!(!error.to_string().contains("Short-9f2"), "{error}");

    for user in ["", "a:b", "tab\there"] {
        let text =
            format!("report = true\nreport_user = {user:?}\nreport_password = \"{PASSWORD}\"\n");
        let error = load(&text, &[]).expect_err(user);
        assert_eq!(error.key, "metrics.report_user", "{error}");
        assert!(!error.to_string().contains(PASSWORD), "{error}");
    }

    let error = load("report_password = 73105829461337\n", &[]).expect_err("a number");
    assert_eq!(error.key, "metrics.report_password");
    assert!(!error.to_string().contains("73105829461337"), "{error}");
}
