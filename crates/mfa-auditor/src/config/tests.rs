use super::*;
use secrecy::ExposeSecret;

const MINIMAL: &str = "[database]\nurl = \"postgres://postgres@127.0.0.1:5432/mfa_auditor\"\n";

fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn load_str(text: &str, vars: &[(&str, &str)]) -> Result<AuditConfig, ConfigError> {
    from_str(text, "config/test.toml", &env(vars))
}

#[test]
fn a_minimal_file_takes_every_default() {
    let config = load_str(MINIMAL, &[]).expect("valid");
    assert_eq!(config.aws.region, "us-east-1");
    assert_eq!(config.aws.endpoint_url, None);
    assert_eq!(config.role.name, "MfaAuditRole");
    assert_eq!(config.role.session_name, "mfa-auditor");
    assert!(config.role.external_id.is_none());
    assert!(config.scope.audit_management_account);
    assert_eq!(
        regions(&config),
        vec!["*"],
        "every region enabled in each account"
    );
    assert_eq!(config.limits.requests_in_flight, Some(16));
    assert_eq!(config.accounts_in_flight, 256);
    assert_eq!(config.reads, AuditReads::ALL, "devices and policies read");
}

#[test]
fn the_reads_beyond_the_controls_are_turned_off_one_by_one() {
    let config = load_str(&format!("{MINIMAL}[audit]\nmfa_devices = false\n"), &[]).expect("valid");
    assert_eq!(
        config.reads,
        AuditReads {
            mfa_devices: false,
            policies: true
        }
    );
    let config = load_str(MINIMAL, &[("MFA_AUDITOR__AUDIT__POLICIES", "false")]).expect("valid");
    assert_eq!(
        config.reads,
        AuditReads {
            mfa_devices: true,
            policies: false
        }
    );
    for (text, key) in [
        (
            format!("{MINIMAL}[audit]\nmfa_devices = \"no\"\n"),
            "audit.mfa_devices",
        ),
        (
            format!("{MINIMAL}[audit]\npolicies = 0\n"),
            "audit.policies",
        ),
    ] {
        let error = load_str(&text, &[]).expect_err(key).to_string();
        assert!(
            error.contains(key) && error.contains("config/test.toml"),
            "{error}"
        );
    }
}

#[test]
fn environment_layers_over_the_file() {
    let config = load_str(
        MINIMAL,
        &[
            ("DATABASE_URL", "postgres://u@db:5433/x"),
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:5000"),
            ("MFA_AUDITOR__LIMITS__CONCURRENCY", "4"),
            (
                "MFA_AUDITOR__AUDIT__REGIONS",
                "[\"eu-west-1\", \"us-east-1\"]",
            ),
            (
                "MFA_AUDITOR__ORGANIZATION__EXTERNAL_ID",
                "not-toml but a string",
            ),
            ("UNRELATED", "ignored"),
        ],
    )
    .expect("valid");
    assert_eq!(url(&config), Some("postgres://u@db:5433/x".to_string()));
    assert_eq!(
        config.aws.endpoint_url.as_deref(),
        Some("http://127.0.0.1:5000")
    );
    assert_eq!(config.limits.requests_in_flight, Some(4));
    assert_eq!(regions(&config), vec!["eu-west-1", "us-east-1"]);
    assert_eq!(
        config
            .role
            .external_id
            .as_ref()
            .map(|s| s.expose_secret().to_string()),
        Some("not-toml but a string".to_string())
    );
}

#[test]
fn a_standard_variable_set_empty_or_blank_is_unset() {
    let file = format!("{MINIMAL}[aws]\nendpoint_url = \"http://127.0.0.1:5000\"\n");
    for blank in ["", " ", "\t"] {
        let config = load_str(
            &file,
            &[
                ("AWS_ENDPOINT_URL", blank),
                ("AWS_REGION", blank),
                ("DATABASE_URL", blank),
            ],
        )
        .expect("valid");
        assert_eq!(
            config.aws.endpoint_url.as_deref(),
            Some("http://127.0.0.1:5000"),
            "{blank:?}"
        );
        assert_eq!(config.aws.region, "us-east-1");
        assert_eq!(config.database.origin, "config/test.toml");
    }
}

