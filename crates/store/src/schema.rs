//! Whether the database holds this version's schema. `report` reads and never migrates (it may
//! run where nothing else should change the database): asked first, a database never migrated,
//! or migrated by an older version, says to run `mfa-auditor migrate` instead of failing on a
//! missing table.

use crate::{query_error, Store, StoreError, MIGRATOR};

impl Store {
    /// `Ok` when every migration of this version is applied. A role that may not read the
    /// migrations table is not refused here: its reads say what they lack themselves.
    pub async fn check_schema(&self) -> Result<(), StoreError> {
        let database = self.describe();
        let has_table: bool =
            sqlx::query_scalar("SELECT to_regclass('_sqlx_migrations') IS NOT NULL")
                .fetch_one(self.pool())
                .await
                .map_err(query_error("look-up of the migrations table"))?;
        if !has_table {
            return Err(StoreError::NotMigrated(format!(
                "the database {database} holds no mfa-auditor tables"
            )));
        }
        let applied: Vec<i64> =
            match sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success")
                .fetch_all(self.pool())
                .await
            {
                Ok(applied) => applied,
                Err(sqlx::Error::Database(error)) if error.code().as_deref() == Some("42501") => {
                    return Ok(())
                }
                Err(error) => return Err(query_error("read of the applied migrations")(error)),
            };
        let missing: Vec<_> = MIGRATOR
            .iter()
            .filter(|m| !m.migration_type.is_down_migration() && !applied.contains(&m.version))
            .collect();
        match missing.first() {
            None => Ok(()),
            Some(first) => Err(StoreError::NotMigrated(format!(
                "the database {database} lacks {} of this version's {} migrations (the first: \
                 {} {})",
                missing.len(),
                MIGRATOR.iter().count(),
                first.version,
                first.description
            ))),
        }
    }

    /// `host:port/database`, for messages.
    fn describe(&self) -> String {
        let options = self.pool().connect_options();
        format!(
            "{}:{}/{}",
            options.get_host(),
            options.get_port(),
            options.get_database().unwrap_or("(default database)")
        )
    }
}
