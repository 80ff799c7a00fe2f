//! What an anonymous client can hold: request heads that never finish (or
//! never start) are closed after the header-read timeout, a slow request is
//! answered 408, and past the connection cap a connection is answered 503 at
//! once. Each test serves a small router through the real `serve` over TCP.

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::routing::get;
use server::serve::{Limits, TOO_MANY_CONNECTIONS, serve};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

async fn start(limits: Limits) -> SocketAddr {
    let app = Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(5)).await;
                "late"
            }),
        );
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(serve(listener, app, limits, std::future::pending()));
    addr
}

/// One request on a fresh connection; the whole answer as text.
async fn get_text(addr: SocketAddr, path: &str) -> String {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_string(&mut answer))
        .await
        .expect("answered")
        .unwrap();
    answer
}

/// Whether the server closes `stream` (EOF or reset) within `within`,
/// without ever answering 200.
async fn closed_within(stream: &mut TcpStream, within: Duration) -> bool {
    let mut seen = Vec::new();
    let mut buf = [0u8; 1024];
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Err(_) => return false,
            Ok(Ok(0)) | Ok(Err(_)) => return !String::from_utf8_lossy(&seen).contains(" 200 "),
            Ok(Ok(n)) => seen.extend_from_slice(&buf[..n]),
        }
    }
}

fn limits(header_read_timeout: Duration, max_connections: usize) -> Limits {
    Limits {
        header_read_timeout,
        request_timeout: Duration::from_secs(1),
        max_connections,
    }
}

#[tokio::test]
async fn half_sent_and_silent_connections_are_closed_and_others_are_served_meanwhile() {
    let addr = start(limits(Duration::from_secs(1), 1000)).await;
    let mut hanging = Vec::new();
    for i in 0..500 {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        // Half a request head, or (one in five) nothing at all.
        if i % 5 != 0 {
            stream
                .write_all(b"GET /healthz HTTP/1.1\r\nHost: test\r\nX-Slow: ")
                .await
                .unwrap();
        }
        hanging.push(stream);
    }
    assert!(
        get_text(addr, "/healthz").await.starts_with("HTTP/1.1 200"),
        "served while they hang"
    );
    for (i, stream) in hanging.iter_mut().enumerate() {
        // The timeout is 1 s; the margin covers 500 of them on a busy machine.
        assert!(
            closed_within(stream, Duration::from_secs(10)).await,
            "connection {i} is still open"
        );
    }
    assert!(get_text(addr, "/healthz").await.starts_with("HTTP/1.1 200"));
}

#[tokio::test]
async fn a_request_that_takes_too_long_is_answered_408() {
    let addr = start(limits(Duration::from_secs(5), 10)).await;
    let answer = get_text(addr, "/slow").await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
}

#[tokio::test]
async fn past_the_connection_cap_a_connection_is_answered_503_then_served_once_there_is_room() {
    let addr = start(limits(Duration::from_secs(30), 5)).await;
    let held: Vec<TcpStream> = {
        let mut held = Vec::new();
        for _ in 0..5 {
            held.push(TcpStream::connect(addr).await.unwrap());
        }
        held
    };
    let answer = get_text(addr, "/healthz").await;
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(
        answer.contains("Retry-After: 1") && answer.ends_with(TOO_MANY_CONNECTIONS),
        "{answer}"
    );

    // Closing them frees their slots.
    drop(held);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let answer = get_text(addr, "/healthz").await;
        if answer.starts_with("HTTP/1.1 200") {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "slots were not freed: {answer}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Behind a trusted proxy, a request is attributed to the client the proxy
/// names in `X-Forwarded-For`; from any other peer, to the peer, whatever
/// it claims. Served over TCP as in production, so `serve`'s peer address
/// and `client_address::resolve` meet as they do there.
#[tokio::test]
async fn the_client_is_the_peer_unless_the_peer_is_a_trusted_proxy() {
    use axum::extract::ConnectInfo;
    use server::client_address::{TrustedProxies, resolve};
    let echo = |trusted: TrustedProxies| {
        Router::new()
            .route(
                "/whoami",
                get(|ConnectInfo(client): ConnectInfo<SocketAddr>| async move {
                    client.ip().to_string()
                }),
            )
            .layer(axum::middleware::from_fn_with_state(trusted, resolve))
    };
    let ask = |addr: SocketAddr| async move {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream
            .write_all(b"GET /whoami HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 1.2.3.4, 198.51.100.7\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).await.unwrap();
        answer.rsplit("\r\n\r\n").next().unwrap().to_owned()
    };
    for (trusted, expected) in [
        (TrustedProxies::parse("127.0.0.1").unwrap(), "198.51.100.7"),
        (TrustedProxies::default(), "127.0.0.1"),
    ] {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(serve(
            listener,
            echo(trusted),
            Limits::default(),
            std::future::pending(),
        ));
        assert_eq!(ask(addr).await, expected);
    }
}
