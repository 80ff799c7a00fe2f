//! Any number of instances may start at the same moment on one empty
//! PostgreSQL database: migrations run under an advisory lock, so none of
//! them dies on a half-created schema. (PostgreSQL only: SQLite is one
//! machine's file.) Each try uses a fresh database and three processes.

mod common;

use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use common::binary::{free_port, keyward};
use common::{Backend, TestDb, backends};

fn start(database_url: &str, port: u16, data: &std::path::Path) -> Child {
    keyward(&[
        ("LEPTOS_SITE_ADDR", &format!("127.0.0.1:{port}")),
        ("KEYWARD_DATA_DIR", data.to_str().unwrap()),
        ("DATABASE_URL", database_url),
        // One master key for all, as replicas share one.
        (
            "KEYWARD_MASTER_KEY",
            "a2V5d2FyZC1yZXBsaWNhLXRlc3QtbWFzdGVyLWtleSE=",
        ),
    ])
    .stdout(Stdio::null())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap()
}

fn healthy(port: u16) -> bool {
    use std::io::{Read, Write};
    let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    if stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer.starts_with("HTTP/1.1 200")
}

#[tokio::test]
async fn three_instances_started_together_on_an_empty_database_all_serve() {
    let Some(postgres) = backends()
        .into_iter()
        .find(|b| matches!(b, Backend::Postgres(_)))
    else {
        eprintln!("TEST_POSTGRES_URL is not set: nothing to try on SQLite");
        return;
    };
    for attempt in 1..=3 {
        let db = TestDb::create(&postgres).await;
        let data = tempfile::tempdir().unwrap();
        let ports: Vec<u16> = (0..3).map(|_| free_port()).collect();
        let mut children: Vec<Child> = ports
            .iter()
            .map(|p| start(db.url(), *p, data.path()))
            .collect();
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut up = vec![false; ports.len()];
        while up.iter().any(|u| !u) {
            for (i, child) in children.iter_mut().enumerate() {
                if let Some(status) = child.try_wait().unwrap() {
                    let mut stderr = String::new();
                    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut stderr)
                        .unwrap();
                    panic!("try {attempt}: instance {i} exited ({status}): {stderr}");
                }
                up[i] = up[i] || healthy(ports[i]);
            }
            assert!(
                Instant::now() < deadline,
                "try {attempt}: not all up: {up:?}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        for mut child in children {
            child.kill().unwrap();
            child.wait().unwrap();
        }
    }
}
