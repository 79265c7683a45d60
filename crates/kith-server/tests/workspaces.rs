//! Several workspaces on one server: two team workspaces a user switches between, everyone's
//! personal workspace, tokens bound to a workspace, and a workspace's store that never answers
//! an account question. A real server on 127.0.0.1:0, a real HTTP client, both engines.

#[macro_use]
mod support;

use kith_store::Store;
use kith_store::accounts::Role;
use serde_json::{Value, json};
use support::{Server, Who, browser, config, form, workspace_store_exists};

both!(
    two_team_workspaces_stay_apart,
    personal_workspaces_are_their_owners_alone,
    workspaces_are_renamed_left_and_deleted,
);

mod idle {
    use super::*;
    fn quick() -> kith_server::Config {
        kith_server::Config { workspace_idle_ms: 1, ..config() }
    }
    #[test]
    fn sqlite() {
        idle_workspace_stores_are_closed(Server::sqlite_with(quick()));
    }
    #[test]
    fn postgres() {
        if let Some(s) = Server::postgres_with(quick()) {
            idle_workspace_stores_are_closed(s);
        }
    }
}

fn with_csrf(who: &Who, csrf: &str) -> Who {
    match who {
        Who::Session { cookie, .. } => Who::Session { cookie: cookie.clone(), csrf: Some(csrf.to_string()) },
        other => other.clone(),
    }
}

fn names(v: &Value) -> Vec<String> {
    let mut n: Vec<String> =
        v["items"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap_or_default().to_string()).collect();
    n.sort();
    n
}

fn titles(v: &Value) -> Vec<String> {
    let mut n: Vec<String> =
        v["items"].as_array().unwrap().iter().map(|p| p["title"].as_str().unwrap_or_default().to_string()).collect();
    n.sort();
    n
}

fn created(r: support::Resp) -> String {
    assert_eq!(r.status, 201, "{}", r.body);
    r.json()["id"].as_str().unwrap().to_string()
}

fn switch(s: &Server, who: &Who, ws: &str) -> support::Resp {
    s.post("/api/v1/session/workspace", who, json!({ "workspace": ws }))
}

