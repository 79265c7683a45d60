//! Several workspaces on one server (migration 12).
//!
//! **One store per workspace.** The server database keeps the accounts (users, sessions, API
//! tokens, workspaces, memberships) and the records of the *home* workspace: the first team
//! workspace (lowest id), so that a server from before keeps its data where it is. Every other
//! workspace (each user's personal one, any further team) is a store of its own with the full
//! schema: on SQLite the file `<server file>.workspaces/<id as 32 hex>.db`, on PostgreSQL the
//! schema `<server schema>_w<id as 32 hex>` of the same database ([`workspace_location`]). A
//! workspace's records live only in its store, so no query crosses workspaces.
//!
//! A workspace's store answers no account query itself: the server lends it the server
//! database's store for the length of a job ([`Store::lend_accounts`]), and every function of
//! [`crate::accounts`] and [`crate::members`] goes there ([`Store::acc`]). The account tables
//! a workspace store has from the shared migrations stay empty.

use kith_core::Id;
use serde::Serialize;

use crate::accounts::{Role, User, user_of};
use crate::backend::{Backend, Val};
use crate::query::id_of;
use crate::{Error, Location, Result, Store};

/// A team's workspace, or one user's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum WorkspaceKind {
    Team,
    Personal,
}

impl WorkspaceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            WorkspaceKind::Team => "team",
            WorkspaceKind::Personal => "personal",
        }
    }
    fn parse(s: &str) -> WorkspaceKind {
        if s == "personal" { WorkspaceKind::Personal } else { WorkspaceKind::Team }
    }
}

/// A workspace as one of its members sees it (or, from the CLI, as the server has it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Workspace {
    pub id: Id,
    pub name: String,
    pub kind: WorkspaceKind,
    /// The member's role, when listed for one user.
    pub role: Option<Role>,
}

fn workspace_of(r: &[Val]) -> Option<Workspace> {
    Some(Workspace {
        id: id_of(&r[0])?,
        name: r[1].text()?.to_string(),
        kind: WorkspaceKind::parse(r[2].text()?),
        role: r.get(3).and_then(|v| v.text()).and_then(|s| s.parse().ok()),
    })
}

/// The 32 hex digits of an id: the only thing a workspace's file or schema name is built from.
fn hex(id: Id) -> String {
    id.uuid().simple().to_string()
}

/// The `search_path` a PostgreSQL URL's `options=-csearch_path%3D…` names, else `public`.
fn pg_search_path(url: &str) -> &str {
    let query = url.split_once('?').map(|(_, q)| q).unwrap_or("");
    query
        .split('&')
        .find_map(|kv| {
            kv.strip_prefix("options=-csearch_path%3D").or_else(|| kv.strip_prefix("options=-csearch_path="))
        })
        .unwrap_or("public")
}

/// Where a workspace other than the home one keeps its records, beside the server database at
/// `base`. The PostgreSQL schema name is the server URL's own schema (tests run each in one)
/// and the id in hex; a base schema that is not a plain lower-case identifier is refused.
pub fn workspace_location(base: &Location, id: Id) -> Result<Location> {
    match base {
        Location::Sqlite(path) => {
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "kith.db".into());
            Ok(Location::Sqlite(path.with_file_name(format!("{name}.workspaces")).join(format!("{}.db", hex(id)))))
        }
        Location::Postgres(url) => {
            let base_schema = pg_search_path(url);
            if base_schema.is_empty()
                || !base_schema.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            {
                return Err(Error::Database(format!(
                    "the server's search_path `{base_schema}` is not a plain schema name; workspaces need one"
                )));
            }
            let schema = workspace_schema(base_schema, id);
            let (head, query) = url.split_once('?').unwrap_or((url.as_str(), ""));
            let mut parts: Vec<String> = query
                .split('&')
                .filter(|kv| !kv.is_empty() && !kv.starts_with("options="))
                .map(str::to_string)
                .collect();
            parts.push(format!("options=-csearch_path%3D{schema}"));
            Ok(Location::Postgres(format!("{head}?{}", parts.join("&"))))
        }
    }
}

/// The PostgreSQL schema of a workspace: `<base>_w<32 hex>`.
pub fn workspace_schema(base_schema: &str, id: Id) -> String {
    format!("{base_schema}_w{}", hex(id))
}

