//! The harness of the server's tests: a real server on 127.0.0.1:0 over a fresh SQLite file or
//! PostgreSQL schema, a real HTTP client, and the principals a request can have.

#![allow(dead_code, unused_macros, reason = "each test binary uses a different part of the harness")]

#[path = "../../../kith-store/tests/common/mod.rs"]
mod common;

use kith_server::{AppState, Config, auth};
use kith_store::accounts::Role;
use kith_store::{Location, Store};
use serde_json::{Value, json};

pub struct Server {
    pub base: String,
    pub location: Location,
    pub stop: Option<tokio::sync::oneshot::Sender<()>>,
    pub thread: Option<std::thread::JoinHandle<()>>,
    pub agent: ureq::Agent,
    /// The server's state, shared with it: what it keeps open (`state.pool`).
    pub state: AppState,
    pub _db: Box<dyn std::any::Any>,
}

/// A response, read whole.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
    pub fn cookies(&self) -> Vec<&str> {
        self.headers.iter().filter(|(k, _)| k.eq_ignore_ascii_case("set-cookie")).map(|(_, v)| v.as_str()).collect()
    }
    /// The value a `Set-Cookie` header gives cookie `name`.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.cookies().into_iter().find_map(|c| {
            let first = c.split(';').next()?;
            let (k, v) = first.split_once('=')?;
            (k == name).then(|| v.to_string())
        })
    }
    /// An error in the API's stable format, with this status and code.
    pub fn assert_error(&self, status: u16, code: &str) {
        assert_eq!(self.status, status, "{}", self.body);
        let v = self.json();
        assert_eq!(v["error"]["status"], json!(status), "{}", self.body);
        assert_eq!(v["error"]["code"], json!(code), "{}", self.body);
        assert!(v["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "{}", self.body);
    }
}

/// How a request proves who sends it.
#[derive(Clone, Debug, Default)]
pub enum Who {
    #[default]
    Anonymous,
    Token(String),
    Session {
        cookie: String,
        csrf: Option<String>,
    },
}

impl Server {
    pub fn start(location: Location, keep: Box<dyn std::any::Any>, config: Config) -> Server {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("address");
        listener.set_nonblocking(true).expect("nonblocking");
        let state = AppState::new(location.clone(), config).expect("open the database");
        let kept = state.clone();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let rt =
                tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
                kith_server::serve(listener, state, async {
                    let _ = stopped.await;
                })
                .await
                .expect("serve");
            });
        });
        let agent = ureq::Agent::new_with_config(
            ureq::Agent::config_builder().http_status_as_error(false).max_redirects(0).build(),
        );
        Server {
            base: format!("http://{addr}"),
            location,
            stop: Some(stop),
            thread: Some(thread),
            agent,
            state: kept,
            _db: keep,
        }
    }

    pub fn sqlite_with(config: Config) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let location = Location::Sqlite(dir.path().join("kith.db"));
        Server::start(location, Box::new(dir), config)
    }

    pub fn postgres_with(config: Config) -> Option<Server> {
        let db = common::postgres()?;
        let location = db.location.clone();
        Some(Server::start(location, Box::new(db), config))
    }

    pub fn store(&self) -> Store {
        Store::open(&self.location).unwrap()
    }

    /// Add an account with a role; returns its password.
    pub fn user(&self, email: &str, role: Role) -> String {
        let password = format!("pw-{email}-long-enough");
        let hash = auth::hash_password(&password).unwrap();
        self.store().add_user(email, email.split('@').next().unwrap(), Some(&hash), role, 0).unwrap();
        password
    }

    /// An API token for an account.
    /// A new account with `role` and an API token of theirs: how most tests meet a member.
    pub fn member(&self, email: &str, role: Role) -> Who {
        self.user(email, role);
        Who::Token(self.token(email, false))
    }

    pub fn token(&self, email: &str, read_only: bool) -> String {
        let mut s = self.store();
        let (u, _) = s.user_by_email(email).unwrap().unwrap();
        let t = auth::new_api_token().unwrap();
        s.create_api_token(&auth::token_hash(&t), u.id, None, read_only, 0).unwrap();
        t
    }

    /// A user of this server who is in none of the home workspace's business: the owner of a
    /// team workspace of their own ("Elsewhere"), and their token there.
    pub fn stranger(&self, email: &str) -> Who {
        self.user(email, Role::Member);
        let mut s = self.store();
        let (u, _) = s.user_by_email(email).unwrap().unwrap();
        let home = s.home_workspace().unwrap().unwrap();
        let other = s.create_team_workspace("Elsewhere", u.id, 0).unwrap();
        s.remove_member(home, u.id).unwrap();
        let t = auth::new_api_token().unwrap();
        s.create_api_token_in(&auth::token_hash(&t), u.id, None, false, Some(other.id), 0).unwrap();
        Who::Token(t)
    }

    pub fn op_count(&self) -> usize {
        self.store().ops().unwrap().len()
    }

    pub fn send(&self, method: &str, path: &str, who: &Who, body: Option<(&str, String)>) -> Resp {
        let mut b = ureq::http::Request::builder().method(method).uri(format!("{}{path}", self.base));
        match who {
            Who::Anonymous => {}
            Who::Token(t) => b = b.header("Authorization", format!("Bearer {t}")),
            Who::Session { cookie, csrf } => {
                b = b.header("Cookie", format!("{}={cookie}", auth::SESSION_COOKIE));
                if let Some(c) = csrf {
                    b = b.header(auth::CSRF_HEADER, c);
                }
            }
        }
        let result = match body {
            Some((content_type, text)) => {
                self.agent.run(b.header("Content-Type", content_type).body(text).expect("request"))
            }
            None => self.agent.run(b.body(()).expect("request")),
        };
        let mut r = result.unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        let headers = r
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or_default().to_string()))
            .collect();
        Resp { status: r.status().as_u16(), headers, body: r.body_mut().read_to_string().unwrap_or_default() }
    }

    pub fn get(&self, path: &str, who: &Who) -> Resp {
        self.send("GET", path, who, None)
    }

    pub fn post(&self, path: &str, who: &Who, body: Value) -> Resp {
        self.send("POST", path, who, Some(("application/json", body.to_string())))
    }

    pub fn sign_in(&self, email: &str, password: &str) -> Resp {
        self.post("/api/v1/session", &Who::Anonymous, json!({ "email": email, "password": password }))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[macro_export]
macro_rules! both {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[test] fn $name() { super::$name(super::Server::sqlite_with(super::config())); })*
        }
        mod postgres {
            $(#[test] fn $name() {
                if let Some(s) = super::Server::postgres_with(super::config()) { super::$name(s); }
            })*
        }
    };
}

