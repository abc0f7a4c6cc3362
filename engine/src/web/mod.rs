//! The HTTP server: JSON API (and, with the pages, the candidate and proctor screens).
//! `serve(listener, state, shutdown)` lets the caller own the socket, so tests bind port 0.

pub mod candidate;
pub mod error;
pub mod marking;
pub mod office;
pub mod openapi;
pub mod pages;
pub mod proctor;
pub mod saver;
pub mod session;

use std::future::Future;
use std::time::Duration;

use axum::routing::{get, post};
use axum::{Json, Router};
use tokio::net::TcpListener;

use crate::exam::Exam;
use crate::store::Backend;
use saver::Saver;
use session::SessionCache;

#[derive(Clone)]
pub struct AppState {
    pub exam: Exam,
    pub saver: Saver,
    pub sessions: SessionCache,
}

impl AppState {
    /// Starts the save writers for the store's backend.
    pub fn new(exam: Exam) -> AppState {
        // PostgreSQL: two writers overlap one batch's commit with the next one's statements;
        // more make smaller batches, hence more statements per save (smoke runs: 2 writers did
        // at least as well as 4).
        let writers = match exam.store.backend() {
            Backend::Sqlite => 1,
            Backend::Postgres => 2,
        };
        let saver = Saver::start(exam.store.clone(), exam.clock.clone(), writers);
        AppState {
            exam,
            saver,
            sessions: SessionCache::default(),
        }
    }
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/api/openapi.json", get(|| async { Json(openapi::document()) }))
        .route("/api/login", post(session::login))
        .route("/api/logout", post(session::logout))
        .merge(candidate::router())
        .merge(proctor::router())
        .merge(office::router())
        .merge(marking::router())
        .merge(pages::router())
        .with_state(state)
}

/// Submits expired sittings now and then every second, so time runs out on the server even
/// when no browser is open, and a restarted server catches up at once.
pub fn spawn_expiry_sweeper(exam: Exam) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        loop {
            tick.tick().await;
            match exam.sweep_expired().await {
                Ok(0) => {}
                Ok(n) => tracing::info!(submitted = n, "time ran out: sittings submitted by the server"),
                Err(e) => tracing::error!(error = %e, "expiry sweep failed"),
            }
        }
    })
}

/// Serves until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let sweeper = spawn_expiry_sweeper(state.exam.clone());
    let result = axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await;
    sweeper.abort();
    result
}