impl Store {
    /// Open the store of workspace `id` beside the server database at `base`, creating it (the
    /// file or the schema) and migrating it on first use.
    pub fn open_workspace(base: &Location, id: Id) -> Result<Store> {
        let location = workspace_location(base, id)?;
        let mut store = match &location {
            Location::Sqlite(_) => Store::open(&location)?,
            Location::Postgres(url) => {
                let schema = workspace_schema(
                    pg_search_path(match base {
                        Location::Postgres(u) => u,
                        Location::Sqlite(_) => url,
                    }),
                    id,
                );
                let mut db = crate::backend::Postgres::connect(url)?;
                // Built from validated characters and hex only (see `workspace_location`).
                if let Err(e) = db.batch(&format!("CREATE SCHEMA IF NOT EXISTS {schema}")) {
                    // Two processes creating it at once: one wins, the other finds it there.
                    let there =
                        db.query("SELECT 1 FROM pg_namespace WHERE nspname = ?", &[Val::from(schema.as_str())])?;
                    if there.is_empty() {
                        return Err(e);
                    }
                }
                Store::init(Box::new(db))?
            }
        };
        store.workspace = Some(id);
        Ok(store)
    }

    /// Say which workspace's records this store holds (the server does, for each pooled store).
    pub fn set_workspace(&mut self, id: Id) {
        self.workspace = Some(id);
    }

    pub fn workspace_id(&self) -> Option<Id> {
        self.workspace
    }

    /// Lend this workspace store the server database's store for its account reads and writes.
    pub fn lend_accounts(&mut self, server: Store) {
        self.accounts = Some(Box::new(server));
    }

    /// Take the lent server store back.
    pub fn take_accounts(&mut self) -> Option<Store> {
        self.accounts.take().map(|b| *b)
    }

    /// The store that answers account queries: the lent server store, else this one (the
    /// server database's own store, or the CLI's).
    pub(crate) fn acc(&mut self) -> &mut Store {
        if self.accounts.is_some() { self.accounts.as_deref_mut().expect("checked") } else { self }
    }

    /// The workspace the account functions act in: the one this store holds, else the home
    /// workspace (the CLI on the server database), `None` before any exists.
    pub(crate) fn current_workspace(&mut self) -> Result<Option<Id>> {
        if let Some(id) = self.workspace {
            return Ok(Some(id));
        }
        self.acc().home_workspace()
    }

    /// The home workspace, whose records are the server database's: the one recorded in `meta`
    /// when it was first found, else the first team workspace by id.
    pub fn home_workspace(&mut self) -> Result<Option<Id>> {
        let db = self.acc().db();
        if let Some(found) = recorded_home(db)? {
            return Ok(Some(found));
        }
        let rows = db.query("SELECT id FROM workspaces WHERE kind = 'team' ORDER BY id LIMIT 1", &[])?;
        Ok(rows.first().and_then(|r| id_of(&r[0])))
    }

    /// A workspace by id.
    pub fn workspace(&mut self, id: Id) -> Result<Option<Workspace>> {
        let rows = self.acc().db().query("SELECT id, name, kind FROM workspaces WHERE id = ?", &[id.into()])?;
        Ok(rows.first().and_then(|r| workspace_of(r)))
    }

    /// Every workspace, team ones first, by id (the CLI's list).
    pub fn all_workspaces(&mut self) -> Result<Vec<(Workspace, i64)>> {
        let rows = self.acc().db().query(
            "SELECT w.id, w.name, w.kind, (SELECT count(*) FROM memberships m WHERE m.workspace = w.id)
             FROM workspaces w ORDER BY w.kind = 'personal', w.id",
            &[],
        )?;
        Ok(rows.iter().filter_map(|r| Some((workspace_of(&r[..3])?, r[3].int().unwrap_or(0)))).collect())
    }

    /// The email of each personal workspace's owner, by workspace: a list of every workspace
    /// (`kith workspace list`) says whose each personal one is.
    pub fn personal_owners(&mut self) -> Result<std::collections::HashMap<Id, String>> {
        let rows = self.acc().db().query(
            "SELECT m.workspace, u.email FROM memberships m
             JOIN workspaces w ON w.id = m.workspace JOIN users u ON u.id = m.user_id
             WHERE w.kind = 'personal'",
            &[],
        )?;
        Ok(rows.iter().filter_map(|r| Some((id_of(&r[0])?, r[1].text()?.to_string()))).collect())
    }

