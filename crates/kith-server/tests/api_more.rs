//! The rest of the API end to end: organizations, ties, interactions and their exchanges, tasks,
//! projects, events and attendees, the intelligence reports, import and export. A real server on
//! 127.0.0.1:0 and a real HTTP client, on a fresh SQLite file and a fresh PostgreSQL schema.

mod support;

use kith_core::intel::Settings;
use kith_core::{ChangeSet, Id, Kind};
use kith_store::accounts::Role;
use kith_store::reports;
use serde_json::{Value, json};

use support::{Resp, Server, Who, concrete, config};

both!(
    orgs_in_pages_and_edits,
    projects_and_tasks_one_at_a_time,
    events_and_attendees,
    ties_interactions_and_exchanges,
    intelligence_reports_are_the_clis,
    bad_input_on_the_new_routes_is_a_4xx_and_writes_nothing,
    exports_are_the_clis_files,
    streamed_exports_are_whole,
    imports_are_all_or_nothing,
);

fn member(s: &Server) -> Who {
    s.user("max@team.example", Role::Member);
    Who::Token(s.token("max@team.example", false))
}

impl Server {
    fn patch(&self, path: &str, who: &Who, body: Value) -> Resp {
        self.send("PATCH", path, who, Some(("application/json", body.to_string())))
    }
    fn delete(&self, path: &str, who: &Who) -> Resp {
        self.send("DELETE", path, who, None)
    }
}

/// The status, and the body as JSON, of a request that must succeed with `status`.
fn ok(r: Resp, status: u16) -> Value {
    assert_eq!(r.status, status, "{}", r.body);
    if r.body.is_empty() { Value::Null } else { r.json() }
}

fn id_of(v: &Value) -> String {
    v["id"].as_str().unwrap_or_else(|| panic!("no id in {v}")).to_string()
}

/// Every item of a list route, page by page (`limit` each), checking that each page but the
/// last is full.
fn all_pages(s: &Server, who: &Who, path: &str, limit: usize) -> Vec<Value> {
    let sep = if path.contains('?') { '&' } else { '?' };
    let mut url = format!("{path}{sep}limit={limit}");
    let mut out = Vec::new();
    loop {
        let page = ok(s.get(&url, who), 200);
        let items = page["items"].as_array().unwrap().clone();
        match page["next_cursor"].as_str() {
            Some(c) => {
                assert_eq!(items.len(), limit, "a page before the last is full: {page}");
                url = format!("{path}{sep}limit={limit}&cursor={c}");
            }
            None => {
                out.extend(items);
                break;
            }
        }
        out.extend(items);
    }
    out
}

fn names(items: &[Value], field: &str) -> Vec<String> {
    items.iter().map(|i| i[field].as_str().unwrap_or_default().to_string()).collect()
}

fn orgs_in_pages_and_edits(s: Server) {
    let who = member(&s);
    for (name, domain) in
        [("Northwind Labs", "northwind.example"), ("Acme", "acme.example"), ("Globex", "globex.example")]
    {
        let o = ok(s.post("/api/v1/orgs", &who, json!({ "name": name, "domain": domain, "tags": ["client"] })), 201);
        assert_eq!(o["name"], json!(name));
        assert_eq!(o["tags"], json!(["client"]));
    }
    // A person at an organization shows on its page.
    ok(s.post("/api/v1/people", &who, json!({ "name": "Priya Raman", "org": "Acme", "title": "CTO" })), 201);
    let listed = all_pages(&s, &who, "/api/v1/orgs", 2);
    assert_eq!(names(&listed, "name"), ["Acme", "Globex", "Northwind Labs"]);
    let acme = id_of(&listed[0]);
    let one = ok(s.get(&format!("/api/v1/orgs/{acme}"), &who), 200);
    assert_eq!(one["domain"], json!("acme.example"));
    assert_eq!(one["people"][0]["name"], json!("Priya Raman"));
    assert_eq!(one["people"][0]["title"], json!("CTO"));

    let before = s.op_count();
    s.post("/api/v1/orgs", &who, json!({ "name": "acme" })).assert_error(422, "invalid");
    s.post("/api/v1/orgs", &who, json!({ "name": "Initech", "domain": "not a domain" })).assert_error(422, "invalid");
    s.post("/api/v1/orgs", &who, json!({ "domain": "x.example" })).assert_error(422, "invalid");
    s.patch(&format!("/api/v1/orgs/{acme}"), &who, json!({ "name": "Globex" })).assert_error(422, "invalid");
    s.patch(&format!("/api/v1/orgs/{acme}"), &who, json!({})).assert_error(422, "invalid");
    assert_eq!(s.op_count(), before, "refused edits write nothing");

    let o = ok(
        s.patch(
            &format!("/api/v1/orgs/{acme}"),
            &who,
            json!({ "name": "Acme Corp", "domain": "https://ACME.example/", "untag": ["client"], "tags": ["partner"] }),
        ),
        200,
    );
    assert_eq!(
        (o["name"].clone(), o["domain"].clone(), o["tags"].clone()),
        (json!("Acme Corp"), json!("acme.example"), json!(["partner"]))
    );
    ok(s.delete(&format!("/api/v1/orgs/{acme}"), &who), 204);
    s.get(&format!("/api/v1/orgs/{acme}"), &who).assert_error(404, "not_found");
    s.delete(&format!("/api/v1/orgs/{acme}"), &who).assert_error(404, "not_found");
    assert_eq!(names(&all_pages(&s, &who, "/api/v1/orgs", 50), "name"), ["Globex", "Northwind Labs"]);
    assert!(s.store().ops().unwrap().iter().all(|op| op.actor == "max@team.example"));
}

