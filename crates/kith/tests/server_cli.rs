//! `kith user`, `kith token` and `kith serve` as an administrator runs them: accounts from the
//! command line, then the real binary serving HTTP until SIGTERM.

#[path = "../../kith-store/tests/common/mod.rs"]
mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};

fn kith(db: &str, args: &[&str], stdin: &str) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kith"))
        .args(args)
        .env("KITH_DB", db)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run kith");
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// One HTTP/1.1 request over a plain socket; the whole response as text.
fn http(addr: &str, request: &str) -> String {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.write_all(request.as_bytes()).unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

#[test]
fn accounts_tokens_and_serving_until_sigterm_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    accounts_tokens_and_serving_until_sigterm(&dir.path().join("kith.db").display().to_string(), "SQLite");
}

#[test]
fn accounts_tokens_and_serving_until_sigterm_on_postgres() {
    let Some(db) = common::postgres() else { return };
    let kith_store::Location::Postgres(url) = &db.location else { unreachable!() };
    accounts_tokens_and_serving_until_sigterm(url, "PostgreSQL");
}

fn accounts_tokens_and_serving_until_sigterm(db: &str, engine: &str) {
    let db = db.to_string();

    let (code, _, err) = kith(&db, &["user", "add", "ann@team.example", "--name", "Ann"], "");
    assert_eq!(code, 2, "a password is required on stdin: {err}");
    let (code, _, err) =
        kith(&db, &["user", "add", "ann@team.example", "--name", "Ann", "--password-stdin"], "short\n");
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("at least 8"), "{err}");
    let (code, out, err) = kith(
        &db,
        &["user", "add", "Ann@Team.example", "--name", "Ann", "--password-stdin", "--owner"],
        "a long enough secret\n",
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("ann@team.example") && out.contains("owner"), "{out}");
    let (code, _, err) =
        kith(&db, &["user", "add", "ann@team.example", "--name", "Ann", "--password-stdin"], "another secret\n");
    assert_eq!(code, 2, "one account per email: {err}");
    let (_, out, _) = kith(&db, &["user", "list"], "");
    assert!(out.contains("ann@team.example") && out.contains("owner"), "{out}");
    if engine == "SQLite" {
        let file = std::fs::read(&db).unwrap();
        assert!(!file.windows(20).any(|w| w == b"a long enough secret"), "no plain password");
    }

    let (code, token, err) = kith(&db, &["token", "create", "--user", "ann@team.example", "--read-only"], "");
    assert_eq!(code, 0, "{err}");
    let token = token.trim().to_string();
    assert!(token.starts_with("kith_") && err.contains("only this once"), "{token} {err}");
    let (code, _, _) = kith(&db, &["token", "create", "--user", "nobody@team.example"], "");
    assert_eq!(code, 3, "an unknown user is a lookup failure");
    let (_, list, _) = kith(&db, &["token", "list", "--json"], "");
    let list: serde_json::Value = serde_json::from_str(&list).unwrap();
    assert_eq!(list[0]["read_only"], serde_json::json!(true));
    assert!(!list.to_string().contains(&token), "the secret is never listed");
    let id = list[0]["id"].as_str().unwrap().to_string();

    // Serve on a free port; the first line says where.
    let mut server = Command::new(env!("CARGO_BIN_EXE_kith"))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("KITH_DB", &db)
        .env("KITH_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("serve");
    let mut first = String::new();
    BufReader::new(server.stdout.take().unwrap()).read_line(&mut first).unwrap();
    let addr = first.split("http://").nth(1).expect("a URL").trim().trim_end_matches('/').to_string();
    assert!(first.contains(engine), "{first}");
    assert!(!first.contains("postgres://"), "a database URL may hold a password: never printed");

    let health = http(&addr, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    // It serves with two glibc heaps (it started itself again with MALLOC_ARENA_MAX, same pid).
    if cfg!(all(target_os = "linux", target_env = "gnu")) && std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        let env = std::fs::read(format!("/proc/{}/environ", server.id())).unwrap();
        assert!(env.split(|b| *b == 0).any(|v| v == b"MALLOC_ARENA_MAX=2"), "MALLOC_ARENA_MAX=2 in the environment");
    }
    let me =
        format!("GET /api/v1/me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n");
    let r = http(&addr, &me);
    assert!(r.starts_with("HTTP/1.1 200") && r.contains("\"read_only\":true"), "{r}");

    let (code, _, err) = kith(&db, &["token", "revoke", &id[id.len() - 8..]], "");
    assert_eq!(code, 0, "{err}");
    // The server keeps who a token is for `principal_cache_ms` (2 s by default): a revocation by
    // another process (this CLI) is seen within that bound.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let r = http(&addr, &me);
        if r.starts_with("HTTP/1.1 401") {
            break;
        }
        assert!(r.starts_with("HTTP/1.1 200"), "{r}");
        assert!(std::time::Instant::now() < deadline, "a revoked token is still accepted");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }

    // A request in flight when SIGTERM comes is finished: its headers and half its body are
    // sent before the signal, the rest only once the server says it is stopping.
    let body = r#"{"email":"ann@team.example","password":"a long enough secret"}"#;
    let (head, tail) = body.split_at(20);
    let mut pending = TcpStream::connect(&addr).expect("connect");
    write!(
        pending,
        "POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{head}",
        body.len()
    )
    .unwrap();
    pending.flush().unwrap();
    // Wait until the request has reached the server (its log says so only when it ends, so
    // ask for something after it on another connection: the server handles both at once).
    assert!(http(&addr, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").starts_with("HTTP/1.1 200"));
    let mut errors = BufReader::new(server.stderr.take().unwrap());
    let status = Command::new("kill").args(["-TERM", &server.id().to_string()]).status().unwrap();
    assert!(status.success());
    let mut log = String::new();
    while !log.contains("stopping") {
        let n = errors.read_line(&mut log).unwrap();
        assert!(n > 0, "the server exited without saying it was stopping: {log}");
    }
    pending.write_all(tail.as_bytes()).unwrap();
    let mut answer = String::new();
    pending.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "the request in flight is answered: {answer}");
    assert!(answer.contains("\"email\":\"ann@team.example\""), "{answer}");
    let exit = server.wait().unwrap();
    assert!(exit.success(), "SIGTERM stops the server cleanly: {exit:?}");
    errors.read_to_string(&mut log).unwrap();
    assert!(log.contains("/healthz") && log.contains("stopping"), "{log}");
    assert!(log.contains("/api/v1/session"), "{log}");
    assert!(!log.contains(&token) && !log.contains(&token[5..]), "no token in the log: {log}");
}