    /// A team workspace named by its id, the start or end of it, or its exact name
    /// (case-insensitive), for the CLI.
    /// Personal workspaces are never named this way.
    pub fn team_workspace_by_ref(&mut self, r: &str) -> Result<Workspace> {
        let q = r.trim();
        let not_found = || Error::NotFound { what: "team workspace", query: r.to_string() };
        let all: Vec<Workspace> =
            self.all_workspaces()?.into_iter().map(|(w, _)| w).filter(|w| w.kind == WorkspaceKind::Team).collect();
        let lower = q.to_lowercase();
        let hits: Vec<&Workspace> = all
            .iter()
            .filter(|w| {
                let id = w.id.to_string();
                w.name.to_lowercase() == lower || (lower.len() >= 4 && (id.starts_with(&lower) || id.ends_with(&lower)))
            })
            .collect();
        match hits.as_slice() {
            [] => Err(not_found()),
            [one] => Ok((*one).clone()),
            many => Err(Error::Ambiguous {
                what: "workspace",
                query: r.to_string(),
                candidates: many.iter().map(|w| format!("{} [{}]", w.name, w.id)).collect(),
            }),
        }
    }

    /// A user's workspaces with their role in each: team ones by id, then their personal one.
    pub fn workspaces_of(&mut self, user: Id) -> Result<Vec<Workspace>> {
        let rows = self.acc().db().query(
            "SELECT w.id, w.name, w.kind, m.role FROM memberships m JOIN workspaces w ON w.id = m.workspace
             WHERE m.user_id = ? ORDER BY w.kind = 'personal', w.id",
            &[user.into()],
        )?;
        Ok(rows.iter().filter_map(|r| workspace_of(r)).collect())
    }

    /// A user's role in a workspace, if they are a member.
    pub fn role_in(&mut self, user: Id, workspace: Id) -> Result<Option<Role>> {
        let rows = self.acc().db().query(
            "SELECT role FROM memberships WHERE user_id = ? AND workspace = ?",
            &[user.into(), workspace.into()],
        )?;
        Ok(rows.first().and_then(|r| r[0].text()?.parse().ok()))
    }

    /// A user's personal workspace, created now for a user who predates them.
    pub fn personal_workspace(&mut self, user: Id, now_ms: i64) -> Result<Id> {
        let id = self.new_id(now_ms.max(0) as u64);
        self.acc().transaction(|db| personal_in(db, id, user, now_ms))
    }

    /// Where a user's session or token lands when it names no workspace (or one they have
    /// left): their first team workspace, else their personal one.
    pub fn default_workspace(&mut self, user: Id, now_ms: i64) -> Result<Id> {
        let rows = self.acc().db().query(
            "SELECT w.id FROM memberships m JOIN workspaces w ON w.id = m.workspace
             WHERE m.user_id = ? AND w.kind = 'team' ORDER BY w.id LIMIT 1",
            &[user.into()],
        )?;
        match rows.first().and_then(|r| id_of(&r[0])) {
            Some(id) => Ok(id),
            None => self.personal_workspace(user, now_ms),
        }
    }

    /// Create a team workspace with `owner` as its owner, in one transaction.
    pub fn create_team_workspace(&mut self, name: &str, owner: Id, now_ms: i64) -> Result<Workspace> {
        let name = workspace_name(name)?;
        let id = self.new_id(now_ms.max(0) as u64);
        let acc = self.acc();
        acc.accounts_changed = true;
        acc.transaction(|db| {
            if db.query("SELECT 1 FROM users WHERE id = ? AND disabled = 0", &[owner.into()])?.is_empty() {
                return Err(Error::NotFound { what: "user", query: owner.to_string() });
            }
            db.execute(
                "INSERT INTO workspaces (id, name, kind, created_at) VALUES (?, ?, 'team', ?)",
                &[id.into(), Val::from(name), Val::Int(now_ms)],
            )?;
            db.execute(
                "INSERT INTO memberships (workspace, user_id, role, created_at) VALUES (?, ?, 'owner', ?)",
                &[id.into(), owner.into(), Val::Int(now_ms)],
            )?;
            Ok(())
        })?;
        Ok(Workspace { id, name: name.to_string(), kind: WorkspaceKind::Team, role: Some(Role::Owner) })
    }

