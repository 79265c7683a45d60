//! The team server's accounts: users, the workspace and its memberships, sign-in sessions and
//! API tokens (migration 5).
//!
//! This is local server state, not replicated data: it is written with plain statements, not
//! through the op log, and never syncs. Secrets arrive here already hashed (argon2id PHC strings
//! for passwords, SHA-256 hex for random tokens); the store never sees a password or a token.

use std::fmt;
use std::str::FromStr;

use kith_core::Id;
use serde::Serialize;

use crate::backend::Val;
use crate::query::id_of;
use crate::{Error, Result, Store};

/// What a member of a workspace may do; see the access matrix in ARCHITECTURE.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Sees only the projects shared with them (not modelled yet: sees nothing).
    Guest,
    /// Reads the workspace.
    Viewer,
    /// Reads and writes the workspace's records.
    Member,
    /// A member who also manages members and tokens.
    Admin,
    /// An admin who also owns the workspace.
    Owner,
}

impl Role {
    pub const ALL: [Role; 5] = [Role::Owner, Role::Admin, Role::Member, Role::Viewer, Role::Guest];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Member => "member",
            Role::Viewer => "viewer",
            Role::Guest => "guest",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = kith_core::model::ParseError;
    fn from_str(s: &str) -> Result<Role, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| kith_core::model::ParseError::new("role", s, "use owner, admin, member, viewer or guest"))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    pub id: Id,
    pub email: String,
    pub name: String,
    pub disabled: bool,
}

/// A user's place in a workspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Membership {
    pub workspace: Id,
    pub role: Role,
}

/// An API token as listed: never the token itself, which exists only in the creator's hands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TokenInfo {
    pub id: Id,
    pub user: String,
    pub name: Option<String>,
    pub read_only: bool,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

/// A live API token, found by its hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenGrant {
    pub id: Id,
    pub user: Id,
    pub read_only: bool,
    /// The workspace the token was made for (`None` for tokens from before: the user's default).
    pub workspace: Option<Id>,
}

pub(crate) fn user_of(r: &[Val]) -> Option<User> {
    Some(User {
        id: id_of(&r[0])?,
        email: r[1].text()?.to_string(),
        name: r[2].text()?.to_string(),
        disabled: r[3].int() == Some(1),
    })
}

/// A token's listing from `SELECT t.id, u.email, t.name, t.read_only, t.created_at,
/// t.last_used_at, t.revoked_at`.
pub(crate) fn token_of(r: &[Val]) -> Option<TokenInfo> {
    Some(TokenInfo {
        id: id_of(&r[0])?,
        user: r[1].text()?.to_string(),
        name: r[2].text().map(str::to_string),
        read_only: r[3].int() == Some(1),
        created_at: r[4].int()?,
        last_used_at: r[5].int(),
        revoked_at: r[6].int(),
    })
}

/// Writing `last_used_at` on every request would make every read a write; once a minute is
/// enough to tell a token in use from a forgotten one.
const LAST_USED_RESOLUTION_MS: i64 = 60_000;

impl Store {
    pub fn user_count(&mut self) -> Result<i64> {
        let rows = self.acc().db().query("SELECT count(*) FROM users", &[])?;
        Ok(rows.first().and_then(|r| r[0].int()).unwrap_or(0))
    }

    /// The home workspace: the first team workspace, whose records are the server database's
    /// own (see [`crate::workspaces`]), created on first use.
    pub fn team_workspace(&mut self, now_ms: i64) -> Result<Id> {
        let id = self.new_id(now_ms.max(0) as u64);
        self.acc().transaction(|db| home_in(db, id, now_ms))
    }

    /// Add a user with a role in the home team workspace (see [`Store::add_user_to`]).
    pub fn add_user(
        &mut self,
        email: &str,
        name: &str,
        password_hash: Option<&str>,
        role: Role,
        now_ms: i64,
    ) -> Result<User> {
        self.add_user_to(email, name, password_hash, role, None, now_ms)
    }

