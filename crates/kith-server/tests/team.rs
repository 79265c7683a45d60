//! The team as its members see it through the API: task assignment, the activity feed, projects
//! shared with guests. A real server on 127.0.0.1:0, a real HTTP client, both engines.

#[macro_use]
mod support;

use kith_store::accounts::Role;
use serde_json::{Value, json};
use support::{Server, Who, config};

both!(tasks_are_assigned_to_coworkers, activity_feed_pages_by_change, guests_see_only_shared_projects);

fn patch(s: &Server, path: &str, who: &Who, body: Value) -> support::Resp {
    s.send("PATCH", path, who, Some(("application/json", body.to_string())))
}

fn ids(v: &Value) -> Vec<String> {
    v["items"].as_array().unwrap().iter().map(|t| t["id"].as_str().unwrap().to_string()).collect()
}

fn agenda_ids(s: &Server, who: &Who) -> Vec<String> {
    let r = s.get("/api/v1/agenda?days=2", who);
    assert_eq!(r.status, 200, "{}", r.body);
    ids(&r.json())
}

fn tasks_are_assigned_to_coworkers(s: Server) {
    let ann = s.member("ann@team.example", Role::Member);
    let bob = s.member("bob@team.example", Role::Member);
    let vic = s.member("vic@team.example", Role::Viewer);
    let bob_id = s.store().user_by_email("bob@team.example").unwrap().unwrap().0.id.to_string();

    let r = s.post(
        "/api/v1/tasks",
        &ann,
        json!({ "title": "send Priya the deck", "due": "today", "assignee": "Bob@Team.example" }),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let deck = r.json();
    assert_eq!(deck["assignee"]["email"], json!("bob@team.example"));
    assert_eq!(deck["assignee"]["id"], json!(bob_id));
    let deck_id = deck["id"].as_str().unwrap().to_string();
    // The op log holds the user's id, which stays the same when the account's email changes.
    let ops = s.store().ops().unwrap();
    let op = ops.iter().find(|o| o.field == "assignee").expect("an assignee op");
    assert_eq!(op.value, json!(bob_id));
    assert_eq!(op.actor, "ann@team.example");

    let r = s.post("/api/v1/tasks", &ann, json!({ "title": "book the venue", "due": "today" }));
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.json()["assignee"], Value::Null);
    let venue_id = r.json()["id"].as_str().unwrap().to_string();

    // Assigning to someone who is not a member is refused, in the stable format, writing nothing.
    let before = s.op_count();
    for who in ["stranger@else.example", "not an email"] {
        let r = s.post("/api/v1/tasks", &ann, json!({ "title": "x", "assignee": who }));
        r.assert_error(422, "invalid");
        assert!(r.json()["error"]["message"].as_str().unwrap().contains(if who.contains('@') {
            "not a member"
        } else {
            "email"
        }));
    }
    patch(&s, &format!("/api/v1/tasks/{deck_id}"), &ann, json!({ "assignee": "stranger@else.example" }))
        .assert_error(422, "invalid");
    patch(&s, &format!("/api/v1/tasks/{deck_id}"), &ann, json!({})).assert_error(422, "invalid");
    patch(&s, &format!("/api/v1/tasks/{deck_id}"), &ann, json!({ "assignee": 7 })).assert_error(422, "invalid_body");
    patch(&s, &support::concrete("/api/v1/tasks/{id}"), &ann, json!({ "title": "y" })).assert_error(404, "not_found");
    s.get("/api/v1/tasks?assignee=stranger@else.example", &ann).assert_error(422, "invalid");
    s.get("/api/v1/tasks?project=nope", &ann).assert_error(400, "bad_id");
    // A viewer may be given work but may not hand it out.
    patch(&s, &format!("/api/v1/tasks/{deck_id}"), &vic, json!({ "assignee": "vic@team.example" }))
        .assert_error(403, "forbidden");
    assert_eq!(s.op_count(), before, "no refused request wrote anything");

    // Who has what.
    let mine = |who: &Who| ids(&s.get("/api/v1/tasks?assignee=me", who).json());
    assert_eq!(mine(&bob), [deck_id.as_str()]);
    assert!(mine(&ann).is_empty());
    assert_eq!(ids(&s.get("/api/v1/tasks?assignee=none", &ann).json()), [venue_id.as_str()]);
    assert_eq!(ids(&s.get("/api/v1/tasks?assignee=bob@team.example", &vic).json()), [deck_id.as_str()]);
    // Everyone's agenda has the unassigned work and their own, not a coworker's.
    let bob_agenda = agenda_ids(&s, &bob);
    assert!(bob_agenda.contains(&deck_id) && bob_agenda.contains(&venue_id), "{bob_agenda:?}");
    let ann_agenda = agenda_ids(&s, &ann);
    assert!(!ann_agenda.contains(&deck_id) && ann_agenda.contains(&venue_id), "{ann_agenda:?}");
    // So has their day plan.
    for (who, sees_deck) in [(&bob, true), (&ann, false)] {
        let plan = s.get("/api/v1/plan", who);
        assert_eq!(plan.status, 200, "{}", plan.body);
        assert_eq!(plan.body.contains(&deck_id), sees_deck, "{}", plan.body);
        assert!(plan.body.contains(&venue_id), "{}", plan.body);
    }
    let item = s.get("/api/v1/agenda?days=2", &bob).json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == json!(deck_id))
        .cloned()
        .unwrap();
    assert_eq!(item["assignee"]["email"], json!("bob@team.example"));

    // Reassigned to the viewer, then to no one: it follows.
    let r =
        patch(&s, &format!("/api/v1/tasks/{deck_id}"), &bob, json!({ "assignee": "vic@team.example", "priority": 2 }));
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        (r.json()["assignee"]["email"].clone(), r.json()["priority"].clone()),
        (json!("vic@team.example"), json!(2))
    );
    assert!(mine(&bob).is_empty());
    assert_eq!(mine(&vic), [deck_id.as_str()]);
    assert!(agenda_ids(&s, &vic).contains(&deck_id));
    let r = patch(&s, &format!("/api/v1/tasks/{deck_id}"), &ann, json!({ "assignee": null }));
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["assignee"], Value::Null);
    assert!(agenda_ids(&s, &ann).contains(&deck_id));
    // Leaving the field out leaves the assignment alone.
    let r = patch(&s, &format!("/api/v1/tasks/{venue_id}"), &ann, json!({ "assignee": "ann@team.example" }));
    assert_eq!(r.status, 200, "{}", r.body);
    let r = patch(&s, &format!("/api/v1/tasks/{venue_id}"), &ann, json!({ "title": "book the big venue" }));
    assert_eq!(
        (r.json()["title"].clone(), r.json()["assignee"]["email"].clone()),
        (json!("book the big venue"), json!("ann@team.example"))
    );
    // Done by the assignee.
    let r = s.post(&format!("/api/v1/tasks/{venue_id}/done"), &ann, json!({}));
    assert_eq!(r.json()["status"], json!("done"));
    assert!(mine(&ann).is_empty(), "open tasks only by default");
}

