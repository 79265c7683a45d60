//! The server as clients see it: a real server on 127.0.0.1:0 and a real HTTP client, on a fresh
//! SQLite file and on a fresh PostgreSQL schema.

mod support;

use std::collections::BTreeSet;

use kith_server::access::{Action, Resource, Rule, WorkspaceAction};
use kith_server::api::routes;
use kith_server::auth;
use kith_store::accounts::Role;
use serde_json::{Value, json};

use support::{Resp, Server, Who, browser, concrete, config, form};

both!(
    health_headers_and_unknown_routes,
    sign_in_with_cookie_and_csrf,
    sign_in_form_and_sign_out_form,
    api_tokens_and_read_only_tokens,
    every_route_holds_to_the_access_matrix,
    sign_ins_are_rate_limited_per_account,
    bad_input_is_a_4xx_and_writes_nothing,
    people_interactions_tasks_search_agenda,
    own_tokens_and_password_change,
    people_pages_and_quick_forms,
    add_person_form,
    today_tasks_events_and_network_pages,
    a_kept_alive_connection_outlives_an_unread_body,
);

/// One HTTP/1.1 response read off a raw connection: (status line, lower-cased head, body).
fn read_response(conn: &mut std::io::BufReader<std::net::TcpStream>) -> (String, String, String) {
    use std::io::{BufRead, Read};
    let mut head = String::new();
    loop {
        let mut line = String::new();
        assert!(conn.read_line(&mut line).unwrap() > 0, "the server closed the connection; head so far: {head}");
        if line == "\r\n" {
            break;
        }
        head.push_str(&line);
    }
    let head = head.to_lowercase();
    let len: usize =
        head.lines().find_map(|l| l.strip_prefix("content-length:")).map_or(0, |v| v.trim().parse().unwrap());
    let mut body = vec![0u8; len];
    conn.read_exact(&mut body).unwrap();
    let status = head.lines().next().unwrap_or_default().to_string();
    (status, head, String::from_utf8_lossy(&body).into_owned())
}

/// A request whose small body nobody reads (no such route; a refusal before the handler) must
/// not cost the client its kept-alive connection: the next request on it is answered. (hyper
/// closes a connection that still holds unread request bytes; a client that had already sent
/// its next request on it saw "peer disconnected".)
fn a_kept_alive_connection_outlives_an_unread_body(s: Server) {
    use std::io::Write;
    let Who::Token(token) = s.member("ann@team.example", Role::Member) else { unreachable!() };
    let addr = s.base.trim_start_matches("http://").to_string();
    let stream = std::net::TcpStream::connect(&addr).unwrap();
    let mut writer = stream.try_clone().unwrap();
    let mut conn = std::io::BufReader::new(stream);
    let personal = s.get("/api/v1/workspaces", &Who::Token(token.clone())).json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["kind"] == "personal")
        .map(|w| w["id"].as_str().unwrap().to_string())
        .unwrap();
    let home = s.get("/api/v1/me", &Who::Token(token.clone())).json()["workspace"].as_str().unwrap().to_string();
    let requests = [
        ("POST", "/api/v1/nothing-here".to_string(), "404"),
        // The token is bound to the home workspace: refused by the guard.
        ("PATCH", format!("/api/v1/workspaces/{personal}"), "404"),
        // Answered by a handler that takes no body (the case CI met).
        ("POST", format!("/api/v1/workspaces/{home}/leave"), "204"),
    ];
    for (method, path, want) in requests {
        let body = r#"{"unread": "a body nobody asks for"}"#;
        write!(
            writer,
            "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let (status, head, _) = read_response(&mut conn);
        assert!(status.contains(want), "{method} {path}: {status}");
        assert!(!head.contains("connection: close"), "{method} {path} keeps the connection: {head}");
        write!(writer, "GET /healthz HTTP/1.1\r\nHost: {addr}\r\n\r\n").unwrap();
        let (status, _, body) = read_response(&mut conn);
        assert!(status.contains("200") && body.contains("ok"), "the next request on it: {status} {body}");
    }
}