#[test]
fn the_database_url_may_come_from_the_environment_alone() {
    let config = load_str("", &[("DATABASE_URL", "postgres://localhost/db")]).expect("valid");
    assert_eq!(url(&config), Some("postgres://localhost/db".to_string()));
    assert_eq!(
        url(&load_str("", &[]).expect("valid")),
        None,
        "commands that need it say so"
    );
}

#[test]
fn a_star_alone_searches_every_region_enabled_in_each_account() {
    let config = load_str("[audit]\nregions = [\"*\"]\n", &[]).expect("valid");
    assert_eq!(config.regions, mfa_collector::RegionScope::Enabled);
    let config = load_str("", &[("MFA_AUDITOR__AUDIT__REGIONS", "[\"*\"]")]).expect("valid");
    assert_eq!(config.regions, mfa_collector::RegionScope::Enabled);
}

fn regions(config: &AuditConfig) -> Vec<String> {
    config.regions.as_configured()
}

fn url(config: &AuditConfig) -> Option<String> {
    config
        .database
        .url
        .as_ref()
        .map(|u| u.expose_secret().to_string())
}

#[test]
fn string_keys_take_environment_values_as_strings() {
    // ExternalIds are often numbers; so can a password-free database name look like one.
    let config = load_str(
        MINIMAL,
        &[
            ("MFA_AUDITOR__ORGANIZATION__EXTERNAL_ID", "7310582946"),
            ("MFA_AUDITOR__ORGANIZATION__SESSION_NAME", "2024"),
            ("MFA_AUDITOR__LIMITS__CONCURRENCY", "4"),
        ],
    )
    .expect("valid");
    assert_eq!(
        config
            .role
            .external_id
            .as_ref()
            .map(|s| s.expose_secret().to_string()),
        Some("7310582946".to_string())
    );
    assert_eq!(config.role.session_name, "2024");
    assert_eq!(
        config.limits.requests_in_flight,
        Some(4),
        "numbers still parse as numbers"
    );
}

#[test]
fn a_secret_of_the_wrong_type_is_never_echoed() {
    for text in [
        format!("{MINIMAL}[organization]\nexternal_id = 7310582946\n"),
        "[database]\nurl = 7310582946\n".to_string(),
        format!("{MINIMAL}[organization]\nexternal_id = [\"7310582946\"]\n"),
    ] {
        let error = load_str(&text, &[]).expect_err(&text);
        assert!(!error.to_string().contains("7310582946"), "{error}");
        assert!(error.message.contains("holds a secret"), "{error}");
    }
}

#[test]
fn lock_waits_are_bounded() {
    let config = load_str(
        &format!("{MINIMAL}[schedule]\nif_sweep_running = \"wait\"\nlock_wait_seconds = 90\n"),
        &[],
    )
    .expect("valid");
    assert_eq!(
        config.when_busy,
        WhenBusy::Wait {
            up_to: Duration::from_secs(90)
        }
    );
    assert_eq!(
        load_str(MINIMAL, &[]).expect("valid").when_busy,
        WhenBusy::Refuse
    );
}

#[test]
fn an_unreadable_file_is_named() {
    let error = load(Path::new("/nonexistent/mfa.toml"), &HashMap::new()).expect_err("missing");
    assert_eq!(error.origin, "/nonexistent/mfa.toml");
    assert!(error.to_string().contains("cannot read"), "{error}");
}

#[test]
fn the_external_id_never_appears_in_debug_output_or_errors() {
    let secret = "ext-id-7f3a9c";
    let config = load_str(
        &format!("{MINIMAL}[organization]\nexternal_id = \"{secret}\"\n"),
        &[],
    )
    .expect("valid");
    assert!(!format!("{config:?}").contains(secret));
    let error = load_str(
        &format!("{MINIMAL}[organization]\nexternal_id = \"{secret}\\u0007\"\n"),
        &[],
    )
    .expect_err("control character");
    assert!(!error.to_string().contains(secret), "{error}");
}

