//! The people list sorted by warmth or overdue and filtered by organization, and the tasks pages'
//! assignees: adding a task for a coworker, reassigning it, marking it done. A real server on
//! 127.0.0.1:0, a real HTTP client, both engines.

#[macro_use]
mod support;

use kith_store::accounts::Role;
use serde_json::{Value, json};
use support::{Resp, Server, Who, browser, config, form};

both!(people_sorted_by_warmth_and_overdue_and_filtered_by_org, tasks_assigned_to_coworkers_from_the_pages);

fn days_ago(n: i64) -> String {
    let now = jiff::Timestamp::now().to_zoned_datetime(jiff::tz::TimeZone::system());
    let day = now.date().checked_sub(jiff::Span::new().days(n)).unwrap();
    format!("{day} 10:00")
}

fn person(s: &Server, who: &Who, body: Value) -> String {
    let r = s.post("/api/v1/people", who, body);
    assert_eq!(r.status, 201, "{}", r.body);
    r.json()["id"].as_str().unwrap().to_string()
}

fn log(s: &Server, who: &Who, id: &str, at: &str) {
    let r =
        s.post("/api/v1/interactions", who, json!({ "people": [id], "kind": "coffee", "at": at, "gave": ["advice"] }));
    assert_eq!(r.status, 201, "{}", r.body);
}

/// Where each name first appears in the page's people list (`None` when it is not there).
fn positions(r: &Resp, names: &[&str]) -> Vec<Option<usize>> {
    let list = r.body.split("<ul class=\"people\">").nth(1).unwrap_or("");
    names.iter().map(|n| list.find(&format!(">{n}</a>"))).collect()
}

fn people_sorted_by_warmth_and_overdue_and_filtered_by_org(s: Server) {
    let pw = s.user("ivy@team.example", Role::Member);
    let api = Who::Token(s.token("ivy@team.example", false));
    let ann = person(&s, &api, json!({ "name": "Ann Acme", "tier": "A", "org": "Acme" }));
    let bo = person(&s, &api, json!({ "name": "Bo Busy", "tier": "D" }));
    person(&s, &api, json!({ "name": "Cy Acme", "tier": "B", "org": "Acme" }));
    // Ann: last seen 60 days ago (tier A: overdue). Bo: seen on each of the last three days.
    log(&s, &api, &ann, &days_ago(60));
    for d in 1..=3 {
        log(&s, &api, &bo, &days_ago(d));
    }
    let (who, _) = browser(&s, "ivy@team.example", &pw);

    // The form offers the organization filter and the orders.
    let r = s.get("/people", &who);
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("<label for=\"org\">Organization</label>"), "{}", r.body);
    assert!(
        r.body.contains("<option value=\"warmth\">") && r.body.contains("<option value=\"overdue\">"),
        "{}",
        r.body
    );

    // Warmth: Bo, seen every day, is the warmest; each row says its score.
    let r = s.get("/people?sort=warmth", &who);
    assert_eq!(r.status, 200, "{}", r.body);
    let [a, b, c] = positions(&r, &["Ann Acme", "Bo Busy", "Cy Acme"])[..] else { unreachable!() };
    assert!(b.unwrap() < a.unwrap() && b.unwrap() < c.unwrap(), "Bo first by warmth: {}", r.body);
    assert!(r.body.contains("warmth "), "{}", r.body);
    assert!(r.body.contains("<option value=\"warmth\" selected>"), "the chosen order stays chosen");

    // Overdue: Ann (tier A, 60 days) first, and it says by how much.
    let r = s.get("/people?sort=overdue", &who);
    assert_eq!(r.status, 200, "{}", r.body);
    let [a, b, c] = positions(&r, &["Ann Acme", "Bo Busy", "Cy Acme"])[..] else { unreachable!() };
    assert!(a.unwrap() < b.unwrap() && a.unwrap() < c.unwrap(), "Ann first by overdue: {}", r.body);
    assert!(r.body.contains("days overdue"), "{}", r.body);

    // The organization filter, alone and with an order.
    let r = s.get("/people?org=acme", &who);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        positions(&r, &["Ann Acme", "Bo Busy", "Cy Acme"]).iter().map(Option::is_some).collect::<Vec<_>>(),
        [true, false, true]
    );
    let r = s.get("/people?org=Acme&sort=overdue&tier=", &who);
    let [a, b, c] = positions(&r, &["Ann Acme", "Bo Busy", "Cy Acme"])[..] else { unreachable!() };
    assert!(a.unwrap() < c.unwrap() && b.is_none(), "{}", r.body);

    // Bad values: the form again with a message, 422.
    for bad in
        ["/people?sort=age", "/people?org=Nowhere+Inc", "/people?sort=warmth&page=0", "/people?sort=warmth&page=x"]
    {
        let r = s.get(bad, &who);
        assert_eq!(r.status, 422, "{bad}: {}", r.body);
        assert!(r.body.contains("role=\"alert\""), "{bad}: {}", r.body);
    }

    // A sorted list pages by number, keeping the filter and the order.
    for i in 0..52 {
        person(&s, &api, json!({ "name": format!("Bulk {i:02}"), "tags": ["bulk"] }));
    }
    let first = s.get("/people?tag=bulk&sort=warmth", &who);
    assert_eq!(first.body.matches("<li><a href=\"/people/").count(), 50, "{}", first.body);
    let next = first.body.split("href=\"").find(|h| h.starts_with("/people?page=2")).expect("a next link");
    let next = next.split('"').next().unwrap().replace("&amp;", "&");
    assert!(next.contains("sort=warmth") && next.contains("tag=bulk"), "{next}");
    let second = s.get(&next, &who);
    assert_eq!(second.status, 200, "{}", second.body);
    assert_eq!(second.body.matches("<li><a href=\"/people/").count(), 2, "{}", second.body);
    assert!(!second.body.contains("rel=\"next\""), "the last page");
    assert!(!second.body.contains("Ann Acme"), "the tag filter holds on page 2");
}

