//! Scratch databases on the test server (`DATABASE_URL`, started by `scripts/test`): one per
//! test, and a way to read its tables directly.

use crate::unique;

/// `DATABASE_URL` of a server where tests may create databases (scripts/test starts one).
pub fn admin_database_url() -> String {
    std::env::var("DATABASE_URL").unwrap_or_else(|_| {
        panic!("DATABASE_URL is not set: run the suite with scripts/test, which starts PostgreSQL")
    })
}

/// Creates an empty, uniquely named database on the test server; returns its URL.
pub async fn fresh_database() -> String {
    use sqlx::Connection;
    let admin = admin_database_url();
    let name = unique("mfa_test");
    let mut connection = sqlx::PgConnection::connect(&admin).await.unwrap();
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut connection)
        .await
        .unwrap();
    let (base, _) = admin.rsplit_once('/').unwrap();
    format!("{base}/{name}")
}

/// Runs `sql` (every column cast to text) on the database at `url`: rows of cells, `None` for
/// NULL. For tests that look at the tables directly.
pub async fn query_text(url: &str, sql: &str) -> Vec<Vec<Option<String>>> {
    use sqlx::{Connection, Row};
    let mut connection = sqlx::PgConnection::connect(url).await.unwrap();
    let rows = sqlx::query(sql).fetch_all(&mut connection).await.unwrap();
    rows.iter()
        .map(|row| {
            (0..row.columns().len())
                .map(|i| row.try_get::<Option<String>, _>(i).unwrap())
                .collect()
        })
        .collect()
}
