//! Managing the team workspace's accounts from the server's settings: a user's display name,
//! their role and whether they are disabled, one user's own API tokens. Local server state like
//! the rest of [`crate::accounts`], written with plain statements.
//!
//! The workspace always keeps an enabled owner: a change that would demote or disable the last
//! one is refused ([`Error::Conflict`]), checked in the change's transaction.

use kith_core::Id;

use crate::accounts::{Role, TokenInfo, User, token_of, user_of};
use crate::backend::Val;
use crate::query::id_of;
use crate::{Error, Result, Store};

/// A change to a member: a new role, disabled or enabled again; `None` leaves it as it is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MemberChange {
    pub role: Option<Role>,
    pub disabled: Option<bool>,
}

impl Store {
    pub fn set_user_name(&mut self, user: Id, name: &str) -> Result<()> {
        self.acc().db().execute("UPDATE users SET name = ? WHERE id = ?", &[Val::from(name), user.into()])?;
        // A principal kept by the server carries the name.
        self.accounts_changed = true;
        Ok(())
    }

    /// A member of the current workspace and their role (`None`: not a member of it).
    pub fn member(&mut self, user: Id) -> Result<Option<(User, Option<Role>)>> {
        let Some(ws) = self.current_workspace()? else { return Ok(None) };
        let rows = self.acc().db().query(
            "SELECT u.id, u.email, u.name, u.disabled, m.role FROM users u
             JOIN memberships m ON m.user_id = u.id AND m.workspace = ? WHERE u.id = ?",
            &[ws.into(), user.into()],
        )?;
        Ok(rows.first().and_then(|r| Some((user_of(r)?, r[4].text().and_then(|s| s.parse().ok())))))
    }

    /// Change a member's role in the current workspace, or their disabled flag, in one
    /// transaction. [`Error::NotFound`] when the user is not a member of it; [`Error::Conflict`]
    /// when it would leave no enabled owner. Disabling a user (server-wide, so only from the home
    /// workspace: [`Error::Invalid`] elsewhere) also ends their sessions (their tokens stop
    /// working while they are disabled). A personal workspace's owner keeps their role.
    pub fn change_member(&mut self, user: Id, change: MemberChange) -> Result<(User, Role)> {
        let not_found = || Error::NotFound { what: "member", query: user.to_string() };
        let ws = self.current_workspace()?.ok_or_else(not_found)?;
        let home = self.home_workspace()? == Some(ws);
        let personal = self.workspace(ws)?.is_some_and(|w| w.kind == crate::workspaces::WorkspaceKind::Personal);
        if personal && change.role.is_some_and(|r| r != Role::Owner) {
            return Err(Error::Invalid("a personal workspace's owner stays its owner".into()));
        }
        let acc = self.acc();
        // A role taken away or a user disabled must stop a kept principal at once.
        acc.accounts_changed = true;
        acc.transaction(|db| {
            let rows = db.query(
                "SELECT u.id, u.email, u.name, u.disabled, m.role FROM users u
                 JOIN memberships m ON m.user_id = u.id WHERE u.id = ? AND m.workspace = ?",
                &[user.into(), ws.into()],
            )?;
            let r = rows.first().ok_or_else(not_found)?;
            let mut u = user_of(r).ok_or_else(not_found)?;
            let role: Role = r[4].text().and_then(|s| s.parse().ok()).ok_or_else(not_found)?;
            let new_role = change.role.unwrap_or(role);
            let disabled = change.disabled.unwrap_or(u.disabled);
            if disabled != u.disabled && !home {
                return Err(Error::Invalid(
                    "accounts are disabled from the server's first team workspace; remove the member here instead"
                        .into(),
                ));
            }
            let was_owner = role == Role::Owner && !u.disabled;
            let stays_owner = new_role == Role::Owner && !disabled;
            if was_owner && !stays_owner && crate::workspaces::other_owners(db, ws, user)? == 0 {
                return Err(Error::Conflict(format!(
                    "{} is the workspace's last owner: make someone else an owner first",
                    u.email
                )));
            }
            db.execute(
                "UPDATE memberships SET role = ? WHERE user_id = ? AND workspace = ?",
                &[Val::from(new_role.as_str()), user.into(), ws.into()],
            )?;
            db.execute("UPDATE users SET disabled = ? WHERE id = ?", &[Val::Int(i64::from(disabled)), user.into()])?;
            if disabled && !u.disabled {
                db.execute("DELETE FROM sessions WHERE user_id = ?", &[user.into()])?;
            }
            u.disabled = disabled;
            Ok((u, new_role))
        })
    }

    /// One user's API tokens, newest first.
    pub fn api_tokens_of(&mut self, user: Id) -> Result<Vec<TokenInfo>> {
        let rows = self.acc().db().query(
            "SELECT t.id, u.email, t.name, t.read_only, t.created_at, t.last_used_at, t.revoked_at
             FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.user_id = ?
             ORDER BY t.created_at DESC, t.id DESC",
            &[user.into()],
        )?;
        Ok(rows.iter().filter_map(|r| token_of(r)).collect())
    }

    /// The live person who has exactly this email (the lowest id if several do): an account's
    /// person in the workspace, for its card. One index lookup, never a name search.
    pub fn person_with_email(&mut self, email: &str) -> Result<Option<Id>> {
        let rows = self.db().query(
            "SELECT i.parent FROM person_items i JOIN people p ON p.id = i.parent
             WHERE i.kind = 'email' AND i.value = ? AND i.deleted = 0 AND p.deleted = 0 ORDER BY i.parent LIMIT 1",
            &[Val::from(email.to_lowercase())],
        )?;
        Ok(rows.first().and_then(|r| id_of(&r[0])))
    }

    /// The user a token belongs to, by the token's exact id.
    pub fn api_token_user(&mut self, id: Id) -> Result<Option<Id>> {
        let rows = self.acc().db().query("SELECT user_id FROM api_tokens WHERE id = ?", &[id.into()])?;
        Ok(rows.first().and_then(|r| id_of(&r[0])))
    }
}