fn health_headers_and_unknown_routes(s: Server) {
    let r = s.get("/healthz", &Who::Anonymous);
    assert_eq!(r.status, 200);
    assert_eq!(r.json(), json!({ "status": "ok" }));
    let csp = r.header("content-security-policy").expect("CSP");
    assert!(csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(r.header("referrer-policy"), Some("no-referrer"));
    s.get("/api/v1/nothing-here", &Who::Anonymous).assert_error(404, "not_found");
    let r = s.send("PUT", "/healthz", &Who::Anonymous, None);
    r.assert_error(405, "method_not_allowed");
    assert!(r.header("content-security-policy").is_some(), "headers on errors too");
}

fn sign_in_with_cookie_and_csrf(s: Server) {
    let pw = s.user("ann@team.example", Role::Member);
    s.sign_in("ann@team.example", "wrong password").assert_error(401, "bad_credentials");
    s.sign_in("nobody@team.example", &pw).assert_error(401, "bad_credentials");
    let r = s.sign_in("ANN@team.example", &pw);
    assert_eq!(r.status, 200, "{}", r.body);
    let set = r.cookies().into_iter().find(|c| c.starts_with("kith_session=")).expect("cookie").to_string();
    assert!(set.contains("HttpOnly") && set.contains("SameSite=Lax") && set.contains("Path=/"), "{set}");
    assert!(!set.contains("Secure"), "not Secure without TLS: {set}");
    let cookie = r.cookie(auth::SESSION_COOKIE).unwrap();
    let csrf = r.json()["csrf_token"].as_str().unwrap().to_string();

    let me = s.get("/api/v1/me", &Who::Session { cookie: cookie.clone(), csrf: None });
    assert_eq!(me.status, 200, "{}", me.body);
    assert_eq!(me.json()["user"]["email"], json!("ann@team.example"));
    assert_eq!(me.json()["role"], json!("member"));

    // A write with the cookie alone is what a forged cross-site request looks like.
    let before = s.op_count();
    let no_csrf = Who::Session { cookie: cookie.clone(), csrf: None };
    s.post("/api/v1/people", &no_csrf, json!({ "name": "Priya Raman" })).assert_error(403, "forbidden");
    let forged = Who::Session { cookie: cookie.clone(), csrf: Some("0".repeat(64)) };
    s.post("/api/v1/people", &forged, json!({ "name": "Priya Raman" })).assert_error(403, "forbidden");
    assert_eq!(s.op_count(), before, "nothing written without the CSRF token");
    let ok = Who::Session { cookie: cookie.clone(), csrf: Some(csrf.clone()) };
    let r = s.post("/api/v1/people", &ok, json!({ "name": "Priya Raman" }));
    assert_eq!(r.status, 201, "{}", r.body);
    // The actor of the change is the signed-in user.
    assert!(s.store().ops().unwrap().iter().all(|op| op.actor == "ann@team.example"));

    let r = s.send("DELETE", "/api/v1/session", &ok, None);
    assert_eq!(r.status, 204, "{}", r.body);
    assert_eq!(r.cookie(auth::SESSION_COOKIE).as_deref(), Some(""), "the cookie is cleared");
    s.get("/api/v1/me", &ok).assert_error(401, "unauthorized");
}

fn sign_in_form_and_sign_out_form(s: Server) {
    let pw = s.user("bo@team.example", Role::Viewer);
    // Anonymous browsers are sent to the form.
    let r = s.get("/", &Who::Anonymous);
    assert_eq!((r.status, r.header("location")), (303, Some("/signin")));
    let page = s.get("/signin", &Who::Anonymous);
    assert_eq!(page.status, 200);
    assert!(page.header("content-type").unwrap_or_default().starts_with("text/html"));
    assert!(page.body.contains("name=\"viewport\"") && page.body.contains("<label for=\"email\">"));
    let csrf = page.cookie(auth::FORM_CSRF_COOKIE).expect("form token cookie");
    assert!(page.body.contains(&format!("value=\"{csrf}\"")), "the form carries the token");

    let post = |csrf_cookie: &str, field: &str, password: &str| {
        let body = form(&[("email", "bo@team.example"), ("password", password), ("csrf", field)]);
        let b = ureq::http::Request::builder()
            .method("POST")
            .uri(format!("{}/signin", s.base))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("Cookie", format!("{}={csrf_cookie}", auth::FORM_CSRF_COOKIE))
            .body(body)
            .unwrap();
        let mut r = s.agent.run(b).unwrap();
        let headers = r.headers().iter().map(|(k, v)| (k.to_string(), v.to_str().unwrap().to_string())).collect();
        Resp { status: r.status().as_u16(), headers, body: r.body_mut().read_to_string().unwrap_or_default() }
    };
    // A forged form: the field does not match the cookie.
    post(&csrf, "forged", &pw).assert_error(403, "forbidden");
    let wrong = post(&csrf, &csrf, "wrong password");
    assert_eq!(wrong.status, 401);
    assert!(wrong.body.contains("wrong email or password"), "{}", wrong.body);
    let r = post(&csrf, &csrf, &pw);
    assert_eq!((r.status, r.header("location")), (303, Some("/")), "{}", r.body);
    let cookie = r.cookie(auth::SESSION_COOKIE).expect("session");
    let who = Who::Session { cookie: cookie.clone(), csrf: None };
    let home = s.get("/", &who);
    assert_eq!(home.status, 200);
    assert!(home.body.contains("bo@team.example") && home.body.contains("viewer"), "{}", home.body);

    let signout = |field: &str| {
        s.send("POST", "/signout", &who, Some(("application/x-www-form-urlencoded", form(&[("csrf", field)]))))
    };
    signout("forged").assert_error(403, "forbidden");
    assert_eq!(s.get("/", &who).status, 200, "a forged sign-out does nothing");
    let session_csrf = auth::csrf_for_session(&cookie);
    let r = signout(&session_csrf);
    assert_eq!((r.status, r.header("location")), (303, Some("/signin")));
    assert_eq!(s.get("/", &who).status, 303, "signed out");
}

fn api_tokens_and_read_only_tokens(s: Server) {
    s.user("cy@team.example", Role::Owner);
    let full = Who::Token(s.token("cy@team.example", false));
    let read = Who::Token(s.token("cy@team.example", true));
    let r = s.post("/api/v1/people", &full, json!({ "name": "Dana Wu", "tier": "b" }));
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.json()["tier"], json!("B"));
    let r = s.get("/api/v1/people", &read);
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["items"][0]["name"], json!("Dana Wu"));
    let before = s.op_count();
    let r = s.post("/api/v1/people", &read, json!({ "name": "Eve" }));
    r.assert_error(403, "forbidden");
    assert!(r.json()["error"]["message"].as_str().unwrap().contains("read-only"));
    assert_eq!(s.op_count(), before);
    // No token, a wrong one, a revoked one.
    s.get("/api/v1/people", &Who::Token("kith_not-a-token".into())).assert_error(401, "unauthorized");
    let tokens = s.get("/api/v1/tokens", &full).json();
    assert_eq!(tokens["items"].as_array().unwrap().len(), 2);
    assert!(!tokens.to_string().contains("kith_"), "secrets are never listed");
    let id = tokens["items"][0]["id"].as_str().unwrap().to_string();
    // Revoked by another process (here a second store): the server keeps who a credential is
    // for `principal_cache_ms` (2 s), so it is refused within that bound, not necessarily at once.
    s.store().revoke_api_token(&id, 1).unwrap();
    let revoked_is_read = tokens["items"][0]["read_only"] == json!(true);
    let revoked = if revoked_is_read { &read } else { &full };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let r = s.get("/api/v1/people", revoked);
        if r.status != 200 {
            r.assert_error(401, "unauthorized");
            break;
        }
        assert!(std::time::Instant::now() < deadline, "a token revoked elsewhere is still accepted");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let other = if revoked_is_read { &full } else { &read };
    assert_eq!(s.get("/api/v1/people", other).status, 200, "the other token still works");
}

fn own_tokens_and_password_change(s: Server) {
    let pw = s.user("hana@team.example", Role::Viewer);
    let old_session = {
        let r = s.sign_in("hana@team.example", &pw);
        Who::Session {
            cookie: r.cookie(auth::SESSION_COOKIE).unwrap(),
            csrf: r.json()["csrf_token"].as_str().map(Into::into),
        }
    };
    let r = s.sign_in("hana@team.example", &pw);
    let session = Who::Session {
        cookie: r.cookie(auth::SESSION_COOKIE).unwrap(),
        csrf: r.json()["csrf_token"].as_str().map(Into::into),
    };
    // A viewer makes a token for their own scripts; it has the viewer's rights, no more.
    let r = s.post("/api/v1/tokens", &session, json!({ "name": "backup", "read_only": false }));
    assert_eq!(r.status, 201, "{}", r.body);
    let token = Who::Token(r.json()["token"].as_str().unwrap().to_string());
    assert_eq!(s.get("/api/v1/people", &token).status, 200);
    s.post("/api/v1/people", &token, json!({ "name": "X" })).assert_error(403, "forbidden");
    // A read-only token cannot mint a writing one.
    let r = s.post("/api/v1/tokens", &session, json!({ "read_only": true }));
    let read_only = Who::Token(r.json()["token"].as_str().unwrap().to_string());
    s.post("/api/v1/tokens", &read_only, json!({})).assert_error(403, "forbidden");

    let change = |who: &Who, current: &str, new: &str| {
        s.post("/api/v1/me/password", who, json!({ "current": current, "new": new }))
    };
    assert_eq!(s.get("/api/v1/me", &old_session).status, 200, "known to the server before the change");
    change(&session, "wrong", "a brand new secret").assert_error(403, "forbidden");
    change(&session, &pw, "short").assert_error(422, "invalid");
    assert_eq!(change(&session, &pw, "a brand new secret").status, 204);
    s.sign_in("hana@team.example", &pw).assert_error(401, "bad_credentials");
    assert_eq!(s.sign_in("hana@team.example", "a brand new secret").status, 200);
    assert_eq!(s.get("/api/v1/me", &session).status, 200, "the session that changed it goes on");
    s.get("/api/v1/me", &old_session).assert_error(401, "unauthorized");
    assert_eq!(s.get("/api/v1/me", &token).status, 200, "tokens are revoked one by one, not by a password change");
}

