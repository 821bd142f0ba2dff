//! Runs every query of `docs/sql.md` against a seeded history: the page stays true, and every
//! query finds something to show. The page's description of every column is the database's own
//! (`COMMENT ON COLUMN`), and no view goes undescribed.

#![allow(clippy::unwrap_used)]

mod common;

use common::sql_guide::{self, Described};
use sqlx::PgPool;

#[sqlx::test(migrator = "mfa_store::MIGRATOR")]
async fn every_query_in_the_sql_guide_gives_its_documented_answer(pool: PgPool) {
    let store = common::locked_store(&pool).await;
    sql_guide::seed(&store).await;
    sql_guide::check_every_answer(&pool, "the owner").await;
}

/// A relation the page describes, as the database describes it: the relation's comment and
/// each column with its comment (empty when it has none), in the columns' order.
async fn described_by_the_database(pool: &PgPool, relation: &str) -> Described {
    let summary: Option<String> =
        sqlx::query_scalar("SELECT obj_description(to_regclass($1), 'pg_class')")
            .bind(relation)
            .fetch_one(pool)
            .await
            .unwrap();
    let columns: Vec<(String, Option<String>)> = sqlx::query_as(
        "SELECT attname::text, col_description(attrelid, attnum) FROM pg_attribute
         WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped
         ORDER BY attnum",
    )
    .bind(relation)
    .fetch_all(pool)
    .await
    .unwrap();
    assert!(
        !columns.is_empty(),
        "docs/sql.md describes {relation}, which the database lacks"
    );
    Described {
        relation: relation.to_string(),
        summary: summary.unwrap_or_default(),
        columns: columns
            .into_iter()
            .map(|(name, text)| (name, text.unwrap_or_default()))
            .collect(),
    }
}

#[sqlx::test(migrator = "mfa_store::MIGRATOR")]
async fn every_column_of_every_view_is_described_alike_in_the_database_and_the_guide(pool: PgPool) {
    let described = sql_guide::described_relations();
    for page in &described {
        let database = described_by_the_database(&pool, &page.relation).await;
        for (column, text) in &database.columns {
            assert!(
                !text.is_empty(),
                "{}.{column} has no comment",
                page.relation
            );
        }
        assert!(
            !database.summary.is_empty(),
            "{} has no comment",
            page.relation
        );
        assert_eq!(
            page, &database,
            "docs/sql.md (left) and the database's comments (right) differ"
        );
    }
    // Every view is described, the helper `account_states` aside (no one is granted it).
    let views: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.views
         WHERE table_schema = 'public' AND table_name <> 'account_states' ORDER BY 1",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    for view in views {
        assert!(
            described.iter().any(|d| d.relation == view),
            "the view {view} is not in docs/sql.md's \"Every column\""
        );
    }
}
