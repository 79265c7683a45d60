//! Who is asking ([`Principal`]) and what they may do ([`can`]): the one place where access is
//! decided. Every route is registered with an [`Access`] rule (see `api::routes`), and the
//! [`guard`] middleware, wrapped around every route by construction, resolves the principal and
//! applies the rule before the handler runs. Handlers never decide access themselves.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::extract::{FromRequestParts, Request, State};
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use kith_core::Id;
use kith_store::accounts::{Role, User};
use kith_store::team::ProjectRights;
use kith_store::workspaces::{Workspace, WorkspaceKind};
use kith_store::{Store, TaskView};

use crate::auth;
use crate::error::ApiError;
use crate::state::AppState;

/// The signed-in user behind a request, in the workspace the request works in (the session's
/// current one, or the one the API token is bound to).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub user: User,
    pub workspace: Id,
    /// The user's role in `workspace`.
    pub role: Role,
    /// Every workspace the user is a member of, with their role in each (`workspace` among
    /// them): the header's switcher and `GET /api/v1/workspaces`.
    pub workspaces: std::sync::Arc<Vec<Workspace>>,
    /// An API token created `--read-only`: reads only, whatever the role.
    pub read_only: bool,
    pub via: Via,
}

/// How the principal proved who they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    /// `Authorization: Bearer kith_…`. Not sent by browsers on their own, so no CSRF check.
    Token,
    /// The session cookie, whose CSRF token unsafe requests must echo.
    Session { token: String },
}

impl Principal {
    /// The name recorded as the actor of the operations this principal writes.
    pub fn actor(&self) -> &str {
        &self.user.email
    }

    /// The workspace the request works in.
    pub fn current(&self) -> Option<&Workspace> {
        self.workspaces.iter().find(|w| w.id == self.workspace)
    }

    /// Whether the request works in a personal workspace.
    pub fn personal(&self) -> bool {
        self.current().is_some_and(|w| w.kind == WorkspaceKind::Personal)
    }

    /// The store scope of this principal's requests.
    pub fn scope(&self) -> Scope {
        Scope { user: self.user.id, workspace: self.workspace }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    Read,
    Write,
    /// Manage members and tokens.
    Manage,
}

/// What a route touches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Resource {
    People,
    Interactions,
    /// Tasks as a whole (hooks on people…): the workspace's roles only.
    Tasks,
    /// Projects and their tasks: the whole workspace for its members, and for a guest the
    /// projects shared with them, decided per record by [`Reach`].
    ProjectTasks,
    /// Search and agenda: reads across kinds.
    Workspace,
    /// Users, memberships, everyone's tokens.
    Accounts,
    /// The principal's own account: their password, their own tokens.
    OwnAccount,
}

/// The access matrix, by route. A guest passes it only for [`Resource::ProjectTasks`] (and their
/// own account); which projects and tasks they then reach is decided per record by [`Reach`].
pub fn can(p: &Principal, action: Action, resource: Resource) -> bool {
    if p.user.disabled || (p.read_only && action != Action::Read) {
        return false;
    }
    match (p.role, action, resource) {
        // Everyone manages their own sign-in, guests too (but not through a read-only token).
        (_, _, Resource::OwnAccount) => true,
        (Role::Guest, Action::Read | Action::Write, Resource::ProjectTasks) => true,
        (Role::Guest, _, _) => false,
        (_, Action::Manage, _) | (_, _, Resource::Accounts) => matches!(p.role, Role::Owner | Role::Admin),
        (_, Action::Read, _) => true,
        (Role::Viewer, Action::Write, _) => false,
        (Role::Member | Role::Admin | Role::Owner, Action::Write, _) => true,
    }
}

/// What is done to a workspace as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WorkspaceAction {
    /// Owners and admins.
    Rename,
    /// Any member (the store keeps the last owner and refuses a personal workspace).
    Leave,
    /// Owners only (the store refuses a personal workspace and the server's first one).
    Delete,
}