fn every_route_holds_to_the_access_matrix(s: Server) {
    for (email, role) in [
        ("owner@t.example", Role::Owner),
        ("member@t.example", Role::Member),
        ("viewer@t.example", Role::Viewer),
        ("guest@t.example", Role::Guest),
    ] {
        s.user(email, role);
    }
    // Something to read, so that reads that may happen have something to leak.
    let owner = Who::Token(s.token("owner@t.example", false));
    let r = s.post("/api/v1/people", &owner, json!({ "name": "Secret Person" }));
    assert_eq!(r.status, 201, "{}", r.body);
    let secret_person = r.json()["id"].as_str().unwrap().to_string();
    let r = s.post("/api/v1/tasks", &owner, json!({ "title": "Secret Task", "project": "Secret Project" }));
    assert_eq!(r.status, 201, "{}", r.body);
    let secret_task = r.json()["id"].as_str().unwrap().to_string();
    let member = Who::Token(s.token("member@t.example", false));
    let viewer = Who::Token(s.token("viewer@t.example", false));
    let guest = Who::Token(s.token("guest@t.example", false));
    let read_only_owner = Who::Token(s.token("owner@t.example", true));
    // A user of another workspace on this same server: the owner there, nobody here.
    let stranger = s.stranger("stranger@t.example");
    let home = s.store().home_workspace().unwrap().unwrap().to_string();
    let all = [
        ("owner", owner.clone()),
        ("member", member.clone()),
        ("viewer", viewer.clone()),
        ("guest", guest.clone()),
        ("read-only token", read_only_owner.clone()),
        ("stranger", stranger.clone()),
    ];
    let before = s.op_count();
    let body = json!({}).to_string();
    let call = |method: &str, path: &str, who: &Who| {
        let has_body = matches!(method, "POST" | "PATCH" | "PUT");
        s.send(method, &concrete(path), who, has_body.then(|| ("application/json", body.clone())))
    };
    let mut checked = BTreeSet::new();
    for r in routes() {
        let (m, path) = (r.method.as_str(), r.path);
        checked.insert(format!("{m} {path}"));
        if r.access.rule == Rule::Public {
            continue;
        }
        // Anonymous: 401 from the API, the sign-in page for HTML.
        let anon = call(m, path, &Who::Anonymous);
        if r.access.html {
            assert_eq!((anon.status, anon.header("location")), (303, Some("/signin")), "{m} {path}");
        } else {
            anon.assert_error(401, "unauthorized");
        }
        // Someone from another workspace works in theirs: nothing of this one shows, and
        // nothing here changes (checked by the op count at the end).
        let st = call(m, path, &stranger);
        assert!(st.status < 500, "stranger {m} {path}: {}", st.body);
        assert!(!st.body.contains("Secret"), "stranger {m} {path}: {}", st.body);
        if let Rule::Workspace(action) = r.access.rule {
            workspaces_by_role(&s, r.method.as_str(), path, action, &call, &home, &all);
            continue;
        }
        let Rule::Can(action, resource) = r.access.rule else { continue };
        if resource == Resource::OwnAccount {
            // Everyone's own sign-in: any role, never a read-only token.
            call(m, path, &read_only_owner).assert_error(403, "forbidden");
            for (who, w) in [("guest", &guest), ("viewer", &viewer)] {
                let resp = call(m, path, w);
                assert!(![401, 403].contains(&resp.status), "{who} may {m} {path}: {}", resp.body);
            }
            continue;
        }
        // A guest with nothing shared sees nothing: refused, or (where sharing decides per
        // project) an empty list or "no such record".
        let g = call(m, path, &guest);
        if resource == Resource::ProjectTasks {
            assert!([200, 404, 422].contains(&g.status), "guest {m} {path}: {}", g.body);
            // A page shows nothing of it (checked below); a list from the API is empty.
            if g.status == 200 && !r.access.html {
                assert_eq!(g.json()["items"], json!([]), "guest {m} {path}");
            }
        } else {
            g.assert_error(403, "forbidden");
        }
        assert!(!g.body.contains("Secret"), "{m} {path}");
        let v = call(m, path, &viewer);
        let ro = call(m, path, &read_only_owner);
        let mem = call(m, path, &member);
        match action {
            Action::Read => {
                for (who, resp) in [("viewer", &v), ("read-only token", &ro), ("member", &mem)] {
                    assert!(![401, 403].contains(&resp.status), "{who} may read {m} {path}: {}", resp.body);
                }
            }
            Action::Write => {
                v.assert_error(403, "forbidden");
                ro.assert_error(403, "forbidden");
                assert!(![401, 403].contains(&mem.status), "member may write {m} {path}: {}", mem.body);
            }
            Action::Manage => {
                v.assert_error(403, "forbidden");
                ro.assert_error(403, "forbidden");
                mem.assert_error(403, "forbidden");
                let own = call(m, path, &owner);
                assert!(![401, 403].contains(&own.status), "owner may manage {m} {path}: {}", own.body);
            }
        }
    }
    assert_eq!(checked.len(), routes().len(), "no route registered twice");
    // This workspace's records, by their real ids, do not exist for the stranger.
    for path in [
        format!("/api/v1/people/{secret_person}"),
        format!("/api/v1/people/{secret_person}/ties"),
        format!("/api/v1/people/{secret_person}/brief"),
        format!("/api/v1/tasks/{secret_task}"),
        format!("/people/{secret_person}"),
    ] {
        let r = s.get(&path, &stranger);
        assert_eq!(r.status, 404, "stranger GET {path}: {}", r.body);
        assert!(!r.body.contains("Secret"), "{path}");
    }
    let r = s.send(
        "PATCH",
        &format!("/api/v1/people/{secret_person}"),
        &stranger,
        Some(("application/json", json!({ "name": "Mine" }).to_string())),
    );
    r.assert_error(404, "not_found");
    s.send("DELETE", &format!("/api/v1/tasks/{secret_task}"), &stranger, None).assert_error(404, "not_found");
    assert_eq!(s.op_count(), before, "no refused request wrote anything");
    let names = |s: &Server| -> Vec<String> {
        s.store().all_workspaces().unwrap().iter().map(|(w, n)| format!("{} {n}", w.name)).collect()
    };
    assert!(names(&s).contains(&"team 4".to_string()), "home kept its name and members: {:?}", names(&s));
    // Leaving is any member's own business: the guest leaves home, and is out at once.
    let r = s.post(&format!("/api/v1/workspaces/{home}/leave"), &guest, json!({}));
    assert_eq!(r.status, 204, "{}", r.body);
    assert!(names(&s).contains(&"team 3".to_string()), "{:?}", names(&s));
    assert_ne!(s.get("/api/v1/me", &guest).json()["workspace"], json!(home), "the guest's token falls back");
}

/// The routes on a workspace as a whole (`Rule::Workspace`), with the home workspace's real id
/// and with an id that names nothing: only the roles `can_workspace` allows get past the guard;
/// the stranger, and a token bound elsewhere, find no such workspace.
fn workspaces_by_role(
    s: &Server,
    m: &str,
    path: &str,
    action: WorkspaceAction,
    call: &dyn Fn(&str, &str, &Who) -> support::Resp,
    home: &str,
    all: &[(&str, Who)],
) {
    let real = path.replace("{id}", home);
    for (who, w) in all {
        let nothing = call(m, path, w);
        assert_eq!(nothing.status, 404, "{who} {m} {path} (no such workspace): {}", nothing.body);
        if *who == "stranger" {
            let r = s.send(m, &real, w, Some(("application/json", json!({}).to_string())));
            r.assert_error(404, "not_found");
            assert!(!r.body.contains("team"), "{}", r.body);
            continue;
        }
        if *who == "read-only token" {
            s.send(m, &real, w, None).assert_error(403, "forbidden");
            continue;
        }
        let allowed = match action {
            WorkspaceAction::Rename => *who == "owner",
            WorkspaceAction::Delete => *who == "owner",
            // Leaving works for every member: tried once, at the end, so the others stay.
            WorkspaceAction::Leave => continue,
        };
        // An empty body: past the guard it is refused as bad input (nothing changes either way).
        let r = if path.contains("/settings/") {
            s.send(m, &real, w, Some(("application/x-www-form-urlencoded", "csrf=forged".to_string())))
        } else {
            s.send(m, &real, w, Some(("application/json", json!({}).to_string())))
        };
        if allowed {
            // Past the guard (a token needs no CSRF field): no name, or the home workspace.
            assert_eq!(r.status, 422, "{who} {m} {real}: {}", r.body);
        } else {
            r.assert_error(403, "forbidden");
        }
    }
}

fn sign_ins_are_rate_limited_per_account(s: Server) {
    let pw = s.user("dee@team.example", Role::Member);
    for _ in 0..3 {
        s.sign_in("dee@team.example", "guess").assert_error(401, "bad_credentials");
    }
    // Even the right password is refused while the account is locked.
    s.sign_in("dee@team.example", &pw).assert_error(429, "rate_limited");
    s.sign_in("Dee@Team.example", "guess").assert_error(429, "rate_limited");
    // Other accounts are not locked by it.
    let other = s.user("eli@team.example", Role::Member);
    assert_eq!(s.sign_in("eli@team.example", &other).status, 200);
    // Guessing across accounts from one address locks the address (3 failures so far, 6 allowed).
    for who in ["x1@team.example", "x2@team.example", "eli@team.example"] {
        s.sign_in(who, "guess").assert_error(401, "bad_credentials");
    }
    s.sign_in("eli@team.example", &other).assert_error(429, "rate_limited");
}

