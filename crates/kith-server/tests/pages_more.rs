//! The settings, projects and import pages and their API routes, as a browser and API clients
//! use them: a real server on 127.0.0.1:0, a real HTTP client, both engines.

#[macro_use]
mod support;

use std::time::Duration;

use kith_store::accounts::Role;
use serde_json::{Value, json};
use support::{Resp, Server, Who, browser, config, form};

/// The import page takes files up to `import_limit`, larger than `body_limit`, which still bounds
/// every other route.
#[test]
fn the_import_limit_is_the_import_pages_own() {
    let c = || kith_server::Config { body_limit: 4096, import_limit: 64 * 1024, ..config() };
    let servers = [Some(Server::sqlite_with(c())), Server::postgres_with(c())];
    for s in servers.into_iter().flatten() {
        let pw = s.user("lim@team.example", Role::Member);
        let (who, csrf) = browser(&s, "lim@team.example", &pw);
        let card = |n: usize| {
            format!("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Person {n:04}\r\nNOTE:{}\r\nEND:VCARD\r\n", "x".repeat(200))
        };
        let file: String = (0..40).map(card).collect();
        assert!(file.len() > 8192 && file.len() < 60 * 1024);
        let (_, page) = import(&s, &who, &[("csrf", &csrf)], Some(("many.vcf", &file)));
        assert!(page.body.contains("<dt>Created</dt><dd>40</dd>"), "{}", page.body);
        // The same bytes elsewhere are over the body limit.
        let api = Who::Token(s.token("lim@team.example", false));
        s.send("POST", "/api/v1/import/vcard", &api, Some(("text/vcard", file.clone())))
            .assert_error(413, "payload_too_large");
        let ops = s.op_count();
        let big: String = (0..400).map(card).collect();
        let (ct, body) = multipart(&[("csrf", &csrf)], Some(("big.vcf", &big)));
        s.send("POST", "/import", &who, Some((&ct, body))).assert_error(413, "payload_too_large");
        assert_eq!(s.op_count(), ops);
    }
}

both!(
    profile_and_password_from_settings,
    tokens_from_settings,
    members_and_roles,
    projects_pages,
    import_through_the_page,
);

fn post_form(s: &Server, who: &Who, path: &str, fields: &[(&str, &str)]) -> Resp {
    s.send("POST", path, who, Some(("application/x-www-form-urlencoded", form(fields))))
}

fn patch(s: &Server, path: &str, who: &Who, body: Value) -> Resp {
    s.send("PATCH", path, who, Some(("application/json", body.to_string())))
}

fn redirected(r: &Resp, to: &str) {
    assert_eq!((r.status, r.header("location")), (303, Some(to)), "{}", r.body);
}

fn user_id(s: &Server, email: &str) -> String {
    s.store().user_by_email(email).unwrap().unwrap().0.id.to_string()
}

