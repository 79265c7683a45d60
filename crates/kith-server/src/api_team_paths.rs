//! "Who on our team knows someone at X?" over the API: `GET /api/v1/team/path?org=NAME` or
//! `?to=PERSON`. Chains start at every teammate's own card and run over the ties the asker may
//! see; a chain through someone private to a teammate comes back only as "ask Ann"
//! (`kith_store::team_paths`).

use axum::Extension;
use axum::extract::State;
use axum::response::IntoResponse;
use kith_core::paths::{By, DEFAULT_MAX_HOPS};
use kith_store::reports::{self, PathTarget};
use kith_store::{edit, team_paths};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::access::Principal;
use crate::error::{ApiError, Query};
use crate::state::AppState;

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TeamPathQuery {
    /// An organization: chains to anyone currently there (name or id)
    pub org: Option<String>,
    /// A person: email, id or name (give `org` or `to`, not both)
    pub to: Option<String>,
    /// How many chains per teammate, sharing no middle person: 1 to 5, default 1
    pub k: Option<usize>,
    /// The longest chain to consider, in ties: 1 to 20, default 6
    pub max_hops: Option<u32>,
    /// `strength` (warmest first, default) or `hops` (fewest first)
    pub by: Option<String>,
}

/// The parsed query: the target's reference, whether it is an organization, and the search.
pub(crate) fn parse(q: TeamPathQuery) -> Result<(String, bool, usize, By, u32), ApiError> {
    let bad = |m: &str| ApiError::bad_request("invalid_query", m.to_string());
    let (target, org) = match (q.org.filter(|s| !s.trim().is_empty()), q.to.filter(|s| !s.trim().is_empty())) {
        (Some(o), None) => (o, true),
        (None, Some(t)) => (t, false),
        (Some(_), Some(_)) => return Err(bad("give `org` or `to`, not both")),
        (None, None) => return Err(bad("give `org` (an organization) or `to` (a person)")),
    };
    let by = match q.by.as_deref().unwrap_or("strength").to_lowercase().as_str() {
        "strength" | "strongest" | "warmth" => By::Strength,
        "hops" | "fewest" | "shortest" => By::Hops,
        other => return Err(bad(&format!("by `{other}` is not valid: use strength or hops"))),
    };
    let max_hops = q.max_hops.unwrap_or(DEFAULT_MAX_HOPS);
    if !(1..=20).contains(&max_hops) {
        return Err(bad("max_hops must be from 1 to 20"));
    }
    let k = q.k.unwrap_or(1);
    if !(1..=5).contains(&k) {
        return Err(bad("k must be from 1 to 5"));
    }
    Ok((target, org, k, by, max_hops))
}

/// Run the search for `p` (the store's scope is theirs: see `access::guard`).
#[allow(clippy::too_many_arguments, reason = "the query's parts, each a different thing")]
pub(crate) fn run(
    s: &mut kith_store::Store,
    p: &Principal,
    target: &str,
    org: bool,
    k: usize,
    by: By,
    max_hops: u32,
    now: jiff::Timestamp,
) -> Result<team_paths::TeamPathReport, ApiError> {
    let target: PathTarget = if org {
        reports::path_target(s, target, true)
    } else {
        s.resolve_person(target).map(|id| PathTarget { kind: "person", id, name: String::new() })
    }
    .map_err(edit::EditError::from)?;
    let target = match target.kind {
        "person" => PathTarget { name: s.label(target.id)?.unwrap_or_default(), ..target },
        _ => target,
    };
    Ok(team_paths::team_paths(s, p.user.id, target, k, by, max_hops, now)?)
}

#[utoipa::path(get, path = "/api/v1/team/path", tag = "intelligence", params(TeamPathQuery),
    responses((status = 200, description = "Who on the team knows someone there: chains from each teammate, best first (`teammate`, `text`, `hops`, `warmth`, `people`, `steps`); a chain through a teammate's private contact is only `{teammate, private: true, message}`", body = Object),
              (status = 400, description = "Neither or both of `org` and `to`, or a bad parameter", body = Object),
              (status = 422, description = "`org` or `to` names nothing the caller may see (or several)", body = Object)))]
pub(crate) async fn team_path(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Query(q): Query<TeamPathQuery>,
) -> Result<impl IntoResponse, ApiError> {
    let (target, org, k, by, max_hops) = parse(q)?;
    let now = state.now().timestamp();
    let report = state.pool.run(move |s| run(s, &p, &target, org, k, by, max_hops, now)).await?;
    Ok(axum::Json(report))
}

// ---------------------------------------------------------------------------------------------
// The page: "Who on our team knows someone at …?"

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct TeamPathPageQuery {
    org: Option<String>,
}

fn team_path_html(org: &str, report: Option<&team_paths::TeamPathReport>, message: Option<&str>) -> String {
    use crate::pages::{alert, nav};
    use crate::web::{escape, person_link};
    let mut b = format!("<header>{}<h1>Who on our team knows someone at …</h1></header>", nav());
    b.push_str(&format!(
        "<form method=\"get\" action=\"/team/path\" role=\"search\">\
         <p><label for=\"org\">Organization</label><br><input id=\"org\" name=\"org\" required value=\"{}\"></p>\
         <p><button type=\"submit\">Find a way in</button></p></form>",
        escape(org)
    ));
    if let Some(m) = message {
        b.push_str(&alert(m));
    }
    if let Some(r) = report {
        if let Some(m) = &r.message {
            b.push_str(&format!("<p>{}</p>", escape(m)));
        }
        if !r.paths.is_empty() {
            b.push_str("<ol>");
            for c in &r.paths {
                match c {
                    team_paths::TeamChain::Shown { teammate, text, chain, .. } => {
                        b.push_str(&format!("<li><strong>{}</strong>: ", escape(teammate)));
                        let links: Vec<String> = chain.people.iter().map(|p| person_link(p.id, &p.name)).collect();
                        b.push_str(&links.join(" → "));
                        if let Some(at) = text.rfind(" (at ") {
                            b.push_str(&escape(&text[at..]));
                        }
                        b.push_str(&format!(" <small>({} hops, warmth {:.2})</small></li>", chain.hops, chain.warmth));
                    }
                    team_paths::TeamChain::Private { message, .. } => {
                        b.push_str(&format!("<li>{}</li>", escape(message)));
                    }
                }
            }
            b.push_str("</ol>");
        }
    }
    crate::web::page("Who knows someone at …", &b)
}

#[utoipa::path(get, path = "/team/path", tag = "web",
    params(("org" = Option<String>, Query, description = "The organization")),
    responses((status = 200, description = "The \"who on our team knows someone at …\" form, and its answer", content_type = "text/html"),
              (status = 422, description = "The organization names nothing (or several): the form again with the message", content_type = "text/html")))]
pub(crate) async fn team_path_page(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Query(q): Query<TeamPathPageQuery>,
) -> Result<axum::response::Response, ApiError> {
    use axum::http::StatusCode;
    use axum::response::Html;
    let Some(org) = q.org.map(|o| o.trim().to_string()).filter(|o| !o.is_empty()) else {
        return Ok(Html(team_path_html("", None, None)).into_response());
    };
    let now = state.now().timestamp();
    let asked = org.clone();
    let result = state.pool.run(move |s| run(s, &p, &asked, true, 1, By::Strength, DEFAULT_MAX_HOPS, now)).await;
    match result {
        Ok(r) => Ok(Html(team_path_html(&org, Some(&r), None)).into_response()),
        Err(e) if e.status.is_client_error() => {
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(team_path_html(&org, None, Some(&e.message)))).into_response())
        }
        Err(e) => Err(e),
    }
}
