//! What slow and numerous clients get from the listener: a header-read deadline, idle keep-alive
//! connections closed, a cap on open connections, a cap per client address, and a deadline for
//! request bodies.

mod common;

use std::time::{Duration, Instant};

use sqlx::PgPool;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

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
    let limits = ListenerLimits {
        header_read_timeout: Duration::from_secs(3),
        max_connections: 2,
        ..ListenerLimits::default()
    };
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

/// A connection to `app` from the loopback address `from` (127.0.0.0/8 is all loopback on Linux).
async fn connect_from(app: &common::TestApp, from: &str) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind(format!("{from}:0").parse().unwrap()).unwrap();
    socket.connect(app.addr).await.unwrap()
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn one_address_cannot_take_every_connection(pool: PgPool) {
    // Room for 100 connections, headers allowed a whole minute: without a per-address cap, one
    // client trickling 100 requests would hold every place for that minute.
    let limits = ListenerLimits {
        header_read_timeout: Duration::from_secs(60),
        max_connections: 100,
        ..ListenerLimits::default()
    };
    let app = common::serve_with_limits(common::state(pool.clone()), pool, limits).await;
    let mut held = Vec::new();
    let mut refused = 0;
    for _ in 0..100 {
        let mut stream = connect_from(&app, "127.0.0.1").await;
        // A request begun and never finished: the trickle of a slow client.
        let _ = stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n").await;
        held.push(stream);
    }
    // The 64 the cap allows stay open; each one past it was answered 503 and closed.
    for stream in &mut held[64..] {
        let (_, received) = until_closed(stream, Duration::from_secs(10)).await;
        let text = String::from_utf8_lossy(&received);
        assert!(text.starts_with("HTTP/1.1 503"), "{text}");
        assert!(text.contains("Too many open connections"), "{text}");
        refused += 1;
    }
    assert_eq!(refused, 36);
    // Another address is served at once, while the first one's 64 are still open.
    let mut other = connect_from(&app, "127.0.0.2").await;
    other.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await.unwrap();
    let (_, received) = until_closed(&mut other, Duration::from_secs(20)).await;
    assert!(String::from_utf8_lossy(&received).starts_with("HTTP/1.1 200"), "{received:?}");
    // The held ones are really open: one of them can still finish its request.
    let first = &mut held[0];
    first.write_all(b"Connection: close\r\n\r\n").await.unwrap();
    let (_, received) = until_closed(first, Duration::from_secs(20)).await;
    assert!(String::from_utf8_lossy(&received).starts_with("HTTP/1.1 200"), "{received:?}");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_body_trickled_slower_than_the_deadline_gets_408(pool: PgPool) {
    let mut state = common::state(pool.clone());
    state.profile.body_read_timeout = Duration::from_secs(2);
    let app = common::serve(state, pool).await;
    let mut stream = TcpStream::connect(app.addr).await.unwrap();
    let body = br#"{"username":"someone","password":"a-password-of-some-length"}"#;
    let head = format!(
        "POST /api/auth/signin HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    // One byte a second: the whole body would take a minute.
    let trickle = async {
        for byte in body {
            if stream.write_all(&[*byte]).await.is_err() {
                break;
            }
            let mut probe = [0u8; 64];
            match tokio::time::timeout(Duration::from_secs(1), stream.peek(&mut probe)).await {
                Ok(Ok(n)) if n > 0 => break, // answered
                Ok(Ok(_) | Err(_)) => break, // closed
                Err(_) => {}
            }
        }
    };
    trickle.await;
    let (_, received) = until_closed(&mut stream, Duration::from_secs(10)).await;
    let text = String::from_utf8_lossy(&received);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.contains(r#""error":"timeout""#), "{text}");
}
