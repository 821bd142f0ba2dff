use super::*;
use crate::config::{from_str, AuditConfig};
use std::path::PathBuf;

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

/// A file in a directory of this test's own, holding `content`.
fn secret_file(test: &str, name: &str, content: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mfa-secrets-{}-{test}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    std::fs::write(&path, content).expect("written");
    path
}

fn url(config: &AuditConfig) -> Option<String> {
    config
        .database
        .url
        .as_ref()
        .map(|u| u.expose_secret().to_string())
}

fn external_id(config: &AuditConfig) -> Option<String> {
    config
        .role
        .external_id
        .as_ref()
        .map(|s| s.expose_secret().to_string())
}

fn webhook_url(config: &AuditConfig) -> String {
    config.notify.webhooks[0].url.expose_secret().to_string()
}

#[test]
fn secret_paths_are_the_keys_and_what_is_inside_them() {
    for path in [
        "database.url",
        "organization.external_id",
        "notify.webhook",
        "notify.webhook[2].url",
        "notify.webhook.url",
        "metrics.report_password",
    ] {
        assert!(is_secret_path(path), "{path}");
    }
    for path in [
        "database.url_env",
        "database.url_file",
        "metrics.report_password_file",
        "notify.webhooks",
        "metrics.report",
        "organization.external_ids",
    ] {
        assert!(!is_secret_path(path), "{path}");
    }
    assert_eq!(secret_key_of("database.url_file"), Some("database.url"));
    assert_eq!(
        secret_key_of("organization.external_id_env"),
        Some("organization.external_id")
    );
    assert_eq!(secret_key_of("database.url_path"), None);
    assert_eq!(secret_key_of("database.max_connections"), None);
}

#[test]
fn a_raw_secret_never_prints() {
    let secret: RawSecret = serde_json::from_str("\"hunter2-very-secret\"").expect("a string");
    assert_eq!(format!("{secret:?}"), "RawSecret([redacted])");
    assert_eq!(serde_json::to_string(&secret).expect("serializes"), "\"\"");
    assert_eq!(secret.expose(), "hunter2-very-secret");
}

#[test]
fn what_the_sources_say_prints_no_secret() {
    let text = "[database]\nurl = \"postgres://u:Db-Pass-4471@h/db\"\n\
         [organization]\nexternal_id = \"Ext-Id-8812\"\n\
         [[notify.webhook]]\nurl = \"https://hooks.example/T0/Hook-Path-5530\"\n";
    let (raw, _) = super::super::sources::merge(text, "test.toml", &HashMap::new()).expect("valid");
    let printed = format!("{raw:?}");
    for secret in ["Db-Pass-4471", "Ext-Id-8812", "Hook-Path-5530"] {
        assert!(!printed.contains(secret), "{secret} in {printed}");
    }
    assert!(printed.contains("RawSecret([redacted])"), "{printed}");
}

#[test]
fn scrub_cuts_every_secret_out_in_every_shape() {
    let secrets = vec![
        "https://hooks.example/T0/SECRET".to_string(),
        "ab".to_string(),
        " spaced-Secret \n".to_string(),
        "quo\"ted\\Secret".to_string(),
    ];
    assert_eq!(
        scrub(
            "invalid type: string \"https://hooks.example/T0/SECRET\", expected a sequence ab",
            &secrets
        ),
        "invalid type: string \"[secret]\", expected a sequence ab"
    );
    assert_eq!(scrub("x spaced-Secret y", &secrets), "x [secret] y");
    assert_eq!(
        scrub("x \"quo\\\"ted\\\\Secret\" y", &secrets),
        "x \"[secret]\" y"
    );
    // A secret that is a piece of a word of the message is left in the word: neither garbled
    // nor given away by the gap.
    let short = vec!["short".to_string()];
    assert_eq!(
        scrub("the password is shorter than 16 characters", &short),
        "the password is shorter than 16 characters"
    );
    assert_eq!(scrub("given: short.", &short), "given: [secret].");
}