fn two_team_workspaces_stay_apart(s: Server) {
    let ann_pw = s.user("ann@team.example", Role::Owner);
    let bob_pw = s.user("bob@team.example", Role::Member);
    let (ann, ann_csrf) = browser(&s, "ann@team.example", &ann_pw);
    let ann = with_csrf(&ann, &ann_csrf);
    let (bob, bob_csrf) = browser(&s, "bob@team.example", &bob_pw);
    let bob = with_csrf(&bob, &bob_csrf);

    // The home workspace (the server's first team one) is where a session starts.
    let mine = s.get("/api/v1/workspaces", &ann).json();
    let home = mine["current"].as_str().unwrap().to_string();
    let kinds: Vec<(&str, &str)> = mine["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| (w["kind"].as_str().unwrap(), w["role"].as_str().unwrap()))
        .collect();
    assert_eq!(kinds, [("team", "owner"), ("personal", "owner")], "{mine}");

    // Records in home.
    let alpha =
        created(s.post("/api/v1/people", &ann, json!({ "name": "Alpha Person", "emails": ["alpha@x.example"] })));
    let alpha_task =
        created(s.post("/api/v1/tasks", &ann, json!({ "title": "Alpha Task", "project": "Alpha Project" })));

    // A second team workspace: Ann makes it and owns it.
    let r = s.post("/api/v1/workspaces", &ann, json!({ "name": "Beta" }));
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!((r.json()["kind"].as_str(), r.json()["role"].as_str()), (Some("team"), Some("owner")));
    let beta = r.json()["id"].as_str().unwrap().to_string();
    s.post("/api/v1/workspaces", &ann, json!({ "name": "" })).assert_error(422, "invalid");

    // Ann switches into Beta: its records only.
    assert_eq!(switch(&s, &ann, &beta).status, 200);
    assert_eq!(s.get("/api/v1/me", &ann).json()["workspace"], json!(beta));
    assert_eq!(s.get("/api/v1/people", &ann).json()["items"], json!([]), "Beta starts empty");
    let beta_person = created(s.post("/api/v1/people", &ann, json!({ "name": "Beta Person" })));
    let beta_task = created(s.post("/api/v1/tasks", &ann, json!({ "title": "Beta Task" })));
    let i = s.post(
        "/api/v1/interactions",
        &ann,
        json!({ "kind": "lunch", "people": [beta_person.clone()], "summary": "Beta lunch", "at": "2025-01-02" }),
    );
    assert_eq!(i.status, 201, "{}", i.body);
    assert_eq!(names(&s.get("/api/v1/people", &ann).json()), ["Beta Person"]);
    assert_eq!(names(&s.get("/api/v1/people?q=alpha", &ann).json()), Vec::<String>::new(), "the name index is Beta's");
    assert_eq!(titles(&s.get("/api/v1/tasks", &ann).json()), ["Beta Task"]);
    let found = s.get("/api/v1/search?q=Alpha", &ann);
    assert_eq!(found.status, 200, "{}", found.body);
    assert!(!found.body.contains("Alpha"), "{}", found.body);
    let feed = s.get("/api/v1/activity", &ann);
    assert!(feed.body.contains("Beta") && !feed.body.contains("Alpha"), "{}", feed.body);
    let export = s.get("/api/v1/export/vcard", &ann);
    assert!(export.body.contains("Beta Person") && !export.body.contains("Alpha"), "{}", export.body);
    let backup = s.get("/api/v1/export/json", &ann);
    assert!(!backup.body.contains("Alpha"), "the op-log backup is Beta's");
    // Home's records by id, probed from Beta: they do not exist here.
    for path in [
        format!("/api/v1/people/{alpha}"),
        format!("/api/v1/tasks/{alpha_task}"),
        format!("/api/v1/people/{alpha}/ties"),
        format!("/people/{alpha}"),
    ] {
        assert_eq!(s.get(&path, &ann).status, 404, "{path}");
    }
    s.send(
        "PATCH",
        &format!("/api/v1/people/{alpha}"),
        &ann,
        Some(("application/json", json!({"name": "x"}).to_string())),
    )
    .assert_error(404, "not_found");
    // The pages say where one is and offer the way back.
    let page = s.get("/people", &ann);
    assert!(page.body.contains("Beta Person") && !page.body.contains("Alpha Person"), "{}", page.body);
    assert!(page.body.contains("id=\"ws-name\">Beta</span>"), "the header names the workspace: {}", page.body);
    assert!(page.body.contains(&format!("<option value=\"{home}\">team</option>")), "{}", page.body);

    // Bob is a member of home only: Beta does not exist for him.
    let bobs = s.get("/api/v1/workspaces", &bob).json();
    assert!(!bobs.to_string().contains(&beta), "{bobs}");
    switch(&s, &bob, &beta).assert_error(404, "not_found");
    switch(&s, &bob, "not-an-id").assert_error(404, "not_found");
    let page = s.send(
        "POST",
        "/workspace",
        &bob,
        Some(("application/x-www-form-urlencoded", form(&[("csrf", &bob_csrf), ("workspace", &beta)]))),
    );
    assert_eq!(page.status, 404, "{}", page.body);
    for path in [format!("/api/v1/people/{beta_person}"), format!("/api/v1/tasks/{beta_task}")] {
        assert_eq!(s.get(&path, &bob).status, 404, "{path}");
    }
    assert_eq!(names(&s.get("/api/v1/people", &bob).json()), ["Alpha Person"]);

    // Tasks in Beta go to Beta's members only.
    let r = s.post("/api/v1/tasks", &ann, json!({ "title": "For Bob", "assignee": "bob@team.example" }));
    r.assert_error(422, "invalid");
    // Ann adds Bob (an existing account) to Beta as a viewer.
    let r = s.post("/api/v1/members", &ann, json!({ "email": "bob@team.example", "role": "viewer" }));
    assert_eq!(r.status, 201, "{}", r.body);
    let members: Vec<String> = s.get("/api/v1/members", &ann).json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| format!("{} {}", m["user"]["email"].as_str().unwrap(), m["role"].as_str().unwrap()))
        .collect();
    assert_eq!(members, ["ann@team.example owner", "bob@team.example viewer"]);
    assert_eq!(switch(&s, &bob, &beta).status, 200);
    assert_eq!(names(&s.get("/api/v1/people", &bob).json()), ["Beta Person"]);
    s.post("/api/v1/people", &bob, json!({ "name": "Nope" })).assert_error(403, "forbidden");
    let r = s.post("/api/v1/tasks", &ann, json!({ "title": "For Bob", "assignee": "bob@team.example" }));
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.json()["assignee"]["email"], json!("bob@team.example"), "the assignee's name comes from the accounts");

    // A token made in Beta reads Beta, wherever Ann's session goes next.
    let r = s.post("/api/v1/tokens", &ann, json!({ "name": "beta script" }));
    assert_eq!(r.status, 201, "{}", r.body);
    let beta_token = Who::Token(r.json()["token"].as_str().unwrap().to_string());
    // The header's switcher: a form post back to home.
    let r = s.send(
        "POST",
        "/workspace",
        &ann,
        Some(("application/x-www-form-urlencoded", form(&[("csrf", &ann_csrf), ("workspace", &home)]))),
    );
    assert_eq!((r.status, r.header("location")), (303, Some("/")), "{}", r.body);
    assert_eq!(names(&s.get("/api/v1/people", &ann).json()), ["Alpha Person"]);
    assert_eq!(titles(&s.get("/api/v1/tasks", &ann).json()), ["Alpha Task"]);
    assert_eq!(names(&s.get("/api/v1/people", &beta_token).json()), ["Beta Person"]);
    assert_eq!(s.get(&format!("/api/v1/people/{alpha}"), &beta_token).status, 404);
    assert_eq!(s.get("/api/v1/me", &beta_token).json()["workspace"], json!(beta));
    switch(&s, &beta_token, &home).assert_error(422, "invalid");
    // The CLI's token for a workspace, bound the same way.
    let mut store = s.store();
    let (u, _) = store.user_by_email("ann@team.example").unwrap().unwrap();
    let t = kith_server::auth::new_api_token().unwrap();
    let beta_id: kith_core::Id = beta.parse().unwrap();
    store.create_api_token_in(&kith_server::auth::token_hash(&t), u.id, None, true, Some(beta_id), 0).unwrap();
    assert_eq!(names(&s.get("/api/v1/people", &Who::Token(t)).json()), ["Beta Person"]);

    // Beta's records live in Beta's own store; its account tables stay empty, and signing in
    // (with Bob's session in Beta) is answered by the server database.
    let mut beta_store = Store::open_workspace(&s.location, beta_id).unwrap();
    assert_eq!(beta_store.user_count().unwrap(), 0, "a workspace's store holds no accounts");
    assert_eq!(beta_store.api_tokens().unwrap(), vec![]);
    assert_eq!(beta_store.users().unwrap(), vec![]);
    assert!(beta_store.people(&Default::default()).unwrap().iter().any(|p| p.name == "Beta Person"));
    assert!(!s.store().people(&Default::default()).unwrap().iter().any(|p| p.name == "Beta Person"));
    assert_eq!(s.sign_in("bob@team.example", &bob_pw).status, 200);
    drop(beta_store);

    // Bob leaves Beta: his session there goes back to home, and Beta is gone for him.
    let bob_id = s.store().user_by_email("bob@team.example").unwrap().unwrap().0.id;
    assert_eq!(switch(&s, &ann, &beta).status, 200);
    assert_eq!(s.send("DELETE", &format!("/api/v1/members/{bob_id}"), &ann, None).status, 204);
    assert_eq!(s.get("/api/v1/me", &bob).json()["workspace"], json!(home));
    switch(&s, &bob, &beta).assert_error(404, "not_found");
    let ann_id = s.store().user_by_email("ann@team.example").unwrap().unwrap().0.id;
    s.send("DELETE", &format!("/api/v1/members/{ann_id}"), &ann, None).assert_error(409, "last_owner");
}

