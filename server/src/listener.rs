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
//! - at most `max_per_address` are open from one client address (IPv6 by its /64), so one client
//!   cannot take every connection: past it, a new connection gets a 503 and is closed at once.
//!   Trusted proxies (`TRUSTED_PROXIES`) carry many clients' connections and are not capped;
//! - on shutdown the listener closes, open connections finish their requests, and after a grace
//!   period whatever is left is dropped.
//!
//! Bodies are bounded by the layers (size and the request timeout), not here.
//!
//! HTTP/1.1 only, on purpose: browsers speak HTTP/2 only over TLS, which a reverse proxy terminates
//! in front of this server, and hyper-util's HTTP/1-or-2 detection reads the first bytes with no
//! deadline at all (a connection that never sends one would be held forever).

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use ipnet::IpNet;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt;

/// Limits on connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListenerLimits {
    /// Time for a request's headers to arrive, and for an idle keep-alive connection to close.
    pub header_read_timeout: Duration,
    /// Most connections open at once.
    pub max_connections: usize,
    /// Most connections open at once from one client address (trusted proxies excepted).
    pub max_per_address: usize,
    /// How long open connections get to finish once the listener has closed.
    pub shutdown_grace: Duration,
}

impl Default for ListenerLimits {
    fn default() -> Self {
        ListenerLimits {
            header_read_timeout: Duration::from_secs(10),
            max_connections: 10_000,
            max_per_address: 64,
            shutdown_grace: Duration::from_secs(20),
        }
    }
}

/// What a connection over the per-address cap is told before it is closed.
const TOO_MANY: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\n\
content-length: 92\r\nretry-after: 10\r\nconnection: close\r\n\r\n\
{\"error\":\"unavailable\",\"message\":\"Too many open connections from your address. Close some.\"}";

/// Open connections per client address.
#[derive(Default)]
struct PerAddress {
    open: Mutex<HashMap<IpAddr, usize>>,
}

/// One connection counted against its address; uncounted when dropped.
struct Counted {
    table: Arc<PerAddress>,
    address: IpAddr,
}

impl PerAddress {
    /// Counts a connection from `address`, unless `cap` are open from it already.
    fn admit(table: &Arc<PerAddress>, address: IpAddr, cap: usize) -> Option<Counted> {
        let mut open = table.open.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let count = open.entry(address).or_default();
        if *count >= cap {
            return None;
        }
        *count += 1;
        Some(Counted { table: Arc::clone(table), address })
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        let mut open = self.table.open.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(count) = open.get_mut(&self.address) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.address);
            }
        }
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
    trusted_proxies: Arc<[IpNet]>,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let mut builder = http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(limits.header_read_timeout);
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let per_address = Arc::new(PerAddress::default());
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
        let address = app::ssr::guard::address::throttle_address(peer.ip().to_canonical());
        let counted =
            if app::ssr::guard::address::is_trusted_proxy(&peer.ip().to_canonical(), &trusted_proxies) {
                None
            } else {
                match PerAddress::admit(&per_address, address, limits.max_per_address) {
                    Some(counted) => Some(counted),
                    None => {
                        // Best effort, never waiting on this client: it already holds enough of us.
                        let _ = stream.try_write(TOO_MANY);
                        tracing::debug!(%address, "connection refused: too many open from this address");
                        continue;
                    }
                }
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
            drop(counted);
        });
    }
    drop(listener);
    tracing::info!(open = graceful.count(), "no longer accepting; finishing open connections");
    if tokio::time::timeout(limits.shutdown_grace, graceful.shutdown()).await.is_err() {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_refusal_is_one_whole_http_answer() {
        let text = std::str::from_utf8(TOO_MANY).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        let length: usize =
            head.lines().find_map(|line| line.strip_prefix("content-length: ")).unwrap().parse().unwrap();
        assert_eq!(length, body.len());
        assert!(serde_json::from_str::<serde_json::Value>(body).is_ok());
    }

    #[test]
    fn each_address_is_capped_and_uncounted_on_close() {
        let table = Arc::new(PerAddress::default());
        let address: IpAddr = "203.0.113.9".parse().unwrap();
        let first = PerAddress::admit(&table, address, 2).unwrap();
        let _second = PerAddress::admit(&table, address, 2).unwrap();
        assert!(PerAddress::admit(&table, address, 2).is_none());
        assert!(PerAddress::admit(&table, "203.0.113.10".parse().unwrap(), 2).is_some());
        drop(first);
        assert!(PerAddress::admit(&table, address, 2).is_some());
    }
}
