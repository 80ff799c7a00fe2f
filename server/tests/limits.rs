//! What an anonymous client can hold: request heads that never finish (or
//! never start) are closed after the header-read timeout, a slow request is
//! answered 408, and past the connection cap (of the server, or of one
//! client address) a connection is answered 503 at once. Each test serves a
//! small router through the real `serve` over TCP.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use axum::Router;
use axum::routing::get;
use server::client_address::TrustedProxies;
use server::serve::{Limits, TOO_MANY_CONNECTIONS, TOO_MANY_CONNECTIONS_FROM_CLIENT, serve};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpSocket, TcpStream};

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

/// A connection to `addr` from the loopback address `from` (Linux routes
/// all of 127.0.0.0/8 to loopback, so each is another client).
async fn connect_from(from: [u8; 4], addr: SocketAddr) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind(SocketAddr::from((from, 0))).unwrap();
    socket.connect(addr).await.unwrap()
}

/// One request on a fresh connection; the whole answer as text.
async fn get_text(addr: SocketAddr, path: &str) -> String {
    get_text_from([127, 0, 0, 1], addr, path).await
}

/// One request on a fresh connection from `from`; the whole answer as text.
async fn get_text_from(from: [u8; 4], addr: SocketAddr, path: &str) -> String {
    let mut stream = connect_from(from, addr).await;
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

/// Limits with no cap per client beyond the server's own.
fn limits(header_read_timeout: Duration, max_connections: usize) -> Limits {
    Limits {
        header_read_timeout,
        request_timeout: Duration::from_secs(1),
        max_connections,
        max_connections_per_client: max_connections,
        uncapped_peers: TrustedProxies::default(),
    }
}

/// Half a request head from `from`, held open.
async fn half_sent_from(from: [u8; 4], addr: SocketAddr) -> TcpStream {
    let mut stream = connect_from(from, addr).await;
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: test\r\nX-Slow: ")
        .await
        .unwrap();
    stream
}

/// The whole answer on `stream` (the server closes it after answering).
async fn answer_on(stream: &mut TcpStream) -> String {
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer))
        .await
        .expect("answered")
        .unwrap();
    String::from_utf8_lossy(&answer).into_owned()
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

/// One address filling the server's cap with half-sent requests holds only
/// its own share: its connections past that are answered 503 at once, and
/// another address is still served.
#[tokio::test]
async fn one_address_holds_at_most_its_own_cap_and_others_are_served() {
    const PER_CLIENT: usize = 5;
    const GLOBAL: usize = 20;
    let addr = start(Limits {
        max_connections_per_client: PER_CLIENT,
        ..limits(Duration::from_secs(30), GLOBAL)
    })
    .await;
    let hog = [127, 0, 0, 2];
    let mut held = Vec::new();
    for _ in 0..GLOBAL {
        held.push(half_sent_from(hog, addr).await);
    }
    // Those past its cap were answered at once; the first ones are held.
    for (i, stream) in held.iter_mut().enumerate().skip(PER_CLIENT) {
        let answer = answer_on(stream).await;
        assert!(
            answer.starts_with("HTTP/1.1 503"),
            "connection {i}: {answer}"
        );
        assert!(
            answer.contains("Retry-After: 1") && answer.ends_with(TOO_MANY_CONNECTIONS_FROM_CLIENT),
            "{answer}"
        );
    }
    let answer = get_text_from([127, 0, 0, 3], addr, "/healthz").await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let answer = get_text_from(hog, addr, "/healthz").await;
    assert!(
        answer.starts_with("HTTP/1.1 503") && answer.ends_with(TOO_MANY_CONNECTIONS_FROM_CLIENT),
        "{answer}"
    );

    // Closing them gives the address its connections back.
    drop(held);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let answer = get_text_from(hog, addr, "/healthz").await;
        if answer.starts_with("HTTP/1.1 200") {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the address's connections were not freed: {answer}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A trusted proxy carries many clients' connections: only the server's
/// cap applies to it.
#[tokio::test]
async fn a_trusted_proxy_is_held_only_to_the_server_cap() {
    let proxy = [127, 0, 0, 4];
    let addr = start(Limits {
        max_connections_per_client: 2,
        uncapped_peers: TrustedProxies::parse(&IpAddr::from(proxy).to_string()).unwrap(),
        ..limits(Duration::from_secs(30), 20)
    })
    .await;
    let mut held = Vec::new();
    for _ in 0..10 {
        held.push(half_sent_from(proxy, addr).await);
    }
    let answer = get_text_from(proxy, addr, "/healthz").await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    // Another address is still held to its own.
    let other = [127, 0, 0, 5];
    let _two = [
        half_sent_from(other, addr).await,
        half_sent_from(other, addr).await,
    ];
    let answer = get_text_from(other, addr, "/healthz").await;
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
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