/// The matrix for a workspace as a whole, decided against the caller's role in *that*
/// workspace (the route's `{id}`), not the current one. A session reaches each of its user's
/// workspaces (it may switch to any of them); an API token only the one it is bound to. A
/// workspace out of reach does not exist for the caller: 404, like an id that names nothing, so
/// its existence does not leak. Then a read-only token, or a role without the right, is a 403.
pub fn can_workspace(p: &Principal, action: WorkspaceAction, ws: Id) -> Result<(), ApiError> {
    let reach = match p.via {
        Via::Session { .. } => p.workspaces.iter().find(|w| w.id == ws),
        Via::Token => p.workspaces.iter().find(|w| w.id == ws && w.id == p.workspace),
    };
    let Some(w) = reach.filter(|_| !p.user.disabled) else {
        return Err(ApiError::not_found("no such workspace"));
    };
    if p.read_only {
        return Err(ApiError::forbidden("this API token is read-only"));
    }
    let role = w.role.unwrap_or(Role::Guest);
    let allowed = match action {
        WorkspaceAction::Rename => matches!(role, Role::Owner | Role::Admin),
        WorkspaceAction::Leave => true,
        WorkspaceAction::Delete => role == Role::Owner,
    };
    if !allowed {
        return Err(ApiError::forbidden(format!("a {role} may not do this to the workspace")));
    }
    Ok(())
}

/// Which projects and tasks a principal reaches: the refinement of [`can`] by record. Members of
/// the workspace (owner, admin, member, viewer) reach every project with their role's rights; a
/// guest reaches only the projects on whose member list they are, with the rights given there.
/// Outside its reach a record does not exist for the principal (404, not 403, so that its
/// existence does not leak).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reach {
    Workspace,
    Projects(Vec<(Id, ProjectRights)>),
}

impl Reach {
    pub fn of(store: &mut Store, p: &Principal) -> Result<Reach, ApiError> {
        Ok(match p.role {
            Role::Guest => Reach::Projects(store.shared_projects(p.user.id)?),
            _ => Reach::Workspace,
        })
    }

    /// The projects to list tasks from: `None` for all.
    pub fn projects(&self) -> Option<Vec<Id>> {
        match self {
            Reach::Workspace => None,
            Reach::Projects(list) => Some(list.iter().map(|(id, _)| *id).collect()),
        }
    }

    /// Whether `p` may do `action` on a project (or a task in it; `None` for a task in none).
    pub fn allows(&self, p: &Principal, action: Action, project: Option<Id>) -> bool {
        if !can(p, action, Resource::ProjectTasks) {
            return false;
        }
        match self {
            Reach::Workspace => true,
            Reach::Projects(list) => {
                let rights = project.and_then(|id| list.iter().find(|(pid, _)| *pid == id).map(|(_, r)| *r));
                matches!((action, rights), (Action::Read, Some(_)) | (Action::Write, Some(ProjectRights::Edit)))
            }
        }
    }

    /// 404 when the project (or task) is outside the principal's reach, 403 when they may see it
    /// but not do `action`.
    pub fn check(&self, p: &Principal, action: Action, project: Option<Id>, what: &str) -> Result<(), ApiError> {
        if !self.allows(p, Action::Read, project) {
            return Err(ApiError::not_found(format!("no {what}")));
        }
        if !self.allows(p, action, project) {
            return Err(ApiError::forbidden(format!("you may view but not change this {what}")));
        }
        Ok(())
    }

    /// What of a task a principal sees: a guest does not see the workspace's people it is linked to.
    pub fn task_view(&self, mut t: TaskView) -> TaskView {
        if matches!(self, Reach::Projects(_)) {
            t.people.clear();
        }
        t
    }

    /// Whether the principal may see the workspace's people (a guest may not).
    pub fn sees_people(&self) -> bool {
        matches!(self, Reach::Workspace)
    }

    /// Whom a principal may give a task to (`Some(email)`, or `None` for no one). A guest takes
    /// work for themselves or hands it back, never names anyone else: refused alike whether the
    /// email belongs to a member or not, so a guest cannot learn who the members are.
    pub fn check_assignee(&self, p: &Principal, assignee: Option<&str>) -> Result<(), ApiError> {
        match (self, assignee) {
            (Reach::Projects(_), Some(email)) if !email.trim().eq_ignore_ascii_case(&p.user.email) => {
                Err(ApiError::forbidden("a guest may assign a task only to themselves or to no one"))
            }
            _ => Ok(()),
        }
    }
}

