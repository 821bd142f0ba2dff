//! The roles of docs/database-roles.md, created as documented by the administrator a managed
//! database gives (Amazon RDS's master user: `CREATEROLE` and `CREATEDB`, no superuser, owner of
//! its own database): the auditor migrates and writes without superuser; the reader runs every
//! query of docs/sql.md with its documented answer, and selects nothing but the views.

#![allow(clippy::unwrap_used)]

mod common;

use common::sql_guide;
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

/// Roles are cluster-wide: unique names keep parallel runs apart.
struct Names {
    master: String,
    master_database: String,
    auditor: String,
    reader: String,
    outsider: String,
    database: String,
}

impl Names {
    fn new() -> Names {
        let suffix = format!("{}_{}", std::process::id(), rand_suffix());
        Names {
            master: format!("rds_master_{suffix}"),
            master_database: format!("rds_master_db_{suffix}"),
            auditor: format!("mfa_auditor_{suffix}"),
            reader: format!("mfa_reader_{suffix}"),
            outsider: format!("outsider_{suffix}"),
            database: format!("mfa_auditor_db_{suffix}"),
        }
    }

    /// A block of the page with this run's names.
    fn rename(&self, sql: &str) -> String {
        sql.replace("DATABASE mfa_auditor", "DATABASE @database@")
            .replace("mfa_auditor", &self.auditor)
            .replace("mfa_reader", &self.reader)
            .replace("@database@", &self.database)
    }
}

