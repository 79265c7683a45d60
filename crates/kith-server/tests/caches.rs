//! The server's in-memory caches (the name index with its list rows, the decoded whole-network
//! reads behind the today, person and network pages, the principals) never show data older
//! than the last write: a write through the API, or through another connection (another
//! server process, the CLI), is seen by the next read. Both engines.

mod support;

use kith_core::{ChangeSet, Id, Kind};
use kith_store::accounts::Role;
use serde_json::json;

use support::{Server, Who, config};

both!(name_search_shows_every_write, pages_show_writes_from_another_store);

fn session(s: &Server, email: &str, role: Role) -> Who {
    let pw = s.user(email, role);
    let r = s.sign_in(email, &pw);
    assert_eq!(r.status, 200, "{}", r.body);
    Who::Session { cookie: r.cookie(kith_server::auth::SESSION_COOKIE).unwrap(), csrf: None }
}

fn names(s: &Server, who: &Who, q: &str) -> Vec<serde_json::Value> {
    let r = s.get(&format!("/api/v1/people?q={q}"), who);
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()["items"].as_array().unwrap().clone()
}

fn name_search_shows_every_write(s: Server) {
    s.user("ann@team.example", Role::Member);
    let who = Who::Token(s.token("ann@team.example", false));
    assert!(names(&s, &who, "quil").is_empty());
    let r =
        s.post("/api/v1/people", &who, json!({ "name": "Quill Berg", "tags": ["design"], "emails": ["q@b.example"] }));
    assert_eq!(r.status, 201, "{}", r.body);
    let id: Id = r.json()["id"].as_str().unwrap().parse().unwrap();
    let found = names(&s, &who, "quil");
    assert_eq!(found.len(), 1);
    assert_eq!((&found[0]["tags"], &found[0]["email"]), (&json!(["design"]), &json!("q@b.example")));

    // Another connection adds a tag, a role at a new organization and a second person.
    let mut other = s.store();
    let mut cs = ChangeSet::new();
    let tag = Id::derive(id, "tag", "art");
    cs.set(Kind::PersonItem, tag, "parent", id.to_string());
    cs.set(Kind::PersonItem, tag, "kind", "tag");
    cs.set(Kind::PersonItem, tag, "value", "art");
    let org = other.new_id(1_795_000_000_000);
    cs.set(Kind::Org, org, "name", "Northwind");
    let role = other.new_id(1_795_000_000_000);
    cs.set(Kind::Role, role, "person", id.to_string());
    cs.set(Kind::Role, role, "org", org.to_string());
    cs.set(Kind::Role, role, "title", "CTO");
    let second = other.new_id(1_795_000_000_000);
    cs.set(Kind::Person, second, "display_name", "Quilla Ng");
    other.commit(cs, "elsewhere", 1_795_000_000_000).unwrap();
    let found = names(&s, &who, "quil");
    assert_eq!(found.iter().map(|p| p["name"].as_str().unwrap()).collect::<Vec<_>>(), ["Quill Berg", "Quilla Ng"]);
    assert_eq!(found[0]["tags"], json!(["art", "design"]));
    assert_eq!((&found[0]["org"], &found[0]["title"]), (&json!("Northwind"), &json!("CTO")));

    // A rename through the API, and a deletion by the other connection.
    let r = s.send(
        "PATCH",
        &format!("/api/v1/people/{id}"),
        &who,
        Some(("application/json", json!({ "name": "Quinn Berg" }).to_string())),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let mut cs = ChangeSet::new();
    cs.delete(Kind::Person, second, true);
    other.commit(cs, "elsewhere", 1_795_000_000_000).unwrap();
    assert!(names(&s, &who, "quil").is_empty());
    assert_eq!(names(&s, &who, "quinn").len(), 1);
}

/// The pages read the whole network from memory; a tie or an interaction written by another
/// connection shows on the next page.
fn pages_show_writes_from_another_store(s: Server) {
    let who = session(&s, "ann@team.example", Role::Member);
    let mut other = s.store();
    // People first seen long ago, never contacted: due for a reconnect.
    let long_ago = 1_600_000_000_000;
    let (zed, yara, xan) = (other.new_id(long_ago), other.new_id(long_ago), other.new_id(long_ago));
    let mut cs = ChangeSet::new();
    cs.set(Kind::Person, zed, "display_name", "Zedekiah Orm");
    cs.set(Kind::Person, zed, "tier", "A");
    cs.set(Kind::Person, yara, "display_name", "Yarrow Pell");
    cs.set(Kind::Person, xan, "display_name", "Xanthe Rook");
    let tie = Id::derive(zed, "tie", &yara.to_string());
    cs.set(Kind::Tie, tie, "a", zed.to_string());
    cs.set(Kind::Tie, tie, "b", yara.to_string());
    cs.set(Kind::Tie, tie, "strength", 4);
    other.commit(cs, "elsewhere", 1_795_000_000_000).unwrap();

    let page = |path: &str| {
        let r = s.get(path, &who);
        assert_eq!(r.status, 200, "{path}: {}", r.body);
        r.body
    };
    let net = page(&format!("/network?person={zed}"));
    assert!(net.contains("Yarrow Pell") && !net.contains("Xanthe Rook"), "{net}");
    assert!(page("/").contains("Zedekiah Orm"), "due for a reconnect");
    assert!(page(&format!("/people/{zed}")).contains("Zedekiah Orm"));

    // Another connection ties Zedekiah to Xanthe and logs a call with him three days ago.
    let mut cs = ChangeSet::new();
    let tie = Id::derive(zed, "tie", &xan.to_string());
    cs.set(Kind::Tie, tie, "a", zed.to_string());
    cs.set(Kind::Tie, tie, "b", xan.to_string());
    cs.set(Kind::Tie, tie, "strength", 5);
    let now = jiff::Timestamp::now().as_millisecond() - 3 * 86_400_000;
    let call = other.new_id(now as u64);
    cs.set(Kind::Interaction, call, "kind", "call");
    cs.set(Kind::Interaction, call, "occurred_at", now);
    let pt = Id::derive(call, "participant", &zed.to_string());
    cs.set(Kind::Participant, pt, "interaction", call.to_string());
    cs.set(Kind::Participant, pt, "person", zed.to_string());
    other.commit(cs, "elsewhere", now as u64).unwrap();
    let net = page(&format!("/network?person={zed}"));
    assert!(net.contains("Yarrow Pell") && net.contains("Xanthe Rook"), "{net}");
    let today = page("/");
    assert!(!today.contains("Zedekiah Orm"), "contacted three days ago, so not due: {today}");
}
