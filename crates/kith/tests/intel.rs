//! Relationship intelligence end to end: `reconnect`, `ledger`, `match`, `path`, `rank`,
//! `brief`, `plan`, `debrief`, `remind` and warmth in `person show`, on a hand-made network, on a
//! fresh SQLite file and on a fresh PostgreSQL schema. "Now" is Wednesday 2026-11-25 09:00 UTC
//! (10:00 in Prague).

mod support;

use support::{Kith, both};

use serde_json::Value;

both!(
    logged_call_resets_the_cadence,
    reconnect_orders_by_urgency,
    ledger_balances_and_takers,
    path_explains_each_hop_and_answers_no_path,
    brief_has_every_section,
    plan_orders_events_and_fills_free_slots,
    debrief_is_one_transaction,
    remind_exit_status,
    match_explains_offers,
    rank_shows_components,
    cached_network_reads_see_the_next_change,
    settings_change_cadences_and_bad_files_are_refused,
);

/// Me, Ann (A) – Bob (B) – Carol (C, at Acme) in a chain of ties, Dan (D) alone, and Annika, whose
/// name shares a start with Ann's.
fn network(k: &Kith) {
    k.ok(&[
        "me",
        "edit",
        "--name",
        "Mia Me",
        "--pitch",
        "I help design teams ship faster",
        "--strength",
        "fundraising",
        "--offers",
        "design reviews",
    ]);
    k.ok(&["person", "add", "Ann Lee", "--tier", "A", "--needs", "design reviews", "--met", "RustConf 2025"]);
    k.ok(&["person", "add", "Bob Stone", "--tier", "B", "--offers", "seed investors"]);
    k.ok(&["person", "add", "Carol King", "--tier", "C", "--org", "Acme", "--needs", "seed investors"]);
    k.ok(&["person", "add", "Dan Solo", "--tier", "D"]);
    k.ok(&["person", "add", "Annika Berg", "--tier", "D"]);
    k.ok(&["tie", "add", "me", "Ann Lee", "--kind", "colleague", "--strength", "4"]);
    k.ok(&["tie", "add", "Ann Lee", "Bob Stone", "--kind", "colleague", "--strength", "4"]);
    k.ok(&["tie", "add", "Bob Stone", "Carol King", "--kind", "friend", "--strength", "3"]);
}

fn names(list: &Value) -> Vec<String> {
    list.as_array().unwrap().iter().map(|x| x["name"].as_str().unwrap().to_string()).collect()
}