fn projects_and_tasks_one_at_a_time(s: Server) {
    let who = member(&s);
    ok(s.post("/api/v1/people", &who, json!({ "name": "Ann Lee" })), 201);
    let launch = ok(s.post("/api/v1/projects", &who, json!({ "name": "Launch", "description": "v1 out" })), 201);
    assert_eq!((launch["status"].clone(), launch["open_tasks"].clone()), (json!("active"), json!(0)));
    let pid = id_of(&launch);
    for name in ["Hiring", "Website", "Fundraise"] {
        ok(s.post("/api/v1/projects", &who, json!({ "name": name })), 201);
    }
    s.post("/api/v1/projects", &who, json!({ "name": "LAUNCH" })).assert_error(422, "invalid");
    assert_eq!(
        names(&all_pages(&s, &who, "/api/v1/projects", 3), "name"),
        ["Fundraise", "Hiring", "Launch", "Website"]
    );

    let t = ok(
        s.post("/api/v1/tasks", &who, json!({ "title": "write the post", "project": "Launch", "due": "2026-12-03" })),
        201,
    );
    let tid = id_of(&t);
    let got = ok(s.get(&format!("/api/v1/tasks/{tid}"), &who), 200);
    assert_eq!((got["title"].clone(), got["project"].clone()), (json!("write the post"), json!("Launch")));
    let shown = ok(s.get(&format!("/api/v1/projects/{pid}"), &who), 200);
    assert_eq!(shown["project"]["open_tasks"], json!(1));
    assert_eq!(shown["tasks"][0]["id"], json!(tid));

    let t = ok(
        s.patch(
            &format!("/api/v1/tasks/{tid}"),
            &who,
            json!({ "title": "write the launch post", "priority": 2, "people": ["Ann Lee"], "no_due": true }),
        ),
        200,
    );
    assert_eq!(t["title"], json!("write the launch post"));
    assert_eq!(t["priority"], json!(2));
    assert_eq!((t["due_date"].clone(), t["due_at"].clone()), (Value::Null, Value::Null));
    assert_eq!(t["people"][0]["name"], json!("Ann Lee"));
    let t = ok(s.patch(&format!("/api/v1/tasks/{tid}"), &who, json!({ "status": "done" })), 200);
    assert_eq!(t["status"], json!("done"));
    assert!(t["done_at"].is_string(), "{t}");
    let p = ok(s.patch(&format!("/api/v1/projects/{pid}"), &who, json!({ "status": "paused" })), 200);
    assert_eq!((p["status"].clone(), p["done_tasks"].clone()), (json!("paused"), json!(1)));

    let before = s.op_count();
    s.patch(&format!("/api/v1/tasks/{tid}"), &who, json!({ "status": "maybe" })).assert_error(422, "invalid");
    s.patch(&format!("/api/v1/tasks/{tid}"), &who, json!({ "title": " " })).assert_error(422, "invalid");
    s.patch(&format!("/api/v1/tasks/{tid}"), &who, json!({ "no_due": true, "due": "fri" }))
        .assert_error(422, "invalid");
    s.patch(&format!("/api/v1/tasks/{tid}"), &who, json!({ "people": ["nobody here"] }))
        .assert_error(422, "unknown_reference");
    s.patch(&format!("/api/v1/tasks/{tid}"), &who, json!({})).assert_error(422, "invalid");
    s.patch(&format!("/api/v1/projects/{pid}"), &who, json!({ "status": "forgotten" })).assert_error(422, "invalid");
    s.patch(&format!("/api/v1/projects/{pid}"), &who, json!({ "name": "Hiring" })).assert_error(422, "invalid");
    s.get(&concrete("/api/v1/projects/{id}"), &who).assert_error(404, "not_found");
    assert_eq!(s.op_count(), before);

    ok(s.delete(&format!("/api/v1/tasks/{tid}"), &who), 204);
    s.get(&format!("/api/v1/tasks/{tid}"), &who).assert_error(404, "not_found");
    s.delete(&format!("/api/v1/tasks/{tid}"), &who).assert_error(404, "not_found");
}