    /// Rename a team workspace (a personal one is always "Personal": [`Error::Invalid`]).
    pub fn rename_workspace(&mut self, ws: Id, name: &str) -> Result<Workspace> {
        let name = workspace_name(name)?;
        let acc = self.acc();
        // The header names the workspace from the kept principals: forget them.
        acc.accounts_changed = true;
        acc.transaction(|db| {
            let w = workspace_in(db, ws)?;
            if w.kind == WorkspaceKind::Personal {
                return Err(Error::Invalid("a personal workspace keeps its name".into()));
            }
            db.execute("UPDATE workspaces SET name = ? WHERE id = ?", &[Val::from(name), ws.into()])?;
            Ok(Workspace { name: name.to_string(), ..w })
        })
    }

    /// `user` leaves team workspace `ws`: their membership goes and their sessions in it go back
    /// to their default workspace. A personal workspace is never left ([`Error::Invalid`]); the
    /// last enabled owner stays ([`Error::Conflict`]); a non-member is [`Error::NotFound`].
    pub fn leave_workspace(&mut self, ws: Id, user: Id) -> Result<()> {
        let acc = self.acc();
        acc.accounts_changed = true;
        acc.transaction(|db| {
            let w = workspace_in(db, ws)?;
            if w.kind == WorkspaceKind::Personal {
                return Err(Error::Invalid("a personal workspace cannot be left".into()));
            }
            let role = db
                .query("SELECT role FROM memberships WHERE workspace = ? AND user_id = ?", &[ws.into(), user.into()])?;
            let Some(role) = role.first().and_then(|r| r[0].text().map(str::to_string)) else {
                return Err(Error::NotFound { what: "member", query: user.to_string() });
            };
            if role == "owner" && other_owners(db, ws, user)? == 0 {
                return Err(Error::Conflict(
                    "you are the workspace's last owner: make someone else an owner first, or delete it".into(),
                ));
            }
            db.execute("DELETE FROM memberships WHERE user_id = ? AND workspace = ?", &[user.into(), ws.into()])?;
            db.execute(
                "UPDATE sessions SET workspace = NULL WHERE user_id = ? AND workspace = ?",
                &[user.into(), ws.into()],
            )?;
            Ok(())
        })
    }