#[test]
fn each_secret_key_is_read_from_a_variable_or_a_file() {
    let lf = secret_file("read", "lf", b"postgres://u:pw@db/lf\n");
    let crlf = secret_file("read", "crlf", b"Ext-Id-From-File\r\n");
    let hook = secret_file("read", "hook", b"https://hooks.example/from-file\n");
    let text = format!(
        "[database]\nurl_file = \"{}\"\n[organization]\nexternal_id_env = \"EXT_ID\"\n\
         [[notify.webhook]]\nurl_file = \"{}\"\n",
        lf.display(),
        hook.display()
    );
    let config = load_str(&text, &[("EXT_ID", "Ext-Id-From-Env")]).expect("valid");
    assert_eq!(url(&config).as_deref(), Some("postgres://u:pw@db/lf"));
    assert_eq!(external_id(&config).as_deref(), Some("Ext-Id-From-Env"));
    assert_eq!(webhook_url(&config), "https://hooks.example/from-file");

    let text = format!(
        "{MINIMAL}[organization]\nexternal_id_file = \"{}\"\n\
         [[notify.webhook]]\nurl_env = \"HOOK_URL\"\n",
        crlf.display()
    );
    let config = load_str(&text, &[("HOOK_URL", "https://hooks.example/from-env")]).expect("valid");
    assert_eq!(external_id(&config).as_deref(), Some("Ext-Id-From-File"));
    assert_eq!(webhook_url(&config), "https://hooks.example/from-env");
}

#[test]
fn two_forms_from_one_source_are_an_error_naming_both() {
    let text = "[database]\nurl = \"postgres://db/x\"\nurl_env = \"DB\"\n";
    let error = load_str(text, &[("DB", "postgres://db/y")]).expect_err("two forms");
    assert_eq!(error.key, "database.url_env");
    assert!(
        error.message.contains("`database.url` is set too"),
        "{error}"
    );

    let text = format!("{MINIMAL}[[notify.webhook]]\nurl_env = \"HOOK\"\nurl_file = \"/x\"\n");
    let error = load_str(&text, &[("HOOK", "https://a.example")]).expect_err("two forms");
    assert_eq!(error.key, "notify.webhook[1].url_file");
    assert!(
        error
            .message
            .contains("`notify.webhook[1].url_env` is set too"),
        "{error}"
    );

    let error = load_str(
        MINIMAL,
        &[
            ("MFA_AUDITOR__ORGANIZATION__EXTERNAL_ID", "Ext-1"),
            ("MFA_AUDITOR__ORGANIZATION__EXTERNAL_ID_ENV", "EXT"),
            ("EXT", "Ext-2"),
        ],
    )
    .expect_err("two variables");
    assert_eq!(
        error.origin,
        "environment variable MFA_AUDITOR__ORGANIZATION__EXTERNAL_ID_ENV"
    );
    assert_eq!(error.key, "organization.external_id_env");
    assert!(
        error.message.contains(
            "`organization.external_id` is set too, by MFA_AUDITOR__ORGANIZATION__EXTERNAL_ID"
        ),
        "{error}"
    );
    // An empty form gives nothing: it is no second way.
    let config = load_str(
        "[database]\nurl = \"\"\nurl_env = \"DB\"\n",
        &[("DB", "postgres://db/z")],
    )
    .expect("one form given");
    assert_eq!(url(&config).as_deref(), Some("postgres://db/z"));
}

#[test]
fn a_later_layer_replaces_every_form_of_a_secret() {
    // The file names a secret file that is not there: the environment's value replaces it.
    let text = "[database]\nurl_file = \"/nonexistent/db-url\"\n\
                [organization]\nexternal_id = \"Ext-From-File\"\n";
    let config = load_str(text, &[("DATABASE_URL", "postgres://env/db")]).expect("valid");
    assert_eq!(url(&config).as_deref(), Some("postgres://env/db"));
    assert_eq!(external_id(&config).as_deref(), Some("Ext-From-File"));

    let id_file = secret_file("layers", "external-id", b"Ext-From-Secret-File\n");
    let id_file = id_file.display().to_string();
    let config = load_str(
        text,
        &[
            ("DATABASE_URL", "postgres://env/db"),
            ("MFA_AUDITOR__DATABASE__URL_ENV", "MY_DB"),
            ("MY_DB", "postgres://override/db"),
            ("MFA_AUDITOR__ORGANIZATION__EXTERNAL_ID_FILE", &id_file),
        ],
    )
    .expect("valid");
    assert_eq!(url(&config).as_deref(), Some("postgres://override/db"));
    assert_eq!(
        external_id(&config).as_deref(),
        Some("Ext-From-Secret-File")
    );
    // An empty override clears what the file gave.
    let config = load_str(
        text,
        &[
            ("DATABASE_URL", "postgres://env/db"),
            ("MFA_AUDITOR__ORGANIZATION__EXTERNAL_ID", ""),
        ],
    )
    .expect("valid");
    assert_eq!(external_id(&config), None);
}