fn events_and_attendees(s: Server) {
    let who = member(&s);
    let ann = id_of(&ok(s.post("/api/v1/people", &who, json!({ "name": "Ann Lee" })), 201));
    let bob = id_of(&ok(s.post("/api/v1/people", &who, json!({ "name": "Bob Stone" })), 201));
    let e = ok(
        s.post(
            "/api/v1/events",
            &who,
            json!({ "title": "RustConf", "kind": "conf", "at": "2030-09-10 09:00", "tz": "America/Denver",
                    "place": "Denver", "attendees": ["Ann Lee"], "goals": "meet two founders" }),
        ),
        201,
    );
    let eid = id_of(&e);
    assert_eq!(e["kind"], json!("conference"));
    assert_eq!(e["start"], json!("2030-09-10T15:00:00Z"), "09:00 in Denver");
    assert_eq!(e["end"], json!("2030-09-10T16:00:00Z"), "an hour by default");
    assert_eq!(e["attendees"][0]["name"], json!("Ann Lee"));
    for (i, day) in ["2030-01-05", "2030-02-05", "2030-03-05", "2020-03-05"].iter().enumerate() {
        ok(
            s.post("/api/v1/events", &who, json!({ "title": format!("meetup {i}"), "at": format!("{day} 18:00") })),
            201,
        );
    }
    // From today by default (the 2020 one is past), all of them with `all`, in time order.
    let upcoming = all_pages(&s, &who, "/api/v1/events", 2);
    assert_eq!(names(&upcoming, "title"), ["meetup 0", "meetup 1", "meetup 2", "RustConf"]);
    let every = all_pages(&s, &who, "/api/v1/events?all=true", 2);
    assert_eq!(names(&every, "title"), ["meetup 3", "meetup 0", "meetup 1", "meetup 2", "RustConf"]);
    let from = all_pages(&s, &who, "/api/v1/events?from=2030-03-01", 10);
    assert_eq!(names(&from, "title"), ["meetup 2", "RustConf"]);

    let e = ok(s.post(&format!("/api/v1/events/{eid}/attendees"), &who, json!({ "people": ["Bob Stone"] })), 200);
    assert_eq!(names(e["attendees"].as_array().unwrap(), "name"), ["Ann Lee", "Bob Stone"]);
    let e = ok(s.delete(&format!("/api/v1/events/{eid}/attendees/{ann}"), &who), 200);
    assert_eq!(names(e["attendees"].as_array().unwrap(), "name"), ["Bob Stone"]);
    s.delete(&format!("/api/v1/events/{eid}/attendees/{ann}"), &who).assert_error(404, "not_found");
    let e = ok(
        s.patch(
            &format!("/api/v1/events/{eid}"),
            &who,
            json!({ "until": "2030-09-12 17:00", "debrief": "met Cy", "remove_attendees": [bob] }),
        ),
        200,
    );
    assert_eq!(e["end"], json!("2030-09-12T23:00:00Z"), "read in the event's zone");
    assert_eq!(e["debrief"], json!("met Cy"));
    assert_eq!(e["attendees"], json!([]));

    let before = s.op_count();
    s.post("/api/v1/events", &who, json!({ "title": "no start" })).assert_error(422, "invalid");
    s.post("/api/v1/events", &who, json!({ "title": "x", "at": "fri", "tz": "Mars/Base" }))
        .assert_error(422, "invalid");
    s.post("/api/v1/events", &who, json!({ "title": "x", "at": "2030-01-02 10:00", "until": "2030-01-01" }))
        .assert_error(422, "invalid");
    s.post("/api/v1/events", &who, json!({ "title": "x", "at": "fri", "kind": "rave" })).assert_error(422, "invalid");
    s.post("/api/v1/events", &who, json!({ "title": "x", "at": "fri", "attendees": ["Nobody"] }))
        .assert_error(422, "unknown_reference");
    s.patch(&format!("/api/v1/events/{eid}"), &who, json!({})).assert_error(422, "invalid");
    s.post(&format!("/api/v1/events/{eid}/attendees"), &who, json!({ "people": [] })).assert_error(422, "invalid");
    s.delete(&format!("/api/v1/events/{eid}/attendees/not-an-id"), &who).assert_error(400, "bad_id");
    s.get("/api/v1/events?all=true&from=today", &who).assert_error(400, "invalid_query");
    s.get("/api/v1/events?from=someday", &who).assert_error(422, "invalid");
    s.get("/api/v1/events?cursor=6162", &who).assert_error(400, "bad_cursor");
    assert_eq!(s.op_count(), before);

    ok(s.delete(&format!("/api/v1/events/{eid}"), &who), 204);
    s.get(&format!("/api/v1/events/{eid}"), &who).assert_error(404, "not_found");
}