#[test]
fn tasks_assigned_from_the_command_line_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    tasks_assigned_from_the_command_line(&dir.path().join("kith.db").display().to_string());
}

#[test]
fn tasks_assigned_from_the_command_line_on_postgres() {
    let Some(db) = common::postgres() else { return };
    let kith_store::Location::Postgres(url) = &db.location else { unreachable!() };
    tasks_assigned_from_the_command_line(url);
}

/// `kith task add|edit --assign EMAIL`: a user of the database; anyone else is refused.
fn tasks_assigned_from_the_command_line(db: &str) {
    let (code, _, err) = kith(db, &["task", "add", "call Bo", "--due", "today", "--assign", "bo@team.example"], "");
    assert_eq!(code, 2, "no such user yet: {err}");
    assert!(err.contains("bo@team.example is not a member"), "{err}");
    let (code, _, err) =
        kith(db, &["user", "add", "bo@team.example", "--name", "Bo", "--password-stdin"], "a long enough secret\n");
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = kith(db, &["task", "add", "call Bo", "--due", "today", "--assign", "Bo@team.example"], "");
    assert_eq!(code, 0, "{err}");
    let (_, out, _) = kith(db, &["task", "list", "--json"], "");
    let tasks: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(tasks[0]["assignee"]["email"], "bo@team.example", "{out}");
    // A single user's agenda lists every task, assigned or not.
    let (_, out, _) = kith(db, &["agenda", "--json"], "");
    assert!(out.contains("call Bo"), "{out}");
    let (code, _, err) = kith(db, &["task", "edit", "call Bo", "--unassign"], "");
    assert_eq!(code, 0, "{err}");
    let (_, out, _) = kith(db, &["task", "list", "--json"], "");
    let tasks: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(tasks[0]["assignee"], serde_json::Value::Null, "{out}");
}

#[test]
fn workspaces_from_the_command_line_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    workspaces_from_the_command_line(&dir.path().join("kith.db").display().to_string());
}

#[test]
fn workspaces_from_the_command_line_on_postgres() {
    let Some(db) = common::postgres() else { return };
    let kith_store::Location::Postgres(url) = &db.location else { unreachable!() };
    workspaces_from_the_command_line(url);
}

