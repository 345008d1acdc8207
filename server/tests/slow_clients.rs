//! What slow and numerous clients get from the listener: a header-read deadline, idle keep-alive
//! connections closed, and a cap on open connections.

mod common;

use std::time::{Duration, Instant};

use sqlx::PgPool;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use server::listener::ListenerLimits;

/// Reads until the server closes the connection or `limit` passes; returns how long it took and
/// what was read.
async fn until_closed(stream: &mut TcpStream, limit: Duration) -> (Duration, Vec<u8>) {
    let started = Instant::now();
    let mut received = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        match tokio::time::timeout(limit.saturating_sub(started.elapsed()), stream.read(&mut buffer)).await {
            Ok(Ok(0) | Err(_)) => return (started.elapsed(), received),
            Ok(Ok(n)) => received.extend_from_slice(&buffer[..n]),
            Err(_) => return (limit, received),
        }
    }
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_client_trickling_header_lines_is_cut_off_within_15_seconds(pool: PgPool) {
    // The default limits, as in production: 10 seconds for the headers.
    let app = common::spawn(pool).await;
    let mut stream = TcpStream::connect(app.addr).await.unwrap();
    stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n").await.unwrap();
    let started = Instant::now();
    // One more header line every second, never the blank line that ends them.
    let trickle = async {
        for i in 0..30 {
            tokio::time::sleep(Duration::from_secs(1)).await;
            if stream.write_all(format!("X-Slow-{i}: yes\r\n").as_bytes()).await.is_err() {
                break;
            }
            let mut probe = [0u8; 1];
            if let Ok(Ok(0)) = tokio::time::timeout(Duration::from_millis(10), stream.peek(&mut probe)).await
            {
                break; // closed by the server
            }
        }
    };
    trickle.await;
    let took = started.elapsed();
    assert!(took < Duration::from_secs(15), "still open after {took:?}");
    assert!(took >= Duration::from_secs(9), "closed too early, after {took:?}");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn idle_keep_alive_connections_close(pool: PgPool) {
    let limits = ListenerLimits { header_read_timeout: Duration::from_secs(2), ..ListenerLimits::default() };
    let app = common::serve_with_limits(common::state(pool.clone()), pool, limits).await;
    let mut stream = TcpStream::connect(app.addr).await.unwrap();
    stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    let (took, received) = until_closed(&mut stream, Duration::from_secs(10)).await;
    let text = String::from_utf8_lossy(&received);
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    assert!(took < Duration::from_secs(5), "an idle connection stayed open {took:?}");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn open_connections_are_capped(pool: PgPool) {
    let limits = ListenerLimits { header_read_timeout: Duration::from_secs(3), max_connections: 2 };
    let app = common::serve_with_limits(common::state(pool.clone()), pool, limits).await;
    // Two idle connections take both places.
    let _first = TcpStream::connect(app.addr).await.unwrap();
    let _second = TcpStream::connect(app.addr).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    // A third is accepted by the kernel but not served while they are open...
    let started = Instant::now();
    let mut third = TcpStream::connect(app.addr).await.unwrap();
    third.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await.unwrap();
    let (_, received) = until_closed(&mut third, Duration::from_secs(10)).await;
    let waited = started.elapsed();
    // ...and is served once the header deadline has closed the idle two.
    assert!(String::from_utf8_lossy(&received).starts_with("HTTP/1.1 200"), "{received:?}");
    assert!(waited >= Duration::from_secs(2), "served at once ({waited:?}): the cap did not hold");
}