fn bad_input_is_a_4xx_and_writes_nothing(s: Server) {
    s.user("fay@team.example", Role::Member);
    let who = Who::Token(s.token("fay@team.example", false));
    let r = s.post("/api/v1/people", &who, json!({ "name": "Gil Ortiz", "emails": ["gil@x.example"] }));
    assert_eq!(r.status, 201, "{}", r.body);
    let gil = r.json()["id"].as_str().unwrap().to_string();
    let before = s.op_count();
    let raw = |method: &str, path: &str, ct: &str, body: &str| s.send(method, path, &who, Some((ct, body.to_string())));
    raw("POST", "/api/v1/people", "application/json", "{\"name\": ").assert_error(400, "malformed_request");
    raw("POST", "/api/v1/people", "application/json", "{\"name\": 7}").assert_error(422, "invalid_body");
    raw("POST", "/api/v1/people", "application/json", "{\"name\": \"A\", \"admin\": true}")
        .assert_error(422, "invalid_body");
    raw("POST", "/api/v1/people", "text/plain", "{\"name\": \"A\"}").assert_error(415, "unsupported_media_type");
    let huge = json!({ "name": "B", "notes": "x".repeat(100 * 1024) }).to_string();
    raw("POST", "/api/v1/people", "application/json", &huge).assert_error(413, "payload_too_large");
    s.post("/api/v1/people", &who, json!({ "name": "  " })).assert_error(422, "invalid");
    s.post("/api/v1/people", &who, json!({})).assert_error(422, "invalid");
    // One bad value fails the whole request: the good ones before it are not written either.
    s.post("/api/v1/people", &who, json!({ "name": "Hal", "tags": ["ok"], "tier": "Z" })).assert_error(422, "invalid");
    s.post("/api/v1/people", &who, json!({ "name": "Hal", "emails": ["GIL@x.example"] })).assert_error(422, "invalid");
    s.get("/api/v1/people/not-an-id", &who).assert_error(400, "bad_id");
    s.get(&format!("/api/v1/people/{}", concrete("{id}")), &who).assert_error(404, "not_found");
    raw("PATCH", &format!("/api/v1/people/{gil}"), "application/json", "{}").assert_error(422, "invalid");
    raw("PATCH", &format!("/api/v1/people/{gil}"), "application/json", "{\"untag\": [\"nope\"]}")
        .assert_error(422, "invalid");
    s.send("DELETE", &concrete("/api/v1/people/{id}"), &who, None).assert_error(404, "not_found");
    s.get("/api/v1/people?limit=0", &who).assert_error(400, "invalid_query");
    s.get("/api/v1/people?limit=abc", &who).assert_error(400, "invalid_query");
    s.get("/api/v1/people?color=red", &who).assert_error(400, "invalid_query");
    s.get("/api/v1/people?cursor=zz", &who).assert_error(400, "bad_cursor");
    s.get("/api/v1/people?tier=Q", &who).assert_error(422, "invalid");
    s.get("/api/v1/search", &who).assert_error(400, "invalid_query");
    s.get("/api/v1/agenda?days=0", &who).assert_error(400, "invalid_query");
    s.get("/api/v1/agenda?from=someday", &who).assert_error(422, "invalid");
    s.get("/api/v1/tasks?status=maybe", &who).assert_error(400, "invalid_query");
    s.get("/api/v1/interactions?person=bob", &who).assert_error(400, "bad_id");
    s.post("/api/v1/interactions", &who, json!({ "people": ["nobody at all"], "gave": ["x"] }))
        .assert_error(422, "unknown_reference");
    s.post("/api/v1/interactions", &who, json!({ "people": [] })).assert_error(422, "invalid");
    s.post("/api/v1/interactions", &who, json!({ "people": ["gil"], "kind": "séance" })).assert_error(422, "invalid");
    s.post("/api/v1/interactions", &who, json!({ "people": ["gil"], "weight": 9 })).assert_error(422, "invalid");
    s.post("/api/v1/tasks", &who, json!({ "title": "x", "due": "whenever" })).assert_error(422, "invalid");
    s.post("/api/v1/tasks", &who, json!({ "title": "x", "priority": "high" })).assert_error(422, "invalid_body");
    s.post("/api/v1/tasks", &who, json!({ "title": "x", "hook": true })).assert_error(422, "invalid");
    s.post(&concrete("/api/v1/tasks/{id}/done"), &who, json!({})).assert_error(404, "not_found");
    assert_eq!(s.op_count(), before, "no bad request wrote anything");
}