    /// Add a user with their personal workspace and a role in a team workspace (`None`: the home
    /// one, created if there is none yet), in one transaction. `email` must already be
    /// normalized; an email in use is [`Error::Conflict`]; a personal workspace is refused.
    pub fn add_user_to(
        &mut self,
        email: &str,
        name: &str,
        password_hash: Option<&str>,
        role: Role,
        workspace: Option<Id>,
        now_ms: i64,
    ) -> Result<User> {
        let id = self.new_id(now_ms.max(0) as u64);
        let personal = self.new_id(now_ms.max(0) as u64);
        let home = self.new_id(now_ms.max(0) as u64);
        self.acc().transaction(|db| {
            if !db.query("SELECT 1 FROM users WHERE email = ?", &[Val::from(email)])?.is_empty() {
                return Err(Error::Conflict(format!("a user with email {email} exists already")));
            }
            db.execute(
                "INSERT INTO users (id, email, name, password_hash, created_at) VALUES (?, ?, ?, ?, ?)",
                &[id.into(), Val::from(email), Val::from(name), Val::from(password_hash), Val::Int(now_ms)],
            )?;
            let ws = match workspace {
                Some(ws) => ws,
                None => home_in(db, home, now_ms)?,
            };
            crate::workspaces::add_member_in(db, ws, id, role, now_ms)?;
            crate::workspaces::personal_in(db, personal, id, now_ms)?;
            Ok(())
        })?;
        Ok(User { id, email: email.to_string(), name: name.to_string(), disabled: false })
    }

    /// A user and their password hash, by normalized email.
    pub fn user_by_email(&mut self, email: &str) -> Result<Option<(User, Option<String>)>> {
        let rows = self
            .acc()
            .db()
            .query("SELECT id, email, name, disabled, password_hash FROM users WHERE email = ?", &[Val::from(email)])?;
        Ok(rows.into_iter().next().and_then(|r| Some((user_of(&r)?, r[4].text().map(str::to_string)))))
    }

    pub fn user(&mut self, id: Id) -> Result<Option<User>> {
        let rows = self.acc().db().query("SELECT id, email, name, disabled FROM users WHERE id = ?", &[id.into()])?;
        Ok(rows.first().and_then(|r| user_of(r)))
    }

    /// Users by id (an assignee's or a project list's names), one query.
    pub fn users_by_id(&mut self, ids: &[Id]) -> Result<std::collections::HashMap<Id, User>> {
        let mut out = std::collections::HashMap::new();
        for chunk in ids.chunks(500) {
            let marks = vec!["?"; chunk.len()].join(", ");
            let params: Vec<Val> = chunk.iter().map(|&i| i.into()).collect();
            let rows = self
                .acc()
                .db()
                .query(&format!("SELECT id, email, name, disabled FROM users WHERE id IN ({marks})"), &params)?;
            out.extend(rows.iter().filter_map(|r| user_of(r)).map(|u| (u.id, u)));
        }
        Ok(out)
    }

    /// Whether an account change that can take access away (a revoked token, an ended session,
    /// a new password) went through this store since the last call: the signal for a server
    /// to forget the principals it keeps in memory.
    pub fn take_accounts_changed(&mut self) -> bool {
        let lent = self.accounts.as_deref_mut().is_some_and(|a| std::mem::take(&mut a.accounts_changed));
        std::mem::take(&mut self.accounts_changed) || lent
    }

    pub fn set_password_hash(&mut self, user: Id, hash: &str) -> Result<()> {
        self.accounts_changed = true;
        self.acc().db().execute("UPDATE users SET password_hash = ? WHERE id = ?", &[Val::from(hash), user.into()])?;
        Ok(())
    }

    /// An enabled user with a membership in the current workspace, and their role, by
    /// normalized email: who may be assigned a task or added to a project.
    pub fn member_by_email(&mut self, email: &str) -> Result<Option<(User, Role)>> {
        let Some(ws) = self.current_workspace()? else { return Ok(None) };
        let rows = self.acc().db().query(
            "SELECT u.id, u.email, u.name, u.disabled, m.role FROM users u JOIN memberships m ON m.user_id = u.id
             WHERE u.email = ? AND u.disabled = 0 AND m.workspace = ?",
            &[Val::from(email), ws.into()],
        )?;
        Ok(rows.first().and_then(|r| Some((user_of(r)?, r[4].text()?.parse().ok()?))))
    }