/// The task titled `title` in a tasks page: its list item.
fn item<'a>(r: &'a Resp, title: &str) -> Option<&'a str> {
    let at = r.body.find(&format!("<strong>{title}</strong>"))?;
    let start = r.body[..at].rfind("<li>")?;
    let end = r.body[at..].find("</li>")? + at;
    Some(&r.body[start..end])
}

fn tasks_assigned_to_coworkers_from_the_pages(s: Server) {
    let ann_pw = s.user("ann@team.example", Role::Member);
    let bob_pw = s.user("bob@team.example", Role::Member);
    let vic_pw = s.user("vic@team.example", Role::Viewer);
    let (ann, ann_csrf) = browser(&s, "ann@team.example", &ann_pw);
    let (bob, _) = browser(&s, "bob@team.example", &bob_pw);
    let (vic, vic_csrf) = browser(&s, "vic@team.example", &vic_pw);
    let post = |who: &Who, path: &str, fields: &[(&str, &str)]| {
        s.send("POST", path, who, Some(("application/x-www-form-urlencoded", form(fields))))
    };

    // The add form offers the members, by name and email.
    let r = s.get("/tasks", &ann);
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("<h2 id=\"add\">Add a task</h2>"), "{}", r.body);
    assert!(r.body.contains("<option value=\"bob@team.example\">bob (bob@team.example)</option>"), "{}", r.body);

    // Ann gives Bob a task due today.
    let r = post(
        &ann,
        "/tasks",
        &[
            ("csrf", &ann_csrf),
            ("title", "Send <Priya> the deck"),
            ("due", "today"),
            ("project", ""),
            ("assignee", "bob@team.example"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(r.header("location"), Some("/tasks"));
    let title = "Send &lt;Priya&gt; the deck";
    let list = s.get("/tasks", &ann);
    assert!(item(&list, title).is_some_and(|i| i.contains("assigned to bob")), "{}", list.body);

    // Bob sees it as his: in his tasks, and in today's plan. Ann's plan leaves it to Bob.
    let mine = s.get("/tasks?assignee=me", &bob);
    assert!(item(&mine, title).is_some(), "{}", mine.body);
    assert!(item(&s.get("/tasks?assignee=me", &ann), title).is_none());
    assert!(item(&s.get("/tasks?assignee=none", &ann), title).is_none());
    let today = s.get("/", &bob);
    assert!(today.body.contains(title), "on Bob's today: {}", today.body);
    let today = s.get("/", &ann);
    assert!(!today.body.contains(title), "not on Ann's today: {}", today.body);

    // Refused: a stranger, an empty title. The page again with the message; nothing written.
    let before = s.op_count();
    for (fields, says) in [
        (vec![("title", "x"), ("assignee", "stranger@else.example")], "not a member"),
        (vec![("title", " "), ("assignee", "")], "title"),
        (vec![("title", "x"), ("due", "someday soon")], "someday"),
    ] {
        let mut f = vec![("csrf", ann_csrf.as_str())];
        f.extend(fields);
        let r = post(&ann, "/tasks", &f);
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(r.body.contains("role=\"alert\"") && r.body.contains(says), "{says}: {}", r.body);
    }
    assert_eq!(s.op_count(), before, "a refused form writes nothing");
    // A forged form, and a viewer's, change nothing.
    assert_eq!(post(&ann, "/tasks", &[("csrf", "forged"), ("title", "x")]).status, 403);
    assert_eq!(post(&vic, "/tasks", &[("csrf", &vic_csrf), ("title", "x")]).status, 403);
    let r = s.get("/tasks", &vic);
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(!r.body.contains("Add a task") && !r.body.contains("/assign"), "a viewer gets no forms: {}", r.body);
    assert_eq!(s.op_count(), before);

    // Reassign to Ann from the list, then to no one.
    let id = s.get("/api/v1/tasks", &Who::Token(s.token("ann@team.example", false))).json()["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = post(&bob, &format!("/tasks/{id}/assign"), &[("csrf", "forged"), ("assignee", "ann@team.example")]);
    assert_eq!(r.status, 403, "{}", r.body);
    let bob_csrf = match &bob {
        Who::Session { cookie, .. } => kith_server::auth::csrf_for_session(cookie),
        _ => unreachable!(),
    };
    let r = post(&bob, &format!("/tasks/{id}/assign"), &[("csrf", &bob_csrf), ("assignee", "ann@team.example")]);
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(item(&s.get("/tasks?assignee=me", &ann), title).is_some());
    assert!(item(&s.get("/tasks?assignee=me", &bob), title).is_none());
    let r = post(&bob, &format!("/tasks/{id}/assign"), &[("csrf", &bob_csrf), ("assignee", "nobody@else.example")]);
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("not a member"), "{}", r.body);
    let r = post(&bob, &format!("/tasks/{id}/assign"), &[("csrf", &bob_csrf), ("assignee", "")]);
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(item(&s.get("/tasks?assignee=none", &ann), title).is_some_and(|i| !i.contains("assigned to")));
    let r = post(&bob, "/tasks/01900000-0000-7000-8000-000000000000/assign", &[("csrf", &bob_csrf), ("assignee", "")]);
    r.assert_error(404, "not_found");
    assert_eq!(s.get("/tasks?assignee=stranger@else.example", &ann).status, 422);

    // Done from the list: gone from the open tasks, on the board's done column.
    let r = post(&ann, &format!("/tasks/{id}/done"), &[("csrf", &ann_csrf)]);
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(item(&s.get("/tasks", &ann), title).is_none());
    let done = s.get("/tasks?status=done", &ann);
    assert!(item(&done, title).is_some_and(|i| !i.contains("/done")), "a done task has no forms: {}", done.body);
}