#[test]
fn a_webhook_without_its_url_is_named() {
    let text = format!("{MINIMAL}[[notify.webhook]]\nformat = \"slack\"\n");
    let error = load_str(&text, &[]).expect_err("no URL");
    assert_eq!(error.key, "notify.webhook[1].url");
    assert!(
        error.message.contains("`url`, `url_env` or `url_file`"),
        "{error}"
    );
}

#[test]
fn a_secret_file_must_be_a_short_text_file() {
    let empty = secret_file("files", "empty", b"\n");
    // One trailing newline is dropped, not two: the second is a control character.
    let two_newlines = secret_file("files", "two-newlines", b"Ext-Id\n\n");
    let large = secret_file("files", "large", &vec![b'a'; 70 * 1024]);
    let binary = secret_file("files", "binary", &[0xff, 0xfe, b'x']);
    for (path, message) in [
        (empty.display().to_string(), "is empty"),
        (
            empty.parent().expect("a dir").display().to_string(),
            "is a directory",
        ),
        (two_newlines.display().to_string(), "printable characters"),
        (large.display().to_string(), "larger than 64 KiB"),
        (binary.display().to_string(), "is not UTF-8 text"),
        ("/nonexistent/x".to_string(), "cannot read /nonexistent/x"),
    ] {
        let text = format!("{MINIMAL}[organization]\nexternal_id_file = \"{path}\"\n");
        let error = load_str(&text, &[]).expect_err(&path);
        assert_eq!(error.key, "organization.external_id_file", "{error}");
        assert!(error.message.contains(message), "{error}");
    }
}

#[test]
fn the_variable_a_secret_is_read_from_must_be_named_and_set() {
    for (name, vars, message) in [
        (
            "https://a.example/x",
            vec![],
            "is not an environment variable name",
        ),
        (
            "HOOK_URL",
            vec![],
            "the environment variable HOOK_URL is not set",
        ),
        (
            "HOOK_URL",
            vec![("HOOK_URL", " ")],
            "the environment variable HOOK_URL is empty",
        ),
        (
            "hook_url",
            vec![],
            "the environment variable it names is not set",
        ),
    ] {
        let text = format!("{MINIMAL}[[notify.webhook]]\nurl_env = \"{name}\"\n");
        let error = load_str(&text, &vars).expect_err(name);
        assert_eq!(error.key, "notify.webhook[1].url_env", "{error}");
        assert!(error.message.contains(message), "{error}");
    }
}