    /// The user's membership in the current workspace, if any.
    pub fn membership(&mut self, user: Id) -> Result<Option<Membership>> {
        let Some(ws) = self.current_workspace()? else { return Ok(None) };
        Ok(self.role_in(user, ws)?.map(|role| Membership { workspace: ws, role }))
    }

    pub fn create_session(&mut self, token_hash: &str, user: Id, now_ms: i64, expires_ms: i64) -> Result<()> {
        // Sign-in is a good moment to forget the sessions that have run out.
        self.acc().db().execute("DELETE FROM sessions WHERE expires_at <= ?", &[Val::Int(now_ms)])?;
        self.acc().db().execute(
            "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
            &[Val::from(token_hash), user.into(), Val::Int(now_ms), Val::Int(expires_ms)],
        )?;
        Ok(())
    }

    /// The user of a session that has not expired.
    pub fn session_user(&mut self, token_hash: &str, now_ms: i64) -> Result<Option<Id>> {
        Ok(self.session(token_hash, now_ms)?.map(|(user, _)| user))
    }

    /// End every session of a user but one (after a password change).
    pub fn delete_other_sessions(&mut self, user: Id, keep_hash: Option<&str>) -> Result<()> {
        self.accounts_changed = true;
        self.acc().db().execute(
            "DELETE FROM sessions WHERE user_id = ? AND token_hash <> ?",
            &[user.into(), Val::from(keep_hash.unwrap_or(""))],
        )?;
        Ok(())
    }

    pub fn delete_session(&mut self, token_hash: &str) -> Result<()> {
        self.accounts_changed = true;
        self.acc().db().execute("DELETE FROM sessions WHERE token_hash = ?", &[Val::from(token_hash)])?;
        Ok(())
    }

    /// A token for `user`, bound to `workspace` (`None`: the current workspace, else the
    /// user's default one when it is used).
    pub fn create_api_token(
        &mut self,
        token_hash: &str,
        user: Id,
        name: Option<&str>,
        read_only: bool,
        now_ms: i64,
    ) -> Result<Id> {
        let ws = self.workspace;
        self.create_api_token_in(token_hash, user, name, read_only, ws, now_ms)
    }

    pub fn create_api_token_in(
        &mut self,
        token_hash: &str,
        user: Id,
        name: Option<&str>,
        read_only: bool,
        workspace: Option<Id>,
        now_ms: i64,
    ) -> Result<Id> {
        let id = self.new_id(now_ms.max(0) as u64);
        self.acc().db().execute(
            "INSERT INTO api_tokens (id, token_hash, user_id, name, read_only, created_at, workspace)
             VALUES (?, ?, ?, ?, ?, ?, ?)",
            &[
                id.into(),
                Val::from(token_hash),
                user.into(),
                Val::from(name),
                Val::Int(i64::from(read_only)),
                Val::Int(now_ms),
                Val::from(workspace),
            ],
        )?;
        Ok(id)
    }

    /// A token that has not been revoked, by its hash; notes when it was used.
    pub fn api_token(&mut self, token_hash: &str, now_ms: i64) -> Result<Option<TokenGrant>> {
        let rows = self.acc().db().query(
            "SELECT id, user_id, read_only, last_used_at, workspace FROM api_tokens WHERE token_hash = ? AND revoked_at IS NULL",
            &[Val::from(token_hash)],
        )?;
        let Some(r) = rows.first() else { return Ok(None) };
        let (Some(id), Some(user)) = (id_of(&r[0]), id_of(&r[1])) else { return Ok(None) };
        if r[3].int().is_none_or(|last| now_ms - last >= LAST_USED_RESOLUTION_MS) {
            self.acc()
                .db()
                .execute("UPDATE api_tokens SET last_used_at = ? WHERE id = ?", &[Val::Int(now_ms), id.into()])?;
        }
        Ok(Some(TokenGrant { id, user, read_only: r[2].int() == Some(1), workspace: id_of(&r[4]) }))
    }