/// The rule a route is registered with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// Anyone: health, the OpenAPI document, sign-in.
    Public,
    /// Any signed-in member, whatever their role (their own session, `me`).
    Signed,
    /// A principal for whom [`can`] allows this.
    Can(Action, Resource),
    /// A principal for whom [`can_workspace`] allows this on the workspace the route's `{id}`
    /// names (a form's CSRF field is still checked by its handler).
    Workspace(WorkspaceAction),
}

/// A route's rule, and whether it is an HTML page or form: then an anonymous visitor is sent to
/// the sign-in page instead of getting a 401, and the CSRF token comes in a form field (checked
/// by the form's handler) rather than the `X-CSRF-Token` header (checked here).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Access {
    pub rule: Rule,
    pub html: bool,
}

impl Access {
    pub const PUBLIC: Access = Access { rule: Rule::Public, html: false };
    pub const SIGNED: Access = Access { rule: Rule::Signed, html: false };
    pub const fn can(action: Action, resource: Resource) -> Access {
        Access { rule: Rule::Can(action, resource), html: false }
    }
    pub const fn workspace(action: WorkspaceAction) -> Access {
        Access { rule: Rule::Workspace(action), html: false }
    }
    pub const fn html(self) -> Access {
        Access { rule: self.rule, html: true }
    }
}

/// Principals resolved in the last few seconds, by the hash of the token or session that
/// proved them, so that a request does not spend three queries (token or session, user,
/// membership) and a trip to the blocking pool on who is asking.
///
/// The bound: a change to an account made by *another process* (`kith token revoke`, `kith
/// user …`, a second server on the same PostgreSQL) takes effect here within `ttl` (the
/// `principal_cache_ms` setting, 2 s by default; 0 turns the cache off). A change made through
/// this server's own stores takes effect at once: the store notes it
/// ([`Store::take_accounts_changed`]) and [`crate::state::Pool`] forgets every kept principal.
/// Unknown, revoked or expired credentials are never kept, so a new token or session works at
/// once; a kept session is also forgotten at its expiry at the latest `ttl` late.
pub struct PrincipalCache {
    ttl: Duration,
    /// Bumped by [`PrincipalCache::clear`]: a resolution that began before a clear does not keep
    /// what it read, which the change may already have made stale.
    generation: AtomicU64,
    kept: Mutex<HashMap<String, (Instant, Principal)>>,
}

/// More principals than this at once (many tokens used within `ttl`): start over.
const MAX_KEPT: usize = 10_000;

impl PrincipalCache {
    pub fn new(ttl: Duration) -> PrincipalCache {
        PrincipalCache { ttl, generation: AtomicU64::new(0), kept: Mutex::new(HashMap::new()) }
    }

    /// Forget every kept principal.
    pub fn clear(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        self.kept.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }

    fn get(&self, key: &str) -> Option<Principal> {
        let kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        kept.get(key).filter(|(until, _)| Instant::now() < *until).map(|(_, p)| p.clone())
    }

    fn put(&self, key: String, p: &Principal, generation: u64) {
        if self.ttl.is_zero() {
            return;
        }
        let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        // Checked under the lock that `clear` takes after bumping it.
        if self.generation.load(Ordering::SeqCst) != generation {
            return;
        }
        if kept.len() >= MAX_KEPT {
            kept.clear();
        }
        kept.insert(key, (Instant::now() + self.ttl, p.clone()));
    }
}