fn ties_interactions_and_exchanges(s: Server) {
    let who = member(&s);
    let priya = id_of(&ok(
        s.post("/api/v1/people", &who, json!({ "name": "Priya Raman", "emails": ["priya@northwind.example"] })),
        201,
    ));
    let mut others = Vec::new();
    for name in ["Cy Diaz", "Ann Lee", "Bob Stone"] {
        others.push(id_of(&ok(s.post("/api/v1/people", &who, json!({ "name": name })), 201)));
    }
    for name in ["Cy Diaz", "Ann Lee", "Bob Stone"] {
        let t = ok(
            s.post(
                "/api/v1/ties",
                &who,
                json!({ "a": "priya@northwind.example", "b": name, "kind": "colleague", "strength": 4, "since": "2024-03-01" }),
            ),
            201,
        );
        assert_eq!((t["kind"].clone(), t["strength"].clone()), (json!("colleague"), json!(4)));
    }
    // Adding a pair again, named the other way round, updates its one tie.
    let again = ok(s.post("/api/v1/ties", &who, json!({ "a": "Ann Lee", "b": "Priya Raman", "strength": 5 })), 201);
    let ties = all_pages(&s, &who, &format!("/api/v1/people/{priya}/ties"), 2);
    assert_eq!(names(&ties, "to"), ["Ann Lee", "Bob Stone", "Cy Diaz"]);
    assert_eq!(ties[0]["id"], again["id"]);
    assert_eq!((ties[0]["strength"].clone(), ties[0]["kind"].clone()), (json!(5), json!("other")));
    let before = s.op_count();
    s.post("/api/v1/ties", &who, json!({ "a": "Ann Lee", "b": "ann lee" })).assert_error(422, "invalid");
    s.post("/api/v1/ties", &who, json!({ "a": "Ann Lee", "b": "Cy Diaz", "strength": 9 })).assert_error(422, "invalid");
    s.post("/api/v1/ties", &who, json!({ "a": "Ann Lee", "b": "Zed" })).assert_error(422, "unknown_reference");
    s.post("/api/v1/ties", &who, json!({ "a": "Ann Lee" })).assert_error(422, "invalid_body");
    s.get(&concrete("/api/v1/people/{id}/ties"), &who).assert_error(404, "not_found");
    assert_eq!(s.op_count(), before);
    ok(s.delete(&format!("/api/v1/ties/{}", id_of(&again)), &who), 204);
    s.delete(&format!("/api/v1/ties/{}", id_of(&again)), &who).assert_error(404, "not_found");
    assert_eq!(all_pages(&s, &who, &format!("/api/v1/people/{priya}/ties"), 50).len(), 2);

    let i = ok(
        s.post(
            "/api/v1/interactions",
            &who,
            json!({ "people": ["Priya Raman"], "kind": "lunch", "at": "2026-11-20 12:30", "summary": "pricing" }),
        ),
        201,
    );
    let iid = id_of(&i);
    let got = ok(s.get(&format!("/api/v1/interactions/{iid}"), &who), 200);
    assert_eq!((got["kind"].clone(), got["summary"].clone()), (json!("lunch"), json!("pricing")));
    let i = ok(
        s.patch(
            &format!("/api/v1/interactions/{iid}"),
            &who,
            json!({ "kind": "call", "summary": "pricing and hiring", "people": ["Ann Lee"] }),
        ),
        200,
    );
    assert_eq!(i["kind"], json!("call"));
    assert_eq!(names(i["people"].as_array().unwrap(), "name"), ["Ann Lee", "Priya Raman"]);
    let i = ok(
        s.post(
            &format!("/api/v1/interactions/{iid}/exchanges"),
            &who,
            json!({ "direction": "gave", "what": "intro: to Bob", "weight": 2, "person": "Priya Raman" }),
        ),
        201,
    );
    let ex = &i["exchanges"][0];
    assert_eq!(
        (ex["direction"].clone(), ex["kind"].clone(), ex["weight"].clone()),
        (json!("gave"), json!("intro"), json!(2))
    );
    assert_eq!(ex["person_id"], json!(priya));
    let i = ok(
        s.post(
            &format!("/api/v1/interactions/{iid}/exchanges"),
            &who,
            json!({ "direction": "got", "what": "advice: hiring", "person": "Ann Lee" }),
        ),
        201,
    );
    assert_eq!(i["exchanges"].as_array().unwrap().len(), 2);
    let ledger = ok(s.get(&format!("/api/v1/people/{priya}/ledger"), &who), 200);
    assert_eq!((ledger["person"]["gave"].clone(), ledger["person"]["got"].clone()), (json!(2), json!(0)));

    let before = s.op_count();
    let path = format!("/api/v1/interactions/{iid}/exchanges");
    s.post(&path, &who, json!({ "direction": "lent", "what": "x" })).assert_error(422, "invalid");
    s.post(&path, &who, json!({ "direction": "gave", "what": " " })).assert_error(422, "invalid");
    s.post(&path, &who, json!({ "direction": "gave", "what": "x", "person": "Cy Diaz" })).assert_error(422, "invalid");
    s.post(&path, &who, json!({ "direction": "gave", "what": "x", "weight": 7, "person": "Ann Lee" }))
        .assert_error(422, "invalid");
    // Two people took part: which one gave or got must be said.
    s.post(&path, &who, json!({ "direction": "gave", "what": "x" })).assert_error(422, "invalid");
    s.patch(&format!("/api/v1/interactions/{iid}"), &who, json!({ "remove_people": [priya, others[1]] }))
        .assert_error(422, "invalid");
    s.patch(&format!("/api/v1/interactions/{iid}"), &who, json!({ "at": "someday" })).assert_error(422, "invalid");
    s.delete(&format!("/api/v1/interactions/{iid}/exchanges/{}", concrete("{id}")), &who)
        .assert_error(404, "not_found");
    assert_eq!(s.op_count(), before);

    let ex = id_of(&i["exchanges"][0]);
    ok(s.delete(&format!("/api/v1/interactions/{iid}/exchanges/{ex}"), &who), 204);
    let i = ok(s.get(&format!("/api/v1/interactions/{iid}"), &who), 200);
    assert_eq!(i["exchanges"].as_array().unwrap().len(), 1);
    ok(s.delete(&format!("/api/v1/interactions/{iid}"), &who), 204);
    s.get(&format!("/api/v1/interactions/{iid}"), &who).assert_error(404, "not_found");
}

/// Make `person` the workspace's "me", as `kith me edit` does.
fn make_me(s: &Server, person: &str) {
    let mut cs = ChangeSet::new();
    cs.set(Kind::Person, person.parse::<Id>().unwrap(), "is_me", true);
    s.store().commit(cs, "max@team.example", 1).unwrap();
}