    /// Delete team workspace `ws` and its store, `confirm` being its exact name. In one
    /// transaction of the server database: its memberships go, sessions in it go back to their
    /// users' default workspace, API tokens bound to it are revoked, its row goes and, on
    /// PostgreSQL, its schema is dropped (`DROP SCHEMA … CASCADE`; the name is built from the
    /// validated base schema and the id's hex only). On SQLite its file (with `-wal` and `-shm`)
    /// is removed after the commit. Refused ([`Error::Invalid`]): a personal workspace, the home
    /// one (its records are the server database's own), a `confirm` that is not the name.
    ///
    /// The caller must stop using the workspace's stores first (the server closes its pool).
    pub fn delete_workspace(&mut self, ws: Id, confirm: &str, now_ms: i64) -> Result<Workspace> {
        let acc = self.acc();
        acc.accounts_changed = true;
        let spot = store_spot(acc.db(), ws)?;
        let home = acc.home_workspace()?;
        let w = acc.transaction(|db| {
            let w = workspace_in(db, ws)?;
            if w.kind == WorkspaceKind::Personal {
                return Err(Error::Invalid("a personal workspace cannot be deleted".into()));
            }
            if home == Some(ws) {
                return Err(Error::Invalid(
                    "the server's first workspace holds the server database's own records: it cannot be deleted".into(),
                ));
            }
            if confirm.trim() != w.name {
                return Err(Error::Invalid(format!("type the workspace's name, `{}`, to confirm", w.name)));
            }
            db.execute("DELETE FROM memberships WHERE workspace = ?", &[ws.into()])?;
            db.execute("UPDATE sessions SET workspace = NULL WHERE workspace = ?", &[ws.into()])?;
            db.execute(
                "UPDATE api_tokens SET revoked_at = coalesce(revoked_at, ?) WHERE workspace = ?",
                &[Val::Int(now_ms), ws.into()],
            )?;
            db.execute("DELETE FROM workspaces WHERE id = ?", &[ws.into()])?;
            if let StoreSpot::Schema(schema) = &spot {
                db.batch(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))?;
            }
            Ok(w)
        })?;
        if let StoreSpot::File(path) = spot {
            for suffix in ["", "-wal", "-shm", "-journal"] {
                let mut name = path.clone().into_os_string();
                name.push(suffix);
                let file = std::path::PathBuf::from(name);
                match std::fs::remove_file(&file) {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(source) => return Err(Error::Io { path: file, source }),
                }
            }
        }
        Ok(w)
    }

    /// Put an existing user into workspace `ws` with a role (or change their role). A personal
    /// workspace takes no one: [`Error::Invalid`].
    pub fn add_member(&mut self, ws: Id, user: Id, role: Role, now_ms: i64) -> Result<()> {
        let acc = self.acc();
        acc.accounts_changed = true;
        acc.transaction(|db| add_member_in(db, ws, user, role, now_ms))
    }

    /// Take a user out of workspace `ws`; the last enabled owner stays, a personal workspace
    /// keeps its owner.
    pub fn remove_member(&mut self, ws: Id, user: Id) -> Result<User> {
        let not_found = || Error::NotFound { what: "member", query: user.to_string() };
        let acc = self.acc();
        acc.accounts_changed = true;
        acc.transaction(|db| {
            let rows = db.query(
                "SELECT u.id, u.email, u.name, u.disabled, m.role, w.kind FROM users u
                 JOIN memberships m ON m.user_id = u.id JOIN workspaces w ON w.id = m.workspace
                 WHERE u.id = ? AND m.workspace = ?",
                &[user.into(), ws.into()],
            )?;
            let r = rows.first().ok_or_else(not_found)?;
            let u = user_of(r).ok_or_else(not_found)?;
            if r[5].text() == Some("personal") {
                return Err(Error::Conflict("a personal workspace keeps its owner".into()));
            }
            if r[4].text() == Some("owner") && !u.disabled && other_owners(db, ws, user)? == 0 {
                return Err(Error::Conflict(format!(
                    "{} is the workspace's last owner: make someone else an owner first",
                    u.email
                )));
            }
            db.execute("DELETE FROM memberships WHERE user_id = ? AND workspace = ?", &[user.into(), ws.into()])?;
            // Their sessions in it go back to their default workspace.
            db.execute(
                "UPDATE sessions SET workspace = NULL WHERE user_id = ? AND workspace = ?",
                &[user.into(), ws.into()],
            )?;
            Ok(u)
        })
    }

    /// Move a session to another workspace (the caller checked the user is a member).
    pub fn set_session_workspace(&mut self, token_hash: &str, workspace: Id) -> Result<()> {
        let acc = self.acc();
        acc.accounts_changed = true;
        acc.db().execute(
            "UPDATE sessions SET workspace = ? WHERE token_hash = ?",
            &[workspace.into(), Val::from(token_hash)],
        )?;
        Ok(())
    }

    /// The user and workspace of a session that has not expired.
    pub fn session(&mut self, token_hash: &str, now_ms: i64) -> Result<Option<(Id, Option<Id>)>> {
        let rows = self.acc().db().query(
            "SELECT user_id, workspace FROM sessions WHERE token_hash = ? AND expires_at > ?",
            &[Val::from(token_hash), Val::Int(now_ms)],
        )?;
        Ok(rows.first().and_then(|r| Some((id_of(&r[0])?, id_of(&r[1])))))
    }
}

/// The home workspace recorded in `meta`, if it is recorded and still a team workspace.
pub(crate) fn recorded_home(db: &mut dyn Backend) -> Result<Option<Id>> {
    let Some(id) = crate::query::meta(db, crate::accounts::HOME_KEY)?.and_then(|v| v.parse::<Id>().ok()) else {
        return Ok(None);
    };
    let there = db.query("SELECT 1 FROM workspaces WHERE id = ? AND kind = 'team'", &[id.into()])?;
    Ok((!there.is_empty()).then_some(id))
}

/// A workspace's name: 1 to 100 characters without control characters, trimmed.
fn workspace_name(name: &str) -> Result<&str> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(Error::Invalid("a workspace's name is 1 to 100 characters, no control characters".into()));
    }
    Ok(name)
}

/// A workspace by id inside a transaction, or [`Error::NotFound`].
fn workspace_in(db: &mut dyn Backend, ws: Id) -> Result<Workspace> {
    let rows = db.query("SELECT id, name, kind FROM workspaces WHERE id = ?", &[ws.into()])?;
    rows.first()
        .and_then(|r| workspace_of(r))
        .ok_or_else(|| Error::NotFound { what: "workspace", query: ws.to_string() })
}

/// Where a workspace's store is, seen from the server database's own connection.
enum StoreSpot {
    /// The SQLite file beside the server's.
    File(std::path::PathBuf),
    /// The PostgreSQL schema of the same database.
    Schema(String),
    /// An in-memory server database: nothing on disk.
    Nowhere,
}