fn profile_and_password_from_settings(s: Server) {
    let pw = s.user("ann@team.example", Role::Guest);
    let (who, csrf) = browser(&s, "ann@team.example", &pw);
    let (other, _) = browser(&s, "ann@team.example", &pw);
    let page = s.get("/settings", &who);
    assert_eq!(page.status, 200, "{}", page.body);
    for text in ["<h1>Settings</h1>", "ann@team.example", "Display name", "API tokens", "My card", "<svg class=\"qr\""]
    {
        assert!(page.body.contains(text), "{text}: {}", page.body);
    }
    assert!(page.body.contains("href=\"/settings\"") && page.body.contains("href=\"/projects\""), "the nav links");
    assert!(!page.body.contains("Members and roles"), "a guest manages no members");
    // A guest's card is the account's: no person is read for them.
    assert!(page.body.contains("FN:ann") && page.body.contains("EMAIL"), "{}", page.body);

    // The name: forged and bad forms are refused and change nothing.
    post_form(&s, &who, "/settings/profile", &[("csrf", "forged"), ("name", "Mallory")]).assert_error(403, "forbidden");
    let r = post_form(&s, &who, "/settings/profile", &[("csrf", &csrf), ("name", "   ")]);
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("role=\"alert\"") && r.body.contains("cannot be empty"), "{}", r.body);
    let r = post_form(&s, &who, "/settings/profile", &[("csrf", &csrf), ("name", &"x".repeat(101))]);
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(s.store().user_by_email("ann@team.example").unwrap().unwrap().0.name, "ann");
    let r = post_form(&s, &who, "/settings/profile", &[("csrf", &csrf), ("name", "Ann <b>Lee</b>")]);
    redirected(&r, "/settings?done=name");
    assert_eq!(s.store().user_by_email("ann@team.example").unwrap().unwrap().0.name, "Ann <b>Lee</b>");
    let page = s.get("/settings?done=name", &who);
    assert!(page.body.contains("Ann &lt;b&gt;Lee&lt;/b&gt;") && !page.body.contains("<b>Lee"), "{}", page.body);
    assert!(page.body.contains("Your name is saved"), "{}", page.body);

    // The password: refusals change nothing.
    let change = |current: &str, new: &str, confirm: &str| {
        post_form(
            &s,
            &who,
            "/settings/password",
            &[("csrf", &csrf), ("current", current), ("new", new), ("confirm", confirm)],
        )
    };
    for (current, new, confirm, why) in [
        (pw.as_str(), "a new long password", "a new long passworD", "differ"),
        (pw.as_str(), "short", "short", "at least 8"),
        ("not my password", "a new long password", "a new long password", "current password is wrong"),
    ] {
        let r = change(current, new, confirm);
        assert_eq!(r.status, 422, "{why}: {}", r.body);
        assert!(r.body.contains(why), "{why}: {}", r.body);
    }
    post_form(
        &s,
        &who,
        "/settings/password",
        &[("csrf", "forged"), ("current", &pw), ("new", "a new long password"), ("confirm", "a new long password")],
    )
    .assert_error(403, "forbidden");
    assert_eq!(s.get("/settings", &other).status, 200, "the other session still works");
    let r = change(&pw, "a new long password", "a new long password");
    redirected(&r, "/settings?done=password");
    // This session goes on; the other one is signed out.
    assert_eq!(s.get("/settings", &who).status, 200);
    redirected(&s.get("/settings", &other), "/signin");
    assert_eq!(s.sign_in("ann@team.example", "a new long password").status, 200);
    s.sign_in("ann@team.example", &pw).assert_error(401, "bad_credentials");
    assert_eq!(s.op_count(), 0, "accounts are server state, not operations");
}

/// The token a page shows: `kith_` and 64 hex digits.
fn token_in(body: &str) -> String {
    let at = body.find("kith_").unwrap_or_else(|| panic!("no token in {body}"));
    let t = &body[at..at + 5 + 64];
    assert!(t[5..].chars().all(|c| c.is_ascii_hexdigit()), "{t}");
    t.to_string()
}