#[test]
fn the_shipped_configuration_files_are_valid() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config");
    // config/example.toml reads the ExternalId from the file a deployment provides: a stand-in.
    let external_id = std::env::temp_dir().join(format!("mfa-example-{}", std::process::id()));
    std::fs::write(&external_id, "an-external-id\n").expect("a temporary file");
    let env = HashMap::from([(
        "MFA_AUDITOR__ORGANIZATION__EXTERNAL_ID_FILE".to_string(),
        external_id.display().to_string(),
    )]);
    // The local stack's three regions; a real organization's every enabled region.
    for (name, regions) in [
        (
            "default.toml",
            &["us-east-1", "eu-west-1", "ap-southeast-2"][..],
        ),
        ("example.toml", &["*"]),
    ] {
        let config = load(&dir.join(name), &env).unwrap_or_else(|e| panic!("config/{name}: {e}"));
        assert_eq!(config.regions.as_configured(), regions, "{name}");
        assert!(
            config.role.external_id.is_some(),
            "{name} gives an ExternalId"
        );
    }
    let _ = std::fs::remove_file(external_id);
}

/// A configuration that leaves the audit role out assumes the role deploy/iam creates (the
/// StackSet's RoleName), which is the one the caller's policy may assume.
#[test]
fn the_default_audit_role_is_the_one_deploy_iam_creates() {
    let template = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/iam/audit-role-stackset.yaml"),
    )
    .expect("the StackSet template");
    let parameter = template
        .split("\n  RoleName:\n")
        .nth(1)
        .expect("a RoleName parameter");
    let default = parameter
        .lines()
        .take_while(|line| line.starts_with("    "))
        .find_map(|line| line.trim().strip_prefix("Default: "))
        .expect("RoleName's Default");
    let config = load_str(MINIMAL, &[]).expect("valid");
    assert_eq!(config.role.name, default);
}

#[test]
fn a_webhook_url_is_never_repeated_in_an_error() {
    for url in [
        "hooks.example/T0/SECRET",
        "ftp://SECRET@a.example/x",
        "mailto:SECRET@a.example",
    ] {
        let text = format!("{MINIMAL}[[notify.webhook]]\nurl = \"{url}\"\n");
        let error = load_str(&text, &[]).expect_err(url).to_string();
        assert!(error.contains("notify.webhook[1].url"), "{error}");
        assert!(!error.contains("SECRET"), "{error}");
    }
}

/// The configurations refused, a table of its own.
mod bad_configurations;

#[test]
fn accounts_in_flight_are_lowered_to_what_a_global_cap_serves_within_the_deadline() {
    let capped = |rate: u32| {
        let text = format!("{MINIMAL}[limits]\nglobal_per_second = {rate}\n");
        load_str(&text, &[]).expect("valid")
    };
    // 50 a second: about 26 calls for each of 256 accounts take 133 s in line, inside half of
    // the 300 s deadline.
    let roomy = capped(50);
    assert_eq!(roomy.accounts_in_flight, 256);
    assert_eq!(roomy.accounts_in_flight_lowered, None);
    // 10 a second: 256 accounts would take 666 s; 10 × 150 s / 26 calls = 57 at once.
    let tight = capped(10);
    assert_eq!(tight.accounts_in_flight, 57);
    let why = tight.accounts_in_flight_lowered.expect("said");
    assert!(
        why.contains("limits.accounts_in_flight 256 lowered to 57")
            && why.contains("about 665 s each in line, more than half")
            && why.contains("set limits.accounts_in_flight to 57 or fewer"),
        "{why}"
    );
    assert!(
        tight.warnings.is_empty(),
        "a sweep's warning, not every command's"
    );
    // Fewer calls per account (three listed regions, no facts) leave room for more accounts.
    let text = format!(
        "{MINIMAL}[limits]\nglobal_per_second = 10\n\
         [audit]\nregions = [\"us-east-1\", \"eu-west-1\", \"eu-west-2\"]\n\
         mfa_devices = false\npolicies = false\n"
    );
    assert_eq!(load_str(&text, &[]).expect("valid").accounts_in_flight, 187);
}