/// The file (from SQLite's `PRAGMA database_list`) or schema (from the connection's
/// `search_path`, the one the URL's options set, else `public`) of workspace `ws`, named as
/// [`workspace_location`] names it.
fn store_spot(db: &mut dyn Backend, ws: Id) -> Result<StoreSpot> {
    match db.engine() {
        crate::Engine::Sqlite => {
            let rows = db.query("PRAGMA database_list", &[])?;
            let file = rows.iter().find(|r| r.get(1).and_then(|v| v.text()) == Some("main")).and_then(|r| r[2].text());
            match file.filter(|f| !f.is_empty()) {
                Some(f) => match workspace_location(&Location::Sqlite(f.into()), ws)? {
                    Location::Sqlite(path) => Ok(StoreSpot::File(path)),
                    Location::Postgres(_) => Ok(StoreSpot::Nowhere),
                },
                None => Ok(StoreSpot::Nowhere),
            }
        }
        crate::Engine::Postgres => {
            let rows = db.query("SELECT current_setting('search_path')", &[])?;
            let path = rows.first().and_then(|r| r[0].text()).unwrap_or("").trim().to_string();
            // The server's default `"$user", public` resolves to `public`, as a URL without options.
            let base = if path.is_empty() || path == "\"$user\", public" { "public".to_string() } else { path };
            if !base.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') {
                return Err(Error::Database(format!(
                    "the server's search_path `{base}` is not a plain schema name; workspaces need one"
                )));
            }
            Ok(StoreSpot::Schema(workspace_schema(&base, ws)))
        }
    }
}

/// Enabled owners of `ws` other than `user`.
pub(crate) fn other_owners(db: &mut dyn Backend, ws: Id, user: Id) -> Result<i64> {
    let rows = db.query(
        "SELECT count(*) FROM users u JOIN memberships m ON m.user_id = u.id
         WHERE m.workspace = ? AND m.role = 'owner' AND u.disabled = 0 AND u.id <> ?",
        &[ws.into(), user.into()],
    )?;
    Ok(rows.first().and_then(|r| r[0].int()).unwrap_or(0))
}

/// The user's personal workspace, made with id `id` if they have none (inside a transaction).
pub(crate) fn personal_in(db: &mut dyn Backend, id: Id, user: Id, now_ms: i64) -> Result<Id> {
    let rows = db.query(
        "SELECT w.id FROM memberships m JOIN workspaces w ON w.id = m.workspace
         WHERE m.user_id = ? AND w.kind = 'personal' ORDER BY w.id LIMIT 1",
        &[user.into()],
    )?;
    if let Some(found) = rows.first().and_then(|r| id_of(&r[0])) {
        return Ok(found);
    }
    db.execute(
        "INSERT INTO workspaces (id, name, kind, created_at) VALUES (?, 'Personal', 'personal', ?)",
        &[id.into(), Val::Int(now_ms)],
    )?;
    db.execute(
        "INSERT INTO memberships (workspace, user_id, role, created_at) VALUES (?, ?, 'owner', ?)",
        &[id.into(), user.into(), Val::Int(now_ms)],
    )?;
    Ok(id)
}

/// Put a user into a team workspace with a role, or change it (inside a transaction). A
/// personal workspace takes no one; taking the last owner's ownership away is refused.
pub(crate) fn add_member_in(db: &mut dyn Backend, ws: Id, user: Id, role: Role, now_ms: i64) -> Result<()> {
    let kind = db.query("SELECT kind FROM workspaces WHERE id = ?", &[ws.into()])?;
    match kind.first().and_then(|r| r[0].text()) {
        None => return Err(Error::NotFound { what: "workspace", query: ws.to_string() }),
        Some("personal") => return Err(Error::Invalid("a personal workspace has no other members".into())),
        Some(_) => {}
    }
    let was =
        db.query("SELECT role FROM memberships WHERE workspace = ? AND user_id = ?", &[ws.into(), user.into()])?;
    if was.first().and_then(|r| r[0].text()) == Some("owner") && role != Role::Owner && other_owners(db, ws, user)? == 0
    {
        return Err(Error::Conflict(
            "that user is the workspace's last owner: make someone else an owner first".into(),
        ));
    }
    db.execute(
        "INSERT INTO memberships (workspace, user_id, role, created_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (workspace, user_id) DO UPDATE SET role = excluded.role",
        &[ws.into(), user.into(), Val::from(role.as_str()), Val::Int(now_ms)],
    )?;
    Ok(())
}