/// `kith workspace add|list`, `kith user add --workspace`, `kith token create --workspace`.
fn workspaces_from_the_command_line(db: &str) {
    let pw = "a long enough secret\n";
    let (code, _, err) =
        kith(db, &["user", "add", "ann@team.example", "--name", "Ann", "--password-stdin", "--owner"], pw);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = kith(db, &["user", "add", "bob@team.example", "--name", "Bob", "--password-stdin"], pw);
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = kith(db, &["workspace", "add", "Acme", "--owner", "ann@team.example", "--json"], "");
    assert_eq!(code, 0, "{err}");
    let acme: serde_json::Value = serde_json::from_str(&out).unwrap();
    let acme_id = acme["id"].as_str().unwrap().to_string();
    let (code, _, _) = kith(db, &["workspace", "add", "Nobody's", "--owner", "nobody@team.example"], "");
    assert_eq!(code, 3, "an unknown owner is a lookup failure");

    // Every user has a personal workspace; the list shows them with the team ones.
    let (_, list, _) = kith(db, &["workspace", "list", "--json"], "");
    let list: serde_json::Value = serde_json::from_str(&list).unwrap();
    let kinds: Vec<(String, i64)> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            (format!("{} {}", w["kind"].as_str().unwrap(), w["name"].as_str().unwrap()), w["members"].as_i64().unwrap())
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("team team".into(), 2),
            ("team Acme".into(), 1),
            ("personal Personal".into(), 1),
            ("personal Personal".into(), 1)
        ]
    );
    // Each personal workspace says whose it is, in JSON and in the table.
    let mut owners: Vec<&str> = list.as_array().unwrap().iter().filter_map(|w| w["owner"].as_str()).collect();
    owners.sort();
    assert_eq!(owners, ["ann@team.example", "bob@team.example"]);
    let (_, table, _) = kith(db, &["workspace", "list"], "");
    assert!(table.contains("Personal (ann@team.example)") && table.contains("Personal (bob@team.example)"), "{table}");

    // An existing account joins Acme by name; a new one is made there.
    let (code, out, err) =
        kith(db, &["user", "add", "bob@team.example", "--workspace", "acme", "--role", "viewer"], "");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Acme") && out.contains("viewer"), "{out}");
    let (code, _, err) = kith(
        db,
        &[
            "user",
            "add",
            "cy@team.example",
            "--name",
            "Cy",
            "--password-stdin",
            "--workspace",
            &acme_id[acme_id.len() - 8..],
        ],
        pw,
    );
    assert_eq!(code, 0, "{err}");
    let (code, _, _) = kith(db, &["user", "add", "bob@team.example", "--workspace", "Nowhere"], "");
    assert_eq!(code, 3, "an unknown workspace is a lookup failure");

    // A token bound to Acme works there.
    let (code, token, err) = kith(db, &["token", "create", "--user", "cy@team.example", "--workspace", "Acme"], "");
    assert_eq!(code, 0, "{err}");
    assert!(token.trim().starts_with("kith_"));
    let (code, _, err) = kith(db, &["token", "create", "--user", "cy@team.example", "--workspace", "team"], "");
    assert_eq!(code, 2, "Cy is not a member of the first team workspace: {err}");
    let mut store = kith_store::Store::open(&kith_store::Location::parse(db)).unwrap();
    let (cy, _) = store.user_by_email("cy@team.example").unwrap().unwrap();
    let acme: kith_core::Id = acme_id.parse().unwrap();
    assert_eq!(store.role_in(cy.id, acme).unwrap(), Some(kith_store::accounts::Role::Member));
    assert_eq!(store.workspaces_of(cy.id).unwrap().len(), 2, "Acme and Cy's personal workspace");

    // Rename, then delete with the new name typed: its store, members and tokens go.
    let (code, out, err) = kith(db, &["workspace", "rename", "acme", "Acme Ltd"], "");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Acme Ltd"), "{out}");
    let (code, _, _) = kith(db, &["workspace", "rename", "Acme Ltd", ""], "");
    assert_eq!(code, 2, "an empty name is refused");
    let location = kith_store::Location::parse(db);
    let mut acme_store = kith_store::Store::open_workspace(&location, acme).unwrap();
    let mut cs = kith_core::ChangeSet::new();
    let person = acme_store.new_id(1_795_000_000_000);
    cs.set(kith_core::Kind::Person, person, "display_name", "Acme Person");
    acme_store.commit(cs, "cli", 1_795_000_000_000).unwrap();
    drop(acme_store);
    let exists = || match &location {
        kith_store::Location::Sqlite(_) => {
            let kith_store::Location::Sqlite(f) = kith_store::workspaces::workspace_location(&location, acme).unwrap()
            else {
                unreachable!()
            };
            f.exists()
        }
        kith_store::Location::Postgres(_) => {
            let mut c = postgres::Client::connect(&common::pg_url(), postgres::NoTls).unwrap();
            let hex = acme.uuid().simple().to_string();
            !c.query("SELECT 1 FROM pg_namespace WHERE right(nspname, 34) = $1", &[&format!("_w{hex}")])
                .unwrap()
                .is_empty()
        }
    };
    assert!(exists());
    let (code, _, err) = kith(db, &["workspace", "delete", "Acme Ltd", "--confirm", "Acme"], "");
    assert_eq!(code, 2, "the old name does not confirm: {err}");
    let (code, _, err) = kith(db, &["workspace", "delete", "team", "--confirm", "team"], "");
    assert_eq!(code, 2, "the server's first workspace stays: {err}");
    assert!(err.contains("first workspace"), "{err}");
    let (code, out, err) = kith(db, &["workspace", "delete", "Acme Ltd", "--confirm", "Acme Ltd", "--json"], "");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("\"deleted\":true"), "{out}");
    assert!(!exists(), "its store is gone");
    let hash = kith_server::auth::token_hash(token.trim());
    assert!(store.api_token(&hash, 0).unwrap().is_none(), "the token bound to it is revoked");
    assert_eq!(store.workspaces_of(cy.id).unwrap().len(), 1, "Cy keeps his personal workspace");
    let (code, _, _) = kith(db, &["workspace", "delete", "Acme Ltd", "--confirm", "Acme Ltd"], "");
    assert_eq!(code, 3, "gone");
}