fn tokens_from_settings(s: Server) {
    let pw = s.user("bo@team.example", Role::Member);
    s.user("own@team.example", Role::Owner);
    let (who, csrf) = browser(&s, "bo@team.example", &pw);
    let r = post_form(&s, &who, "/settings/tokens", &[("csrf", &csrf), ("name", "backup script")]);
    assert_eq!(r.status, 201, "{}", r.body);
    assert!(r.body.contains("not shown again"), "{}", r.body);
    let token = token_in(&r.body);
    let bearer = Who::Token(token.clone());
    let me = s.get("/api/v1/me", &bearer);
    assert_eq!((me.status, me.json()["user"]["email"].clone()), (200, json!("bo@team.example")), "{}", me.body);
    assert_eq!(s.post("/api/v1/people", &bearer, json!({ "name": "Via Token" })).status, 201);
    // My card: the account's until a person has its email, then that person's, without private notes.
    assert!(s.get("/settings", &who).body.contains("no person in the workspace has your email"));
    let r = s.post(
        "/api/v1/people",
        &bearer,
        json!({ "name": "Bo Brandt", "emails": ["BO@team.example"], "phones": ["+1 555 0199"], "notes": "owes me lunch" }),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let page = s.get("/settings", &who);
    assert!(page.body.contains("From the person in the workspace with your email"), "{}", page.body);
    assert!(page.body.contains("FN:Bo Brandt") && page.body.contains("555"), "{}", page.body);
    assert!(!page.body.contains("owes me lunch") && page.body.contains("<svg class=\"qr\""), "{}", page.body);
    // Never shown again: not on the settings page, not in the lists.
    let page = s.get("/settings", &who);
    assert!(page.body.contains("backup script") && !page.body.contains(&token), "{}", page.body);
    assert!(!page.body.contains("kith_"), "no token on the page");
    let mine = s.get("/api/v1/me/tokens", &bearer);
    assert_eq!(mine.status, 200, "{}", mine.body);
    assert_eq!(mine.json()["items"].as_array().unwrap().len(), 1);
    assert!(!mine.body.contains(&token) && mine.body.contains("backup script"));

    // Read-only, from the checkbox.
    let r = post_form(&s, &who, "/settings/tokens", &[("csrf", &csrf), ("name", "reader"), ("read_only", "on")]);
    assert_eq!(r.status, 201, "{}", r.body);
    let reader = Who::Token(token_in(&r.body));
    assert_eq!(s.get("/api/v1/people", &reader).status, 200);
    s.post("/api/v1/people", &reader, json!({ "name": "No" })).assert_error(403, "forbidden");

    // Refused forms create nothing.
    let bo = s.store().user_by_email("bo@team.example").unwrap().unwrap().0.id;
    let count = || s.store().api_tokens_of(bo).unwrap().len();
    post_form(&s, &who, "/settings/tokens", &[("csrf", "forged"), ("name", "x")]).assert_error(403, "forbidden");
    let r = post_form(&s, &who, "/settings/tokens", &[("csrf", &csrf), ("name", &"n".repeat(101))]);
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(!r.body.contains("kith_"), "{}", r.body);
    assert_eq!(count(), 2);

    // Revoked from the page: it stops working.
    let id = mine.json()["items"][0]["id"].as_str().unwrap().to_string();
    let revoke = format!("/settings/tokens/{id}/revoke");
    post_form(&s, &who, &revoke, &[("csrf", "forged")]).assert_error(403, "forbidden");
    assert_eq!(s.get("/api/v1/me", &bearer).status, 200);
    redirected(&post_form(&s, &who, &revoke, &[("csrf", &csrf)]), "/settings?done=revoked");
    s.get("/api/v1/me", &bearer).assert_error(401, "unauthorized");
    assert!(s.get("/settings", &who).body.contains("revoked"));

    // Through the API: one's own token, or anyone's for an owner; another's is not found.
    let reader_id = s.get("/api/v1/me/tokens", &reader).json()["items"][0]["id"].as_str().unwrap().to_string();
    let owners = Who::Token(s.token("own@team.example", false));
    let owner_token_id = s.get("/api/v1/me/tokens", &owners).json()["items"][0]["id"].as_str().unwrap().to_string();
    let member = Who::Token(s.token("bo@team.example", false));
    s.send("DELETE", &format!("/api/v1/tokens/{owner_token_id}"), &member, None).assert_error(404, "not_found");
    assert_eq!(s.get("/api/v1/me", &owners).status, 200);
    assert_eq!(s.send("DELETE", &format!("/api/v1/tokens/{reader_id}"), &owners, None).status, 204);
    s.get("/api/v1/people", &reader).assert_error(401, "unauthorized");
    s.send("DELETE", &format!("/api/v1/tokens/{reader_id}"), &reader, None).assert_error(401, "unauthorized");
}

fn members_and_roles(s: Server) {
    let owner_pw = s.user("olga@team.example", Role::Owner);
    let viewer_pw = s.user("vic@team.example", Role::Viewer);
    let guest_pw = s.user("gil@team.example", Role::Guest);
    s.user("adam@team.example", Role::Admin);
    let (owner, csrf) = browser(&s, "olga@team.example", &owner_pw);
    let page = s.get("/settings", &owner);
    for text in ["Members and roles", "vic@team.example", "gil@team.example", "Add a member"] {
        assert!(page.body.contains(text), "{text}: {}", page.body);
    }

    // A viewer and a guest see no members section and cannot reach the routes.
    for (email, pw) in [("vic@team.example", &viewer_pw), ("gil@team.example", &guest_pw)] {
        let (who, their_csrf) = browser(&s, email, pw);
        let page = s.get("/settings", &who);
        assert_eq!(page.status, 200);
        assert!(!page.body.contains("Members and roles") && !page.body.contains("olga@team.example"), "{email}");
        let add =
            [("csrf", their_csrf.as_str()), ("email", "x@team.example"), ("name", "X"), ("password", "long enough pw")];
        post_form(&s, &who, "/settings/members", &add).assert_error(403, "forbidden");
        let change = format!("/settings/members/{}", user_id(&s, email));
        post_form(&s, &who, &change, &[("csrf", &their_csrf), ("role", "owner")]).assert_error(403, "forbidden");
        let token = Who::Token(s.token(email, false));
        s.get("/api/v1/members", &token).assert_error(403, "forbidden");
        patch(&s, &format!("/api/v1/members/{}", user_id(&s, email)), &token, json!({ "role": "owner" }))
            .assert_error(403, "forbidden");
    }

    // Adding a member: bad input writes nothing.
    let users = || s.store().users().unwrap().len();
    let before = users();
    let add = |fields: &[(&str, &str)]| post_form(&s, &owner, "/settings/members", fields);
    add(&[("csrf", "forged"), ("email", "new@team.example"), ("name", "New"), ("password", "long enough pw")])
        .assert_error(403, "forbidden");
    for (fields, why) in [
        (vec![("email", "not an email"), ("name", "New"), ("role", "member"), ("password", "long enough pw")], "email"),
        (
            vec![("email", "new@team.example"), ("name", "New"), ("role", "boss"), ("password", "long enough pw")],
            "role",
        ),
        (vec![("email", "new@team.example"), ("name", "New"), ("role", "member"), ("password", "short")], "at least 8"),
        (
            vec![("email", "vic@team.example"), ("name", "Vic"), ("role", "member"), ("password", "long enough pw")],
            "has an account",
        ),
    ] {
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend(fields);
        let r = add(&all);
        assert_eq!(r.status, 422, "{why}: {}", r.body);
        assert!(r.body.contains(why) && r.body.contains("role=\"alert\""), "{why}: {}", r.body);
        assert!(!r.body.contains("long enough pw"), "the password is never sent back");
    }
    assert_eq!(users(), before);
    let r = add(&[
        ("csrf", &csrf),
        ("email", "New@Team.example"),
        ("name", "Nia New"),
        ("role", "viewer"),
        ("password", "long enough pw"),
    ]);
    redirected(&r, "/settings?done=member");
    assert_eq!(users(), before + 1);
    assert_eq!(s.sign_in("new@team.example", "long enough pw").status, 200);
    let (_, role) = s.store().member_by_email("new@team.example").unwrap().unwrap();
    assert_eq!(role, Role::Viewer);
    assert!(s.get("/settings", &owner).body.contains("Nia New"));

    // Changing a role, disabling and enabling.
    let nia = user_id(&s, "new@team.example");
    let nia_token = Who::Token(s.token("new@team.example", false));
    let change = format!("/settings/members/{nia}");
    let r = post_form(&s, &owner, &change, &[("csrf", &csrf), ("role", "admin"), ("state", "enabled")]);
    redirected(&r, "/settings?done=member");
    assert_eq!(s.store().member_by_email("new@team.example").unwrap().unwrap().1, Role::Admin);
    let r = post_form(&s, &owner, &change, &[("csrf", &csrf), ("role", "wizard")]);
    assert_eq!(r.status, 422, "{}", r.body);
    let r = post_form(&s, &owner, &change, &[("csrf", &csrf), ("state", "asleep")]);
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(s.get("/api/v1/me", &nia_token).status, 200);
    redirected(&post_form(&s, &owner, &change, &[("csrf", &csrf), ("state", "disabled")]), "/settings?done=member");
    s.get("/api/v1/me", &nia_token).assert_error(401, "unauthorized");
    s.sign_in("new@team.example", "long enough pw").assert_error(401, "bad_credentials");
    redirected(&post_form(&s, &owner, &change, &[("csrf", &csrf), ("state", "enabled")]), "/settings?done=member");
    assert_eq!(s.get("/api/v1/me", &nia_token).status, 200);

    // The last owner stays an owner, enabled.
    let olga = user_id(&s, "olga@team.example");
    let r = post_form(&s, &owner, &format!("/settings/members/{olga}"), &[("csrf", &csrf), ("role", "member")]);
    assert_eq!(r.status, 409, "{}", r.body);
    assert!(r.body.contains("last owner"), "{}", r.body);
    let r = post_form(&s, &owner, &format!("/settings/members/{olga}"), &[("csrf", &csrf), ("state", "disabled")]);
    assert_eq!(r.status, 409, "{}", r.body);
    let api = Who::Token(s.token("olga@team.example", false));
    patch(&s, &format!("/api/v1/members/{olga}"), &api, json!({ "disabled": true })).assert_error(409, "last_owner");
    assert_eq!(s.store().member_by_email("olga@team.example").unwrap().unwrap().1, Role::Owner);
    assert_eq!(s.get("/settings", &owner).status, 200, "still signed in");

    // The API: list, add, change; an admin does not make owners.
    let list = s.get("/api/v1/members", &api);
    assert_eq!(list.status, 200, "{}", list.body);
    assert_eq!(list.json()["items"].as_array().unwrap().len(), users());
    let r = s.post(
        "/api/v1/members",
        &api,
        json!({ "email": "pat@team.example", "name": "Pat", "role": "member", "password": "long enough pw" }),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.json()["role"], json!("member"));
    let pat = r.json()["user"]["id"].as_str().unwrap().to_string();
    s.post(
        "/api/v1/members",
        &api,
        json!({ "email": "pat@team.example", "name": "Pat", "password": "long enough pw" }),
    )
    .assert_error(422, "invalid");
    patch(&s, &format!("/api/v1/members/{pat}"), &api, json!({ "role": "king" })).assert_error(422, "invalid");
    patch(&s, &format!("/api/v1/members/{pat}"), &api, json!({})).assert_error(422, "invalid");
    let r = patch(&s, &format!("/api/v1/members/{pat}"), &api, json!({ "role": "owner" }));
    assert_eq!((r.status, r.json()["role"].clone()), (200, json!("owner")), "{}", r.body);
    // Two owners now: one may step down.
    let r = patch(&s, &format!("/api/v1/members/{olga}"), &api, json!({ "role": "admin" }));
    assert_eq!(r.status, 200, "{}", r.body);
    let admin = Who::Token(s.token("adam@team.example", false));
    patch(&s, &format!("/api/v1/members/{nia}"), &admin, json!({ "role": "owner" })).assert_error(403, "forbidden");
    patch(&s, &format!("/api/v1/members/{pat}"), &admin, json!({ "disabled": true })).assert_error(403, "forbidden");
    let r = patch(&s, &format!("/api/v1/members/{nia}"), &admin, json!({ "role": "member" }));
    assert_eq!(r.status, 200, "{}", r.body);
    patch(&s, "/api/v1/members/01900000-0000-7000-8000-000000000000", &api, json!({ "role": "member" }))
        .assert_error(404, "not_found");
    assert_eq!(s.op_count(), 0, "accounts are server state, not operations");
}

fn projects_pages(s: Server) {
    let pw = s.user("mia@team.example", Role::Member);
    let owner_pw = s.user("oz@team.example", Role::Owner);
    let viewer_pw = s.user("val@team.example", Role::Viewer);
    let guest_pw = s.user("gus@team.example", Role::Guest);
    let (who, csrf) = browser(&s, "mia@team.example", &pw);
    let add = |fields: &[(&str, &str)]| post_form(&s, &who, "/projects", fields);
    let page = s.get("/projects", &who);
    assert_eq!(page.status, 200);
    assert!(page.body.contains("No projects") && page.body.contains("Add a project"), "{}", page.body);

    // Refusals write nothing.
    add(&[("csrf", "forged"), ("name", "Launch")]).assert_error(403, "forbidden");
    let r = add(&[("csrf", &csrf), ("name", "  "), ("description", "kept <typed>")]);
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("role=\"alert\"") && r.body.contains("kept &lt;typed&gt;"), "{}", r.body);
    assert_eq!(s.op_count(), 0);
    let r = add(&[("csrf", &csrf), ("name", "Launch <v2>"), ("description", "the spring launch")]);
    assert_eq!(r.status, 303, "{}", r.body);
    let path = r.header("location").unwrap().to_string();
    assert!(path.starts_with("/projects/"), "{path}");
    let id = path.trim_start_matches("/projects/").to_string();
    let ops = s.op_count();
    let r = add(&[("csrf", &csrf), ("name", "launch <v2>")]);
    assert_eq!(r.status, 422, "a name in use: {}", r.body);
    assert_eq!(s.op_count(), ops);

    // A task in it, assigned, with a due date: on the list, the page and the feed.
    let api = Who::Token(s.token("mia@team.example", false));
    let r = s.post(
        "/api/v1/tasks",
        &api,
        json!({ "title": "book the venue", "project": "Launch <v2>", "due": "2031-05-02", "assignee": "oz@team.example" }),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let list = s.get("/projects", &who);
    assert!(list.body.contains("Launch &lt;v2&gt;</a></td><td>active</td><td>1</td>"), "{}", list.body);
    assert_eq!(list.body.matches("<tr><td>").count(), 1, "one project: {}", list.body);
    let page = s.get(&path, &who);
    assert_eq!(page.status, 200, "{}", page.body);
    for text in [
        "<h1>Launch &lt;v2&gt;</h1>",
        "the spring launch",
        "book the venue",
        "<td>oz</td>",
        "2031-05-02",
        "mia@team.example",
    ] {
        assert!(page.body.contains(text), "{text}: {}", page.body);
    }
    assert!(page.body.contains(&format!("/tasks/board?project={id}")), "{}", page.body);
    assert!(!page.body.contains("Share or change rights"), "a member does not share projects");

    // Sharing with a guest: before, the project does not exist for them.
    let (guest, guest_csrf) = browser(&s, "gus@team.example", &guest_pw);
    s.get(&path, &guest).assert_error(404, "not_found");
    assert!(!s.get("/projects", &guest).body.contains("Launch"), "not listed for a guest");
    let share = format!("{path}/members");
    post_form(&s, &who, &share, &[("csrf", &csrf), ("email", "gus@team.example"), ("rights", "view")])
        .assert_error(403, "forbidden");
    post_form(&s, &guest, &share, &[("csrf", &guest_csrf), ("email", "gus@team.example"), ("rights", "edit")])
        .assert_error(403, "forbidden");
    let (owner, owner_csrf) = browser(&s, "oz@team.example", &owner_pw);
    assert!(s.get(&path, &owner).body.contains("Share or change rights"));
    for (email, rights) in [("gus@team.example", "admin"), ("nobody@team.example", "view")] {
        let r = post_form(&s, &owner, &share, &[("csrf", &owner_csrf), ("email", email), ("rights", rights)]);
        assert_eq!(r.status, 422, "{email} {rights}: {}", r.body);
        assert!(r.body.contains("role=\"alert\""), "{}", r.body);
    }
    post_form(&s, &owner, &share, &[("csrf", "forged"), ("email", "gus@team.example"), ("rights", "view")])
        .assert_error(403, "forbidden");
    assert!(s.get(&path, &guest).status == 404);
    let r = post_form(&s, &owner, &share, &[("csrf", &owner_csrf), ("email", "gus@team.example"), ("rights", "view")]);
    redirected(&r, &path);
    let page = s.get(&path, &guest);
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("book the venue") && page.body.contains("gus@team.example"), "{}", page.body);
    let list = s.get("/projects", &guest);
    assert!(list.body.contains("Launch &lt;v2&gt;") && !list.body.contains("Add a project"), "{}", list.body);
    post_form(&s, &guest, "/projects", &[("csrf", &guest_csrf), ("name", "Guest project")])
        .assert_error(403, "forbidden");

    // A viewer reads but does not add.
    let (viewer, viewer_csrf) = browser(&s, "val@team.example", &viewer_pw);
    let list = s.get("/projects", &viewer);
    assert!(list.body.contains("Launch") && !list.body.contains("Add a project"), "{}", list.body);
    post_form(&s, &viewer, "/projects", &[("csrf", &viewer_csrf), ("name", "Nope")]).assert_error(403, "forbidden");
    s.get("/projects/01900000-0000-7000-8000-000000000000", &who).assert_error(404, "not_found");
}