async fn is_superuser(connection: &mut PgConnection) -> bool {
    sqlx::query_scalar("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        .fetch_one(connection)
        .await
        .unwrap()
}

/// The SQLSTATE of a refusal.
fn sqlstate(error: &sqlx::Error) -> Option<String> {
    error
        .as_database_error()
        .and_then(|e| e.code())
        .map(|c| c.to_string())
}

#[sqlx::test(migrator = "mfa_store::MIGRATOR")]
async fn the_documented_roles_work_as_a_managed_databases_administrator_creates_them(pool: PgPool) {
    let names = Names::new();
    let blocks = blocks();
    assert_eq!(blocks.len(), 2);
    let admin_options: PgConnectOptions = pool.connect_options().as_ref().clone();
    // The passwords the page and this test give (the test server trusts loopback anyway).
    let as_role = |role: &str, password: &str, database: &str| {
        admin_options
            .clone()
            .username(role)
            .password(password)
            .database(database)
    };
    let mut admin = PgConnection::connect_with(&admin_options).await.unwrap();
    run_each(
        &mut admin,
        &format!(
            "CREATE ROLE {master} LOGIN PASSWORD 'change-me-master' NOSUPERUSER CREATEDB \
             CREATEROLE; CREATE DATABASE {db} OWNER {master}",
            master = names.master,
            db = names.master_database
        ),
    )
    .await;

    // The first block, as the master user in its own database.
    let mut master = PgConnection::connect_with(&as_role(
        &names.master,
        "change-me-master",
        &names.master_database,
    ))
    .await
    .unwrap();
    assert!(!is_superuser(&mut master).await);
    run_each(&mut master, &names.rename(&blocks[0])).await;
    master.close().await.unwrap();

    // The auditor, no superuser, migrates its database and writes a history in it.
    let auditor = PgPool::connect_with(as_role(
        &names.auditor,
        "change-me-auditor",
        &names.database,
    ))
    .await
    .unwrap();
    assert!(!is_superuser(&mut auditor.acquire().await.unwrap()).await);
    let store = common::locked_store(&auditor).await;
    sql_guide::seed(&store).await;
    drop(store);
    auditor.close().await;

    // The second block, as the master user in the auditor's database.
    let mut master =
        PgConnection::connect_with(&as_role(&names.master, "change-me-master", &names.database))
            .await
            .unwrap();
    master
        .execute(names.rename(&blocks[1]).as_str())
        .await
        .unwrap_or_else(|e| panic!("the second block as the master user: {e}"));
    master.close().await.unwrap();

    let reader = PgPool::connect_with(as_role(&names.reader, "change-me-reader", &names.database))
        .await
        .unwrap();
    sql_guide::check_every_answer(&reader, "the reader").await;
    the_reader_reads_the_views_and_nothing_else(&reader).await;
    let auditor = PgPool::connect_with(as_role(
        &names.auditor,
        "change-me-auditor",
        &names.database,
    ))
    .await
    .unwrap();
    the_reader_sees_a_resource_gone(&reader, auditor).await;
    reader.close().await;
    no_other_role_connects(&mut admin, &names, &admin_options).await;

    // Leave the cluster as it was.
    run_each(
        &mut admin,
        &format!(
            "DROP DATABASE {} WITH (FORCE); DROP DATABASE {} WITH (FORCE); DROP ROLE {}; \
             DROP ROLE {}; DROP ROLE {}; DROP ROLE {}",
            names.database,
            names.master_database,
            names.reader,
            names.auditor,
            names.outsider,
            names.master
        ),
    )
    .await;
}

/// A resource gone between two assessments: `changes_since_previous_sweep` asks which
/// resources the later one looked at, reading tables the reader may not, and still answers it.
async fn the_reader_sees_a_resource_gone(reader: &PgPool, auditor: PgPool) {
    let store = common::locked_store(&auditor).await;
    sql_guide::seed_a_night_with_a_user_gone(&store).await;
    drop(store);
    auditor.close().await;
    let gone: Vec<(String, String)> = sqlx::query_as(
        "SELECT control_id, resource_id FROM changes_since_previous_sweep
         WHERE change = 'gone' ORDER BY control_id",
    )
    .fetch_all(reader)
    .await
    .unwrap_or_else(|e| panic!("the reader asks what changed when a user is gone: {e}"));
    let ci = "arn:aws:iam::111111111111:user/ci".to_string();
    assert_eq!(
        gone,
        [
            ("IAM.19".to_string(), ci.clone()),
            ("IAM.5".to_string(), ci)
        ]
    );
}

/// Every relation docs/sql.md describes, and no table beneath them; no write.
async fn the_reader_reads_the_views_and_nothing_else(reader: &PgPool) {
    for described in sql_guide::described_relations() {
        let relation = described.relation;
        sqlx::query(&format!("SELECT * FROM {relation} LIMIT 1"))
            .fetch_all(reader)
            .await
            .unwrap_or_else(|e| panic!("the reader cannot read {relation}: {e}"));
    }
    for forbidden in [
        "SELECT * FROM sweeps",
        "SELECT * FROM finding_spans",
        "SELECT * FROM sweep_accounts",
        "SELECT * FROM excepted_findings",
        "SELECT * FROM coverage_counts",
        "SELECT * FROM account_states",
        "DELETE FROM controls",
        "CREATE TABLE x (y int)",
    ] {
        let error = sqlx::query(forbidden)
            .execute(reader)
            .await
            .expect_err(forbidden);
        // Refused for want of privilege (insufficient_privilege), not for any other reason.
        assert_eq!(
            sqlstate(&error).as_deref(),
            Some("42501"),
            "{forbidden}: {error}"
        );
    }
}

/// A role of the server that was granted nothing cannot even connect to the auditor's database.
async fn no_other_role_connects(
    admin: &mut PgConnection,
    names: &Names,
    admin_options: &PgConnectOptions,
) {
    run_each(admin, &format!("CREATE ROLE {} LOGIN", names.outsider)).await;
    let refused = PgConnection::connect_with(
        &admin_options
            .clone()
            .username(&names.outsider)
            .database(&names.database),
    )
    .await
    .expect_err("a role granted nothing connects to the auditor's database");
    assert_eq!(sqlstate(&refused).as_deref(), Some("42501"), "{refused}");
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
