//! Logging: one structured line per request (method, path, status, latency), never a header,
//! a body, a token or a password.

use http::Request;
use tower_http::classify::{ServerErrorsAsFailures, SharedClassifier};
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::{Level, Span};
use tracing_subscriber::EnvFilter;

/// Installs the global subscriber: `RUST_LOG` filters (default `info`), `json` picks JSON lines.
pub fn init(json: bool) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_target(false);
    // A second init (tests start several servers in one process) is harmless: keep the first.
    let _ = if json { builder.json().try_init() } else { builder.try_init() };
}

/// Builds the span of one request.
type MakeSpan = fn(&Request<axum::body::Body>) -> Span;

/// The request-logging layer type.
pub type RequestTrace = TraceLayer<SharedClassifier<ServerErrorsAsFailures>, MakeSpan, (), DefaultOnResponse>;

/// The request-logging layer. Spans carry the path only: query strings are not logged.
pub fn trace_layer() -> RequestTrace {
    TraceLayer::new_for_http().make_span_with(request_span as MakeSpan).on_request(()).on_response(
        DefaultOnResponse::new().level(Level::INFO).latency_unit(tower_http::LatencyUnit::Micros),
    )
}

fn request_span(request: &Request<axum::body::Body>) -> Span {
    tracing::info_span!("request", method = %request.method(), path = %request.uri().path())
}
