//! Retention: per-resource detail is kept `keep_days`; counts per control and sweep (the trends)
//! and each account's current findings are kept for ever.

use crate::{query_error, Store, StoreError};

impl Store {
    /// Deletes finding spans last seen more than `keep_days` ago, except each account's current
    /// findings. Returns the number of spans deleted. Unfenced: it removes only what no sweep
    /// writes (old spans that are no one's current finding), so running beside a sweep is safe.
    pub async fn prune(&self, keep_days: u32) -> Result<u64, StoreError> {
        let result = sqlx::query(
            "DELETE FROM finding_spans f
             USING accounts a
             WHERE a.account_id = f.account_id
               AND f.last_sweep_seq IS DISTINCT FROM a.last_assessed_seq
               AND f.last_seen_at < now() - make_interval(days => $1)",
        )
        .bind(i32::try_from(keep_days).unwrap_or(i32::MAX))
        .execute(&self.pool)
        .await
        .map_err(query_error("prune of old findings"))?;
        Ok(result.rows_affected())
    }
}
