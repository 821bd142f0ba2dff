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

/// (file text, environment, origin, key, part of the message)
type BadCase<'a> = (String, Vec<(&'a str, &'a str)>, &'a str, &'a str, &'a str);

#[test]
fn bad_configurations_name_the_origin_and_key() {
    let file = "config/test.toml";
    let cases: Vec<BadCase> = vec![
        (
            format!("{MINIMAL}[[notify.webhook]]\nurl = \"hooks.example/T0/SECRET\"\n"),
            vec![],
            file,
            "notify.webhook[1].url",
            "is not a URL (the URL is a secret and is not repeated here)",
        ),
        (
            format!(
                "{MINIMAL}[[notify.webhook]]\nurl = \"https://a.example/1\"\n\
                 [[notify.webhook]]\nurl = \"https://a.example/2\"\nformat = \"teams\"\n"
            ),
            vec![],
            file,
            "notify.webhook[2].format",
            "\"teams\" is not \"json\" or \"slack\"",
        ),
        (
            format!("{MINIMAL}[[notify.webhook]]\nurl = \"https://a.example/1\"\non = [\"new_failure\"]\n"),
            vec![],
            file,
            "notify.webhook[1].on",
            "\"new_failure\" is not one of new_failures, resolved, account_errors, exceptions_expiring",
        ),
        (
            format!("{MINIMAL}[[notify.webhook]]\nurl = \"https://a.example/1\"\nous = [\"prod\"]\n"),
            vec![],
            file,
            "notify.webhook[1].ous",
            "ou-",
        ),
        (
            format!(
                "{MINIMAL}[[notify.webhook]]\nname = \"chat\"\nurl = \"https://a.example/1\"\n\
                 [[notify.webhook]]\nname = \"chat\"\nurl = \"https://a.example/2\"\n"
            ),
            vec![],
            file,
            "notify.webhook[2].name",
            "names two webhooks",
        ),
        (
            format!("{MINIMAL}[notify]\ntimeout_seconds = 30\ntotal_seconds = 10\n"),
            vec![],
            file,
            "notify.total_seconds",
            "shorter than notify.timeout_seconds",
        ),
        (
            "[database]\nurl = \"mysql://x\"\n".into(),
            vec![],
            file,
            "database.url",
            "postgres://",
        ),
        (
            format!("{MINIMAL}[aws]\nregion = \"useast1\"\n"),
            vec![],
            file,
            "aws.region",
            "not a region",
        ),
        (
            format!("{MINIMAL}[aws]\nendpoint_url = \"localhost:5000\"\n"),
            vec![],
            file,
            "aws.endpoint_url",
            "http://",
        ),
        (
            format!("{MINIMAL}[aws]\nendpoint_url = \"http://\"\n"),
            vec![],
            file,
            "aws.endpoint_url",
            "\"http://\" is not an http:// or https:// URL",
        ),
        (
            MINIMAL.into(),
            vec![("AWS_ENDPOINT_URL", "http://[::1")],
            "AWS_ENDPOINT_URL",
            "aws.endpoint_url",
            "is not an http:// or https:// URL",
        ),
        (
            format!("{MINIMAL}[aws]\nregion = \"eu-west-9\"\n"),
            vec![],
            file,
            "aws.region",
            "\"eu-west-9\" is no AWS region (did you mean eu-west-1, eu-west-2, eu-west-3?)",
        ),
        (
            format!("{MINIMAL}[audit]\nregions = [\"us-east-1\", \"eu-west-9\"]\n"),
            vec![],
            file,
            "audit.regions",
            "\"eu-west-9\" is no region of the aws partition (did you mean eu-west-1",
        ),
        (
            format!("{MINIMAL}[audit]\nregions = [\"us-east-1\"]\n"),
            vec![("AWS_REGION", "cn-north-1")],
            file,
            "audit.regions",
            "\"us-east-1\" is a region of the aws partition, not of aws-cn",
        ),
        (
            format!("{MINIMAL}[aws]\nregion = 5\n"),
            vec![],
            file,
            "aws.region",
            "invalid type",
        ),
        (
            format!("{MINIMAL}[organization]\naudit_role_name = \"\"\n"),
            vec![],
            file,
            "organization.audit_role_name",
            "1 to 64",
        ),
        (
            format!("{MINIMAL}[organization]\naudit_role_name = \"bad name\"\n"),
            vec![],
            file,
            "organization.audit_role_name",
            "letters, digits",
        ),
        (
            format!("{MINIMAL}[organization]\nsession_name = \"x\"\n"),
            vec![],
            file,
            "organization.session_name",
            "2 to 64",
        ),
        (
            format!("{MINIMAL}[organization]\ninclude_accounts = [\"12345\"]\n"),
            vec![],
            file,
            "organization.include_accounts",
            "12-digit",
        ),
        (
            format!("{MINIMAL}[organization]\nexclude_accounts = [\"12345678901a\"]\n"),
            vec![],
            file,
            "organization.exclude_accounts",
            "12-digit",
        ),
        (
            format!("{MINIMAL}[organization]\ninclude_ous = [\"ou-12\"]\n"),
            vec![],
            file,
            "organization.include_ous",
            "not an OU id",
        ),
        (
            format!("{MINIMAL}[organization]\nexclude_ous = [\"OU-ABCD-12345678\"]\n"),
            vec![],
            file,
            "organization.exclude_ous",
            "not an OU id",
        ),
        (
            format!("{MINIMAL}[organization]\naudit_management_account = \"yes\"\n"),
            vec![],
            file,
            "organization.audit_management_account",
            "invalid type",
        ),
        (
            format!("{MINIMAL}[organization]\nrole = \"x\"\n"),
            vec![],
            file,
            "organization.role",
            "unknown field",
        ),
        (
            format!("{MINIMAL}[auditt]\nregions = []\n"),
            vec![],
            file,
            "auditt",
            "unknown field",
        ),
        (
            format!("{MINIMAL}[audit]\nregions = []\n"),
            vec![],
            file,
            "audit.regions",
            "at least one",
        ),
        (
            format!("{MINIMAL}[audit]\nregions = [\"*\", \"us-east-1\"]\n"),
            vec![],
            file,
            "audit.regions",
            "give it alone",
        ),
        (
            format!("{MINIMAL}[audit]\nregions = [\"mars-1\"]\n"),
            vec![],
            file,
            "audit.regions",
            "not a region",
        ),
        (
            format!("{MINIMAL}[limits]\nconcurrency = 0\n"),
            vec![],
            file,
            "limits.concurrency",
            "between 1 and 256",
        ),
        (
            format!("{MINIMAL}[limits]\nconcurrency = -3\n"),
            vec![],
            file,
            "limits.concurrency",
            "invalid value",
        ),
        (
            format!("{MINIMAL}[schedule]\ncron = \"every night\"\n"),
            vec![],
            file,
            "schedule.cron",
            "five-field",
        ),
        (
            format!("{MINIMAL}[schedule]\ncron = \"0 25 * * *\"\n"),
            vec![],
            file,
            "schedule.cron",
            "five-field",
        ),
        (
            format!("{MINIMAL}[schedule]\ntimezone = \"Mars/Olympus_Mons\"\n"),
            vec![],
            file,
            "schedule.timezone",
            "IANA timezone",
        ),
        (
            format!("{MINIMAL}[metrics]\nlisten = \"localhost\"\n"),
            vec![],
            file,
            "metrics.listen",
            "127.0.0.1:9185",
        ),
        (
            format!("{MINIMAL}[store]\nspool_dir = \"\"\n"),
            vec![],
            file,
            "store.spool_dir",
            "must name a directory",
        ),
        (
            format!("{MINIMAL}[schedule]\nif_sweep_running = \"queue\"\n"),
            vec![],
            file,
            "schedule.if_sweep_running",
            "\"refuse\" or \"wait\"",
        ),
        (
            "[database\nurl = 1".into(),
            vec![],
            file,
            "",
            "not valid TOML at line 1, column 10",
        ),
        (
            format!("{MINIMAL}\n[limits]\nconcurrency = = 3\n"),
            vec![],
            file,
            "",
            "not valid TOML at line 5, column 15",
        ),
        (
            format!("{MINIMAL}[audit]\nregions = [\"us-east-1\", \"eu-west-1\", \"us-east-1\"]\n"),
            vec![],
            file,
            "audit.regions",
            "lists \"us-east-1\" twice",
        ),
        (
            format!("{MINIMAL}[organization]\ninclude_accounts = [\"111111111111\", \"111111111111\"]\n"),
            vec![],
            file,
            "organization.include_accounts",
            "twice",
        ),
        (
            format!("{MINIMAL}[organization]\nexclude_ous = [\"r-ab12\", \"r-ab12\"]\n"),
            vec![],
            file,
            "organization.exclude_ous",
            "twice",
        ),
        (
            format!("{MINIMAL}[limits]\nmax_backoff_ms = 10000000\n"),
            vec![],
            file,
            "limits.max_backoff_ms",
            "between 1 and 300000",
        ),
        (
            format!("{MINIMAL}[limits]\ninitial_backoff_ms = 30000\nmax_backoff_ms = 20000\n"),
            vec![],
            file,
            "limits.initial_backoff_ms",
            "between 1 and 20000",
        ),
        (
            format!("{MINIMAL}[database]\nconnect_timeout_seconds = 0\n").replace("[database]\nurl", "[x]\nurl").replace("[x]\nurl = \"postgres://postgres@127.0.0.1:5432/mfa_auditor\"\n", ""),
            vec![],
            file,
            "database.connect_timeout_seconds",
            "between 1 and 86400",
        ),
        (
            format!("{MINIMAL}[schedule]\nlock_wait_seconds = 0\n"),
            vec![],
            file,
            "schedule.lock_wait_seconds",
            "between 1 and 86400",
        ),
        (
            format!("{MINIMAL}[store]\nwrite_retry_seconds = 100000\n"),
            vec![],
            file,
            "store.write_retry_seconds",
            "between 0 and 86400",
        ),
        (
            format!("{MINIMAL}[organization]\nsession_duration_seconds = 600\n"),
            vec![],
            file,
            "organization.session_duration_seconds",
            "between 900 and 43200",
        ),
        (
            format!("{MINIMAL}[limits]\naccount_deadline_seconds = 900\n"),
            vec![],
            file,
            "limits.account_deadline_seconds",
            "organization.session_duration_seconds (900)",
        ),
        (
            format!("{MINIMAL}[limits]\niam_per_second_per_account = 1000000\n"),
            vec![],
            file,
            "limits.iam_per_second_per_account",
            "between 0 and 100000",
        ),
        (
            MINIMAL.into(),
            vec![("MFA_AUDITOR__LIMITS__CONCURRENCY", "many")],
            "environment variable MFA_AUDITOR__LIMITS__CONCURRENCY",
            "limits.concurrency",
            "invalid type",
        ),
        (
            format!("{MINIMAL}[exceptions]\nwarn_days = 400\n"),
            vec![],
            file,
            "exceptions.warn_days",
            "between 0 and 365",
        ),
        (
            format!("{MINIMAL}[exceptions]\nmax_days = 0\n"),
            vec![],
            file,
            "exceptions.max_days",
            "between 1 and 3650",
        ),
        (
            MINIMAL.into(),
            vec![("MFA_AUDITOR__LIMITS__SPEED", "1")],
            "environment variable MFA_AUDITOR__LIMITS__SPEED",
            "limits.speed",
            "unknown field",
        ),
        (
            MINIMAL.into(),
            vec![("MFA_AUDITOR__NOSECTION", "1")],
            "environment variable MFA_AUDITOR__NOSECTION",
            "",
            "MFA_AUDITOR__<SECTION>__<KEY>",
        ),
        (
            MINIMAL.into(),
            vec![("AWS_REGION", "nowhere")],
            "AWS_REGION",
            "aws.region",
            "not a region",
        ),
    ];
    for (text, vars, origin, key, message) in cases {
        let error = load_str(&text, &vars).expect_err(&text);
        assert_eq!(error.origin, origin, "{text} {vars:?}: {error}");
        assert_eq!(error.key, key, "{text} {vars:?}: {error}");
        assert!(error.message.contains(message), "{text} {vars:?}: {error}");
    }
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
