//! Accepting connections: what slow and numerous clients get.
//!
//! `axum::serve` runs hyper without a timer, so a client that trickles header lines keeps its
//! connection (and a task) forever, and nothing caps how many connections are open. This loop uses
//! hyper's HTTP/1.1 builder with a timer instead:
//! - a request's headers must arrive within `header_read_timeout`, counted from the moment the
//!   connection opens or the previous answer went out, so a connection that sends nothing and an
//!   idle keep-alive connection close after the same time;
//! - at most `max_connections` are open: at the cap the loop stops accepting, and new clients wait
//!   in the kernel's backlog until one closes;
//! - on shutdown the listener closes, open connections finish their requests, and after a grace
//!   period whatever is left is dropped.
//!
//! Bodies are bounded by the layers (size and the request timeout), not here.
//!
//! HTTP/1.1 only, on purpose: browsers speak HTTP/2 only over TLS, which a reverse proxy terminates
//! in front of this server, and hyper-util's HTTP/1-or-2 detection reads the first bytes with no
//! deadline at all (a connection that never sends one would be held forever).

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt;

/// How long open connections get to finish after a shutdown signal.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(20);

/// Limits on connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListenerLimits {
    /// Time for a request's headers to arrive, and for an idle keep-alive connection to close.
    pub header_read_timeout: Duration,
    /// Most connections open at once.
    pub max_connections: usize,
}

impl Default for ListenerLimits {
    fn default() -> Self {
        ListenerLimits { header_read_timeout: Duration::from_secs(10), max_connections: 10_000 }
    }
}

/// Serves `app` on `listener` until `shutdown` resolves, then drains open connections.
///
/// # Errors
/// Never returns an error today (accept failures are logged and retried); the `Result` keeps the
/// signature of a server.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ListenerLimits,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let mut builder = http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(limits.header_read_timeout);
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        // At the cap, wait for a connection to close before accepting another.
        let permit = tokio::select! {
            permit = Arc::clone(&permits).acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    // Out of file descriptors and the like: pause instead of spinning.
                    tracing::warn!(%err, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // Answers go out at once instead of waiting for Nagle's algorithm to coalesce them.
        if let Err(err) = stream.set_nodelay(true) {
            tracing::debug!(%err, "could not set TCP_NODELAY");
        }
        let service = hyper::service::service_fn(connection_service(app.clone(), peer));
        let connection = graceful.watch(builder.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            if let Err(err) = connection.await {
                tracing::debug!(%err, "connection ended with an error");
            }
            drop(permit);
        });
    }
    drop(listener);
    tracing::info!(open = graceful.count(), "no longer accepting; finishing open connections");
    if tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown()).await.is_err() {
        tracing::warn!("connections still open after the grace period were dropped");
    }
    Ok(())
}

/// What the router answers a request with.
type Answer = std::pin::Pin<Box<dyn Future<Output = Result<axum::response::Response, Infallible>> + Send>>;

/// The per-request service of one connection: the router, told the peer's address.
fn connection_service(app: Router, peer: SocketAddr) -> impl Fn(http::Request<Incoming>) -> Answer + Clone {
    move |request: http::Request<Incoming>| {
        let mut request = request.map(axum::body::Body::new);
        request.extensions_mut().insert(ConnectInfo(peer));
        Box::pin(app.clone().oneshot(request))
    }
}