/// Every page of a feed, following `next_cursor`: the entries in order.
fn all_pages(s: &Server, path: &str, who: &Who) -> Vec<Value> {
    let mut out = Vec::new();
    let sep = if path.contains('?') { '&' } else { '?' };
    let mut next = format!("{path}{sep}limit=2");
    loop {
        let r = s.get(&next, who);
        assert_eq!(r.status, 200, "{}", r.body);
        let page = r.json();
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= 2);
        out.extend(items.iter().cloned());
        match page["next_cursor"].as_str() {
            Some(c) => next = format!("{path}{sep}limit=2&cursor={c}"),
            None => break,
        }
    }
    out
}

fn summaries(entries: &[Value]) -> Vec<(String, String)> {
    entries
        .iter()
        .map(|e| (e["actor"].as_str().unwrap().to_string(), e["summary"].as_str().unwrap().to_string()))
        .collect()
}

fn activity_feed_pages_by_change(s: Server) {
    s.user("ann@team.example", Role::Member);
    s.user("bob@team.example", Role::Member);
    s.user("vic@team.example", Role::Viewer);
    s.user("gus@team.example", Role::Guest);
    let ann = Who::Token(s.token("ann@team.example", false));
    let bob = Who::Token(s.token("bob@team.example", false));
    let vic = Who::Token(s.token("vic@team.example", false));
    let gus = Who::Token(s.token("gus@team.example", false));
    // Two bulk changes (imports) by one actor, a few milliseconds apart, long ago: each is one
    // entry, described from its newest operations, with its exact operation count.
    for (batch, wall_ms) in [(0, 1_000_000u64), (1, 1_000_005)] {
        let mut cs = kith_core::ChangeSet::new();
        for i in 0..1_100 {
            let id = kith_core::Id::v7(wall_ms, [batch, (i % 256) as u8, (i / 256) as u8, 0, 0, 0, 0, 0, 0, 1]);
            cs.set(kith_core::Kind::Person, id, "display_name", format!("Imported {batch}-{i}"));
            cs.set(kith_core::Kind::Person, id, "tier", "C");
        }
        s.store().commit(cs, "import@team.example", wall_ms).unwrap();
    }
    // Each step by the other user, so that no two changes could share an entry.
    let r = s.post(
        "/api/v1/people",
        &ann,
        json!({ "name": "Priya Raman", "emails": ["priya@northwind.example"], "tags": ["design", "conf"] }),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let priya = r.json()["id"].as_str().unwrap().to_string();
    let r = patch(&s, &format!("/api/v1/people/{priya}"), &bob, json!({ "tier": "A" }));
    assert_eq!(r.status, 200, "{}", r.body);
    let r =
        s.post("/api/v1/tasks", &ann, json!({ "title": "ship the beta", "project": "Launch", "people": ["Priya"] }));
    assert_eq!(r.status, 201, "{}", r.body);
    let (task, project) =
        (r.json()["id"].as_str().unwrap().to_string(), r.json()["project_id"].as_str().unwrap().to_string());
    assert_eq!(s.post(&format!("/api/v1/tasks/{task}/done"), &bob, json!({})).status, 200);
    assert_eq!(s.send("DELETE", &format!("/api/v1/people/{priya}"), &ann, None).status, 204);

    let feed = all_pages(&s, "/api/v1/activity", &vic);
    let ann_s = "ann@team.example".to_string();
    let bob_s = "bob@team.example".to_string();
    assert_eq!(
        summaries(&feed),
        [
            (ann_s.clone(), "removed person “Priya Raman”".to_string()),
            (bob_s.clone(), "changed task “ship the beta” (status, done_at)".to_string()),
            (ann_s.clone(), "added task “ship the beta” and 1 more record".to_string()),
            (bob_s.clone(), "changed person “Priya Raman” (tier)".to_string()),
            (ann_s.clone(), "added person “Priya Raman”".to_string()),
            ("import@team.example".to_string(), "added person “Imported 1-1099” and more records".to_string()),
            ("import@team.example".to_string(), "added person “Imported 0-1099” and more records".to_string()),
        ]
    );
    for bulk in &feed[5..] {
        assert_eq!((bulk["ops"].clone(), bulk["partial"].clone()), (json!(2_200), json!(true)), "{bulk}");
        assert_eq!(bulk["records"].as_array().unwrap().len(), 10, "ten records shown");
        assert!(bulk["record_count"].as_u64().unwrap() >= 1_000, "{}", bulk["record_count"]);
    }
    assert_eq!(feed[4]["partial"], json!(false));
    // One entry per change: the person's emails and tags are part of adding the person.
    let added = &feed[4];
    assert_eq!((added["record_count"].clone(), added["records"][0]["kind"].clone()), (json!(1), json!("person")));
    assert!(added["ops"].as_u64().unwrap() > 4, "{added}");
    let kinds: Vec<&str> = feed[2]["records"].as_array().unwrap().iter().map(|r| r["kind"].as_str().unwrap()).collect();
    assert!(kinds.contains(&"task") && kinds.contains(&"project"), "{kinds:?}");
    let times: Vec<jiff::Timestamp> = feed.iter().map(|e| e["at"].as_str().unwrap().parse().unwrap()).collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "newest first: {times:?}");

    // A project's feed: the project and its tasks only, by either route.
    let by_query = all_pages(&s, &format!("/api/v1/activity?project={project}"), &vic);
    let by_path = all_pages(&s, &format!("/api/v1/projects/{project}/activity"), &vic);
    assert_eq!(summaries(&by_query), summaries(&by_path));
    assert_eq!(
        summaries(&by_query),
        [
            (bob_s.clone(), "changed task “ship the beta” (status, done_at)".to_string()),
            (ann_s.clone(), "added task “ship the beta” and 1 more record".to_string()),
        ]
    );

    s.get("/api/v1/activity?cursor=abc", &vic).assert_error(400, "bad_cursor");
    s.get("/api/v1/activity?cursor=-5", &vic).assert_error(400, "bad_cursor");
    s.get("/api/v1/activity?limit=0", &vic).assert_error(400, "invalid_query");
    s.get("/api/v1/activity?project=x", &vic).assert_error(400, "bad_id");
    s.get(&support::concrete("/api/v1/projects/{id}/activity"), &vic).assert_error(404, "not_found");
    // A guest sees no workspace feed, and no project's that is not shared with them.
    s.get("/api/v1/activity", &gus).assert_error(403, "forbidden");
    s.get(&format!("/api/v1/projects/{project}/activity"), &gus).assert_error(404, "not_found");
}