/// Find the principal of a request: a bearer token first, else the session cookie. `Ok(None)`
/// when the request carries neither, or one that is unknown, revoked or expired. Kept in
/// [`PrincipalCache`] for a few seconds.
pub async fn principal(state: &AppState, headers: &HeaderMap) -> Result<Option<Principal>, ApiError> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(|t| t.trim().to_string());
    let session = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| auth::cookie(c, auth::SESSION_COOKIE))
        .map(str::to_string);
    let key = match (&bearer, &session) {
        (Some(token), _) => format!("t{}", auth::token_hash(token)),
        (None, Some(token)) => format!("s{}", auth::token_hash(token)),
        (None, None) => return Ok(None),
    };
    let cache = state.principals.clone();
    if let Some(p) = cache.get(&key) {
        return Ok(Some(p));
    }
    let generation = cache.generation.load(Ordering::SeqCst);
    let now = state.now_ms();
    let found = state
        .pool
        .accounts(move |store| {
            let (user, read_only, via, bound) = if let Some(token) = bearer {
                let Some(grant) = store.api_token(&auth::token_hash(&token), now)? else { return Ok(None) };
                (grant.user, grant.read_only, Via::Token, grant.workspace)
            } else if let Some(token) = session {
                let Some((user, ws)) = store.session(&auth::token_hash(&token), now)? else { return Ok(None) };
                (user, false, Via::Session { token }, ws)
            } else {
                return Ok(None);
            };
            let Some(user) = store.user(user)? else { return Ok(None) };
            if user.disabled {
                return Ok(None);
            }
            // A token bound to a workspace works there or nowhere; a session in a workspace the
            // user has left goes back to their default one.
            let token_bound = matches!(via, Via::Token) && bound.is_some();
            let mut workspace = match bound {
                Some(ws) => ws,
                None => store.default_workspace(user.id, now)?,
            };
            let mut role = store.role_in(user.id, workspace)?;
            if role.is_none() && !token_bound {
                workspace = store.default_workspace(user.id, now)?;
                role = store.role_in(user.id, workspace)?;
            }
            let Some(role) = role else {
                return Err(ApiError::forbidden("this account is not a member of the token's workspace"));
            };
            // Every user has a personal workspace (made now for one who predates them).
            let mut workspaces = store.workspaces_of(user.id)?;
            if !workspaces.iter().any(|w| w.kind == WorkspaceKind::Personal) {
                store.personal_workspace(user.id, now)?;
                workspaces = store.workspaces_of(user.id)?;
            }
            let workspaces = std::sync::Arc::new(workspaces);
            Ok(Some(Principal { user, workspace, role, workspaces, read_only, via }))
        })
        .await?;
    if let Some(p) = &found {
        cache.put(key, p, generation);
    }
    Ok(found)
}