fn intelligence_reports_are_the_clis(s: Server) {
    let who = member(&s);
    let me = id_of(&ok(s.post("/api/v1/people", &who, json!({ "name": "Max Me" })), 201));
    make_me(&s, &me);
    for (name, tier) in [("Ann Lee", "A"), ("Bob Stone", "B"), ("Cy Diaz", "A"), ("Dee Fox", "C")] {
        ok(s.post("/api/v1/people", &who, json!({ "name": name, "tier": tier, "needs": ["a designer"] })), 201);
    }
    ok(s.post("/api/v1/people", &who, json!({ "name": "Eve Target", "org": "Initech", "title": "CEO" })), 201);
    for (a, b, strength) in [
        ("Max Me", "Ann Lee", 5),
        ("Ann Lee", "Bob Stone", 4),
        ("Bob Stone", "Eve Target", 3),
        ("Max Me", "Cy Diaz", 2),
    ] {
        ok(s.post("/api/v1/ties", &who, json!({ "a": a, "b": b, "strength": strength, "kind": "colleague" })), 201);
    }
    ok(
        s.post(
            "/api/v1/interactions",
            &who,
            json!({ "people": ["Ann Lee"], "kind": "lunch", "at": "40 days ago", "summary": "design system",
                    "gave": ["intro: to Bob"], "got": ["advice: pricing", "advice: hiring"] }),
        ),
        201,
    );
    ok(
        s.post(
            "/api/v1/tasks",
            &who,
            json!({ "title": "send Ann the deck", "due": "today", "people": ["Ann Lee"], "hook": true }),
        ),
        201,
    );
    ok(s.post("/api/v1/events", &who, json!({ "title": "board meeting", "at": "today 15:00" })), 201);

    // The intro path to an organization, hop by hop.
    let path = ok(s.get("/api/v1/path?to=Initech", &who), 200);
    assert_eq!(path["target"]["kind"], json!("org"));
    let chain = &path["paths"][0];
    assert_eq!(names(chain["people"].as_array().unwrap(), "name"), ["you", "Ann Lee", "Bob Stone", "Eve Target"]);
    assert_eq!(chain["hops"], json!(3));
    assert!(chain["steps"][2]["text"].as_str().unwrap().ends_with("(at Initech)"), "{chain}");
    let fewest = ok(s.get("/api/v1/path?to=Eve%20Target&by=hops&from=Cy%20Diaz&max_hops=2", &who), 200);
    assert_eq!(fewest["paths"], json!([]));
    assert!(fewest["message"].as_str().unwrap().starts_with("no chain within 2 hops"), "{fewest}");

    // Each report is what kith_store::reports (the CLI's code) answers for the same store.
    let mut store = s.store();
    let cfg = Settings::default();
    let now = jiff::Timestamp::now();
    let ids = |v: &Value| -> Vec<String> { v.as_array().unwrap().iter().map(id_of).collect() };
    let direct: Vec<String> =
        reports::reconnect(&mut store, &cfg, now, 20).unwrap().into_iter().map(|c| c.id.to_string()).collect();
    let api = ok(s.get("/api/v1/reconnect", &who), 200);
    assert!(!direct.is_empty());
    assert_eq!(ids(&api["items"]), direct);
    let direct: Vec<String> =
        reports::rank(&mut store, &cfg, now, 3).unwrap().into_iter().map(|r| r.id.to_string()).collect();
    let api = ok(s.get("/api/v1/rank?limit=3", &who), 200);
    assert_eq!(ids(&api["items"]), direct);
    assert_eq!(api["items"][0]["components"].as_array().unwrap().len(), 5, "each score explained");
    let ledger = ok(s.get("/api/v1/ledger", &who), 200);
    let direct = serde_json::to_value(reports::ledger_report(&mut store, now, 50).unwrap()).unwrap();
    assert_eq!(ledger["overall"], direct["overall"]);
    assert_eq!(ledger["overall"], json!({ "gave": 1, "got": 2, "balance": -1 }));
    assert_eq!(ledger["people"][0]["name"], json!("Ann Lee"));

    let ann = s.get("/api/v1/people?q=Ann", &who).json()["items"][0]["id"].as_str().unwrap().to_string();
    let brief = ok(s.get(&format!("/api/v1/people/{ann}/brief"), &who), 200);
    let direct = serde_json::to_value(
        reports::person_brief(&mut store, &cfg, ann.parse().unwrap(), Some(me.parse().unwrap()), now).unwrap(),
    )
    .unwrap();
    for field in ["person", "tier", "hooks_mine", "ledger", "needs", "talking_points", "questions"] {
        assert_eq!(brief[field], direct[field], "{field}");
    }
    assert_eq!(brief["hooks_mine"], json!(["send Ann the deck"]));
    s.get(&format!("/api/v1/people/{me}/brief"), &who).assert_error(422, "invalid");
    s.get(&format!("/api/v1/people/{me}/ledger"), &who).assert_error(422, "invalid");
    s.get(&concrete("/api/v1/people/{id}/brief"), &who).assert_error(404, "not_found");

    let plan = ok(s.get("/api/v1/plan", &who), 200);
    assert_eq!(plan["events"][0]["title"], json!("board meeting"));
    assert!(plan["tasks"].as_array().unwrap().iter().any(|t| t["title"] == json!("send Ann the deck")), "{plan}");
    let week = ok(s.get("/api/v1/plan?week=true", &who), 200);
    assert_eq!(week.as_array().unwrap().len(), 7);
    assert_eq!(week[0], plan);
    let events = ok(s.get("/api/v1/events", &who), 200);
    let board = id_of(&events["items"][0]);
    ok(s.post(&format!("/api/v1/events/{board}/attendees"), &who, json!({ "people": ["Ann Lee", "Max Me"] })), 200);
    let eb = ok(s.get(&format!("/api/v1/events/{board}/brief"), &who), 200);
    assert_eq!(eb["people"].as_array().unwrap().len(), 1, "a brief for everyone but me: {eb}");
    assert_eq!(eb["people"][0]["person"]["name"], json!("Ann Lee"));

    let before = s.op_count();
    s.get("/api/v1/path", &who).assert_error(400, "invalid_query");
    s.get("/api/v1/path?to=Nobody%20Known", &who).assert_error(422, "unknown_reference");
    s.get("/api/v1/path?to=Initech&by=luck", &who).assert_error(400, "invalid_query");
    s.get("/api/v1/path?to=Initech&k=0", &who).assert_error(400, "invalid_query");
    s.get("/api/v1/path?to=Initech&max_hops=99", &who).assert_error(400, "invalid_query");
    s.get("/api/v1/path?to=Initech&max_hops=two", &who).assert_error(400, "invalid_query");
    s.get("/api/v1/rank?limit=0", &who).assert_error(400, "invalid_query");
    s.get("/api/v1/reconnect?limit=x", &who).assert_error(400, "invalid_query");
    s.get("/api/v1/plan?date=someday", &who).assert_error(422, "invalid");
    s.get("/api/v1/plan?week=maybe", &who).assert_error(400, "invalid_query");
    assert_eq!(s.op_count(), before, "reports write nothing");
}