fn guests_see_only_shared_projects(s: Server) {
    s.user("own@team.example", Role::Owner);
    s.user("mem@team.example", Role::Member);
    s.user("gus@team.example", Role::Guest);
    let own = Who::Token(s.token("own@team.example", false));
    let mem = Who::Token(s.token("mem@team.example", false));
    let gus = Who::Token(s.token("gus@team.example", false));
    let gus_ro = Who::Token(s.token("gus@team.example", true));
    assert_eq!(s.post("/api/v1/people", &own, json!({ "name": "Secret Person" })).status, 201);
    let add = |title: &str, project: &str| {
        let r =
            s.post("/api/v1/tasks", &own, json!({ "title": title, "project": project, "people": ["Secret Person"] }));
        assert_eq!(r.status, 201, "{}", r.body);
        (r.json()["id"].as_str().unwrap().to_string(), r.json()["project_id"].as_str().unwrap().to_string())
    };
    let (wires, client) = add("wireframes", "Client Site");
    let (budget, internal) = add("Secret budget", "Internal");
    let tasks = |who: &Who| s.get("/api/v1/tasks", who);
    assert_eq!(tasks(&gus).json()["items"], json!([]), "nothing shared yet");

    // Only owners and admins share; with a member of the workspace; with view, edit or none.
    let share = |who: &Who, project: &str, email: &str, rights: &str| {
        s.post(&format!("/api/v1/projects/{project}/members"), who, json!({ "email": email, "rights": rights }))
    };
    share(&mem, &client, "gus@team.example", "view").assert_error(403, "forbidden");
    share(&own, &client, "nobody@else.example", "view").assert_error(422, "invalid");
    share(&own, &client, "gus@team.example", "owner").assert_error(422, "invalid");
    share(&own, &support::concrete("{id}"), "gus@team.example", "view").assert_error(404, "not_found");
    let r = share(&own, &client, "gus@team.example", "view");
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        r.json()["items"],
        json!([{ "user_id": r.json()["items"][0]["user_id"], "email": "gus@team.example", "name": "gus", "rights": "view" }])
    );

    // The guest sees that project's tasks, without the workspace's people on them, and nothing else.
    let r = tasks(&gus);
    assert_eq!(ids(&r.json()), [wires.as_str()]);
    assert!(!r.body.contains("Secret"), "{}", r.body);
    assert_eq!(s.get(&format!("/api/v1/projects/{client}/members"), &gus).status, 200);
    let feed = s.get(&format!("/api/v1/projects/{client}/activity"), &gus);
    assert_eq!(feed.status, 200, "{}", feed.body);
    assert!(feed.body.contains("wireframes") && !feed.body.contains("Secret"), "{}", feed.body);
    for path in [format!("/api/v1/projects/{internal}/activity"), format!("/api/v1/projects/{internal}/members")] {
        s.get(&path, &gus).assert_error(404, "not_found");
    }
    for path in
        ["/api/v1/people", "/api/v1/activity", "/api/v1/agenda", "/api/v1/search?q=secret", "/api/v1/interactions"]
    {
        s.get(path, &gus).assert_error(403, "forbidden");
    }
    s.get("/api/v1/tasks?person=01900000-0000-7000-8000-000000000000", &gus).assert_error(403, "forbidden");
    let before = s.op_count();
    // View rights: no changes. Other projects' tasks do not exist for them.
    patch(&s, &format!("/api/v1/tasks/{wires}"), &gus, json!({ "title": "x" })).assert_error(403, "forbidden");
    s.post(&format!("/api/v1/tasks/{wires}/done"), &gus, json!({})).assert_error(403, "forbidden");
    patch(&s, &format!("/api/v1/tasks/{budget}"), &gus, json!({ "title": "x" })).assert_error(404, "not_found");
    s.post(&format!("/api/v1/tasks/{budget}/done"), &gus, json!({})).assert_error(404, "not_found");
    s.post("/api/v1/tasks", &gus, json!({ "title": "x", "project": "Client Site" })).assert_error(403, "forbidden");
    let one = s.get(&format!("/api/v1/tasks/{wires}"), &gus);
    assert_eq!((one.status, one.json()["title"].clone()), (200, json!("wireframes")), "{}", one.body);
    s.get(&format!("/api/v1/tasks/{budget}"), &gus).assert_error(404, "not_found");
    s.send("DELETE", &format!("/api/v1/tasks/{budget}"), &gus, None).assert_error(404, "not_found");
    s.send("DELETE", &format!("/api/v1/tasks/{wires}"), &gus, None).assert_error(403, "forbidden");
    assert_eq!(s.op_count(), before);

    // Edit rights: they change and add tasks in that project only, never linking people or
    // making projects; a read-only token stays read-only.
    assert_eq!(share(&own, &client, "gus@team.example", "edit").status, 200);
    let r = patch(
        &s,
        &format!("/api/v1/tasks/{wires}"),
        &gus,
        json!({ "title": "wireframes v2", "assignee": "gus@team.example" }),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(!r.body.contains("Secret"), "{}", r.body);
    let r = s.post("/api/v1/tasks", &gus, json!({ "title": "logo ideas", "project": "client site" }));
    assert_eq!(r.status, 201, "{}", r.body);
    let logo = r.json()["id"].as_str().unwrap().to_string();
    let before = s.op_count();
    for body in [
        json!({ "title": "x", "project": "Internal" }),
        json!({ "title": "x", "project": "A New One" }),
        json!({ "title": "x" }),
        json!({ "title": "x", "project": "Client Site", "people": ["Secret Person"] }),
    ] {
        s.post("/api/v1/tasks", &gus, body).assert_error(403, "forbidden");
    }
    patch(&s, &format!("/api/v1/tasks/{wires}"), &gus, json!({ "project": "Internal" })).assert_error(403, "forbidden");
    // A guest gives work to themselves or to no one; naming anyone else is refused the same way
    // whether they are a member or not, so the answer says nothing about who the members are.
    for email in ["mem@team.example", "nobody@else.example"] {
        let r = s.post("/api/v1/tasks", &gus, json!({ "title": "x", "project": "Client Site", "assignee": email }));
        r.assert_error(403, "forbidden");
        let p = patch(&s, &format!("/api/v1/tasks/{wires}"), &gus, json!({ "assignee": email }));
        p.assert_error(403, "forbidden");
        assert_eq!(r.json()["error"]["message"], p.json()["error"]["message"]);
    }
    patch(&s, &format!("/api/v1/tasks/{budget}"), &gus, json!({ "title": "x" })).assert_error(404, "not_found");
    patch(&s, &format!("/api/v1/tasks/{wires}"), &gus_ro, json!({ "title": "x" })).assert_error(403, "forbidden");
    share(&gus, &client, "gus@team.example", "edit").assert_error(403, "forbidden");
    assert_eq!(s.op_count(), before, "nothing refused was written");
    let mut seen = ids(&tasks(&gus).json());
    seen.sort();
    let mut want = vec![wires.clone(), logo.clone()];
    want.sort();
    assert_eq!(seen, want);
    assert_eq!(ids(&s.get("/api/v1/tasks?assignee=me", &gus).json()), [wires.as_str()]);
    // The workspace's members see the guest's work like any other.
    assert!(ids(&tasks(&mem).json()).contains(&logo));

    // Unshared: gone again.
    assert_eq!(share(&own, &client, "gus@team.example", "none").json()["items"], json!([]));
    assert_eq!(tasks(&gus).json()["items"], json!([]));
    patch(&s, &format!("/api/v1/tasks/{wires}"), &gus, json!({ "title": "x" })).assert_error(404, "not_found");

    // Someone from another workspace (another server's token) is nobody here.
    let other = Server::sqlite_with(config());
    other.user("gus@team.example", Role::Owner);
    let stranger = Who::Token(other.token("gus@team.example", false));
    for path in ["/api/v1/tasks".to_string(), format!("/api/v1/projects/{client}/members"), "/api/v1/activity".into()] {
        s.get(&path, &stranger).assert_error(401, "unauthorized");
    }
}