fn personal_workspaces_are_their_owners_alone(s: Server) {
    let ann_pw = s.user("ann@team.example", Role::Owner);
    let bob_pw = s.user("bob@team.example", Role::Member);
    let (ann, ann_csrf) = browser(&s, "ann@team.example", &ann_pw);
    let ann = with_csrf(&ann, &ann_csrf);
    let (bob, bob_csrf) = browser(&s, "bob@team.example", &bob_pw);
    let bob = with_csrf(&bob, &bob_csrf);
    let personal_of = |who: &Who| -> String {
        let v = s.get("/api/v1/workspaces", who).json();
        let ps: Vec<&Value> =
            v["items"].as_array().unwrap().iter().filter(|w| w["kind"] == json!("personal")).collect();
        assert_eq!(ps.len(), 1, "exactly one personal workspace, their own: {v}");
        assert_eq!(ps[0]["role"], json!("owner"));
        ps[0]["id"].as_str().unwrap().to_string()
    };
    let (ann_own, bob_own) = (personal_of(&ann), personal_of(&bob));
    assert_ne!(ann_own, bob_own);
    let team = s.get("/api/v1/workspaces", &ann).json()["current"].as_str().unwrap().to_string();

    // Something shared in the team, something of Ann's own in her personal workspace.
    created(s.post("/api/v1/people", &bob, json!({ "name": "Team Contact" })));
    assert_eq!(switch(&s, &ann, &ann_own).status, 200);
    let friend = created(s.post("/api/v1/people", &ann, json!({ "name": "Secret Friend" })));
    created(s.post("/api/v1/tasks", &ann, json!({ "title": "Call my friend" })));
    assert_eq!(names(&s.get("/api/v1/people", &ann).json()), ["Secret Friend"]);
    let page = s.get("/", &ann);
    assert!(page.body.contains("Personal (only you)"), "{}", page.body);
    // Nobody else joins it.
    s.post("/api/v1/members", &ann, json!({ "email": "bob@team.example", "role": "member" }))
        .assert_error(422, "invalid");
    let members = s.get("/api/v1/members", &ann).json();
    assert_eq!(members["items"].as_array().unwrap().len(), 1, "{members}");
    let settings = s.get("/settings", &ann);
    assert!(!settings.body.contains("Add a member"), "no members form in a personal workspace");

    // Bob cannot reach it, by the API or the switcher, nor find what is in it.
    switch(&s, &bob, &ann_own).assert_error(404, "not_found");
    assert!(!s.get("/api/v1/workspaces", &bob).body.contains(&ann_own));
    assert_eq!(s.get(&format!("/api/v1/people/{friend}"), &bob).status, 404);
    assert!(!s.get("/api/v1/search?q=Secret", &bob).body.contains("Secret"));
    assert!(!s.get("/", &bob).body.contains(&ann_own), "Bob's switcher lists only his own");
    // Bob's own personal workspace is his alone too, and empty of Ann's people.
    assert_eq!(switch(&s, &bob, &bob_own).status, 200);
    assert_eq!(s.get("/api/v1/people", &bob).json()["items"], json!([]));
    assert_eq!(s.get(&format!("/api/v1/people/{friend}"), &bob).status, 404);

    // Back in the team, Ann sees the team's people, not her own.
    let r = s.send(
        "POST",
        "/workspace",
        &ann,
        Some(("application/x-www-form-urlencoded", form(&[("csrf", &ann_csrf), ("workspace", &team)]))),
    );
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(names(&s.get("/api/v1/people", &ann).json()), ["Team Contact"]);
    assert_eq!(s.get(&format!("/api/v1/people/{friend}"), &ann).status, 404);
    assert!(!s.get("/api/v1/search?q=Secret", &ann).body.contains("Secret"));
    assert!(!s.get("/api/v1/tasks", &ann).body.contains("Call my friend"));
    // A forged switch is refused.
    let r = s.send(
        "POST",
        "/workspace",
        &ann,
        Some(("application/x-www-form-urlencoded", form(&[("csrf", "forged"), ("workspace", &ann_own)]))),
    );
    assert_eq!(r.status, 403, "{}", r.body);
    assert_eq!(s.get("/api/v1/me", &ann).json()["workspace"], json!(team));

    // A user who predates personal workspaces gets one on their next request.
    let mut store = s.store();
    let carl = store.add_user("carl@team.example", "Carl", None, Role::Member, 0).unwrap();
    let t = kith_server::auth::new_api_token().unwrap();
    store.create_api_token(&kith_server::auth::token_hash(&t), carl.id, None, false, 0).unwrap();
    assert_eq!(store.workspaces_of(carl.id).unwrap().len(), 2, "made with the user");
    let v = s.get("/api/v1/workspaces", &Who::Token(t)).json();
    assert_eq!(v["items"].as_array().unwrap().len(), 2, "{v}");
}

