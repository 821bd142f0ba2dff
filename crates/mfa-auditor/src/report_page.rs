//! `GET /report` on the metrics listener: the HTML report of the latest finished sweep (one that
//! is still running would show half an organization), read from the store at each request.
//! Read-only: the route answers GET (and HEAD) alone.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use mfa_store::{Evidence, Store, StoreError, SweepSelector};

pub fn router(store: Store) -> axum::Router {
    axum::Router::new().route(
        "/report",
        get(move || {
            let store = store.clone();
            async move { latest_report(&store).await }
        }),
    )
}

async fn latest_report(store: &Store) -> Response {
    let page = async {
        let report = store
            .load_report_with(&SweepSelector::LatestFinished, Evidence::Summary)
            .await?;
        crate::html_report(store, &report).await
    };
    match page.await {
        Ok(html) => (
            [
                (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                (header::CACHE_CONTROL, "no-store"),
            ],
            html,
        )
            .into_response(),
        Err(error) => {
            let status = match error.downcast_ref::<StoreError>() {
                Some(StoreError::NoFinishedSweep) => StatusCode::NOT_FOUND,
                _ => StatusCode::SERVICE_UNAVAILABLE,
            };
            tracing::warn!("GET /report failed: {error:#}");
            (status, format!("{error:#}\n")).into_response()
        }
    }
}