fn bad_input_on_the_new_routes_is_a_4xx_and_writes_nothing(s: Server) {
    let who = member(&s);
    let org = id_of(&ok(s.post("/api/v1/orgs", &who, json!({ "name": "Acme" })), 201));
    let before = s.op_count();
    let raw =
        |method: &str, path: &str, body: &str| s.send(method, path, &who, Some(("application/json", body.into())));
    for (method, path) in [
        ("POST", "/api/v1/orgs".to_string()),
        ("PATCH", format!("/api/v1/orgs/{org}")),
        ("POST", "/api/v1/ties".into()),
        ("POST", "/api/v1/projects".into()),
        ("POST", "/api/v1/events".into()),
    ] {
        raw(method, &path, "{,").assert_error(400, "malformed_request");
        raw(method, &path, "[1, 2]").assert_error(422, "invalid_body");
        raw(method, &path, "{\"name\": \"A\", \"admin\": true}").assert_error(422, "invalid_body");
        s.send(method, &path, &who, Some(("text/plain", "{}".into()))).assert_error(415, "unsupported_media_type");
    }
    raw("POST", "/api/v1/orgs", "{\"name\": 7}").assert_error(422, "invalid_body");
    raw("POST", "/api/v1/orgs", "{\"name\": \"B\", \"tags\": \"x\"}").assert_error(422, "invalid_body");
    raw("POST", "/api/v1/ties", "{\"a\": \"x\", \"b\": \"y\", \"strength\": \"strong\"}")
        .assert_error(422, "invalid_body");
    raw("PATCH", &concrete("/api/v1/tasks/{id}"), "{\"no_due\": \"yes\"}").assert_error(422, "invalid_body");
    for path in
        ["/api/v1/orgs/42", "/api/v1/tasks/x", "/api/v1/events/x", "/api/v1/projects/x", "/api/v1/interactions/x"]
    {
        s.get(path, &who).assert_error(400, "bad_id");
    }
    s.get("/api/v1/people/zz/ties", &who).assert_error(400, "bad_id");
    s.get("/api/v1/people/zz/brief", &who).assert_error(400, "bad_id");
    s.delete("/api/v1/ties/zz", &who).assert_error(400, "bad_id");
    for (path, field) in [
        ("/api/v1/orgs/{id}", "notes"),
        ("/api/v1/tasks/{id}", "notes"),
        ("/api/v1/events/{id}", "debrief"),
        ("/api/v1/interactions/{id}", "notes"),
    ] {
        s.get(&concrete(path), &who).assert_error(404, "not_found");
        s.patch(&concrete(path), &who, json!({ field: "x" })).assert_error(404, "not_found");
        s.delete(&concrete(path), &who).assert_error(404, "not_found");
    }
    s.delete(&concrete("/api/v1/ties/{id}"), &who).assert_error(404, "not_found");
    s.post(&concrete("/api/v1/interactions/{id}/exchanges"), &who, json!({ "direction": "gave", "what": "x" }))
        .assert_error(404, "not_found");
    s.get("/api/v1/orgs?limit=0", &who).assert_error(400, "invalid_query");
    s.get("/api/v1/orgs?cursor=zz", &who).assert_error(400, "bad_cursor");
    s.get("/api/v1/projects?sort=name", &who).assert_error(400, "invalid_query");
    s.get("/api/v1/events?limit=501", &who).assert_error(400, "invalid_query");
    assert_eq!(s.op_count(), before, "no bad request wrote anything");
}

fn exports_are_the_clis_files(s: Server) {
    let who = member(&s);
    for (name, email) in [("Priya Raman", "priya@northwind.example"), ("Zoë Ölund", "zoe@example.org")] {
        ok(s.post("/api/v1/people", &who, json!({ "name": name, "emails": [email], "org": "Northwind" })), 201);
    }
    ok(
        s.post(
            "/api/v1/events",
            &who,
            json!({ "title": "RustConf", "at": "2030-09-10 09:00", "attendees": ["Priya Raman"] }),
        ),
        201,
    );
    ok(
        s.post(
            "/api/v1/tasks",
            &who,
            json!({ "title": "send the deck", "due": "2030-01-02", "people": ["Priya Raman"], "hook": true }),
        ),
        201,
    );
    let mut store = s.store();

    let r = s.get("/api/v1/export/vcard", &who);
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.header("content-type").unwrap().starts_with("text/vcard"));
    let mut direct = String::new();
    kith_store::export::vcards(&mut store, kith_interop::vcard::Version::V4, |_, _, card| {
        direct.push_str(card);
        Ok::<_, kith_store::Error>(())
    })
    .unwrap();
    assert_eq!(r.body, direct, "the CLI's vCards");
    assert_eq!(r.body.matches("BEGIN:VCARD").count(), 2);
    assert!(r.body.contains("VERSION:4.0") && r.body.contains("FN:Zoë Ölund"), "{}", r.body);
    let v3 = s.get("/api/v1/export/vcard?version=3", &who);
    assert!(v3.body.contains("VERSION:3.0"), "{}", v3.body);

    let r = s.get("/api/v1/export/ics", &who);
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.header("content-type").unwrap().starts_with("text/calendar"));
    assert_eq!((r.body.matches("BEGIN:VEVENT").count(), r.body.matches("BEGIN:VTODO").count()), (1, 1));
    assert!(r.body.contains("SUMMARY:RustConf") && r.body.contains("send the deck"), "{}", r.body);

    let r = s.get("/api/v1/export/json", &who);
    assert_eq!(r.status, 200, "{}", r.body);
    let mut direct = Vec::new();
    kith_store::export::backup(&mut store, &mut direct).unwrap();
    assert_eq!(r.body.as_bytes(), direct.as_slice(), "the CLI's backup");
    let head: Value = serde_json::from_str(r.body.lines().next().unwrap()).unwrap();
    assert_eq!(head["format"], json!("kith-backup"));
    assert_eq!(head["ops"], json!(s.op_count()));
    assert_eq!(r.body.lines().count(), s.op_count() + 1);

    s.get("/api/v1/export/vcard?version=5", &who).assert_error(400, "invalid_query");
    s.get("/api/v1/export/ics?all=1", &who).assert_error(400, "invalid_query");
    s.get("/api/v1/export/json?since=0", &who).assert_error(400, "invalid_query");
}