fn patch(s: &Server, path: &str, who: &Who, body: Value) -> support::Resp {
    s.send("PATCH", path, who, Some(("application/json", body.to_string())))
}

fn delete(s: &Server, path: &str, who: &Who, body: Value) -> support::Resp {
    s.send("DELETE", path, who, Some(("application/json", body.to_string())))
}

fn form_post(s: &Server, path: &str, who: &Who, fields: &[(&str, &str)]) -> support::Resp {
    s.send("POST", path, who, Some(("application/x-www-form-urlencoded", form(fields))))
}

fn current(s: &Server, who: &Who) -> String {
    let r = s.get("/api/v1/me", who);
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()["workspace"].as_str().unwrap().to_string()
}

fn listed(s: &Server, who: &Who) -> Vec<String> {
    s.get("/api/v1/workspaces", who).json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["name"].as_str().unwrap().to_string())
        .collect()
}

fn workspaces_are_renamed_left_and_deleted(s: Server) {
    let ann_pw = s.user("ann@team.example", Role::Owner);
    let bob_pw = s.user("bob@team.example", Role::Member);
    let (ann, ann_csrf) = browser(&s, "ann@team.example", &ann_pw);
    let ann = with_csrf(&ann, &ann_csrf);
    let (bob, bob_csrf) = browser(&s, "bob@team.example", &bob_pw);
    let bob = with_csrf(&bob, &bob_csrf);
    let stranger = s.stranger("stranger@team.example");
    let home = current(&s, &ann);
    let ann_own = s.get("/api/v1/workspaces", &ann).json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["kind"] == json!("personal"))
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let home_person = created(s.post("/api/v1/people", &ann, json!({ "name": "Home Person" })));

    // Beta: Ann owns it, Bob is a member, each has something in it.
    let beta = created(s.post("/api/v1/workspaces", &ann, json!({ "name": "Beta" })));
    let beta_id: kith_core::Id = beta.parse().unwrap();
    assert_eq!(switch(&s, &ann, &beta).status, 200);
    let r = s.post("/api/v1/members", &ann, json!({ "email": "bob@team.example", "role": "member" }));
    assert_eq!(r.status, 201, "{}", r.body);
    created(s.post("/api/v1/people", &ann, json!({ "name": "Beta Person" })));
    assert!(workspace_store_exists(&s, beta_id), "Beta has a store of its own");
    assert_eq!(switch(&s, &bob, &beta).status, 200);

    // Rename: owners and admins of that workspace only.
    patch(&s, &format!("/api/v1/workspaces/{beta}"), &bob, json!({ "name": "Bob's" })).assert_error(403, "forbidden");
    patch(&s, &format!("/api/v1/workspaces/{beta}"), &stranger, json!({ "name": "Mine" }))
        .assert_error(404, "not_found");
    patch(&s, &format!("/api/v1/workspaces/{beta}"), &ann, json!({ "name": " " })).assert_error(422, "invalid");
    patch(&s, &format!("/api/v1/workspaces/{beta}"), &ann, json!({ "name": "x", "extra": 1 }))
        .assert_error(422, "invalid_body");
    patch(&s, &format!("/api/v1/workspaces/{ann_own}"), &ann, json!({ "name": "Mine" })).assert_error(422, "invalid");
    patch(&s, "/api/v1/workspaces/not-an-id", &ann, json!({ "name": "Mine" })).assert_error(400, "bad_id");
    let r = patch(&s, &format!("/api/v1/workspaces/{beta}"), &ann, json!({ "name": "Gamma" }));
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!((r.json()["name"].as_str(), r.json()["role"].as_str()), (Some("Gamma"), Some("owner")));
    let page = s.get("/people", &ann);
    assert!(page.body.contains("id=\"ws-name\">Gamma</span>"), "the header has the new name at once: {}", page.body);
    assert!(listed(&s, &bob).contains(&"Gamma".to_string()), "and every member's list");
    // By the settings form, with its CSRF field.
    let path = format!("/settings/workspaces/{beta}/rename");
    assert_eq!(form_post(&s, &path, &ann, &[("csrf", "forged"), ("name", "Nope")]).status, 403);
    let r = form_post(&s, &path, &ann, &[("csrf", &ann_csrf), ("name", "Delta")]);
    assert_eq!((r.status, r.header("location")), (303, Some("/settings?done=renamed")), "{}", r.body);
    let r = form_post(&s, &path, &ann, &[("csrf", &ann_csrf), ("name", "")]);
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("role=\"alert\"") && r.body.contains("1 to 100 characters"), "{}", r.body);
    assert_eq!(form_post(&s, &path, &bob, &[("csrf", &bob_csrf), ("name", "Bob's")]).status, 403);
    assert!(s.get("/settings", &ann).body.contains("Type Delta to delete it"), "the delete form asks for the name");
    assert!(!s.get("/settings", &bob).body.contains("to delete it"), "only for owners");

    // Leave: Bob leaves; his session there goes back home, Delta is gone for him at once.
    s.post(&format!("/api/v1/workspaces/{ann_own}/leave"), &ann, json!({})).assert_error(422, "invalid");
    s.post(&format!("/api/v1/workspaces/{beta}/leave"), &ann, json!({})).assert_error(422, "last_owner");
    s.post(&format!("/api/v1/workspaces/{beta}/leave"), &stranger, json!({})).assert_error(404, "not_found");
    assert_eq!(s.post(&format!("/api/v1/workspaces/{beta}/leave"), &bob, json!({})).status, 204);
    assert_eq!(current(&s, &bob), home);
    assert!(!listed(&s, &bob).contains(&"Delta".to_string()));
    switch(&s, &bob, &beta).assert_error(404, "not_found");
    s.post(&format!("/api/v1/workspaces/{beta}/leave"), &bob, json!({})).assert_error(404, "not_found");
    // Bob comes back as an admin (who renames but does not delete), then leaves by the form.
    let r = s.post("/api/v1/members", &ann, json!({ "email": "bob@team.example", "role": "admin" }));
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(switch(&s, &bob, &beta).status, 200);
    delete(&s, &format!("/api/v1/workspaces/{beta}"), &bob, json!({ "confirm": "Delta" }))
        .assert_error(403, "forbidden");
    let r = form_post(&s, &format!("/settings/workspaces/{beta}/leave"), &bob, &[("csrf", &bob_csrf)]);
    assert_eq!((r.status, r.header("location")), (303, Some("/settings?done=left")), "{}", r.body);
    assert_eq!(current(&s, &bob), home);
    let r = s.post("/api/v1/members", &ann, json!({ "email": "bob@team.example", "role": "member" }));
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(switch(&s, &bob, &beta).status, 200);

    // Delete: a token bound to Delta, sessions in it, then the refusals.
    let r = s.post("/api/v1/tokens", &ann, json!({ "name": "delta script" }));
    assert_eq!(r.status, 201, "{}", r.body);
    let delta_token = Who::Token(r.json()["token"].as_str().unwrap().to_string());
    assert_eq!(names(&s.get("/api/v1/people", &delta_token).json()), ["Beta Person"]);
    let home_token = Who::Token(s.token("ann@team.example", false));
    delete(&s, &format!("/api/v1/workspaces/{beta}"), &home_token, json!({ "confirm": "Delta" }))
        .assert_error(404, "not_found");
    delete(&s, &format!("/api/v1/workspaces/{beta}"), &ann, json!({ "confirm": "delta" })).assert_error(422, "invalid");
    delete(&s, &format!("/api/v1/workspaces/{beta}"), &ann, json!({})).assert_error(422, "invalid_body");
    delete(&s, &format!("/api/v1/workspaces/{ann_own}"), &ann, json!({ "confirm": "Personal" }))
        .assert_error(422, "invalid");
    delete(&s, &format!("/api/v1/workspaces/{home}"), &ann, json!({ "confirm": "team" })).assert_error(422, "invalid");
    let r = form_post(
        &s,
        &format!("/settings/workspaces/{beta}/delete"),
        &ann,
        &[("csrf", &ann_csrf), ("confirm", "Beta")],
    );
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("to confirm"), "{}", r.body);
    assert_eq!(
        form_post(
            &s,
            &format!("/settings/workspaces/{beta}/delete"),
            &ann,
            &[("csrf", "forged"), ("confirm", "Delta")]
        )
        .status,
        403
    );
    assert_eq!(names(&s.get("/api/v1/people", &delta_token).json()), ["Beta Person"], "nothing refused deleted it");
    assert!(workspace_store_exists(&s, beta_id));

    assert_eq!(delete(&s, &format!("/api/v1/workspaces/{beta}"), &ann, json!({ "confirm": "Delta" })).status, 204);
    assert!(!workspace_store_exists(&s, beta_id), "its file or schema is gone");
    assert_eq!(s.state.pool.open_stores(beta_id), None, "its pool is closed");
    s.get("/api/v1/people", &delta_token).assert_error(401, "unauthorized");
    assert_eq!(current(&s, &ann), home, "Ann's session falls back to her default workspace");
    assert_eq!(current(&s, &bob), home, "so does Bob's");
    assert!(!listed(&s, &ann).contains(&"Delta".to_string()));
    switch(&s, &ann, &beta).assert_error(404, "not_found");
    delete(&s, &format!("/api/v1/workspaces/{beta}"), &ann, json!({ "confirm": "Delta" }))
        .assert_error(404, "not_found");
    // Everything else stays: home's records, Ann's personal workspace, the stranger's.
    assert_eq!(s.get(&format!("/api/v1/people/{home_person}"), &ann).status, 200);
    assert_eq!(names(&s.get("/api/v1/people", &bob).json()), ["Home Person"]);
    assert_eq!(switch(&s, &ann, &ann_own).status, 200);
    assert_eq!(s.get("/api/v1/people", &ann).status, 200);
    assert_eq!(s.get("/api/v1/people", &stranger).status, 200);
    let mut store = s.store();
    assert!(store.workspace(beta_id).unwrap().is_none());
    assert!(store.all_workspaces().unwrap().iter().all(|(w, _)| w.id != beta_id));

    // By the form, typing the name: Epsilon is made, deleted, and the page says so.
    let r = form_post(&s, "/settings/workspaces", &ann, &[("csrf", &ann_csrf), ("name", "Epsilon")]);
    assert_eq!(r.status, 303, "{}", r.body);
    let eps = current(&s, &ann);
    let eps_id: kith_core::Id = eps.parse().unwrap();
    created(s.post("/api/v1/people", &ann, json!({ "name": "Eps Person" })));
    assert!(workspace_store_exists(&s, eps_id));
    let r = form_post(
        &s,
        &format!("/settings/workspaces/{eps}/delete"),
        &ann,
        &[("csrf", &ann_csrf), ("confirm", "Epsilon")],
    );
    assert_eq!((r.status, r.header("location")), (303, Some("/settings?done=deleted")), "{}", r.body);
    assert!(s.get("/settings?done=deleted", &ann).body.contains("The workspace is deleted"));
    assert!(!workspace_store_exists(&s, eps_id));
    assert_eq!(current(&s, &ann), home);

    // The CLI's rename and delete: the same store functions, with a workspace made by the CLI.
    let (u, _) = store.user_by_email("ann@team.example").unwrap().unwrap();
    let zeta = store.create_team_workspace("Zeta", u.id, 0).unwrap();
    drop(Store::open_workspace(&s.location, zeta.id).unwrap());
    assert!(workspace_store_exists(&s, zeta.id));
    assert_eq!(store.rename_workspace(zeta.id, "Zed").unwrap().name, "Zed");
    assert!(store.delete_workspace(zeta.id, "Zeta", 0).is_err(), "the old name does not confirm");
    store.delete_workspace(zeta.id, "Zed", 0).unwrap();
    assert!(!workspace_store_exists(&s, zeta.id));
}