fn is_safe(m: &Method) -> bool {
    matches!(*m, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Apply a route's [`Access`]: 401 without a principal, 403 with CSRF missing or wrong, 403 when
/// [`can`] says no. The principal goes into the request's extensions for the handler.
pub async fn guard(State((state, access)): State<(AppState, Access)>, mut req: Request, next: Next) -> Response {
    if access.rule == Rule::Public {
        return next.run(req).await;
    }
    let p = match principal(&state, req.headers()).await {
        Ok(Some(p)) => p,
        Ok(None) if access.html => return Redirect::to("/signin").into_response(),
        Ok(None) => return ApiError::unauthorized().into_response(),
        Err(e) => return e.into_response(),
    };
    if let Via::Session { token } = &p.via
        && !is_safe(req.method())
        && !access.html
    {
        let sent = req.headers().get(auth::CSRF_HEADER).and_then(|v| v.to_str().ok()).unwrap_or("");
        if !auth::same(sent, &auth::csrf_for_session(token)) {
            return ApiError::forbidden("missing or wrong X-CSRF-Token header (from sign-in)").into_response();
        }
    }
    if let Rule::Can(action, resource) = access.rule
        && !can(&p, action, resource)
    {
        let why = if p.read_only && action != Action::Read {
            "this API token is read-only".to_string()
        } else {
            format!("a {} may not do this", p.role)
        };
        return ApiError::forbidden(why).into_response();
    }
    if let Rule::Workspace(action) = access.rule {
        let (mut parts, body) = req.into_parts();
        let checked = match crate::error::PathId::from_request_parts(&mut parts, &()).await {
            Ok(crate::error::PathId(ws)) => can_workspace(&p, action, ws),
            Err(e) => Err(e),
        };
        if let Err(e) = checked {
            return e.into_response();
        }
        req = Request::from_parts(parts, body);
    }
    let scope = p.scope();
    let frame = access.html.then(|| crate::web::Frame::of(&p));
    req.extensions_mut().insert(p);
    let resp = SCOPE.scope(Some(scope), next.run(req)).await;
    match frame {
        Some(frame) => frame.apply(resp).await,
        None => resp,
    }
}

/// Whose view a request has and in which workspace: what [`SCOPE`] holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scope {
    pub user: Id,
    pub workspace: Id,
}

tokio::task_local! {
    /// Whose view the request has, set by [`guard`] around the handler: `state::Pool::run`
    /// scopes the store of every job the handler runs to what that user may see (their hidden
    /// set read in the job itself, at the current `privacy` version, so a person made private a
    /// moment ago is hidden at once even while the principal is kept), and the store's reads
    /// leave out the rest without any handler deciding it.
    /// The workspace is the one whose store every job of the request runs on.
    pub static SCOPE: Option<Scope>;
}

/// The user whose view the request being handled has, and its workspace (none outside one:
/// sign-in, health).
pub fn current_scope() -> Option<Scope> {
    SCOPE.try_with(|v| *v).unwrap_or(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(role: Role, read_only: bool) -> Principal {
        Principal {
            user: User {
                id: Id::from_uuid(uuid::Uuid::nil()),
                email: "a@b.example".into(),
                name: "A".into(),
                disabled: false,
            },
            workspace: Id::from_uuid(uuid::Uuid::nil()),
            workspaces: Default::default(),
            role,
            read_only,
            via: Via::Token,
        }
    }

    #[test]
    fn the_matrix() {
        use Action::*;
        use Resource::*;
        for r in [People, Interactions, Tasks, ProjectTasks, Workspace] {
            for role in [Role::Owner, Role::Admin, Role::Member] {
                assert!(can(&p(role, false), Read, r) && can(&p(role, false), Write, r));
                assert!(can(&p(role, true), Read, r) && !can(&p(role, true), Write, r));
            }
            assert!(can(&p(Role::Viewer, false), Read, r) && !can(&p(Role::Viewer, false), Write, r));
            // A guest passes the route's rule only where `Reach` then decides per project.
            let guest = r == ProjectTasks;
            assert_eq!(can(&p(Role::Guest, false), Read, r), guest, "{r:?}");
            assert_eq!(can(&p(Role::Guest, false), Write, r), guest, "{r:?}");
            assert!(!can(&p(Role::Guest, true), Write, r));
        }
        for role in Role::ALL {
            let admin = matches!(role, Role::Owner | Role::Admin);
            assert_eq!(can(&p(role, false), Manage, Accounts), admin, "{role}");
            assert_eq!(can(&p(role, false), Read, Accounts), admin, "{role}");
            assert!(!can(&p(role, true), Manage, Accounts));
        }
        for role in Role::ALL {
            assert!(can(&p(role, false), Write, OwnAccount) && !can(&p(role, true), Write, OwnAccount));
        }
        let mut off = p(Role::Owner, false);
        off.user.disabled = true;
        assert!(!can(&off, Read, People));
    }

    #[test]
    fn reach_by_project() {
        use Action::*;
        let id = |n: u128| Id::from_uuid(uuid::Uuid::from_u128(n));
        let (viewed, edited, other) = (id(1), id(2), id(3));
        let guest = Reach::Projects(vec![(viewed, ProjectRights::View), (edited, ProjectRights::Edit)]);
        let g = p(Role::Guest, false);
        assert!(guest.allows(&g, Read, Some(viewed)) && !guest.allows(&g, Write, Some(viewed)));
        assert!(guest.allows(&g, Read, Some(edited)) && guest.allows(&g, Write, Some(edited)));
        assert!(!guest.allows(&g, Read, Some(other)) && !guest.allows(&g, Read, None));
        assert!(!guest.allows(&p(Role::Guest, true), Write, Some(edited)), "a read-only token stays read-only");
        assert_eq!(guest.check(&g, Write, Some(other), "task").unwrap_err().code, "not_found");
        assert_eq!(guest.check(&g, Write, Some(viewed), "task").unwrap_err().code, "forbidden");
        assert!(guest.check(&g, Write, Some(edited), "task").is_ok());
        assert_eq!(guest.projects(), Some(vec![viewed, edited]));
        assert!(!guest.sees_people());
        let all = Reach::Workspace;
        assert!(
            all.allows(&p(Role::Member, false), Write, Some(other)) && all.allows(&p(Role::Member, false), Write, None)
        );
        assert!(all.allows(&p(Role::Viewer, false), Read, None) && !all.allows(&p(Role::Viewer, false), Write, None));
        assert_eq!(all.check(&p(Role::Viewer, false), Write, None, "task").unwrap_err().code, "forbidden");
        assert_eq!(all.projects(), None);
    }
}