/// A `multipart/form-data` body of text fields and one file.
fn multipart(fields: &[(&str, &str)], file: Option<(&str, &str)>) -> (String, String) {
    let boundary = "----kithTestBoundary7MA4YWxk";
    let mut b = String::new();
    for (k, v) in fields {
        b.push_str(&format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"));
    }
    if let Some((name, content)) = file {
        b.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
             Content-Type: application/octet-stream\r\n\r\n{content}\r\n"
        ));
    }
    b.push_str(&format!("--{boundary}--\r\n"));
    (format!("multipart/form-data; boundary={boundary}"), b)
}

fn sample(p: &str) -> String {
    std::fs::read_to_string(format!("{}/../../testdata/samples/{p}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// Upload through the form, follow the redirect and poll the job page until it shows a summary.
fn import(s: &Server, who: &Who, fields: &[(&str, &str)], file: Option<(&str, &str)>) -> (String, Resp) {
    let (ct, body) = multipart(fields, file);
    let r = s.send("POST", "/import", who, Some((&ct, body)));
    assert_eq!(r.status, 303, "{}", r.body);
    let job = r.header("location").unwrap().to_string();
    assert!(job.starts_with("/import/"), "{job}");
    let page = support::finished_import(s, &job, who, Duration::from_secs(60));
    (job, page)
}

fn people(s: &Server, who: &Who) -> Vec<String> {
    let r = s.get("/api/v1/people?limit=500", who);
    r.json()["items"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap().to_string()).collect()
}

fn import_through_the_page(s: Server) {
    let pw = s.user("imo@team.example", Role::Member);
    let other_pw = s.user("oli@team.example", Role::Member);
    let viewer_pw = s.user("vee@team.example", Role::Viewer);
    let (who, csrf) = browser(&s, "imo@team.example", &pw);
    let api = Who::Token(s.token("imo@team.example", false));
    let page = s.get("/import", &who);
    assert_eq!(page.status, 200);
    assert!(page.body.contains("enctype=\"multipart/form-data\"") && page.body.contains("<label for=\"file\">"));
    let google = sample("vcard/google-export.vcf");

    // Refusals write nothing.
    let send = |fields: &[(&str, &str)], file: Option<(&str, &str)>| {
        let (ct, body) = multipart(fields, file);
        s.send("POST", "/import", &who, Some((&ct, body)))
    };
    send(&[("csrf", "forged")], Some(("g.vcf", &google))).assert_error(403, "forbidden");
    send(&[], Some(("g.vcf", &google))).assert_error(403, "forbidden");
    s.send("POST", "/import", &who, Some(("application/x-www-form-urlencoded", form(&[("csrf", &csrf)]))))
        .assert_error(403, "forbidden");
    for (fields, file, why) in [
        (vec![("csrf", csrf.as_str())], None, "choose a file"),
        (vec![("csrf", csrf.as_str())], Some(("empty.vcf", " \r\n")), "is empty"),
        (vec![("csrf", csrf.as_str()), ("format", "myspace")], Some(("g.vcf", google.as_str())), "not a format"),
        (vec![("csrf", csrf.as_str()), ("force", "on")], Some(("g.vcf", google.as_str())), "does not take"),
    ] {
        let r = send(&fields, file);
        assert_eq!(r.status, 422, "{why}: {}", r.body);
        assert!(r.body.contains(why) && r.body.contains("role=\"alert\""), "{why}: {}", r.body);
    }
    let (viewer, viewer_csrf) = browser(&s, "vee@team.example", &viewer_pw);
    let (ct, body) = multipart(&[("csrf", &viewer_csrf)], Some(("g.vcf", &google)));
    s.send("POST", "/import", &viewer, Some((&ct, body))).assert_error(403, "forbidden");
    assert_eq!(s.op_count(), 0);

    // A dry run counts and writes nothing.
    let (_, page) = import(&s, &who, &[("csrf", &csrf), ("dry_run", "on")], Some(("google-export.vcf", &google)));
    assert!(page.body.contains("Dry run") && page.body.contains("<dt>Created</dt><dd>2</dd>"), "{}", page.body);
    assert_eq!(s.op_count(), 0);

    // The real import creates the people, as the user.
    let (job, page) = import(&s, &who, &[("csrf", &csrf)], Some(("google-export.vcf", &google)));
    assert!(page.body.contains("Imported.") && page.body.contains("<dt>Created</dt><dd>2</dd>"), "{}", page.body);
    assert_eq!(people(&s, &api), ["Lena Novak", "Marco Rossi"]);
    assert!(s.store().ops().unwrap().iter().all(|op| op.actor == "imo@team.example"));
    // The job is its user's only.
    let (stranger, _) = browser(&s, "oli@team.example", &other_pw);
    s.get(&job, &stranger).assert_error(404, "not_found");
    assert_eq!(s.get(&job, &who).status, 200);

    // Again: unchanged. A CSV by its header (LinkedIn).
    let (_, page) = import(&s, &who, &[("csrf", &csrf)], Some(("google-export.vcf", &google)));
    assert!(page.body.contains("<dt>Unchanged</dt><dd>2</dd>"), "{}", page.body);
    let linkedin = sample("csv/linkedin-Connections.csv");
    let (_, page) = import(&s, &who, &[("csrf", &csrf)], Some(("Connections.csv", &linkedin)));
    assert!(page.body.contains("Imported.") && page.body.contains("<dt>Failed</dt><dd>0</dd>"), "{}", page.body);
    assert!(people(&s, &api).len() > 2);

    // A bad record: nothing is imported, and the failure says where.
    let ops = s.op_count();
    let mixed = "BEGIN:VCARD\nVERSION:3.0\nFN:Ann Lee\nEMAIL:ann@lee.example\nEND:VCARD\nBEGIN:VCARD\nVERSION:3.0\nbroken\nEND:VCARD\n";
    let (_, page) = import(&s, &who, &[("csrf", &csrf)], Some(("mixed.vcf", mixed)));
    assert!(page.body.contains("so nothing was") && page.body.contains("<td>8</td>"), "{}", page.body);
    assert_eq!(s.op_count(), ops);
    let (_, page) = import(&s, &who, &[("csrf", &csrf), ("partial", "on")], Some(("mixed.vcf", mixed)));
    assert!(page.body.contains("<dt>Created</dt><dd>1</dd>") && page.body.contains("<dt>Failed</dt><dd>1</dd>"));
    assert!(people(&s, &api).contains(&"Ann Lee".to_string()));

    // One import at a time per user: a second upload while the first runs (3,000 cards take
    // seconds) is refused with a link to the running one; another user is not held up.
    let many: String = (0..3000)
        .map(|n| {
            format!(
                "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Bulk Person {n:04}\r\nEMAIL:bulk{n}@many.example\r\nEND:VCARD\r\n"
            )
        })
        .collect();
    let (ct, body) = multipart(&[("csrf", &csrf)], Some(("many.vcf", &many)));
    let first = s.send("POST", "/import", &who, Some((&ct, body.clone())));
    assert_eq!(first.status, 303, "{}", first.body);
    let second = s.send("POST", "/import", &who, Some((&ct, body)));
    assert_eq!(second.status, 409, "{}", second.body);
    assert!(second.body.contains("still running"), "{}", second.body);
    assert_eq!(second.header("location"), first.header("location"));
    let (other, other_csrf) = browser(&s, "oli@team.example", &other_pw);
    let (_, page) = import(&s, &other, &[("csrf", &other_csrf), ("dry_run", "on")], Some(("g.vcf", &google)));
    assert!(page.body.contains("Dry run"), "{}", page.body);
    let job = first.header("location").unwrap();
    let done = support::finished_import(&s, job, &who, Duration::from_secs(120));
    assert!(done.body.contains("<dt>Created</dt><dd>3000</dd>"));
}
