//! The team as its members see it through the API: task assignment, the activity feed, projects
//! shared with guests. A real server on 127.0.0.1:0, a real HTTP client, both engines.

#[macro_use]
mod support;

use kith_store::accounts::Role;
use serde_json::{Value, json};
use support::{Server, Who, config};

both!(tasks_are_assigned_to_coworkers);

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
    s.user("ann@team.example", Role::Member);
    s.user("bob@team.example", Role::Member);
    s.user("vic@team.example", Role::Viewer);
    let ann = Who::Token(s.token("ann@team.example", false));
    let bob = Who::Token(s.token("bob@team.example", false));
    let vic = Who::Token(s.token("vic@team.example", false));
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