/// Exports stream (no length; chunks of 64 KiB from a job reading 2,000 people or 5,000
/// operations a page): an export of more than a page of people arrives whole, parses, leaves
/// out a person private to another user, and is the CLI's file for the caller's view.
fn streamed_exports_are_whole(s: Server) {
    let who = member(&s);
    s.user("ann@team.example", Role::Member);
    let mut store = s.store();
    let ann = store.user_by_email("ann@team.example").unwrap().unwrap().0.id;
    let mut cs = ChangeSet::new();
    const N: u64 = 2_600;
    for i in 0..N {
        let id = store.new_id(1_700_000_000_000 + i);
        cs.set(Kind::Person, id, "display_name", format!("Person {i:04}"));
        let email = format!("p{i}@example.org");
        kith_store::edit::person_item(&mut cs, id, "email", &email, &email, Some("work"), false);
        kith_store::edit::person_item(&mut cs, id, "tag", "bulk", "bulk", None, false);
    }
    let private = store.new_id(1_700_000_000_000 + N);
    cs.set(Kind::Person, private, "display_name", "Hidden Person");
    kith_store::privacy::set_private(&mut cs, private, Some(ann));
    store.commit(cs, "max@team.example", 1).unwrap();

    let r = s.get("/api/v1/export/vcard", &who);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.header("content-length"), None, "streamed");
    let cards: Vec<_> = kith_interop::vcard::parse(&r.body).collect::<Result<_, _>>().unwrap();
    assert_eq!(cards.len(), N as usize);
    for (i, c) in cards.iter().enumerate() {
        // Ids made in increasing milliseconds: id order is creation order.
        assert_eq!(c.name, format!("Person {i:04}"));
        assert_eq!(c.emails.iter().map(|e| e.value.as_str()).collect::<Vec<_>>(), [format!("p{i}@example.org")]);
        assert_eq!(c.tags, ["bulk"]);
    }
    assert!(!r.body.contains("Hidden Person"));
    let max = store.user_by_email("max@team.example").unwrap().unwrap().0.id;
    let hidden = store.hidden_for(max).unwrap();
    store.set_scope(std::sync::Arc::new(hidden));
    let mut direct = String::new();
    kith_store::export::vcards(&mut store, kith_interop::vcard::Version::V4, |_, _, card| {
        direct.push_str(card);
        Ok::<_, kith_store::Error>(())
    })
    .unwrap();
    assert!(r.body == direct, "the CLI's vCards for max's view");

    let r = s.get("/api/v1/export/json", &who);
    assert_eq!(r.status, 200, "{}", r.body.len());
    assert_eq!(r.header("content-length"), None, "streamed");
    let mut lines = r.body.lines();
    let head: Value = serde_json::from_str(lines.next().unwrap()).unwrap();
    let ops: Vec<kith_core::Op> = lines.map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(head["ops"], json!(ops.len()));
    assert!(ops.len() > 5_000 && ops.len() < s.op_count(), "{} of {}", ops.len(), s.op_count());
    assert!(ops.iter().all(|op| op.entity != private));
    assert!(ops.windows(2).all(|w| (w[0].hlc, w[0].node, w[0].id) < (w[1].hlc, w[1].node, w[1].id)));
    let mut direct = Vec::new();
    kith_store::export::backup(&mut store, &mut direct).unwrap();
    assert!(r.body.as_bytes() == direct.as_slice(), "the CLI's backup for max's view");
}

const MIXED: &str = "BEGIN:VCARD\nVERSION:3.0\nFN:Ann Lee\nEMAIL:ann@lee.example\nEND:VCARD\nBEGIN:VCARD\nVERSION:3.0\nbroken\nEND:VCARD\nBEGIN:VCARD\nVERSION:3.0\nFN:Cy Young\nEND:VCARD\n";

fn people_names(s: &Server, who: &Who) -> Vec<String> {
    names(&all_pages(s, who, "/api/v1/people", 500), "name")
}

