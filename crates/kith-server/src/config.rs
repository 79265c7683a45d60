//! The server's settings: defaults, then an optional TOML file, then `KITH_*` environment
//! variables, then command-line flags; each later source wins.

use std::net::SocketAddr;
use std::path::Path;

use serde::Deserialize;

/// Everything `kith serve` can be told. The TOML file uses the same names.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Address and port to listen on.
    pub listen: SocketAddr,
    /// The database: a SQLite path or a postgres:// URL. `None` is the CLI's default file.
    pub db: Option<String>,
    /// Largest request body accepted, in bytes.
    pub body_limit: usize,
    /// Largest file accepted by the import page (`POST /import`), in bytes; every other
    /// request is bounded by `body_limit`.
    pub import_limit: usize,
    /// How long a sign-in lasts, in hours.
    pub session_hours: u32,
    /// Mark the session cookie `Secure`: set this when the server is reached over TLS (a
    /// reverse proxy in front of it).
    pub cookie_secure: bool,
    /// How many stores (database connections) serve requests at once.
    pub pool_size: usize,
    /// Failed sign-ins allowed per account, and per client address, in a 15-minute window.
    pub sign_in_attempts_per_account: u32,
    pub sign_in_attempts_per_address: u32,
    /// The time zone "today" is computed in (IANA name); default: the system's.
    pub time_zone: Option<String>,
    /// Log filter, as in RUST_LOG (`info`, `kith_server=debug`…).
    pub log: String,
    /// How long a resolved sign-in (token or session → user, role) is kept in memory, in
    /// milliseconds: the longest a revocation made by another process (`kith token revoke`, a
    /// second server) takes to be seen. 0 asks the database on every request.
    pub principal_cache_ms: u64,
    /// How long a streamed export waits for a client that stopped reading, in milliseconds,
    /// before it ends and gives its store back to the pool.
    pub export_stall_ms: u64,
    /// How long a workspace other than the server's first one may go unused, in milliseconds,
    /// before its stores (connections, page caches, cached whole-network reads) are closed; the
    /// next request opens them again.
    pub workspace_idle_ms: u64,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], DEFAULT_PORT)),
            db: None,
            body_limit: 256 * 1024,
            import_limit: 64 * 1024 * 1024,
            session_hours: 24 * 14,
            cookie_secure: false,
            pool_size: 4,
            sign_in_attempts_per_account: 5,
            sign_in_attempts_per_address: 20,
            time_zone: None,
            log: "info".into(),
            principal_cache_ms: 2_000,
            export_stall_ms: 30_000,
            workspace_idle_ms: 10 * 60 * 1000,
        }
    }
}

/// kith's port: 7717 ("KITH" is not a number; 7717 is free of well-known services).
pub const DEFAULT_PORT: u16 = 7717;

impl Config {
    /// Defaults, overlaid with the TOML file (when given) and the environment.
    pub fn load(file: Option<&Path>, env: impl Fn(&str) -> Option<String>) -> Result<Config, String> {
        let mut c = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| format!("cannot read the config file {}: {e}", path.display()))?;
                toml::from_str(&text).map_err(|e| format!("config file {}: {e}", path.display()))?
            }
            None => Config::default(),
        };
        c.apply_env(env)?;
        Ok(c)
    }

    fn apply_env(&mut self, env: impl Fn(&str) -> Option<String>) -> Result<(), String> {
        fn parse<T: std::str::FromStr>(name: &str, v: &str) -> Result<T, String>
        where
            T::Err: std::fmt::Display,
        {
            v.trim().parse().map_err(|e| format!("{name} `{v}` is not valid: {e}"))
        }
        let get = |name: &str| env(name).filter(|v| !v.is_empty());
        if let Some(v) = get("KITH_LISTEN") {
            self.listen = parse("KITH_LISTEN", &v)?;
        }
        if let Some(v) = get("KITH_DB") {
            self.db = Some(v);
        }
        if let Some(v) = get("KITH_BODY_LIMIT") {
            self.body_limit = parse("KITH_BODY_LIMIT", &v)?;
        }
        if let Some(v) = get("KITH_IMPORT_LIMIT") {
            self.import_limit = parse("KITH_IMPORT_LIMIT", &v)?;
        }
        if let Some(v) = get("KITH_SESSION_HOURS") {
            self.session_hours = parse("KITH_SESSION_HOURS", &v)?;
        }
        if let Some(v) = get("KITH_COOKIE_SECURE") {
            self.cookie_secure = parse("KITH_COOKIE_SECURE", &v)?;
        }
        if let Some(v) = get("KITH_PRINCIPAL_CACHE_MS") {
            self.principal_cache_ms = parse("KITH_PRINCIPAL_CACHE_MS", &v)?;
        }
        if let Some(v) = get("KITH_EXPORT_STALL_MS") {
            self.export_stall_ms = parse("KITH_EXPORT_STALL_MS", &v)?;
        }
        if let Some(v) = get("KITH_WORKSPACE_IDLE_MS") {
            self.workspace_idle_ms = parse("KITH_WORKSPACE_IDLE_MS", &v)?;
        }
        if let Some(v) = get("KITH_POOL_SIZE") {
            self.pool_size = parse("KITH_POOL_SIZE", &v)?;
        }
        if let Some(v) = get("KITH_TIME_ZONE") {
            self.time_zone = Some(v);
        }
        if let Some(v) = get("KITH_LOG") {
            self.log = v;
        }
        self.check()
    }

    /// Values that would make the server useless are refused at start, not at the first request.
    pub fn check(&self) -> Result<(), String> {
        if self.pool_size == 0 {
            return Err("pool_size must be at least 1".into());
        }
        if self.body_limit < 1024 {
            return Err("body_limit must be at least 1024 bytes".into());
        }
        if self.session_hours == 0 {
            return Err("session_hours must be at least 1".into());
        }
        if let Some(tz) = &self.time_zone {
            jiff::tz::TimeZone::get(tz).map_err(|_| format!("time zone `{tz}` is not known"))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_then_environment() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kith.toml");
        std::fs::write(&path, "listen = \"127.0.0.1:9000\"\nbody_limit = 4096\ndb = \"/tmp/a.db\"\n").unwrap();
        let env = |k: &str| (k == "KITH_BODY_LIMIT").then(|| "8192".to_string());
        let c = Config::load(Some(&path), env).unwrap();
        assert_eq!(c.listen, "127.0.0.1:9000".parse().unwrap());
        assert_eq!(c.body_limit, 8192, "the environment wins over the file");
        assert_eq!(c.db.as_deref(), Some("/tmp/a.db"));
    }

    #[test]
    fn unknown_keys_and_bad_values_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kith.toml");
        std::fs::write(&path, "listn = \"127.0.0.1:9000\"\n").unwrap();
        assert!(Config::load(Some(&path), |_| None).unwrap_err().contains("listn"));
        let env = |k: &str| (k == "KITH_POOL_SIZE").then(|| "0".to_string());
        assert!(Config::load(None, env).is_err());
        let env = |k: &str| (k == "KITH_LISTEN").then(|| "nowhere".to_string());
        assert!(Config::load(None, env).unwrap_err().contains("KITH_LISTEN"));
    }
}
