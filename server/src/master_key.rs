//! The master key that seals key secrets at rest.

use std::io::{Read, Write};
use std::path::Path;

use app::domain::sealing::MasterKey;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::{Config, StartupError};

pub const FILE_NAME: &str = "master.key";

/// From `KEYWARD_MASTER_KEY`, else from the data folder's key file, which is
/// created (mode 0600) on first start.
pub fn load(config: &Config) -> Result<MasterKey, StartupError> {
    if let Some(text) = &config.master_key {
        return decode(text, "in KEYWARD_MASTER_KEY");
    }
    std::fs::create_dir_all(&config.data_dir).map_err(|source| StartupError::DataDir {
        path: config.data_dir.clone(),
        source,
    })?;
    let path = config.data_dir.join(FILE_NAME);
    match read(&path) {
        Ok(text) => decode(&text, &format!("in {}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => create(&path),
        Err(source) => Err(StartupError::MasterKeyFile { path, source }),
    }
}

fn read(path: &Path) -> std::io::Result<String> {
    let mut text = String::new();
    std::fs::File::open(path)?.read_to_string(&mut text)?;
    Ok(text)
}

fn create(path: &Path) -> Result<MasterKey, StartupError> {
    let key = MasterKey::generate();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let written = options
        .open(path)
        .and_then(|mut f| f.write_all(format!("{}\n", STANDARD.encode(key.as_bytes())).as_bytes()));
    match written {
        Ok(()) => {
            tracing::info!(path = %path.display(), "created a new master key");
            Ok(key)
        }
        Err(source) => Err(StartupError::MasterKeyFile {
            path: path.to_owned(),
            source,
        }),
    }
}

fn decode(text: &str, origin: &str) -> Result<MasterKey, StartupError> {
    let bytes = STANDARD
        .decode(text.trim())
        .ok()
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
        .ok_or_else(|| StartupError::MasterKeyFormat {
            origin: origin.to_owned(),
        })?;
    Ok(MasterKey::from_bytes(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(dir: &Path, key: Option<&str>) -> Config {
        Config {
            data_dir: dir.to_owned(),
            database_url: String::new(),
            master_key: key.map(str::to_owned),
            cookie_secure: false,
            webhook_allow_private: false,
            max_connections: 1,
            max_connections_per_client: 1,
            signups_per_minute: 1,
            manual_sends_per_minute: 1,
            key_cache_entries: 1,
            trusted_proxies: String::new(),
            audit_retention: String::new(),
            delivery_retention: String::new(),
            secret_scanning_keys: None,
        }
    }

    #[test]
    fn key_file_is_created_once_with_mode_0600_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let first = load(&config(dir.path(), None)).unwrap();
        let path = dir.path().join(FILE_NAME);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        let second = load(&config(dir.path(), None)).unwrap();
        assert_eq!(first.as_bytes(), second.as_bytes());
    }

    #[test]
    fn env_key_wins_and_must_be_32_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let text = STANDARD.encode([7u8; 32]);
        let key = load(&config(dir.path(), Some(&text))).unwrap();
        assert_eq!(key.as_bytes(), &[7u8; 32]);
        assert!(
            !dir.path().join(FILE_NAME).exists(),
            "no file when the env var is set"
        );
        let err = load(&config(dir.path(), Some("c2hvcnQ="))).err().unwrap();
        assert!(err.to_string().contains("KEYWARD_MASTER_KEY"), "{err}");
    }
}