fn logged_call_resets_the_cadence(k: &Kith) {
    network(k);
    k.ok(&["log", "Ann Lee", "--kind", "lunch", "--at", "2026-10-26 12:00"]);
    let list = k.json(&["reconnect"]);
    assert!(names(&list).contains(&"Ann Lee".to_string()), "{list}");
    let ann = &list.as_array().unwrap()[0];
    assert_eq!(ann["cadence_days"], 14);
    assert!(ann["overdue_days"].as_f64().unwrap() > 15.0, "{ann}");

    // A plain call yesterday counts as contact as much as a lunch.
    k.ok(&["log", "Ann Lee", "--kind", "call", "--at", "yesterday 17:00"]);
    let list = k.json(&["reconnect"]);
    assert!(!names(&list).contains(&"Ann Lee".to_string()), "the call did not reset the cadence: {list}");

    // Warmth follows: recency is now nearly full.
    let p = k.json(&["person", "show", "Ann Lee"]);
    let w = &p["warmth"];
    let parts: Vec<&str> = w["components"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(parts, ["recency", "frequency", "reciprocity", "tie"]);
    assert!(w["components"][0]["points"].as_f64().unwrap() > 35.0, "{w}");
    assert_eq!(w["components"][3]["points"].as_f64().unwrap(), 16.0, "tie strength 4 of 5: {w}");
    let human = k.ok(&["person", "show", "Ann Lee"]);
    assert!(human.contains(&format!("Warmth {} / 100", w["score"])), "{human}");
    assert!(human.contains("tie strength 4 of 5"), "{human}");
    assert_eq!(k.json(&["me", "show"])["warmth"], Value::Null);
}

fn settings_change_cadences_and_bad_files_are_refused(k: &Kith) {
    network(k);
    // Ten days ago: within tier A's default fortnight.
    k.ok(&["log", "Ann Lee", "--kind", "call", "--at", "2026-11-15 10:00"]);
    assert!(!names(&k.json(&["reconnect"])).contains(&"Ann Lee".to_string()));
    std::fs::write(k.settings_file(), "work_start = \"08:30\"\n\n[cadence]\na = 7\n").unwrap();
    let list = k.json(&["reconnect"]);
    let ann = list.as_array().unwrap().iter().find(|c| c["name"] == "Ann Lee").expect("Ann is due every 7 days now");
    assert_eq!(ann["cadence_days"], 7);
    let shown = k.json(&["settings"]);
    assert_eq!((shown["exists"].as_bool(), shown["settings"]["cadence"]["a"].as_i64()), (Some(true), Some(7)));
    assert_eq!(shown["settings"]["cadence"]["b"], 30, "what the file leaves out keeps its default");

    for (text, expected) in [
        ("work_start = \"25:00\"\n", "(line 1)"),
        ("[cadence]\na = 7\nwork_start = \"08:30\"\n", "(line 3): unknown field `work_start`"),
        ("[cadence]\nb = 0\n", "cadence.b is 0 days"),
    ] {
        std::fs::write(k.settings_file(), text).unwrap();
        let r = k.run(&["reconnect"]);
        assert_eq!(r.code, 2, "{text}: {}", r.stderr);
        assert!(r.stderr.contains("settings.toml") && r.stderr.contains(expected), "{text}: {}", r.stderr);
    }
}

fn reconnect_orders_by_urgency(k: &Kith) {
    network(k);
    // Ann (A) 30 days ago: 16 days late on 14. Bob (B) 100 days ago: 70 days late on 30, but
    // matters less. Carol (C) 200 days ago. Dan (D) 10 days ago: not due.
    k.ok(&["log", "Ann Lee", "--at", "2026-10-26 12:00"]);
    k.ok(&["log", "Bob Stone", "--at", "2026-08-17 12:00"]);
    k.ok(&["log", "Carol King", "--at", "2026-05-09 12:00"]);
    k.ok(&["log", "Dan Solo", "--at", "2026-11-15 12:00"]);
    let list = k.json(&["reconnect"]);
    assert_eq!(names(&list), ["Ann Lee", "Bob Stone", "Carol King"]);
    let urgency: Vec<f64> = list.as_array().unwrap().iter().map(|c| c["urgency"].as_f64().unwrap()).collect();
    assert!(urgency.windows(2).all(|w| w[0] >= w[1]), "{urgency:?}");
    assert_eq!(list[1]["suggestion"], "propose lunch");
    assert_eq!(names(&k.json(&["reconnect", "--limit", "2"])), ["Ann Lee", "Bob Stone"]);

    // An open hook is the suggested next step.
    k.ok(&["hook", "Bob Stone", "send the deck", "--due", "in 2d"]);
    let list = k.json(&["reconnect"]);
    assert_eq!(list[1]["suggestion"], "follow up on: send the deck");
    let human = k.ok(&["reconnect"]);
    let first = human.lines().nth(1).unwrap();
    assert!(first.starts_with("Ann Lee") && first.contains("29 days ago"), "{human}");
}

fn ledger_balances_and_takers(k: &Kith) {
    network(k);
    k.ok(&["log", "Bob Stone", "--at", "2026-11-01 10:00", "--got", "advice: pricing", "--weight", "2"]);
    k.ok(&["log", "Bob Stone", "--at", "2026-11-10 10:00", "--got", "referral: a lawyer"]);
    k.ok(&["log", "Ann Lee", "--at", "2026-11-20 10:00", "--gave", "intro to Bob"]);

    let bob = k.json(&["ledger", "Bob Stone"]);
    assert_eq!(bob["person"]["gave"], 0);
    assert_eq!(bob["person"]["got"], 3);
    assert_eq!(bob["person"]["balance"], -3);
    assert_eq!(bob["exchanges"].as_array().unwrap().len(), 2);
    assert_eq!(bob["exchanges"][0]["what"], "a lawyer", "newest first");

    let all = k.json(&["ledger"]);
    assert_eq!(all["overall"]["gave"], 1);
    assert_eq!(all["overall"]["got"], 3);
    assert_eq!(all["overall"]["balance"], -2);
    assert_eq!(names(&all["taking_without_giving"]), ["Bob Stone"]);
    assert_eq!(names(&all["gave_recently"]), ["Ann Lee"]);
    let kinds: Vec<&str> = all["by_kind"].as_array().unwrap().iter().map(|x| x["kind"].as_str().unwrap()).collect();
    assert!(kinds.contains(&"advice") && kinds.contains(&"intro"), "{kinds:?}");

    // Giving back moves the balance.
    k.ok(&["log", "Bob Stone", "--gave", "intro to Carol", "--weight", "2"]);
    assert_eq!(k.json(&["ledger", "Bob Stone"])["person"]["balance"], -1);
    let human = k.ok(&["ledger"]);
    assert!(human.contains("Overall: gave 3, got 3, balance +0"), "{human}");
    assert_eq!(k.run(&["ledger", "me"]).code, 2);
    assert_eq!(k.run(&["ledger", "nobody-here"]).code, 3);
}

fn path_explains_each_hop_and_answers_no_path(k: &Kith) {
    network(k);
    k.ok(&["log", "Ann Lee", "--kind", "call", "--at", "2026-11-13 10:00"]);
    let p = k.json(&["path", "Carol King"]);
    let chain = &p["paths"][0];
    let people: Vec<&str> = chain["people"].as_array().unwrap().iter().map(|x| x["name"].as_str().unwrap()).collect();
    assert_eq!(people, ["you", "Ann Lee", "Bob Stone", "Carol King"]);
    assert_eq!(chain["hops"], 3);
    assert_eq!(chain["steps"][0]["text"], "You — colleague, strength 4, spoke 12 days ago — know Ann Lee");
    assert_eq!(chain["steps"][1]["text"], "Ann Lee — colleague, strength 4, no contact on record — knows Bob Stone");
    assert_eq!(chain["steps"][2]["strength"], 3);
    assert_eq!(p["message"], Value::Null);

    // By organization: anyone at Acme.
    let human = k.ok(&["path", "Acme", "--by", "hops"]);
    assert!(human.contains("you → Ann Lee → Bob Stone → Carol King"), "{human}");
    assert!(human.contains("knows Carol King (at Acme)"), "{human}");

    // Too far, and not connected at all: an answer, not an error.
    let r = k.run(&["path", "Carol King", "--max-hops", "2"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("no chain within 2 hops; nearest: Bob Stone (2 hops from you, 1 hop from Carol King)"),
        "{}",
        r.stdout
    );
    let r = k.run(&["path", "Dan Solo"]);
    assert_eq!(r.code, 0);
    assert!(r.stdout.starts_with("no chain within 6 hops; nearest: nobody"), "{}", r.stdout);

    // Ambiguous and unknown targets, bad flags.
    let r = k.run(&["path", "Ann"]);
    assert_eq!(r.code, 3);
    assert!(r.stderr.contains("Ann Lee") && r.stderr.contains("Annika Berg"), "{}", r.stderr);
    assert_eq!(k.run(&["path", "Zed Nobody"]).code, 3);
    assert_eq!(k.run(&["path", "Carol King", "--by", "luck"]).code, 2);
    assert_eq!(k.run(&["path", "Carol King", "--max-hops", "0"]).code, 2);
}

fn brief_has_every_section(k: &Kith) {
    network(k);
    k.ok(&["log", "Ann Lee", "--kind", "coffee", "--at", "2026-11-20 10:00", "--summary", "the design system"]);
    k.ok(&["hook", "Ann Lee", "send the RustConf recording", "--due", "in 2d"]);
    let md = k.ok(&["brief", "Ann Lee"]);
    for section in [
        "# Brief: Ann Lee",
        "## Who they are",
        "## How we met",
        "RustConf 2025",
        "## Last interactions",
        "the design system",
        "## Open hooks",
        "You promised: send the RustConf recording",
        "## Reciprocity",
        "## Their needs and what you can offer",
        "You can offer design reviews for design reviews",
        "## Mutual connections",
        "## Talking points",
        "Deliver what you promised: send the RustConf recording",
        "## Questions to ask",
        "## Your pitch",
        "I help design teams ship faster",
    ] {
        assert!(md.contains(section), "missing {section:?} in\n{md}");
    }
    let j = k.json(&["brief", "Ann Lee"]);
    assert_eq!(j["person"]["name"], "Ann Lee");
    assert!(!j["talking_points"].as_array().unwrap().is_empty());
    assert!(j["warmth"]["score"].as_u64().unwrap() > 0);

    k.ok(&[
        "event",
        "add",
        "Design Lunch",
        "--at",
        "2026-11-27 12:00",
        "--attendee",
        "Ann Lee",
        "--attendee",
        "Bob Stone",
    ]);
    let md = k.ok(&["brief", "Design Lunch"]);
    assert!(md.starts_with("# Event brief: Design Lunch"), "{md}");
    assert!(md.contains("## Brief: Ann Lee") && md.contains("## Brief: Bob Stone"), "{md}");
    assert_eq!(k.json(&["brief", "Design Lunch"])["people"].as_array().unwrap().len(), 2);
    assert_eq!(k.run(&["brief", "me"]).code, 2);
}

fn plan_orders_events_and_fills_free_slots(k: &Kith) {
    network(k);
    k.ok(&["log", "Ann Lee", "--at", "2026-10-26 12:00"]);
    k.ok(&["log", "Bob Stone", "--at", "2026-08-17 12:00"]);
    // Added out of order; both on Thursday.
    k.ok(&["event", "add", "Standup", "--at", "2026-11-26 11:00", "--until", "2026-11-26 12:00"]);
    k.ok(&["event", "add", "Breakfast", "--at", "2026-11-26 09:00", "--until", "2026-11-26 10:00"]);
    k.ok(&["hook", "Carol King", "send the investor list", "--due", "2026-11-26"]);
    let p = k.json(&["plan", "2026-11-26"]);
    assert_eq!(p["date"], "2026-11-26");
    let titles: Vec<&str> = p["events"].as_array().unwrap().iter().map(|e| e["title"].as_str().unwrap()).collect();
    assert_eq!(titles, ["Breakfast", "Standup"]);
    let sugg = p["suggestions"].as_array().unwrap();
    assert!(!sugg.is_empty(), "{p}");
    // Ann (tier A, most urgent) gets the lunch at 12:00 Prague time, right after the standup.
    let ann = sugg.iter().find(|s| s["person"]["name"] == "Ann Lee").expect("Ann placed");
    assert_eq!(ann["slot"]["kind"], "lunch");
    assert_eq!(ann["slot"]["start"], "2026-11-26T11:00:00Z");
    // No suggestion overlaps an event.
    let busy = [("2026-11-26T08:00:00Z", "2026-11-26T09:00:00Z"), ("2026-11-26T10:00:00Z", "2026-11-26T11:00:00Z")];
    for s in sugg {
        let (start, end) = (s["slot"]["start"].as_str().unwrap(), s["slot"]["end"].as_str().unwrap());
        for (bs, be) in busy {
            assert!(end <= bs || start >= be, "{s} overlaps {bs}..{be}");
        }
    }
    let tasks: Vec<&str> = p["tasks"].as_array().unwrap().iter().map(|t| t["title"].as_str().unwrap()).collect();
    assert_eq!(tasks, ["send the investor list"]);
    let human = k.ok(&["plan", "2026-11-26"]);
    let at = |s: &str| human.find(s).unwrap_or_else(|| panic!("{s} missing in\n{human}"));
    assert!(at("Breakfast") < at("Standup") && at("Standup") < at("lunch with Ann Lee"), "{human}");

    let week = k.json(&["plan", "2026-11-26", "--week"]);
    assert_eq!(week.as_array().unwrap().len(), 7);
    assert_eq!(k.run(&["plan", "not-a-date"]).code, 2);
}

fn debrief_is_one_transaction(k: &Kith) {
    network(k);
    k.ok(&["log", "Ann Lee", "--at", "2026-10-26 12:00"]);
    k.ok(&[
        "event",
        "add",
        "Rust Meetup",
        "--at",
        "yesterday 18:00",
        "--until",
        "yesterday 20:00",
        "--attendee",
        "Ann Lee",
    ]);

    // A bad reference anywhere leaves the database as it was.
    let before = k.op_count();
    let r =
        k.run(&["debrief", "Rust Meetup", "--met", "Ann Lee", "--met", "Zed Nobody", "--hook", "send the recording"]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert_eq!(k.op_count(), before);
    let r = k.run(&["debrief", "Rust Meetup", "--met", "Ann Lee", "--within", "soon"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    // No terminal and no --met: a clear usage error, no prompt.
    let r = k.run(&["debrief", "Rust Meetup"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--met"), "{}", r.stderr);
    assert_eq!(k.op_count(), before);

    let out = k.json(&[
        "debrief",
        "Rust Meetup",
        "--met",
        "Ann Lee",
        "--met",
        "Bob Stone",
        "--note",
        "talked about async traits",
        "--hook",
        "send the recording",
        "--within",
        "3d",
    ]);
    assert_eq!(out["interactions"].as_array().unwrap().len(), 2);
    assert_eq!(out["hooks"].as_array().unwrap().len(), 2);
    let hooks = k.json(&["task", "list", "--hooks"]);
    let hooks = hooks.as_array().unwrap();
    assert_eq!(hooks.len(), 2);
    for h in hooks {
        assert_eq!(h["title"], "send the recording");
        assert_eq!(h["due_date"], "2026-11-28");
    }
    // The meeting counts as contact: Ann is no longer going cold; Bob is now an attendee.
    assert!(!names(&k.json(&["reconnect"])).contains(&"Ann Lee".to_string()));
    let ev = k.json(&["event", "show", "Rust Meetup"]);
    assert_eq!(ev["attendees"].as_array().unwrap().len(), 2);
    assert_eq!(ev["debrief"], "talked about async traits");
    let ann = k.json(&["person", "show", "Ann Lee"]);
    assert_eq!(ann["interactions"][0]["notes"], "talked about async traits");
    assert_eq!(ann["interactions"][0]["at"], "2026-11-24T19:00:00Z", "logged at the event's end");
}

fn remind_exit_status(k: &Kith) {
    k.ok(&["person", "add", "Ann Lee", "--tier", "A"]);
    let r = k.run(&["remind"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.starts_with("nothing due"), "{}", r.stdout);
    assert_eq!(k.run(&["remind", "--json"]).code, 0);

    // Due in 3 days: not soon within a day, unless a reminder says so.
    k.ok(&["hook", "Ann Lee", "send the deck", "--due", "in 3d"]);
    assert_eq!(k.run(&["remind"]).code, 0);
    assert_eq!(k.run(&["remind", "--within", "4d"]).code, 10);
    k.ok(&["hook", "Ann Lee", "send the slides", "--due", "in 3d", "--remind", "3d"]);
    let r = k.run(&["remind", "--json"]);
    assert_eq!(r.code, 10);
    let j: Value = serde_json::from_str(&r.stdout).unwrap();
    let items = j["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{j}");
    assert_eq!(items[0]["kind"], "hook");
    assert_eq!(items[0]["title"], "send the slides");
    assert_eq!(items[0]["people"][0]["name"], "Ann Lee");

    // An event starting within the hour.
    k.ok(&["event", "add", "Call with Ann", "--at", "2026-11-25 10:30"]);
    let j: Value = serde_json::from_str(&k.run(&["remind", "--json"]).stdout).unwrap();
    let kinds: Vec<&str> = j["items"].as_array().unwrap().iter().map(|i| i["kind"].as_str().unwrap()).collect();
    assert!(kinds.contains(&"event"), "{j}");
    assert_eq!(k.run(&["remind", "--within", "nonsense"]).code, 2);
}

fn match_explains_offers(k: &Kith) {
    network(k);
    let intros = k.json(&["match"]);
    let first = &intros[0];
    let pair = [first["a"]["name"].as_str().unwrap(), first["b"]["name"].as_str().unwrap()];
    assert!(pair.contains(&"Bob Stone") && pair.contains(&"Carol King"), "{intros}");
    assert!(
        first["why"].as_str().unwrap().contains("Carol King needs seed investors, Bob Stone offers seed investors")
    );
    let ann = k.json(&["match", "Ann Lee"]);
    assert_eq!(ann["offers"][0]["from_me"], true);
    assert_eq!(ann["offers"][0]["offer"], "design reviews");
    let human = k.ok(&["match", "Carol King"]);
    assert!(human.contains("Bob Stone") && human.contains("seed investors"), "{human}");
}

fn rank_shows_components(k: &Kith) {
    network(k);
    k.ok(&["log", "Ann Lee", "--kind", "call", "--at", "yesterday 17:00", "--gave", "intro to Bob"]);
    let r = k.json(&["rank", "--limit", "3"]);
    let r = r.as_array().unwrap();
    assert_eq!(r.len(), 3);
    assert_eq!(r[0]["name"], "Ann Lee");
    assert_eq!(r[0]["rank"], 1);
    let parts: Vec<&str> = r[0]["components"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(parts, ["tier", "warmth", "centrality", "reciprocity", "hooks"]);
    let sum: f64 = r[0]["components"].as_array().unwrap().iter().map(|c| c["points"].as_f64().unwrap()).sum();
    assert!((sum - r[0]["score"].as_f64().unwrap()).abs() < 0.2);
    assert!(!r.iter().any(|x| x["name"] == "Mia Me"), "me is not ranked");
    let human = k.ok(&["rank"]);
    assert!(human.contains("Why Ann Lee is first"), "{human}");
}

/// path, rank and reconnect keep compact copies of the network in the database (`derived`);
/// each call after a change must see the change.
fn cached_network_reads_see_the_next_change(k: &Kith) {
    network(k);
    let hops = |k: &Kith| k.json(&["path", "Carol King"])["paths"][0]["hops"].clone();
    assert_eq!(hops(k), 3);
    assert_eq!(hops(k), 3);
    k.ok(&["tie", "add", "me", "Carol King", "--kind", "friend", "--strength", "2"]);
    assert_eq!(hops(k), 1);

    let dan = |k: &Kith| -> Value {
        let r = k.json(&["rank", "--limit", "10"]);
        r.as_array().unwrap().iter().find(|x| x["name"] == "Dan Solo").cloned().unwrap()
    };
    let points = |x: &Value, part: &str| -> f64 {
        x["components"].as_array().unwrap().iter().find(|c| c["name"] == part).unwrap()["points"].as_f64().unwrap()
    };
    let before = dan(k);
    assert_eq!(points(&before, "reciprocity"), 0.0);
    k.ok(&["log", "Dan Solo", "--kind", "call", "--at", "yesterday 17:00", "--gave", "intro to Bob"]);
    let after = dan(k);
    assert!(points(&after, "reciprocity") > 0.0, "{after}");
    assert!(points(&after, "warmth") > points(&before, "warmth"), "{before} then {after}");

    // A renamed person is shown by the new name at once.
    k.ok(&["person", "edit", "Dan Solo", "--name", "Daniel Solo"]);
    let r = k.json(&["rank", "--limit", "10"]);
    assert!(r.as_array().unwrap().iter().any(|x| x["name"] == "Daniel Solo"), "{r}");
    assert!(!r.as_array().unwrap().iter().any(|x| x["name"] == "Dan Solo"), "{r}");
}