fn people_interactions_tasks_search_agenda(s: Server) {
    s.user("gus@team.example", Role::Member);
    let who = Who::Token(s.token("gus@team.example", false));
    let r = s.post(
        "/api/v1/people",
        &who,
        json!({ "name": "Priya Raman", "emails": ["Priya@Northwind.example"], "org": "Northwind Labs",
                "title": "Head of Design", "type": "strategic", "tier": "A", "tags": ["Design", "conf"],
                "needs": ["seed investors"], "met": "ProductConf 2026" }),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let priya = r.json();
    assert_eq!(priya["emails"][0]["value"], json!("priya@northwind.example"));
    assert_eq!(priya["tags"], json!(["conf", "design"]));
    assert_eq!(priya["roles"][0]["org"], json!("Northwind Labs"));
    let pid = priya["id"].as_str().unwrap().to_string();
    for name in ["Ann Lee", "Bob Stone", "Cy Diaz", "Dee Fox"] {
        assert_eq!(s.post("/api/v1/people", &who, json!({ "name": name, "tags": ["conf"] })).status, 201);
    }
    // Filters, and pages that together list everyone once, in order.
    let design = s.get("/api/v1/people?tag=design&tier=a&type=strategic", &who).json();
    assert_eq!(design["items"].as_array().unwrap().len(), 1);
    assert_eq!(design["next_cursor"], Value::Null);
    let mut names = Vec::new();
    let mut path = "/api/v1/people?tag=conf&limit=2".to_string();
    loop {
        let page = s.get(&path, &who).json();
        names.extend(page["items"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap().to_string()));
        match page["next_cursor"].as_str() {
            Some(c) => path = format!("/api/v1/people?tag=conf&limit=2&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(names, ["Ann Lee", "Bob Stone", "Cy Diaz", "Dee Fox", "Priya Raman"]);
    assert_eq!(s.get("/api/v1/people?q=pri", &who).json()["items"][0]["name"], json!("Priya Raman"));
    // The name search is answered from the server's name index: a rename and a new person show
    // on the next request, pages follow the cursor, and `%` is text, not a wildcard.
    let r = s.send(
        "PATCH",
        &format!("/api/v1/people/{pid}"),
        &who,
        Some(("application/json", json!({ "name": "Priyanka Raman" }).to_string())),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    s.post("/api/v1/people", &who, json!({ "name": "Priam Ode" }));
    let page = s.get("/api/v1/people?q=PRI&limit=1", &who).json();
    assert_eq!(page["items"][0]["name"], json!("Priam Ode"), "{page}");
    let cursor = page["next_cursor"].as_str().unwrap().to_string();
    let page = s.get(&format!("/api/v1/people?q=PRI&limit=1&cursor={cursor}"), &who).json();
    assert_eq!((page["items"][0]["name"].clone(), page["next_cursor"].clone()), (json!("Priyanka Raman"), Value::Null));
    assert_eq!(page["items"][0]["email"], json!("priya@northwind.example"));
    assert_eq!(s.get("/api/v1/people?q=%25", &who).json()["items"], json!([]));
    let r = s.send(
        "PATCH",
        &format!("/api/v1/people/{pid}"),
        &who,
        Some(("application/json", json!({ "name": "Priya Raman" }).to_string())),
    );
    assert_eq!(r.status, 200, "{}", r.body);

    let r = s.send(
        "PATCH",
        &format!("/api/v1/people/{pid}"),
        &who,
        Some(("application/json", json!({ "tier": "B", "untag": ["conf"], "notes": "likes tea" }).to_string())),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!((r.json()["tier"].clone(), r.json()["tags"].clone()), (json!("B"), json!(["design"])));

    let r = s.post(
        "/api/v1/interactions",
        &who,
        json!({ "people": ["priya@northwind.example", "Ann Lee"], "kind": "lunch", "at": "2026-11-24 12:30",
                "notes": "talked about the design system", "gave": ["intro to Bob"], "got": ["advice: hiring"] }),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let i = r.json();
    assert_eq!(i["kind"], json!("lunch"));
    assert_eq!(i["people"].as_array().unwrap().len(), 2);
    let ex: BTreeSet<(String, String)> = i["exchanges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["direction"].as_str().unwrap().into(), e["kind"].as_str().unwrap().into()))
        .collect();
    assert_eq!(ex, BTreeSet::from([("gave".into(), "intro".into()), ("got".into(), "advice".into())]));
    let listed = s.get(&format!("/api/v1/interactions?person={pid}"), &who).json();
    assert_eq!(listed["items"][0]["id"], i["id"]);

    let r = s.post(
        "/api/v1/tasks",
        &who,
        json!({ "title": "send the ProductConf recording", "due": "today", "people": ["priya"], "hook": true }),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let task = r.json();
    assert_eq!((task["hook"].clone(), task["status"].clone()), (json!(true), json!("open")));
    let tid = task["id"].as_str().unwrap().to_string();
    let open = s.get(&format!("/api/v1/tasks?person={pid}&hooks=true"), &who).json();
    assert_eq!(open["items"][0]["id"], json!(tid));
    let agenda = s.get("/api/v1/agenda?days=1", &who).json();
    assert!(agenda["items"].as_array().unwrap().iter().any(|x| x["id"] == json!(tid) && x["kind"] == json!("hook")));
    // The "today" page lists it, with every user-typed text escaped.
    let r = s.post("/api/v1/tasks", &who, json!({ "title": "<script>alert(1)</script>", "due": "today" }));
    assert_eq!(r.status, 201, "{}", r.body);
    let today = s.get("/", &who);
    assert_eq!(today.status, 200, "{}", today.body);
    assert!(
        today.body.contains("send the ProductConf recording") && today.body.contains("Priya Raman"),
        "{}",
        today.body
    );
    assert!(today.body.contains("&lt;script&gt;") && !today.body.contains("<script>"), "{}", today.body);
    let css = s.get("/static/kith.css", &Who::Anonymous);
    assert!(css.status == 200 && css.header("content-type").unwrap_or_default().starts_with("text/css"));
    let found = s.get("/api/v1/search?q=design%20system", &who).json();
    assert!(found["items"].as_array().unwrap().iter().any(|h| h["id"] == i["id"]), "{found}");
    let r = s.post(&format!("/api/v1/tasks/{tid}/done"), &who, json!({}));
    assert_eq!(r.json()["status"], json!("done"));
    let open = s.get("/api/v1/tasks", &who).json();
    assert!(open["items"].as_array().unwrap().iter().all(|t| t["id"] != json!(tid)), "done is not open");

    assert_eq!(s.send("DELETE", &format!("/api/v1/people/{pid}"), &who, None).status, 204);
    s.get(&format!("/api/v1/people/{pid}"), &who).assert_error(404, "not_found");
    // Everything was written through the op log, as the user.
    assert!(s.store().ops().unwrap().iter().all(|op| op.actor == "gus@team.example"));
}

#[test]
fn openapi_lists_every_route() {
    let s = Server::sqlite_with(config());
    let r = s.get("/api/v1/openapi.json", &Who::Anonymous);
    assert_eq!(r.status, 200);
    let doc = r.json();
    assert_eq!(doc["openapi"], json!("3.1.0"));
    for route in routes() {
        let op = &doc["paths"][route.path][route.method.as_str().to_lowercase()];
        assert!(op.is_object(), "{} {} is missing from the OpenAPI document", route.method, route.path);
    }
    let documented: usize = doc["paths"].as_object().unwrap().values().map(|p| p.as_object().unwrap().len()).sum();
    assert_eq!(documented, routes().len(), "the document lists no route the server does not have");
}

#[test]
fn shutdown_returns_and_frees_the_port() {
    let s = Server::sqlite_with(config());
    assert_eq!(s.get("/healthz", &Who::Anonymous).status, 200);
    let base = s.base.clone();
    drop(s);
    let addr = base.trim_start_matches("http://");
    assert!(std::net::TcpStream::connect(addr).is_err(), "nothing listens after shutdown");
}

fn people_pages_and_quick_forms(s: Server) {
    let pw = s.user("ivy@team.example", Role::Member);
    let viewer_pw = s.user("vic@team.example", Role::Viewer);
    let api = Who::Token(s.token("ivy@team.example", false));
    let r = s.post(
        "/api/v1/people",
        &api,
        json!({ "name": "Zoë <i>Quinn</i>", "emails": ["zoe@quinn.example"], "phones": ["+1 555 0100"],
                "org": "Q&A Labs", "title": "CTO", "tier": "A", "type": "strategic", "tags": ["design"],
                "needs": ["a <designer>"], "offers": ["rust reviews"] }),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let zid = r.json()["id"].as_str().unwrap().to_string();
    for i in 0..51 {
        assert_eq!(
            s.post("/api/v1/people", &api, json!({ "name": format!("Person {i:02}"), "tags": ["bulk"] })).status,
            201
        );
    }
    // A tie to someone else, written the way `kith tie add` writes it.
    let other = s.get("/api/v1/people?q=Person%2000", &api).json()["items"][0]["id"].as_str().unwrap().to_string();
    {
        use kith_core::{ChangeSet, Id, Kind};
        let (a, b): (Id, Id) = (zid.parse().unwrap(), other.parse().unwrap());
        let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
        let id = Id::derive(lo, "tie", &hi.to_string());
        let mut cs = ChangeSet::new();
        cs.set(Kind::Tie, id, "a", a.to_string());
        cs.set(Kind::Tie, id, "b", b.to_string());
        cs.set(Kind::Tie, id, "kind", "colleague");
        cs.set(Kind::Tie, id, "strength", 4i64);
        cs.set(Kind::Tie, id, "note", "met at <RustConf>");
        cs.delete(Kind::Tie, id, false);
        s.store().commit(cs, "ivy@team.example", 1).unwrap();
    }
    let (who, csrf) = browser(&s, "ivy@team.example", &pw);

    // The list: escaped names linking to the person page, filters, and cursor pages.
    let list = s.get("/people", &who);
    assert_eq!(list.status, 200, "{}", list.body);
    assert!(list.body.contains("<label for=\"q\">") && list.body.contains("<label for=\"tier\">"), "{}", list.body);
    assert!(!list.body.contains("<i>Quinn"), "names are escaped");
    let r = s.get("/people?q=quinn&tag=&tier=&type=", &who);
    assert!(r.body.contains(&format!("<a href=\"/people/{zid}\">Zoë &lt;i&gt;Quinn&lt;/i&gt;</a>")), "{}", r.body);
    assert!(!r.body.contains("Person 00"));
    let r = s.get("/people?q=ZOE%40quinn.example", &who);
    assert!(r.body.contains(&format!("/people/{zid}")), "an email finds its person: {}", r.body);
    let r = s.get("/people?tag=design&tier=a&type=strategic", &who);
    assert!(r.body.contains(&format!("/people/{zid}")) && !r.body.contains("Person 01"), "{}", r.body);
    let r = s.get("/people?tier=Q", &who);
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("role=\"alert\""), "{}", r.body);
    let first = s.get("/people?tag=bulk", &who);
    assert!(first.body.contains("Person 49") && !first.body.contains("Person 50"), "50 a page");
    let next = first.body.split("href=\"").find(|h| h.starts_with("/people?cursor=")).expect("a next link");
    let next = next.split('"').next().unwrap().replace("&amp;", "&");
    let second = s.get(&next, &who);
    assert_eq!(second.status, 200, "{}", second.body);
    assert!(second.body.contains("Person 50") && !second.body.contains("Person 49"), "{}", second.body);
    assert!(!second.body.contains("rel=\"next\""), "the last page");

    // The person page: their data escaped, warmth and why, and the forms with the CSRF token.
    let path = format!("/people/{zid}");
    let page = s.get(&path, &who);
    assert_eq!(page.status, 200, "{}", page.body);
    for text in [
        "Zoë &lt;i&gt;Quinn&lt;/i&gt;",
        "CTO at Q&amp;A Labs",
        "zoe@quinn.example",
        "+1 555 0100",
        "a &lt;designer&gt;",
        "rust reviews",
        "Warmth ",
        "recency",
        "<label for=\"kind\">",
        "<label for=\"title\">",
        &format!("value=\"{csrf}\""),
        &format!("<a href=\"/people/{other}\">Person 00</a>"),
        "colleague · strength 4 · met at &lt;RustConf&gt;",
    ] {
        assert!(page.body.contains(text), "{text}: {}", page.body);
    }
    assert!(!page.body.contains("<i>Quinn") && !page.body.contains("<designer>"));

    let post = |who: &Who, path: &str, fields: &[(&str, &str)]| {
        s.send("POST", path, who, Some(("application/x-www-form-urlencoded", form(fields))))
    };
    let log = format!("{path}/interactions");
    let hooks = format!("{path}/hooks");
    let before = s.op_count();
    // Forged forms are refused and write nothing.
    post(&who, &log, &[("csrf", "forged"), ("kind", "lunch")]).assert_error(403, "forbidden");
    post(&who, &hooks, &[("csrf", &"0".repeat(64)), ("title", "x")]).assert_error(403, "forbidden");
    post(&who, &log, &[("kind", "lunch")]).assert_error(422, "invalid_form");
    // Bad values: the page again with the message and what was typed, 422, nothing written.
    let r = post(&who, &log, &[("csrf", &csrf), ("kind", "séance"), ("note", "kept <typed>")]);
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("role=\"alert\"") && r.body.contains("kept &lt;typed&gt;"), "{}", r.body);
    let r = post(&who, &log, &[("csrf", &csrf), ("kind", "call"), ("at", "someday")]);
    assert_eq!(r.status, 422, "{}", r.body);
    let r = post(&who, &hooks, &[("csrf", &csrf), ("title", "  "), ("due", "fri")]);
    assert_eq!(r.status, 422, "{}", r.body);
    let r = post(&who, &hooks, &[("csrf", &csrf), ("title", "send deck"), ("due", "whenever")]);
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("value=\"send deck\""), "{}", r.body);
    post(&who, &concrete("/people/{id}/hooks"), &[("csrf", &csrf), ("title", "x")]).assert_error(404, "not_found");
    assert_eq!(s.op_count(), before, "no refused form wrote anything");

    // Good forms write, as the user, and go back to the page, which shows them.
    let r = post(
        &who,
        &log,
        &[
            ("csrf", &csrf),
            ("kind", "lunch"),
            ("at", "yesterday 12:30"),
            ("note", "talked <b>hiring</b>"),
            ("gave", "advice: pricing\n"),
            ("got", "intro: Bob"),
        ],
    );
    assert_eq!((r.status, r.header("location")), (303, Some(path.as_str())), "{}", r.body);
    let after_log = s.op_count();
    assert!(after_log > before);
    let r = post(&who, &hooks, &[("csrf", &csrf), ("title", "send the <deck>"), ("due", "in 3d")]);
    assert_eq!((r.status, r.header("location")), (303, Some(path.as_str())), "{}", r.body);
    assert!(s.op_count() > after_log);
    let page = s.get(&path, &who);
    for text in [
        "lunch",
        "talked &lt;b&gt;hiring&lt;/b&gt;",
        "gave</span> advice: pricing",
        "got</span> intro: Bob",
        "send the &lt;deck&gt;",
    ] {
        assert!(page.body.contains(text), "{text}: {}", page.body);
    }
    assert!(s.store().ops().unwrap().iter().all(|op| op.actor == "ivy@team.example"));

    // A viewer reads the pages but gets no forms, and cannot post them.
    let (viewer, viewer_csrf) = browser(&s, "vic@team.example", &viewer_pw);
    let page = s.get(&path, &viewer);
    assert_eq!(page.status, 200);
    assert!(page.body.contains("send the &lt;deck&gt;") && !page.body.contains("action=\"/people/"), "{}", page.body);
    let count = s.op_count();
    post(&viewer, &log, &[("csrf", &viewer_csrf), ("kind", "call")]).assert_error(403, "forbidden");
    assert_eq!(s.op_count(), count);
    s.get("/people/not-an-id", &who).assert_error(400, "bad_id");
    s.get(&concrete("/people/{id}"), &who).assert_error(404, "not_found");
}

fn add_person_form(s: Server) {
    let pw = s.user("kim@team.example", Role::Member);
    let viewer_pw = s.user("val@team.example", Role::Viewer);
    let (who, csrf) = browser(&s, "kim@team.example", &pw);
    let list = s.get("/people", &who);
    assert!(list.body.contains("href=\"/people/new\""), "a writer is offered the form: {}", list.body);
    let page = s.get("/people/new", &who);
    assert_eq!(page.status, 200, "{}", page.body);
    for label in ["name", "email", "phone", "org", "title", "tier", "type", "tags", "met", "notes"] {
        assert!(page.body.contains(&format!("<label for=\"{label}\">")), "{label}: {}", page.body);
    }
    assert!(page.body.contains(&format!("value=\"{csrf}\"")), "the form carries the token");
    let post = |who: &Who, fields: &[(&str, &str)]| {
        s.send("POST", "/people", who, Some(("application/x-www-form-urlencoded", form(fields))))
    };
    let before = s.op_count();
    post(&who, &[("csrf", "forged"), ("name", "Mallory")]).assert_error(403, "forbidden");
    post(&who, &[("name", "Mallory")]).assert_error(422, "invalid_form");
    post(&who, &[("csrf", &csrf), ("name", "Mallory"), ("admin", "1")]).assert_error(422, "invalid_form");
    // Bad values: the form again, with the message and what was typed; nothing written.
    let r = post(&who, &[("csrf", &csrf), ("name", "Rae <Ng>"), ("email", "not an email"), ("tags", "x, y")]);
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("role=\"alert\"") && r.body.contains("value=\"Rae &lt;Ng&gt;\""), "{}", r.body);
    assert!(r.body.contains("value=\"x, y\""), "{}", r.body);
    let r = post(&who, &[("csrf", &csrf), ("name", "  ")]);
    assert_eq!(r.status, 422, "{}", r.body);
    let r = post(&who, &[("csrf", &csrf), ("name", "Rae"), ("tier", "Z")]);
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(s.op_count(), before, "no refused form wrote anything");

    let r = post(
        &who,
        &[
            ("csrf", &csrf),
            ("name", "Rae <Ng>"),
            ("email", "RAE@ng.example"),
            ("phone", "+1 555 0199"),
            ("org", "Ng & Co"),
            ("title", "Founder"),
            ("tier", "B"),
            ("type", "strategic"),
            ("tags", "design, rust ,"),
            ("met", "RustConf"),
            ("notes", "likes <tea>"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let to = r.header("location").unwrap().to_string();
    assert!(to.starts_with("/people/"), "{to}");
    let page = s.get(&to, &who);
    for text in [
        "Rae &lt;Ng&gt;",
        "Founder at Ng &amp; Co",
        "rae@ng.example",
        "+1 555 0199",
        "design",
        "rust",
        "RustConf",
        "likes &lt;tea&gt;",
    ] {
        assert!(page.body.contains(text), "{text}: {}", page.body);
    }
    assert!(s.store().ops().unwrap().iter().all(|op| op.actor == "kim@team.example"));
    // The same email again belongs to Rae: refused, nothing written.
    let count = s.op_count();
    let r = post(&who, &[("csrf", &csrf), ("name", "Other"), ("email", "rae@ng.example")]);
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(s.op_count(), count);

    let (viewer, viewer_csrf) = browser(&s, "val@team.example", &viewer_pw);
    assert!(!s.get("/people", &viewer).body.contains("/people/new"), "no form offered to a viewer");
    post(&viewer, &[("csrf", &viewer_csrf), ("name", "Vee")]).assert_error(403, "forbidden");
    assert_eq!(s.op_count(), count);
}

/// Writes a change set as a user, the way the CLI would.
fn commit(s: &Server, build: impl FnOnce(&mut kith_core::ChangeSet)) {
    let mut cs = kith_core::ChangeSet::new();
    build(&mut cs);
    s.store().commit(cs, "cli@team.example", 1).unwrap();
}

fn today_tasks_events_and_network_pages(s: Server) {
    use kith_core::{Id, Kind};
    let pw = s.user("max@team.example", Role::Member);
    let api = Who::Token(s.token("max@team.example", false));
    let person = |name: &str, extra: Value| {
        let mut body = json!({ "name": name });
        body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        let r = s.post("/api/v1/people", &api, body);
        assert_eq!(r.status, 201, "{}", r.body);
        r.json()["id"].as_str().unwrap().parse::<Id>().unwrap()
    };
    let me = person("Max Me", json!({}));
    let ann = person("Ann <A>", json!({ "tier": "A", "needs": ["a designer"] }));
    let bob = person("Bob", json!({}));
    let tie = |a: Id, b: Id, strength: i64| {
        commit(&s, |cs| {
            let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
            let id = Id::derive(lo, "tie", &hi.to_string());
            cs.set(Kind::Tie, id, "a", a.to_string());
            cs.set(Kind::Tie, id, "b", b.to_string());
            cs.set(Kind::Tie, id, "strength", strength);
            cs.delete(Kind::Tie, id, false);
        })
    };
    commit(&s, |cs| cs.set(Kind::Person, me, "is_me", true));
    tie(me, bob, 4);
    tie(bob, ann, 3);
    // Ann, tier A, last seen 60 days ago: due for a reconnect.
    let now = jiff::Timestamp::now().to_zoned_datetime(jiff::tz::TimeZone::system());
    let long_ago = now.date().checked_sub(jiff::Span::new().days(60)).unwrap().to_string();
    let r = s.post(
        "/api/v1/interactions",
        &api,
        json!({ "people": [ann.to_string()], "kind": "coffee", "at": long_ago, "gave": ["advice: hiring"] }),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    for (title, due) in [("Send <deck>", "today"), ("Old promise", "yesterday")] {
        let r = s.post("/api/v1/tasks", &api, json!({ "title": title, "due": due, "people": [bob.to_string()] }));
        assert_eq!(r.status, 201, "{}", r.body);
    }
    let r = s.post("/api/v1/tasks", &api, json!({ "title": "Plan offsite", "project": "Ops & <Fun>" }));
    assert_eq!(r.status, 201, "{}", r.body);
    let done = r.json()["id"].as_str().unwrap().to_string();
    assert_eq!(s.post(&format!("/api/v1/tasks/{done}/done"), &api, json!({})).status, 200);
    let r = s.post("/api/v1/tasks", &api, json!({ "title": "Book venue", "project": "Ops & <Fun>", "due": "in 3d" }));
    assert_eq!(r.status, 201, "{}", r.body);
    // An event two days from now with Ann and Bob attending, and one last week.
    let event = Id::from_uuid(uuid::Uuid::now_v7());
    let past = Id::from_uuid(uuid::Uuid::now_v7());
    let start = now.timestamp().as_millisecond() + 2 * 86_400_000;
    commit(&s, |cs| {
        cs.set(Kind::Event, event, "title", "Design <meetup>");
        cs.set(Kind::Event, event, "start_at", start);
        cs.set(Kind::Event, event, "end_at", start + 3_600_000);
        cs.set(Kind::Event, event, "place", "Hall & Co");
        cs.set(Kind::Event, event, "goals", "meet two designers");
        for p in [ann, bob] {
            let att = Id::derive(event, "attendee", &p.to_string());
            cs.set(Kind::Attendee, att, "event", event.to_string());
            cs.set(Kind::Attendee, att, "person", p.to_string());
            cs.delete(Kind::Attendee, att, false);
        }
        cs.set(Kind::Event, past, "title", "Old summit");
        cs.set(Kind::Event, past, "start_at", start - 9 * 86_400_000);
    });
    let (who, csrf) = browser(&s, "max@team.example", &pw);

    // Today: the plan with the tasks due (the old one overdue), the coming days, reconnects.
    let today = s.get("/", &who);
    assert_eq!(today.status, 200, "{}", today.body);
    for text in [
        "<h2 id=\"plan\">Plan</h2>",
        "Send &lt;deck&gt;",
        "Old promise</strong> <span class=\"with\">with Bob</span> <span class=\"overdue\">",
        "<h2 id=\"coming\">Coming up</h2>",
        "Design &lt;meetup&gt;",
        "Book venue",
        &format!("<a href=\"/people/{ann}\">Ann &lt;A&gt;</a>"),
        "<h2 id=\"logged\">Logged today</h2>",
        "Nothing logged yet today.",
        "max@team.example",
    ] {
        assert!(today.body.contains(text), "{text}: {}", today.body);
    }
    assert!(!today.body.contains("<A>") && !today.body.contains("<deck>"), "escaped");
    // Ann is due: either placed in the plan or on the reconnect list, with the reason.
    assert!(today.body.contains("tier A"), "{}", today.body);
    // Something logged today shows under "Logged today".
    let r = s.post(
        "/api/v1/interactions",
        &api,
        json!({ "people": [bob.to_string()], "kind": "call", "got": ["intro: Cy <C>"] }),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let today = s.get("/", &who);
    assert!(!today.body.contains("Nothing logged yet today."), "{}", today.body);
    assert!(today.body.contains("intro: Cy &lt;C&gt;"), "{}", today.body);

    // The person page: the intro path through Bob, and the reciprocity ledger.
    let page = s.get(&format!("/people/{ann}"), &who);
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body.contains(&format!(
            "You → <a href=\"/people/{bob}\">Bob</a> → <a href=\"/people/{ann}\">Ann &lt;A&gt;</a>"
        )),
        "{}",
        page.body
    );
    assert!(page.body.contains("2 hops") && page.body.contains("Gave 1, got 0"), "{}", page.body);
    assert!(page.body.contains("advice: hiring"), "{}", page.body);

    // Tasks: the list (open by default), other statuses, a project, the board.
    let list = s.get("/tasks", &who);
    assert_eq!(list.status, 200, "{}", list.body);
    assert!(list.body.contains("Send &lt;deck&gt;") && list.body.contains("project Ops &amp; &lt;Fun&gt;"));
    assert!(!list.body.contains("Plan offsite"), "open tasks only: {}", list.body);
    assert!(list.body.contains(&format!("<a href=\"/people/{bob}\">Bob</a>")), "{}", list.body);
    let all = s.get("/tasks?status=all&project=", &who);
    assert!(all.body.contains("Plan offsite") && all.body.contains("Old promise"), "{}", all.body);
    let ops = s.get("/tasks?status=all&project=Ops+%26+%3CFun%3E", &who);
    assert!(ops.body.contains("Plan offsite") && !ops.body.contains("Old promise"), "{}", ops.body);
    let r = s.get("/tasks?status=someday", &who);
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("role=\"alert\""), "{}", r.body);
    assert_eq!(s.get("/tasks?project=No+such", &who).status, 422);
    s.get("/tasks?colour=red", &who).assert_error(400, "invalid_query");
    let board = s.get("/tasks/board", &who);
    assert_eq!(board.status, 200, "{}", board.body);
    let col = |name: &str| {
        let start = board.body.find(&format!("id=\"col-{name}\"")).unwrap_or_else(|| panic!("{name}: {}", board.body));
        let end = board.body[start..].find("</section>").unwrap() + start;
        board.body[start..end].to_string()
    };
    assert!(col("open").contains("Send &lt;deck&gt;") && !col("open").contains("Plan offsite"));
    assert!(col("done").contains("Plan offsite") && col("done").contains("(1)"));
    assert!(col("cancelled").contains("(0)"));
    assert_eq!(s.get("/tasks/board?status=open", &who).status, 422);

    // Events: the list, the event page with attendees, and the debrief form.
    let events = s.get("/events", &who);
    assert_eq!(events.status, 200, "{}", events.body);
    assert!(events.body.contains(&format!("<a href=\"/events/{event}\">Design &lt;meetup&gt;</a>")), "{}", events.body);
    assert!(events.body.contains("Hall &amp; Co") && events.body.contains("2 attendees"), "{}", events.body);
    assert!(events.body.contains("Old summit"), "{}", events.body);
    let path = format!("/events/{event}");
    let page = s.get(&path, &who);
    assert_eq!(page.status, 200, "{}", page.body);
    for text in [
        "<h1>Design &lt;meetup&gt;</h1>",
        "meet two designers",
        &format!("<a href=\"/people/{ann}\">Ann &lt;A&gt;</a>"),
        &format!("value=\"{ann}\""),
        "<label for=\"note\">",
        &format!("value=\"{csrf}\""),
    ] {
        assert!(page.body.contains(text), "{text}: {}", page.body);
    }
    let debrief = format!("{path}/debrief");
    let post = |fields: &[(&str, &str)]| {
        s.send("POST", &debrief, &who, Some(("application/x-www-form-urlencoded", form(fields))))
    };
    let before = s.op_count();
    post(&[("csrf", "forged"), ("met", &ann.to_string())]).assert_error(403, "forbidden");
    post(&[("met", &ann.to_string())]).assert_error(422, "invalid_form");
    post(&[("csrf", &csrf), ("met", "nobody")]).assert_error(422, "invalid_form");
    post(&[("csrf", &csrf), ("met", &ann.to_string()), ("who", "x")]).assert_error(422, "invalid_form");
    let r = post(&[("csrf", &csrf), ("note", "kept <note>")]);
    assert_eq!(r.status, 422, "nobody met: {}", r.body);
    assert!(r.body.contains("role=\"alert\"") && r.body.contains("kept &lt;note&gt;"), "{}", r.body);
    let r = post(&[("csrf", &csrf), ("met", &me.to_string()), ("note", "x")]);
    assert_eq!(r.status, 422, "not an attendee: {}", r.body);
    let r = post(&[("csrf", &csrf), ("met", &ann.to_string()), ("within", "whenever")]);
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("value=\"whenever\"") && r.body.contains(" checked"), "{}", r.body);
    assert_eq!(s.op_count(), before, "no refused debrief wrote anything");
    let r = post(&[
        ("csrf", &csrf),
        ("met", &ann.to_string()),
        ("met", &bob.to_string()),
        ("note", "talked <portfolio>"),
        ("hook", "send the brief\n"),
        ("within", "2d"),
    ]);
    assert_eq!((r.status, r.header("location")), (303, Some(path.as_str())), "{}", r.body);
    let page = s.get(&path, &who);
    assert!(page.body.contains("talked &lt;portfolio&gt;"), "the debrief is on the event: {}", page.body);
    let ann_page = s.get(&format!("/people/{ann}"), &who);
    assert!(ann_page.body.contains("met at Design &lt;meetup&gt;") && ann_page.body.contains("send the brief"));
    let bob_page = s.get(&format!("/people/{bob}"), &who);
    assert!(bob_page.body.contains("met at Design &lt;meetup&gt;") && bob_page.body.contains("send the brief"));
    assert!(
        s.store()
            .ops()
            .unwrap()
            .iter()
            .filter(|o| o.actor != "cli@team.example")
            .all(|o| o.actor == "max@team.example")
    );
    s.get("/events/not-an-id", &who).assert_error(400, "bad_id");
    s.get(&concrete("/events/{id}"), &who).assert_error(404, "not_found");

    // The network picture: me in the middle, Bob one hop, Ann two; the path to Ann marked.
    let net = s.get("/network", &who);
    assert_eq!(net.status, 200, "{}", net.body);
    assert!(net.body.contains("<svg class=\"network\"") && net.body.contains("3 people, 2 ties drawn"), "{}", net.body);
    for id in [me, ann, bob] {
        assert!(net.body.contains(&format!("<a href=\"/people/{id}\"")), "{id}: {}", net.body);
    }
    assert!(net.body.contains("<title>Ann &lt;A&gt;</title>") && !net.body.contains("<A>"), "{}", net.body);
    assert!(!net.body.contains("edge path"), "no path asked for");
    let net = s.get(&format!("/network?to={ann}"), &who);
    assert_eq!(net.body.matches("class=\"edge path\"").count(), 2, "{}", net.body);
    assert!(net.body.contains("Intro path: <a href"), "{}", net.body);
    let net = s.get(&format!("/network?person={ann}&to="), &who);
    assert!(net.body.contains("class=\"node centre\"><title>Ann &lt;A&gt;</title>"), "{}", net.body);
    let r = s.get("/network?person=nobody%20at%20all", &who);
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("role=\"alert\""), "{}", r.body);

    // Ten tasks due before "Old promise": today lists the ten most recently due overdue ones,
    // with their people, and counts the oldest.
    for n in 2..=11 {
        let due = now.date().checked_sub(jiff::Span::new().days(n)).unwrap().to_string();
        let title = format!("Overdue {n} days");
        let r = s.post("/api/v1/tasks", &api, json!({ "title": title, "due": due, "people": [bob.to_string()] }));
        assert_eq!(r.status, 201, "{}", r.body);
    }
    let today = s.get("/", &who);
    for n in 2..=10 {
        let text = format!("Overdue {n} days</strong> <span class=\"with\">with Bob</span> <span class=\"overdue\">");
        assert!(today.body.contains(&text), "{text}: {}", today.body);
    }
    assert!(today.body.contains("Old promise</strong> <span class=\"with\">with Bob</span>"), "{}", today.body);
    assert!(!today.body.contains("Overdue 11 days"), "{}", today.body);
    assert!(today.body.contains("<p>1 older overdue items not shown.</p>"), "{}", today.body);
    assert!(!today.body.contains("more in the next 6 days"), "{}", today.body);

    // Thirty tasks in four days: the coming days list their first thirty items (the event in
    // two days and the venue in three among them) and count the rest.
    for n in 1..=30 {
        let r = s.post("/api/v1/tasks", &api, json!({ "title": format!("Later {n}"), "due": "in 4d" }));
        assert_eq!(r.status, 201, "{}", r.body);
    }
    let today = s.get("/", &who);
    let coming = &today.body[today.body.find("id=\"coming\"").unwrap()..];
    let coming = &coming[..coming.find("</section>").unwrap()];
    assert_eq!(coming.matches("<li>").count(), 30, "{coming}");
    assert!(coming.contains("Design &lt;meetup&gt;") && coming.contains("Book venue"), "{coming}");
    let shown = coming.matches("Later ").count();
    assert!(coming.contains(&format!("<p>{} more in the next 6 days", 30 - shown)), "{coming}");
}
