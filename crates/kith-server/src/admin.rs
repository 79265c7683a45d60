//! `kith user`, `kith token` and `kith workspace`: the accounts commands of the CLI, run against the database
//! directly (they work before the server has any account, which is how the first owner is made).

use std::io::BufRead;

use kith_core::model::Email;
use kith_store::Store;
use kith_store::accounts::Role;
use serde_json::json;

use crate::auth;

#[derive(Debug, clap::Subcommand)]
pub enum UserCmd {
    /// Add an account to the team workspace (the password is read from standard input), or,
    /// with --workspace, put an existing account into another team workspace
    Add {
        email: String,
        /// The person's name, as teammates see it (a new account)
        #[arg(long, default_value = "")]
        name: String,
        /// Read the password from the first line of standard input (required: passwords are
        /// never command-line arguments, which other users of the machine can see)
        #[arg(long)]
        password_stdin: bool,
        /// Make this account the workspace's owner (same as --role owner)
        #[arg(long, conflicts_with = "role")]
        owner: bool,
        /// owner, admin, member, viewer or guest
        #[arg(long, default_value = "member")]
        role: String,
        /// The team workspace (its id, the end of it, or its name; default: the server's first one)
        #[arg(long)]
        workspace: Option<String>,
    },
    /// List accounts and their roles
    #[command(visible_alias = "ls")]
    List,
}

#[derive(Debug, clap::Subcommand)]
pub enum TokenCmd {
    /// Create an API token for a user; it is printed once and only its hash is kept
    Create {
        /// The user's email
        #[arg(long)]
        user: String,
        /// The token may only read
        #[arg(long)]
        read_only: bool,
        /// What the token is for ("backup script")
        #[arg(long)]
        name: Option<String>,
        /// The team workspace it works in (its id, the end of it, or its name; default: the user's first team
        /// workspace, else their personal one)
        #[arg(long)]
        workspace: Option<String>,
    },
    /// List tokens (never the secrets)
    #[command(visible_alias = "ls")]
    List,
    /// Revoke a token by its id (or the end of it, as listed)
    Revoke { id: String },
}

#[derive(Debug, clap::Subcommand)]
pub enum WorkspaceCmd {
    /// Add a team workspace with its owner (its records are a store of their own)
    Add {
        name: String,
        /// The owner's email (an existing account)
        #[arg(long)]
        owner: String,
    },
    /// List the workspaces: team ones and the personal ones, with their member counts
    #[command(visible_alias = "ls")]
    List,
    /// Rename a team workspace
    Rename {
        /// The team workspace (its id, the start or end of it, or its name)
        workspace: String,
        /// Its new name (1 to 100 characters)
        name: String,
    },
    /// Delete a team workspace with all its records (its store), its memberships and the API
    /// tokens bound to it; sessions in it go back to their user's default workspace. The
    /// server's first workspace stays. Stop `kith serve` first, or its other processes keep
    /// using what they had open for a moment
    Delete {
        /// The team workspace (its id, the start or end of it, or its name)
        workspace: String,
        /// The workspace's exact name, to confirm
        #[arg(long, value_name = "NAME")]
        confirm: String,
    },
}

/// A failure of an accounts command, by whose fault it is (the CLI maps it to its exit codes).
#[derive(Debug)]
pub enum AdminError {
    Usage(String),
    Lookup(String),
    Internal(String),
}

impl From<kith_store::Error> for AdminError {
    fn from(e: kith_store::Error) -> AdminError {
        match e {
            kith_store::Error::Conflict(m) | kith_store::Error::Invalid(m) => AdminError::Usage(m),
            e if e.is_lookup() => AdminError::Lookup(e.to_string()),
            e => AdminError::Internal(e.to_string()),
        }
    }
}

fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