    /// All tokens, newest first.
    pub fn api_tokens(&mut self) -> Result<Vec<TokenInfo>> {
        let rows = self.acc().db().query(
            "SELECT t.id, u.email, t.name, t.read_only, t.created_at, t.last_used_at, t.revoked_at
             FROM api_tokens t JOIN users u ON u.id = t.user_id ORDER BY t.created_at DESC, t.id DESC",
            &[],
        )?;
        Ok(rows.iter().filter_map(|r| token_of(r)).collect())
    }

    /// Revoke a token named by its id or the end of its id (as listed). Revoking twice is fine.
    pub fn revoke_api_token(&mut self, id_ref: &str, now_ms: i64) -> Result<Id> {
        let q = id_ref.trim().to_lowercase();
        let not_found = || Error::NotFound { what: "token", query: id_ref.to_string() };
        if q.len() < 4 || !q.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
            return Err(not_found());
        }
        let rows = self.acc().db().query(
            "SELECT id FROM api_tokens WHERE id LIKE ? OR id LIKE ?",
            &[Val::from(format!("{q}%")), Val::from(format!("%{q}"))],
        )?;
        let ids: Vec<Id> = rows.iter().filter_map(|r| id_of(&r[0])).collect();
        let id = match ids.as_slice() {
            [] => return Err(not_found()),
            [one] => *one,
            many => {
                return Err(Error::Ambiguous {
                    what: "token",
                    query: id_ref.to_string(),
                    candidates: many.iter().map(|i| i.to_string()).collect(),
                });
            }
        };
        self.accounts_changed = true;
        self.acc().db().execute(
            "UPDATE api_tokens SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?",
            &[Val::Int(now_ms), id.into()],
        )?;
        Ok(id)
    }
}

impl Store {
    /// The members of the current workspace with their roles, by email.
    pub fn users(&mut self) -> Result<Vec<(User, Option<Role>)>> {
        let Some(ws) = self.current_workspace()? else { return Ok(Vec::new()) };
        let rows = self.acc().db().query(
            "SELECT u.id, u.email, u.name, u.disabled, m.role FROM users u
             JOIN memberships m ON m.user_id = u.id AND m.workspace = ? ORDER BY u.email",
            &[ws.into()],
        )?;
        Ok(rows.iter().filter_map(|r| Some((user_of(r)?, r[4].text().and_then(|s| s.parse().ok())))).collect())
    }

    /// Every user of the server with their role in the home workspace, by email (the CLI).
    pub fn all_users(&mut self) -> Result<Vec<(User, Option<Role>)>> {
        let home = self.home_workspace()?;
        let rows = self.acc().db().query(
            "SELECT u.id, u.email, u.name, u.disabled, m.role FROM users u
             LEFT JOIN memberships m ON m.user_id = u.id AND m.workspace = ? ORDER BY u.email",
            &[Val::from(home)],
        )?;
        Ok(rows.iter().filter_map(|r| Some((user_of(r)?, r[4].text().and_then(|s| s.parse().ok())))).collect())
    }
}

/// The `meta` key that records which workspace is the home one.
pub(crate) const HOME_KEY: &str = "home_workspace";

/// The home workspace, made with id `id` if there is no team workspace yet (in a transaction).
/// Once found it is recorded in `meta` ([`HOME_KEY`]): the first team workspace by id is the
/// home one only until then, so a team workspace made later with a smaller id (a clock set
/// back) never takes the server database's records, and the home one is never deleted.
pub(crate) fn home_in(db: &mut dyn crate::backend::Backend, id: Id, now_ms: i64) -> Result<Id> {
    if let Some(found) = crate::workspaces::recorded_home(db)? {
        return Ok(found);
    }
    let rows = db.query("SELECT id FROM workspaces WHERE kind = 'team' ORDER BY id LIMIT 1", &[])?;
    let home = match rows.first().and_then(|r| id_of(&r[0])) {
        Some(found) => found,
        None => {
            db.execute(
                "INSERT INTO workspaces (id, name, kind, created_at) VALUES (?, ?, 'team', ?)",
                &[id.into(), Val::from("team"), Val::Int(now_ms)],
            )?;
            id
        }
    };
    db.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        &[Val::from(HOME_KEY), Val::Text(home.to_string())],
    )?;
    Ok(home)
}
