//! The binary refuses a bad configuration with one line on stderr.

mod common;

fn run_keyward(envs: &[(&str, &str)]) -> (i32, String) {
    let out = common::binary::keyward(&[("LEPTOS_SITE_ADDR", "127.0.0.1:0")])
        .envs(envs.iter().copied())
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn unreachable_database_is_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let (code, stderr) = run_keyward(&[
        ("KEYWARD_DATA_DIR", dir.path().to_str().unwrap()),
        (
            "DATABASE_URL",
            "postgres://nobody:hunter2@127.0.0.1:1/nothing",
        ),
    ]);
    assert_eq!(code, 1);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with(
            "keyward: cannot open the database at postgres://nobody:***@127.0.0.1:1/nothing"
        ),
        "{stderr}"
    );
    assert!(!stderr.contains("hunter2"));
}

#[test]
fn unwritable_data_folder_is_one_line() {
    let (code, stderr) = run_keyward(&[("KEYWARD_DATA_DIR", "/proc/keyward-cannot-be-here")]);
    assert_eq!(code, 1);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("keyward: cannot create the data folder"),
        "{stderr}"
    );
}

#[test]
fn malformed_master_key_is_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let (code, stderr) = run_keyward(&[
        ("KEYWARD_DATA_DIR", dir.path().to_str().unwrap()),
        ("KEYWARD_MASTER_KEY", "not base64!"),
    ]);
    assert_eq!(code, 1);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("KEYWARD_MASTER_KEY"), "{stderr}");
    assert!(
        !stderr.contains("not base64!"),
        "the key's text is never echoed"
    );
}

#[test]
fn malformed_proxy_list_and_retentions_are_one_line_each() {
    for (var, value, says) in [
        (
            "KEYWARD_TRUSTED_PROXIES",
            "10.0.0.1, proxy.local",
            "proxy.local",
        ),
        ("KEYWARD_AUDIT_RETENTION_DAYS", "0", "from 1 to 3660"),
        ("KEYWARD_AUDIT_RETENTION_DAYS", "ninety", "ninety"),
        ("KEYWARD_DELIVERY_RETENTION_DAYS", "0", "from 1 to 3660"),
        ("KEYWARD_DELIVERY_RETENTION_DAYS", "thirty", "thirty"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let (code, stderr) = run_keyward(&[
            ("KEYWARD_DATA_DIR", dir.path().to_str().unwrap()),
            (var, value),
        ]);
        assert_eq!(code, 1, "{var}={value}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(
            stderr.starts_with(&format!("keyward: {var}")) && stderr.contains(says),
            "{stderr}"
        );
    }
}
