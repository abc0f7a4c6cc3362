//! The pages people see (candidate, proctor), rendered from `paper-templates/`. Being written.

use axum::Router;

use super::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
}