pub fn config() -> Config {
    Config {
        body_limit: 64 * 1024,
        sign_in_attempts_per_account: 3,
        sign_in_attempts_per_address: 6,
        ..Config::default()
    }
}

/// Form fields, URL-encoded.
pub fn form(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(k, v)| {
            let enc: String = v
                .bytes()
                .map(|b| match b {
                    b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
                    _ => format!("%{b:02X}"),
                })
                .collect();
            format!("{k}={enc}")
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// Whether workspace `id`'s own store exists in the database: its SQLite file beside the
/// server's (or its `-wal`/`-shm`), or its PostgreSQL schema.
pub fn workspace_store_exists(s: &Server, id: kith_core::Id) -> bool {
    let hex = id.uuid().simple().to_string();
    match &s.location {
        kith_store::Location::Sqlite(path) => {
            let dir = path.with_file_name(format!("{}.workspaces", path.file_name().unwrap().to_string_lossy()));
            ["", "-wal", "-shm"].iter().any(|suffix| dir.join(format!("{hex}.db{suffix}")).exists())
        }
        kith_store::Location::Postgres(_) => {
            let mut c = postgres::Client::connect(&common::pg_url(), postgres::NoTls).expect("postgres");
            let rows = c
                .query("SELECT nspname FROM pg_namespace WHERE right(nspname, 34) = $1", &[&format!("_w{hex}")])
                .expect("pg_namespace");
            !rows.is_empty()
        }
    }
}

/// A path for a route, with a well-formed id that names nothing.
pub fn concrete(path: &str) -> String {
    path.replace("{id}", "01900000-0000-7000-8000-000000000000")
}

/// A signed-in browser: the session cookie, and the CSRF token its forms carry.
pub fn browser(s: &Server, email: &str, password: &str) -> (Who, String) {
    let r = s.sign_in(email, password);
    assert_eq!(r.status, 200, "{}", r.body);
    let cookie = r.cookie(auth::SESSION_COOKIE).unwrap();
    let csrf = auth::csrf_for_session(&cookie);
    (Who::Session { cookie, csrf: None }, csrf)
}

/// Poll an import job's page (`/import/{job}`, which refreshes itself while it runs) until the
/// summary is there (showing its progress meanwhile), failing after `limit`; returns the
/// summary page.
pub fn finished_import(s: &Server, job: &str, who: &Who, limit: std::time::Duration) -> Resp {
    let deadline = std::time::Instant::now() + limit;
    loop {
        let page = s.get(job, who);
        assert_eq!(page.status, 200, "{}", page.body);
        if !page.body.contains("http-equiv=\"refresh\"") {
            return page;
        }
        assert!(page.body.contains("<progress"), "a running import shows its progress: {}", page.body);
        assert!(std::time::Instant::now() < deadline, "the import did not finish within {limit:?}");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}
