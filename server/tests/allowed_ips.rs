//! **Allowed IP addresses**: saved from the key form, refused with the
//! line that is wrong, audited, and enforced by the API guard on the
//! client's address (IPv4, IPv6, IPv4-mapped), with the refusal counted in
//! the key's usage.

mod common;

use std::net::{IpAddr, SocketAddr};

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use common::{TestApp, backends};
use serde_json::{Value, json};

async fn save(app: &TestApp, path: &str, id: Option<i64>, ips: &str) -> (StatusCode, Value) {
    let input = json!({ "name": "Office", "restricted": false, "allowed_ips": ips });
    let body = match id {
        Some(id) => json!({ "id": id, "input": input }),
        None => json!({ "input": input }),
    };
    app.call(path, body).await
}

/// `POST /v2/list-agents` (Agent → Read) from `from`, or from no known
/// address.
async fn list_agents(app: &TestApp, secret: &str, from: Option<&str>) -> (StatusCode, Value) {
    let mut request = Request::builder()
        .method("POST")
        .uri("/v2/list-agents")
        .header(header::AUTHORIZATION, format!("Bearer {secret}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("{}"))
        .unwrap();
    if let Some(from) = from {
        let ip: IpAddr = from.parse().unwrap();
        request
            .extensions_mut()
            .insert(ConnectInfo(SocketAddr::new(ip, 40000)));
    }
    app.send(request).await
}

#[tokio::test]
async fn the_form_saves_normalized_ranges_and_refuses_a_bad_line() {
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        let (status, body) = save(&app, "/api/keys/create", None, "10.0.0.1\n10.0.0.300").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["Invalid"]["field"], "allowed_ips");
        assert_eq!(
            body["Invalid"]["message"],
            "Line 2: “10.0.0.300” is not an IP address or CIDR range."
        );
        let (status, created) = save(
            &app,
            "/api/keys/create",
            None,
            " 10.9.8.7/8\n\n2001:DB8::1/32 ",
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{created}");
        let (_, list) = app.call("/api/keys/list", json!({})).await;
        let list = list["keys"].clone();
        assert_eq!(
            list[0]["allowed_ips"],
            json!(["10.0.0.0/8", "2001:db8::/32"])
        );
        // An edit that changes them is audited with before and after; one
        // that leaves them is not.
        let id = created["id"].as_i64().unwrap();
        let (status, _) = save(
            &app,
            "/api/keys/update",
            Some(id),
            "10.0.0.0/8\n2001:db8::/32",
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        let (status, _) = save(&app, "/api/keys/update", Some(id), "").await;
        assert_eq!(status, StatusCode::OK);
        let (_, html) = app.call("/api/audit/page", json!({ "query": {} })).await;
        let html = html.as_str().unwrap();
        assert_eq!(
            html.matches("Allowed IP addresses changed").count(),
            1,
            "{html}"
        );
        assert!(html.contains("10.0.0.0/8, 2001:db8::/32"), "{html}");
        assert!(html.contains("Anywhere"), "{html}");
        // An update that does not mention them keeps them.
        let (status, _) = save(&app, "/api/keys/update", Some(id), "10.0.0.0/8").await;
        assert_eq!(status, StatusCode::OK);
        let (status, _) = app
            .call(
                "/api/keys/update",
                json!({ "id": id, "input": { "name": "Renamed", "restricted": false } }),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let (_, list) = app.call("/api/keys/list", json!({})).await;
        let list = list["keys"].clone();
        assert_eq!(list[0]["allowed_ips"], json!(["10.0.0.0/8"]));
        // Another organization cannot change them.
        let b = app.signup("owner@b.example", "Org B").await;
        let (status, _, _) = app
            .call_with(
                Some(&b),
                "/api/keys/update",
                json!({ "id": id, "input": { "name": "x", "restricted": false, "allowed_ips": "" } }),
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn the_api_refuses_other_addresses_until_they_are_added() {
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        let (_, created) = save(&app, "/api/keys/create", None, "10.0.0.0/8\n2001:db8::/32").await;
        let secret = created["secret"].as_str().unwrap().to_owned();
        let id = created["id"].as_i64().unwrap();
        for allowed in ["10.1.2.3", "::ffff:10.1.2.3", "2001:db8::9"] {
            let (status, body) = list_agents(&app, &secret, Some(allowed)).await;
            assert_eq!(status, StatusCode::OK, "{allowed}: {body}");
        }
        for (refused, named) in [
            ("127.0.0.1", "127.0.0.1"),
            ("::ffff:127.0.0.1", "127.0.0.1"),
            ("2001:db9::1", "2001:db9::1"),
        ] {
            let (status, body) = list_agents(&app, &secret, Some(refused)).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");
            assert_eq!(
                body["error"]["message"],
                format!("This API key cannot be used from {named}."),
                "{body}"
            );
        }
        let (status, body) = list_agents(&app, &secret, None).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert_eq!(
            body["error"]["message"],
            "This API key cannot be used from an unknown address."
        );
        // Every request is counted in the key's usage (3 allowed, 4
        // refused); a refusal for the address is not one of a permission.
        app.last_used.flush(&app.db).await.unwrap();
        let (_, list) = app.call("/api/keys/list", json!({})).await;
        let list = list["keys"].clone();
        let usage = &list[0]["usage"];
        assert_eq!(
            usage["daily"].as_array().unwrap().last(),
            Some(&json!(7)),
            "{list}"
        );
        assert_eq!(usage["refused"], json!([]), "{list}");
        // Added, and allowed on the next request.
        let (status, _) = save(&app, "/api/keys/update", Some(id), "10.0.0.0/8\n127.0.0.1").await;
        assert_eq!(status, StatusCode::OK);
        let (status, body) = list_agents(&app, &secret, Some("127.0.0.1")).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        // Emptied: anywhere.
        save(&app, "/api/keys/update", Some(id), "").await;
        let (status, _) = list_agents(&app, &secret, Some("203.0.113.9")).await;
        assert_eq!(status, StatusCode::OK);
    }
}

/// Over a real socket, wired as `main` wires it: behind a trusted proxy
/// the key's list is checked against the client the proxy names; a request
/// from the proxy naming no client is the proxy's, and from an untrusted
/// peer what it claims is ignored.
#[tokio::test]
async fn behind_a_trusted_proxy_the_named_client_is_checked() {
    use server::client_address::{TrustedProxies, resolve};
    use server::serve::{Limits, serve};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = TestApp::start(&backends()[0]).await;
    let (_, created) = save(&app, "/api/keys/create", None, "198.51.100.7").await;
    let secret = created["secret"].as_str().unwrap().to_owned();
    let serve_with = |trusted: &str| {
        let router = app
            .router
            .clone()
            .layer(axum::middleware::from_fn_with_state(
                TrustedProxies::parse(trusted).unwrap(),
                resolve,
            ));
        async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            tokio::spawn(serve(
                listener,
                router,
                Limits::default(),
                std::future::pending(),
            ));
            addr
        }
    };
    let ask = |addr: SocketAddr, forwarded: Option<&'static str>| {
        let secret = secret.clone();
        async move {
            let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
            let xff = forwarded
                .map(|f| format!("X-Forwarded-For: {f}\r\n"))
                .unwrap_or_default();
            let request = format!(
                "GET /get-api-key-info HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {secret}\r\n{xff}Connection: close\r\n\r\n"
            );
            stream.write_all(request.as_bytes()).await.unwrap();
            let mut answer = String::new();
            stream.read_to_string(&mut answer).await.unwrap();
            answer
        }
    };
    let behind_proxy = serve_with("127.0.0.1").await;
    let answer = ask(behind_proxy, Some("203.0.113.9, 198.51.100.7")).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let answer = ask(behind_proxy, Some("203.0.113.9")).await;
    assert!(answer.starts_with("HTTP/1.1 403"), "{answer}");
    assert!(
        answer.contains("This API key cannot be used from 203.0.113.9."),
        "{answer}"
    );
    let answer = ask(behind_proxy, Some("::ffff:198.51.100.7")).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "mapped: {answer}");
    // The proxy naming no client: a request of its own.
    let answer = ask(behind_proxy, None).await;
    assert!(
        answer.contains("cannot be used from 127.0.0.1."),
        "{answer}"
    );

    let direct = serve_with("").await;
    let answer = ask(direct, Some("198.51.100.7")).await;
    assert!(answer.starts_with("HTTP/1.1 403"), "{answer}");
    assert!(
        answer.contains("cannot be used from 127.0.0.1."),
        "{answer}"
    );
}