fn imports_are_all_or_nothing(s: Server) {
    let who = member(&s);
    let send = |path: &str, ct: &str, body: &str| s.send("POST", path, &who, Some((ct, body.to_string())));
    let sample = |p: &str| {
        std::fs::read_to_string(format!("{}/../../testdata/samples/{p}", env!("CARGO_MANIFEST_DIR"))).unwrap()
    };

    // One bad record: nothing is written, and the message says which line.
    let r = send("/api/v1/import/vcard", "text/vcard", MIXED);
    r.assert_error(422, "import_failed");
    assert!(r.json()["error"]["message"].as_str().unwrap().contains("body:8"), "{}", r.body);
    assert_eq!(s.op_count(), 0);
    let dry = ok(send("/api/v1/import/vcard?dry_run=true&partial=true", "text/vcard", MIXED), 200);
    assert_eq!(
        (dry["created"].clone(), dry["failed"].clone(), dry["dry_run"].clone()),
        (json!(2), json!(1), json!(true))
    );
    assert_eq!(s.op_count(), 0, "a dry run writes nothing");
    let done = ok(send("/api/v1/import/vcard?partial=true", "text/vcard", MIXED), 200);
    assert_eq!((done["created"].clone(), done["failed"].clone()), (json!(2), json!(1)));
    assert_eq!(done["failures"][0]["line"], json!(8));
    assert_eq!(people_names(&s, &who), ["Ann Lee", "Cy Young"]);
    assert!(s.store().ops().unwrap().iter().all(|op| op.actor == "max@team.example"));

    // A real export from a phone, then again: the second run changes nothing.
    let apple = sample("vcard/apple-ios.vcf");
    let first = ok(send("/api/v1/import/vcard", "text/vcard", &apple), 200);
    assert!(first["created"].as_u64().unwrap() >= 1 && first["failed"] == json!(0), "{first}");
    let ops = s.op_count();
    let again = ok(send("/api/v1/import/vcard", "text/vcard", &apple), 200);
    assert_eq!(
        again["unchanged"].as_u64(),
        Some(first["created"].as_u64().unwrap() + first["updated"].as_u64().unwrap())
    );
    assert_eq!(s.op_count(), ops, "an unchanged import writes nothing");

    // CSV: LinkedIn by its header; a --map layout; bad layouts are refused before reading.
    let linkedin = sample("csv/linkedin-Connections.csv");
    let r = ok(send("/api/v1/import/csv", "text/csv", &linkedin), 200);
    assert!(r["created"].as_u64().unwrap() + r["updated"].as_u64().unwrap() >= 1, "{r}");
    let mapped = "Wer,Mail\nDee Fox,dee@fox.example\n";
    let r = ok(send("/api/v1/import/csv?map=Wer%3Dname%3BMail%3Demail", "text/csv", mapped), 200);
    assert_eq!(r["created"], json!(1), "{r}");
    assert!(people_names(&s, &who).contains(&"Dee Fox".to_string()));
    let before = s.op_count();
    send("/api/v1/import/csv?format=myspace", "text/csv", mapped).assert_error(400, "invalid_query");
    send("/api/v1/import/csv?map=nonsense", "text/csv", mapped).assert_error(400, "invalid_query");
    send("/api/v1/import/csv", "text/csv", "a,b\n1,2\n").assert_error(422, "import_failed");
    send("/api/v1/import/csv", "text/csv", "").assert_error(422, "invalid");
    send("/api/v1/import/vcard", "text/vcard", "hello").assert_error(422, "import_failed");
    send("/api/v1/import/vcard?partial=yes", "text/vcard", MIXED).assert_error(400, "invalid_query");
    send("/api/v1/import/vcard?force=true", "text/vcard", MIXED).assert_error(400, "invalid_query");
    let huge = format!("BEGIN:VCARD\nVERSION:3.0\nFN:Big\nNOTE:{}\nEND:VCARD\n", "x".repeat(100 * 1024));
    send("/api/v1/import/vcard", "text/vcard", &huge).assert_error(413, "payload_too_large");
    s.send("POST", "/api/v1/import/vcard", &Who::Anonymous, Some(("text/vcard", MIXED.into())))
        .assert_error(401, "unauthorized");
    s.user("vee@team.example", Role::Viewer);
    let viewer = Who::Token(s.token("vee@team.example", false));
    s.send("POST", "/api/v1/import/vcard", &viewer, Some(("text/vcard", MIXED.into()))).assert_error(403, "forbidden");
    assert_eq!(s.op_count(), before, "no refused import wrote anything");
}

/// A client that asks for an export and stops reading holds the export's store only for
/// `export_stall_ms`: with a pool of one store, the next request is answered once the job gave
/// up (it would wait forever if the job kept the store).
#[test]
fn a_stalled_export_gives_its_store_back() {
    use std::io::{Read, Write};
    let s = Server::sqlite_with(kith_server::Config { pool_size: 1, export_stall_ms: 200, ..config() });
    let who = member(&s);
    let Who::Token(token) = &who else { unreachable!() };
    // About 24 MB of vCards: more than the socket buffers and the channel hold.
    let mut store = s.store();
    let mut cs = ChangeSet::new();
    let notes = "a long note that makes the card big. ".repeat(100);
    for i in 0..6_000u64 {
        let id = store.new_id(1_700_000_000_000 + i);
        cs.set(Kind::Person, id, "display_name", format!("Person {i:04}"));
        cs.set(Kind::Person, id, "notes", notes.as_str());
    }
    store.commit(cs, "max@team.example", 1).unwrap();

    let addr = s.base.trim_start_matches("http://").to_string();
    let mut stalled = std::net::TcpStream::connect(&addr).unwrap();
    write!(stalled, "GET /api/v1/export/vcard HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\r\n")
        .unwrap();
    let mut head = [0u8; 12];
    stalled.read_exact(&mut head).unwrap();
    assert_eq!(&head, b"HTTP/1.1 200", "the export started");
    // Never read on. The only store is the export's until it gives up.
    let agent = ureq::Agent::new_with_config(
        ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(std::time::Duration::from_secs(60)))
            .build(),
    );
    let r = agent
        .get(format!("{}/api/v1/people?limit=1", s.base))
        .header("Authorization", format!("Bearer {token}"))
        .call()
        .expect("answered once the stalled export gave its store back");
    assert_eq!(r.status(), 200);
    drop(stalled);
}