fn ms_text(ms: Option<i64>) -> String {
    ms.and_then(|m| jiff::Timestamp::from_millisecond(m).ok())
        .map(|t| t.strftime("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_default()
}

/// `kith user …`. Output goes to `out` (stdout in the CLI); the password comes from `input`.
pub fn user(
    store: &mut Store,
    cmd: UserCmd,
    json: bool,
    input: &mut dyn BufRead,
    out: &mut dyn std::io::Write,
) -> Result<(), AdminError> {
    let io = |e: std::io::Error| AdminError::Internal(e.to_string());
    match cmd {
        UserCmd::Add { email, name, password_stdin, owner, role, workspace } => {
            let email = Email::parse(&email).map_err(|e| AdminError::Usage(e.to_string()))?;
            let role = if owner { Role::Owner } else { role.parse().map_err(|e| AdminError::Usage(format!("{e}")))? };
            let workspace = workspace.map(|w| store.team_workspace_by_ref(&w)).transpose()?;
            if let (Some(ws), Some((u, _))) = (&workspace, store.user_by_email(email.as_str())?) {
                // An existing account joins another team workspace: no name or password needed.
                store.add_member(ws.id, u.id, role, now_ms())?;
                if json {
                    writeln!(out, "{}", json!({ "id": u.id, "email": u.email, "role": role, "workspace": ws.id }))
                        .map_err(io)?;
                } else {
                    writeln!(out, "added {} <{}> to {} as {role}", u.name, u.email, ws.name).map_err(io)?;
                }
                return Ok(());
            }
            let name = name.trim();
            if name.is_empty() {
                return Err(AdminError::Usage("--name cannot be empty".into()));
            }
            if !password_stdin {
                return Err(AdminError::Usage(
                    "give the password on standard input with --password-stdin (for example from a password manager)"
                        .into(),
                ));
            }
            let mut line = String::new();
            input.read_line(&mut line).map_err(io)?;
            let password = line.trim_end_matches(['\r', '\n']);
            if password.chars().count() < auth::MIN_PASSWORD {
                return Err(AdminError::Usage(format!(
                    "the password must be at least {} characters",
                    auth::MIN_PASSWORD
                )));
            }
            let hash = auth::hash_password(password).map_err(AdminError::Internal)?;
            let user = store.add_user_to(email.as_str(), name, Some(&hash), role, workspace.map(|w| w.id), now_ms())?;
            if json {
                writeln!(out, "{}", json!({ "id": user.id, "email": user.email, "role": role })).map_err(io)?;
            } else {
                writeln!(out, "added {} <{}> as {role} [{}]", user.name, user.email, user.id.short()).map_err(io)?;
            }
        }
        UserCmd::List => {
            let users = store.all_users()?;
            if json {
                let rows: Vec<_> = users
                    .iter()
                    .map(|(u, r)| json!({ "id": u.id, "email": u.email, "name": u.name, "role": r, "disabled": u.disabled }))
                    .collect();
                writeln!(out, "{}", serde_json::Value::Array(rows)).map_err(io)?;
            } else {
                for (u, r) in users {
                    let role = r.map(|r| r.to_string()).unwrap_or_else(|| "no role".into());
                    writeln!(out, "{:<32} {:<24} {role}", u.email, u.name).map_err(io)?;
                }
            }
        }
    }
    Ok(())
}

/// `kith token …`.
pub fn token(store: &mut Store, cmd: TokenCmd, json: bool, out: &mut dyn std::io::Write) -> Result<(), AdminError> {
    let io = |e: std::io::Error| AdminError::Internal(e.to_string());
    match cmd {
        TokenCmd::Create { user, read_only, name, workspace } => {
            let email = Email::parse(&user).map_err(|e| AdminError::Usage(e.to_string()))?;
            let Some((u, _)) = store.user_by_email(email.as_str())? else {
                return Err(AdminError::Lookup(format!("no user has the email {}", email.as_str())));
            };
            // Bound to the workspace named, else to the user's default one now.
            let ws = match workspace {
                Some(w) => {
                    let ws = store.team_workspace_by_ref(&w)?;
                    if store.role_in(u.id, ws.id)?.is_none() {
                        return Err(AdminError::Usage(format!("{} is not a member of {}", u.email, ws.name)));
                    }
                    ws.id
                }
                None => store.default_workspace(u.id, now_ms())?,
            };
            let token = auth::new_api_token().map_err(AdminError::Internal)?;
            let id = store.create_api_token_in(
                &auth::token_hash(&token),
                u.id,
                name.as_deref(),
                read_only,
                Some(ws),
                now_ms(),
            )?;
            if json {
                writeln!(out, "{}", json!({ "id": id, "token": token, "read_only": read_only })).map_err(io)?;
            } else {
                writeln!(out, "{token}").map_err(io)?;
                eprintln!(
                    "created {}token [{}] for {}; it is shown only this once",
                    if read_only { "a read-only " } else { "a " },
                    id.short(),
                    u.email
                );
            }
        }
        TokenCmd::List => {
            let tokens = store.api_tokens()?;
            if json {
                writeln!(out, "{}", serde_json::to_string(&tokens).map_err(|e| AdminError::Internal(e.to_string()))?)
                    .map_err(io)?;
            } else {
                for t in tokens {
                    let state = if t.revoked_at.is_some() { "revoked" } else { "active" };
                    writeln!(
                        out,
                        "{}  {:<28} {:<10} {:<8} created {}  used {}  {}",
                        t.id.short(),
                        t.user,
                        if t.read_only { "read-only" } else { "read-write" },
                        state,
                        ms_text(Some(t.created_at)),
                        ms_text(t.last_used_at),
                        t.name.unwrap_or_default()
                    )
                    .map_err(io)?;
                }
            }
        }
        TokenCmd::Revoke { id } => {
            let id = store.revoke_api_token(&id, now_ms())?;
            if json {
                writeln!(out, "{}", json!({ "id": id })).map_err(io)?;
            } else {
                writeln!(out, "revoked token [{}]", id.short()).map_err(io)?;
            }
        }
    }
    Ok(())
}

/// `kith workspace …`.
pub fn workspace(
    store: &mut Store,
    cmd: WorkspaceCmd,
    json: bool,
    out: &mut dyn std::io::Write,
) -> Result<(), AdminError> {
    let io = |e: std::io::Error| AdminError::Internal(e.to_string());
    match cmd {
        WorkspaceCmd::Add { name, owner } => {
            let email = Email::parse(&owner).map_err(|e| AdminError::Usage(e.to_string()))?;
            let Some((u, _)) = store.user_by_email(email.as_str())? else {
                return Err(AdminError::Lookup(format!("no user has the email {}", email.as_str())));
            };
            // The server's first team workspace exists before any other, so a new one is never
            // taken for it (its records are the server database's own).
            store.team_workspace(now_ms())?;
            let w = store.create_team_workspace(&name, u.id, now_ms())?;
            if json {
                writeln!(out, "{}", json!({ "id": w.id, "name": w.name, "owner": u.email })).map_err(io)?;
            } else {
                writeln!(out, "added team workspace {} [{}] owned by {}", w.name, w.id, u.email).map_err(io)?;
            }
        }
        WorkspaceCmd::List => {
            let all = store.all_workspaces()?;
            // Every personal workspace is called "Personal": say whose it is.
            let owners = store.personal_owners()?;
            if json {
                let rows: Vec<_> = all
                    .iter()
                    .map(|(w, n)| {
                        json!({ "id": w.id, "name": w.name, "kind": w.kind, "members": n, "owner": owners.get(&w.id) })
                    })
                    .collect();
                writeln!(out, "{}", serde_json::Value::Array(rows)).map_err(io)?;
            } else {
                for (w, n) in all {
                    let name = match owners.get(&w.id) {
                        Some(email) => format!("{} ({email})", w.name),
                        None => w.name.clone(),
                    };
                    writeln!(
                        out,
                        "{}  {:<9} {:<40} {n} member{}",
                        w.id,
                        w.kind.as_str(),
                        name,
                        if n == 1 { "" } else { "s" }
                    )
                    .map_err(io)?;
                }
            }
        }
        WorkspaceCmd::Rename { workspace, name } => {
            let ws = store.team_workspace_by_ref(&workspace)?;
            let w = store.rename_workspace(ws.id, &name)?;
            if json {
                writeln!(out, "{}", json!({ "id": w.id, "name": w.name })).map_err(io)?;
            } else {
                writeln!(out, "renamed team workspace {} [{}] to {}", ws.name, w.id, w.name).map_err(io)?;
            }
        }
        WorkspaceCmd::Delete { workspace, confirm } => {
            let ws = store.team_workspace_by_ref(&workspace)?;
            let w = store.delete_workspace(ws.id, &confirm, now_ms())?;
            if json {
                writeln!(out, "{}", json!({ "id": w.id, "name": w.name, "deleted": true })).map_err(io)?;
            } else {
                writeln!(out, "deleted team workspace {} [{}] with its records", w.name, w.id).map_err(io)?;
            }
        }
    }
    Ok(())
}