/// (what the sources say, the environment, the secret that must not appear)
type LeakCase = (String, Vec<(&'static str, String)>, &'static str);

#[test]
fn no_error_repeats_a_secret_in_any_shape_from_any_source() {
    let bad_url_file = secret_file("leaks", "db", b"mysql://u:Pw-File-7d2@db/x\n");
    let bad_hook_file = secret_file("leaks", "hook", b"mailto:Hook-File-31c@a.example\n");
    let bad_id_file = secret_file("leaks", "id", b"Id-File-5e8\x07\n");
    let file = |key: &str, path: &PathBuf| format!("{key} = \"{}\"\n", path.display());
    let cases: Vec<LeakCase> = vec![
        // As a new user tried it: the URL where the list of webhooks goes.
        (
            MINIMAL.into(),
            vec![(
                "MFA_AUDITOR__NOTIFY__WEBHOOK",
                "https://hooks.example/T0/Issue-Case-9a1".into(),
            )],
            "Issue-Case-9a1",
        ),
        (
            MINIMAL.into(),
            vec![(
                "MFA_AUDITOR__NOTIFY__WEBHOOK",
                "[{url = \"https://hooks.example/Typed-4b7\", format = 5}]".into(),
            )],
            "Typed-4b7",
        ),
        (
            MINIMAL.into(),
            vec![(
                "MFA_AUDITOR__NOTIFY__WEBHOOK",
                "{url = \"https://hooks.example/Table-2c9\"}".into(),
            )],
            "Table-2c9",
        ),
        (
            format!("{MINIMAL}[[notify.webhook]]\nurl = [\"https://hooks.example/List-8d3\"]\n"),
            vec![],
            "List-8d3",
        ),
        (
            format!("{MINIMAL}[[notify.webhook]]\nurl_env = \"HOOK\"\n"),
            vec![("HOOK", "ftp://Env-Hook-6f1@a.example/x".into())],
            "Env-Hook-6f1",
        ),
        (
            format!(
                "{MINIMAL}[[notify.webhook]]\n{}",
                file("url_file", &bad_hook_file)
            ),
            vec![],
            "Hook-File-31c",
        ),
        (
            "[database]\nurl = \"mysql://u:Pw-Toml-1a4@db/x\"\n".into(),
            vec![],
            "Pw-Toml-1a4",
        ),
        (
            "[database]\nurl = 73105829461\n".into(),
            vec![],
            "73105829461",
        ),
        (
            String::new(),
            vec![("DATABASE_URL", "mysql://u:Pw-Std-3b5@db/x".into())],
            "Pw-Std-3b5",
        ),
        (
            String::new(),
            vec![(
                "MFA_AUDITOR__DATABASE__URL",
                "mysql://u:Pw-Env-0c6@db/x".into(),
            )],
            "Pw-Env-0c6",
        ),
        (
            String::new(),
            vec![
                ("MFA_AUDITOR__DATABASE__URL_ENV", "PG".into()),
                ("PG", "mysql://u:Pw-Var-2e9@db/x".into()),
            ],
            "Pw-Var-2e9",
        ),
        (
            file("[database]\nurl_file", &bad_url_file),
            vec![],
            "Pw-File-7d2",
        ),
        (
            format!(
                "{MINIMAL}[organization]\n{}",
                file("external_id_file", &bad_id_file)
            ),
            vec![],
            "Id-File-5e8",
        ),
        (
            format!("{MINIMAL}[organization]\nexternal_id = \"Id-Ctl-4f0\\u0007\"\n"),
            vec![],
            "Id-Ctl-4f0",
        ),
        // The secret itself written in the key that names where it is.
        (
            format!(
                "{MINIMAL}[[notify.webhook]]\nurl_env = \"https://hooks.example/In-Env-Key-7a2\"\n"
            ),
            vec![],
            "In-Env-Key-7a2",
        ),
        (
            format!("{MINIMAL}[organization]\nexternal_id_env = \"Ext_In_Env_Key_5c1\"\n"),
            vec![],
            "Ext_In_Env_Key_5c1",
        ),
        (
            format!("{MINIMAL}[organization]\nexternal_id_file = \"Ext-In-File-Key-8b4\"\n"),
            vec![],
            "Ext-In-File-Key-8b4",
        ),
        // Two forms at once: neither value is repeated.
        (
            String::new(),
            vec![
                (
                    "MFA_AUDITOR__DATABASE__URL",
                    "postgres://u:Both-One-6d0@db/x".into(),
                ),
                ("MFA_AUDITOR__DATABASE__URL_FILE", "/Both-Two-1e3".into()),
            ],
            "Both-One-6d0",
        ),
    ];
    for (text, vars, secret) in cases {
        let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let error = load_str(&text, &vars).expect_err(secret);
        let shown = format!("{error} {error:?}");
        assert!(!shown.contains(secret), "{secret} repeated: {shown}");
        assert!(!error.key.is_empty(), "{secret}: the key is named: {shown}");
    }
}
