//! The roles of docs/database-roles.md, created as documented: the auditor migrates and writes
//! without superuser; the reader selects the views and nothing else.

#![allow(clippy::unwrap_used)]

use mfa_store::MIGRATOR;
use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, Executor, PgConnection, PgPool};

fn blocks() -> Vec<String> {
    let doc = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/database-roles.md"
    ))
    .unwrap();
    doc.split("```sql\n")
        .skip(1)
        .map(|b| b.split("```").next().unwrap().to_string())
        .collect()
}

#[sqlx::test(migrator = "mfa_store::MIGRATOR")]
async fn the_documented_roles_can_do_what_they_should_and_no_more(pool: PgPool) {
    // Roles are cluster-wide: unique names keep parallel runs apart.
    let suffix = format!("{}_{}", std::process::id(), rand_suffix());
    let (auditor, reader, database) = (
        format!("mfa_auditor_{suffix}"),
        format!("mfa_reader_{suffix}"),
        format!("mfa_auditor_db_{suffix}"),
    );
    let rename = |sql: &str| {
        sql.replace("DATABASE mfa_auditor", "DATABASE @database@")
            .replace("mfa_auditor", &auditor)
            .replace("mfa_reader", &reader)
            .replace("@database@", &database)
    };
    let blocks = blocks();
    assert_eq!(blocks.len(), 2);
    let admin_options: PgConnectOptions = pool.connect_options().as_ref().clone();
    let mut admin = PgConnection::connect_with(&admin_options).await.unwrap();
    run_each(&mut admin, &rename(&blocks[0])).await;

    let as_role = |role: &str, password: &str| {
        admin_options
            .clone()
            .username(role)
            .password(password)
            .database(&database)
    };
    // The auditor, no superuser, applies the migrations in its own database.
    let mut owner = PgConnection::connect_with(&as_role(&auditor, "change-me-auditor"))
        .await
        .unwrap();
    MIGRATOR.run(&mut owner).await.unwrap();
    let superuser: bool =
        sqlx::query_scalar("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            .fetch_one(&mut owner)
            .await
            .unwrap();
    assert!(!superuser);
    owner.close().await.unwrap();

    let mut admin_in_db = PgConnection::connect_with(&admin_options.clone().database(&database))
        .await
        .unwrap();
    admin_in_db
        .execute(rename(&blocks[1]).as_str())
        .await
        .unwrap();

    let mut read = PgConnection::connect_with(&as_role(&reader, "change-me-reader"))
        .await
        .unwrap();
    for view in [
        "current_findings",
        "changes_since_previous_sweep",
        "account_control_history",
        "control_trend",
        "exceptions_status",
    ] {
        sqlx::query(&format!("SELECT * FROM {view} LIMIT 1"))
            .fetch_all(&mut read)
            .await
            .unwrap_or_else(|e| panic!("the reader cannot read {view}: {e}"));
    }
    for forbidden in [
        "SELECT * FROM sweeps",
        "SELECT * FROM finding_spans",
        "SELECT * FROM sweep_accounts",
        "SELECT * FROM excepted_findings",
        "DELETE FROM controls",
        "CREATE TABLE x (y int)",
    ] {
        let error = sqlx::query(forbidden)
            .execute(&mut read)
            .await
            .expect_err(forbidden);
        // Refused for want of privilege (insufficient_privilege), not for any other reason.
        let code = error
            .as_database_error()
            .and_then(|e| e.code())
            .map(|c| c.to_string());
        assert_eq!(code.as_deref(), Some("42501"), "{forbidden}: {error}");
    }
    read.close().await.unwrap();
    admin_in_db.close().await.unwrap();
    // Leave the cluster as it was.
    run_each(
        &mut admin,
        &format!("DROP DATABASE {database} WITH (FORCE); DROP ROLE {reader}; DROP ROLE {auditor};"),
    )
    .await;
}

fn rand_suffix() -> u32 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos()
}

/// One statement at a time: `CREATE DATABASE` refuses to run inside the implicit transaction of
/// a multi-statement query.
async fn run_each(connection: &mut PgConnection, sql: &str) {
    for statement in sql.split(';').map(str::trim).filter(|s| !s.is_empty()) {
        connection
            .execute(statement)
            .await
            .unwrap_or_else(|e| panic!("{e}: {statement}"));
    }
}
