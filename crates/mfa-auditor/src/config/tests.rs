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
    assert_eq!(config.role.name, "OrganizationAccountAccessRole");
    assert_eq!(config.role.session_name, "mfa-auditor");
    assert!(config.role.external_id.is_none());
    assert!(config.scope.audit_management_account);
    assert_eq!(config.regions, vec!["us-east-1"]);
    assert_eq!(config.concurrency, 16);
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
    assert_eq!(config.concurrency, 4);
    assert_eq!(config.regions, vec!["eu-west-1", "us-east-1"]);
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
fn the_database_url_may_come_from_the_environment_alone() {
    let config = load_str("", &[("DATABASE_URL", "postgres://localhost/db")]).expect("valid");
    assert_eq!(url(&config), Some("postgres://localhost/db".to_string()));
    assert_eq!(
        url(&load_str("", &[]).expect("valid")),
        None,
        "commands that need it say so"
    );
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
            "not valid TOML",
        ),
        (
            MINIMAL.into(),
            vec![("MFA_AUDITOR__LIMITS__CONCURRENCY", "many")],
            "environment variable MFA_AUDITOR__LIMITS__CONCURRENCY",
            "limits.concurrency",
            "invalid type",
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
fn ou_and_root_ids() {
    assert!(is_ou_or_root_id("ou-ab12-abcdefgh"));
    assert!(is_ou_or_root_id("r-ab12"));
    assert!(!is_ou_or_root_id("ou-ab12"));
    assert!(!is_ou_or_root_id("r-AB12"));
    assert!(!is_ou_or_root_id("o-abcdefghij"));
}

#[test]
fn the_shipped_configuration_files_are_valid() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config");
    for name in ["default.toml", "example.toml"] {
        let config =
            load(&dir.join(name), &HashMap::new()).unwrap_or_else(|e| panic!("config/{name}: {e}"));
        assert!(!config.regions.is_empty(), "{name}");
    }
}