fn idle_workspace_stores_are_closed(s: Server) {
    // This server closes a workspace's stores after 1 ms unused (`workspace_idle_ms`).
    let ann_pw = s.user("ann@team.example", Role::Owner);
    let (ann, ann_csrf) = browser(&s, "ann@team.example", &ann_pw);
    let ann = with_csrf(&ann, &ann_csrf);
    let home = current(&s, &ann);
    let beta = created(s.post("/api/v1/workspaces", &ann, json!({ "name": "Beta" })));
    let beta_id: kith_core::Id = beta.parse().unwrap();
    assert_eq!(switch(&s, &ann, &beta).status, 200);
    created(s.post("/api/v1/people", &ann, json!({ "name": "Beta Person" })));
    assert_eq!(names(&s.get("/api/v1/people?q=beta", &ann).json()), ["Beta Person"]);
    assert!(s.state.pool.open_stores(beta_id).is_some_and(|n| n >= 1), "Beta's store is kept for the next request");
    let beta_file = match &s.location {
        kith_store::Location::Sqlite(path) => {
            let dir = path.with_file_name(format!("{}.workspaces", path.file_name().unwrap().to_string_lossy()));
            Some(std::fs::canonicalize(dir.join(format!("{}.db", beta_id.uuid().simple()))).unwrap())
        }
        kith_store::Location::Postgres(_) => None,
    };
    let holds_file = |f: &std::path::Path| {
        std::fs::read_dir("/proc/self/fd")
            .unwrap()
            .filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
            .any(|target| target == f)
    };
    if let Some(f) = &beta_file {
        assert!(holds_file(f), "the process has Beta's file open");
    }

    // Work in home only: the first request after Beta's idle time closes Beta's stores.
    assert_eq!(switch(&s, &ann, &home).status, 200);
    std::thread::sleep(std::time::Duration::from_millis(5));
    assert_eq!(s.get("/api/v1/people", &ann).status, 200);
    assert_eq!(s.state.pool.open_stores(beta_id), None, "Beta's pool is closed");
    if let Some(f) = &beta_file {
        // Closed on a thread of its own: wait for it, a bounded while.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while holds_file(f) {
            assert!(std::time::Instant::now() < deadline, "Beta's file is still open");
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    }
    // The next request in Beta opens it again, with its records and name index as they were.
    assert_eq!(switch(&s, &ann, &beta).status, 200);
    assert_eq!(names(&s.get("/api/v1/people?q=beta", &ann).json()), ["Beta Person"]);
    assert!(s.state.pool.open_stores(beta_id).is_some());
    assert_eq!(s.state.pool.open_stores(home.parse().unwrap()).map(|_| ()), Some(()), "home's is never closed");
}
