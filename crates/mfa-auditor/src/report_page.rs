//! `GET /report` on the metrics listener: the HTML report of the latest finished sweep (one that
//! is still running would show half an organization), read from the store at each request.
//! Read-only: the route answers GET (and HEAD) alone.
//!
//! The report lists every identity without MFA, so the page is off unless `[metrics] report`
//! is true, and then answers only HTTP Basic credentials (`report_auth.rs`); a refusal is a
//! 401 that asks for them, counted in `/metrics` and logged with the client's address and why,
//! never with what it sent.

use crate::config::ReportAccess;
use crate::metrics::Metrics;
use crate::report_auth::{BasicAuth, CHALLENGE};
use axum::extract::ConnectInfo;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use mfa_store::{Evidence, Store, StoreError, SweepSelector};
use std::net::SocketAddr;
use std::sync::Arc;

/// The `/report` route: the page behind `access`, or, with none, an answer that it is off.
pub fn router(store: Store, access: Option<&ReportAccess>, metrics: Arc<Metrics>) -> axum::Router {
    let Some(access) = access else {
        return axum::Router::new().route(
            "/report",
            get(|| async {
                (
                    StatusCode::NOT_FOUND,
                    "the report page is off: set [metrics] report = true and a report password\n",
                )
            }),
        );
    };
    let auth = Arc::new(BasicAuth::new(access));
    axum::Router::new().route(
        "/report",
        get(
            move |ConnectInfo(client): ConnectInfo<SocketAddr>, headers: HeaderMap| {
                let (store, auth, metrics) = (store.clone(), auth.clone(), metrics.clone());
                async move {
                    if let Err(refusal) = auth.check(headers.get(header::AUTHORIZATION)) {
                        metrics.report_refused(refusal);
                        tracing::warn!(
                            %client,
                            reason = refusal.label(),
                            "GET /report refused: {} credentials",
                            refusal.label()
                        );
                        return unauthorized();
                    }
                    latest_report(&store).await
                }
            },
        ),
    )
}

fn unauthorized() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        [
            (header::WWW_AUTHENTICATE, CHALLENGE),
            (header::CACHE_CONTROL, "no-store"),
        ],
        "the report asks for the user and password of [metrics] report_user and report_password\n",
    )
        .into_response()
}

async fn latest_report(store: &Store) -> Response {
    let page = async {
        let report = store
            .load_report_with(&SweepSelector::LatestFinished, Evidence::Page)
            .await?;
        crate::report_command::html_report(store, &report).await
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
            let causes = crate::errors::causes(&error);
            tracing::warn!("GET /report failed: {causes}");
            (status, format!("{causes}\n")).into_response()
        }
    }
}
