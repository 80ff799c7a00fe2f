//! Acknowledged means durable: the real binary is killed with SIGKILL while
//! eight clients create keys, then started again on the same data; every
//! key whose creation was answered 200 is listed and authenticates. On
//! SQLite, and on PostgreSQL when `TEST_POSTGRES_URL` is set.

mod common;

use std::process::{Child, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::binary::{free_port, keyward};
use common::{Backend, PASSWORD, TestDb, backends};
use serde_json::{Value, json};

fn start(data_dir: &std::path::Path, database_url: &str, port: u16) -> Child {
    keyward(&[
        ("LEPTOS_SITE_ADDR", &format!("127.0.0.1:{port}")),
        ("KEYWARD_DATA_DIR", data_dir.to_str().unwrap()),
        ("DATABASE_URL", database_url),
    ])
    .stdout(Stdio::null())
    .stderr(Stdio::null())
    .spawn()
    .unwrap()
}

async fn wait_healthy(client: &reqwest::Client, base: &str) {
    for _ in 0..200 {
        if client
            .get(format!("{base}/healthz"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the server did not come up at {base}");
}

/// Calls a server function; returns the status, the JSON answer and the
/// session cookie it set, if any.
async fn call(
    client: &reqwest::Client,
    base: &str,
    cookie: Option<&str>,
    path: &str,
    body: Value,
) -> reqwest::Result<(u16, Value, Option<String>)> {
    let (content_type, body) = if common::FORM_ENCODED.contains(&path) {
        (common::FORM, common::form_encoded(&body))
    } else {
        ("application/json", body.to_string())
    };
    let mut request = client
        .post(format!("{base}{path}"))
        .header("content-type", content_type)
        .body(body);
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    let response = request.send().await?;
    let status = response.status().as_u16();
    let cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("keyward_session=") && !c.contains("Max-Age=0"))
        .map(|c| c.split(';').next().unwrap().to_owned());
    let json = serde_json::from_slice(&response.bytes().await?).unwrap_or(Value::Null);
    Ok((status, json, cookie))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_acknowledged_key_survives_a_kill() {
    for backend in backends() {
        let data = tempfile::tempdir().unwrap();
        let test_db = match &backend {
            Backend::Sqlite => None,
            Backend::Postgres(_) => Some(TestDb::create(&backend).await),
        };
        let database_url = match &test_db {
            Some(db) => db.url().to_owned(),
            None => format!("sqlite://{}/keyward.db?mode=rwc", data.path().display()),
        };
        let port = free_port();
        let base = format!("http://127.0.0.1:{port}");
        let client = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap();
        let mut server = start(data.path(), &database_url, port);
        wait_healthy(&client, &base).await;
        let signup = json!({ "input": { "email": "crash@example.com", "password": PASSWORD, "organization": "Crash" } });
        let (status, _, cookie) = call(&client, &base, None, "/api/auth/signup", signup)
            .await
            .unwrap();
        assert_eq!(status, 200);
        let cookie = cookie.unwrap();

        // Eight clients create keys as fast as they can until the server dies.
        let acknowledged = Arc::new(Mutex::new(Vec::<(String, String)>::new()));
        let dead = Arc::new(AtomicBool::new(false));
        let clients: Vec<_> = (0..8)
            .map(|c| {
                let (client, base, cookie) = (client.clone(), base.clone(), cookie.clone());
                let (acknowledged, dead) = (acknowledged.clone(), dead.clone());
                tokio::spawn(async move {
                    for n in 0.. {
                        if dead.load(Ordering::SeqCst) {
                            break;
                        }
                        let name = format!("c{c}-{n}");
                        let body = json!({ "input": { "name": name, "restricted": false } });
                        // Anything but a 200 (refused, or cut off by the kill)
                        // was not acknowledged.
                        if let Ok((200, answer, _)) =
                            call(&client, &base, Some(&cookie), "/api/keys/create", body).await
                        {
                            let secret = answer["secret"].as_str().unwrap().to_owned();
                            acknowledged.lock().unwrap().push((name, secret));
                        }
                    }
                })
            })
            .collect();
        // Kill it mid-stream, once a good number of keys are in.
        while acknowledged.lock().unwrap().len() < 40 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        server.kill().unwrap();
        server.wait().unwrap();
        dead.store(true, Ordering::SeqCst);
        for c in clients {
            c.await.unwrap();
        }
        let acknowledged = acknowledged.lock().unwrap().clone();

        let mut server = start(data.path(), &database_url, port);
        wait_healthy(&client, &base).await;
        let login = json!({ "input": { "email": "crash@example.com", "password": PASSWORD } });
        let (status, _, cookie) = call(&client, &base, None, "/api/auth/login", login)
            .await
            .unwrap();
        assert_eq!(status, 200);
        let (_, listed, _) = call(
            &client,
            &base,
            cookie.as_deref(),
            "/api/keys/list",
            json!({}),
        )
        .await
        .unwrap();
        let names: std::collections::HashSet<&str> = listed["keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k["name"].as_str().unwrap())
            .collect();
        for (name, secret) in &acknowledged {
            assert!(
                names.contains(name.as_str()),
                "{}: {name} was acknowledged, then lost",
                backend.name()
            );
            let info = client
                .get(format!("{base}/get-api-key-info"))
                .bearer_auth(secret)
                .send()
                .await
                .unwrap();
            assert_eq!(
                info.status(),
                200,
                "{}: {name} no longer authenticates",
                backend.name()
            );
        }
        server.kill().unwrap();
        server.wait().unwrap();
    }
}
