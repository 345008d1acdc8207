//! Logging and metrics.
//!
//! Logs: one structured line per request (method, path, status, latency, request id), never a
//! header, a body, a token or a password. Every line logged while serving a request carries its id.
//!
//! Metrics (Prometheus text format, on their own listener at `METRICS_ADDR`, off by default):
//! requests by route and status with latency histograms here; sign-in outcomes, throttle refusals,
//! bcrypt queue wait where they happen (`app::ssr`); database pool use and the mail outbox backlog
//! sampled by [`spawn_samplers`].

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use metrics_exporter_prometheus::PrometheusBuilder;
use tower_http::classify::{ServerErrorsAsFailures, SharedClassifier};
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::{Level, Span};
use tracing_subscriber::EnvFilter;

use crate::layers::request_id::RequestId;

/// The filter when `RUST_LOG` is not set.
pub const DEFAULT_LOG_FILTER: &str = "info,sqlx=warn,tower_http=info";
/// How often the pool and the outbox are sampled.
const SAMPLE_EVERY: Duration = Duration::from_secs(10);

/// Installs the global subscriber: `RUST_LOG` filters (default [`DEFAULT_LOG_FILTER`]), `json`
/// picks JSON lines.
///
/// Lines are formatted on the request's thread but written to stderr by a thread of their own, so
/// no request waits on the terminal or the journal. Nothing is dropped: when the writer falls
/// 128 Ki lines behind, requests wait for it. Keep the returned guard until exit: dropping it
/// flushes what is left.
pub fn init(json: bool) -> tracing_appender::non_blocking::WorkerGuard {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_LOG_FILTER));
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .lossy(false)
        .buffered_lines_limit(128 * 1024)
        .finish(std::io::stderr());
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_target(false).with_writer(writer);
    // A second init (tests start several servers in one process) is harmless: keep the first.
    let _ = if json { builder.json().try_init() } else { builder.try_init() };
    guard
}

/// Builds the span of one request.
type MakeSpan = fn(&Request) -> Span;

/// The request-logging layer type.
pub type RequestTrace = TraceLayer<SharedClassifier<ServerErrorsAsFailures>, MakeSpan, (), DefaultOnResponse>;

/// The request-logging layer. Spans carry the path only: query strings are not logged.
///
/// Every line logged while a request runs carries its span (request id, method, path), and a 5xx
/// is logged as an error. The line for each answered request is DEBUG: formatting it cost a
/// quarter of a protected GET's throughput under load, and the proxy in front logs every request
/// already. `RUST_LOG=info,tower_http=debug` brings it back.
pub fn trace_layer() -> RequestTrace {
    TraceLayer::new_for_http().make_span_with(request_span as MakeSpan).on_request(()).on_response(
        DefaultOnResponse::new().level(Level::DEBUG).latency_unit(tower_http::LatencyUnit::Micros),
    )
}

fn request_span(request: &Request) -> Span {
    let id = request.extensions().get::<RequestId>().map_or("", |RequestId(id)| id.as_str());
    tracing::info_span!("request", id = %id, method = %request.method(), path = %request.uri().path())
}

/// Whether a metrics recorder was installed (`METRICS_ADDR`): without one the labels of every
/// request would be built for nothing (three strings per request).
static RECORDING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Whether a metrics recorder is installed: [`layers::apply`](crate::layers::apply) adds
/// [`note_route`] only then, so the app must be built after [`install_metrics`].
pub fn recording() -> bool {
    RECORDING.load(std::sync::atomic::Ordering::Relaxed)
}

/// The route a request matched, handed to [`record_metrics`] in the response: that layer runs
/// around the router, before any route is matched.
#[derive(Clone)]
struct Route(MatchedPath);

/// Puts the matched route (its pattern) into the response, for [`record_metrics`]. Runs inside
/// each route.
pub async fn note_route(request: Request, next: Next) -> Response {
    let route = request.extensions().get::<MatchedPath>().cloned();
    let mut response = next.run(request).await;
    if let Some(route) = route {
        response.extensions_mut().insert(Route(route));
    }
    response
}

/// Counts every request by route (the route's pattern, never the raw path with its ids) and status,
/// and records its latency.
pub async fn record_metrics(request: Request, next: Next) -> Response {
    if !recording() {
        return next.run(request).await;
    }
    let unmatched = unmatched(request.uri().path());
    let method = request.method().as_str().to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    let route =
        response.extensions().get::<Route>().map_or(unmatched, |Route(path)| path.as_str()).to_owned();
    let labels = [("method", method), ("route", route), ("status", response.status().as_u16().to_string())];
    metrics::counter!("http_requests_total", &labels).increment(1);
    metrics::histogram!("http_request_duration_seconds", &labels).record(started.elapsed().as_secs_f64());
    response
}

/// A label for a path no route matched: its first segment, so the label set stays small.
fn unmatched(path: &str) -> &'static str {
    match path.split('/').nth(1) {
        Some("pkg") => "/pkg/*",
        Some("api") => "/api/*",
        _ => "other",
    }
}

/// Serves the metrics in Prometheus text format on `addr`.
///
/// # Errors
/// When the listener cannot start (the address is taken) or a recorder is installed already.
pub fn install_metrics(addr: SocketAddr) -> Result<(), String> {
    PrometheusBuilder::new()
        .with_http_listener(addr)
        .set_buckets(&[0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0])
        .map_err(|err| format!("metrics buckets: {err}"))?
        .install()
        .map_err(|err| format!("cannot serve metrics on {addr}: {err}"))?;
    RECORDING.store(true, std::sync::atomic::Ordering::Relaxed);
    Ok(())
}

/// Samples the database pool and the mail outbox backlog every few seconds.
pub fn spawn_samplers(pool: sqlx::PgPool) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(SAMPLE_EVERY);
        loop {
            ticker.tick().await;
            let (size, idle) = (pool.size(), pool.num_idle());
            metrics::gauge!("db_pool_connections", "state" => "idle").set(idle as f64);
            metrics::gauge!("db_pool_connections", "state" => "in_use")
                .set(size.saturating_sub(idle as u32) as f64);
            metrics::gauge!("db_pool_max_connections").set(pool.options().get_max_connections() as f64);
            if let Ok(backlog) = app::ssr::recovery::mail::worker::backlog(&pool).await {
                metrics::gauge!("mail_outbox_backlog").set(backlog as f64);
            }
        }
    })
}
