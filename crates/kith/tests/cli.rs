//! The `kith` binary as a user runs it, on a fresh SQLite file and on a fresh PostgreSQL schema.
//! "Now" and the time zone are fixed, so the output is the same on every machine.

mod support;

use support::{Kith, both};

use std::process::Command;

use serde_json::Value;

both!(
    readme_session,
    bad_input_fails_cleanly_and_writes_nothing,
    edits_and_removals,
    tasks_projects_and_me,
    agenda_counts_an_old_overdue_backlog,
    org_list_shows_tags
);

/// The session of the foundation issue, flag for flag.
fn readme_session(k: &Kith) {
    k.ok(&[
        "person",
        "add",
        "Priya Raman",
        "--email",
        "priya@northwind.example",
        "--org",
        "Northwind Labs",
        "--title",
        "Head of Design",
        "--type",
        "strategic",
        "--tier",
        "A",
        "--tag",
        "design",
        "--met",
        "ProductConf 2026",
        "--needs",
        "seed investors",
        "--offers",
        "design reviews",
    ]);
    k.ok(&[
        "person",
        "add",
        "Bob Stone",
        "--email",
        "bob@acme.example",
        "--phone",
        "+1 415 555 0100",
        "--org",
        "Acme",
        "--tier",
        "B",
    ]);
    k.ok(&["tie", "add", "priya", "bob", "--kind", "colleague", "--strength", "4"]);
    k.ok(&[
        "log",
        "priya",
        "--kind",
        "lunch",
        "--at",
        "yesterday 12:30",
        "--note",
        "talked about the design system",
        "--gave",
        "intro to Bob",
        "--got",
        "advice on hiring",
    ]);
    k.ok(&["hook", "priya", "send the ProductConf recording", "--due", "in 3d"]);
    k.ok(&["task", "add", "Prepare pitch deck", "--due", "fri", "--project", "Fundraising"]);
    k.ok(&[
        "event",
        "add",
        "DevForum Prague",
        "--kind",
        "conference",
        "--at",
        "2026-12-03 09:00",
        "--until",
        "2026-12-03 18:00",
        "--where",
        "Prague",
        "--attendee",
        "priya",
    ]);

    // The hook, the task and the event, in time order.
    let agenda = k.json(&["agenda", "--days", "14"]);
    let items: Vec<(String, String, String)> = agenda["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["date"].as_str().unwrap().into(),
                i["kind"].as_str().unwrap().into(),
                i["title"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        items,
        [
            ("2026-11-27".into(), "task".into(), "Prepare pitch deck".into()),
            ("2026-11-28".into(), "hook".into(), "send the ProductConf recording".into()),
            ("2026-12-03".into(), "event".into(), "DevForum Prague".into()),
        ]
    );
    assert_eq!(agenda["items"][2]["time"], "09:00", "09:00 in Prague");
    assert_eq!(agenda["items"][1]["people"][0]["name"], "Priya Raman");
    let table = k.ok(&["agenda", "--days", "14"]);
    assert!(table.lines().next().unwrap().starts_with("DAY"), "{table}");
    assert!(table.contains("DevForum Prague"));

    // Search finds the lunch and Priya.
    let hits = k.json(&["search", "design system"]);
    let kinds: Vec<(&str, &str)> =
        hits.as_array().unwrap().iter().map(|h| (h["kind"].as_str().unwrap(), h["title"].as_str().unwrap())).collect();
    assert!(kinds.contains(&("interaction", "lunch")), "{kinds:?}");
    assert!(kinds.contains(&("person", "Priya Raman")), "{kinds:?}");

    let p = k.json(&["person", "show", "priya"]);
    assert_eq!(p["name"], "Priya Raman");
    assert_eq!(p["tier"], "A");
    assert_eq!(p["net_type"], "strategic");
    assert_eq!(p["met_how"], "ProductConf 2026");
    assert_eq!(p["emails"][0]["value"], "priya@northwind.example");
    assert_eq!(p["needs"][0], "seed investors");
    assert_eq!(p["offers"][0], "design reviews");
    assert_eq!(p["roles"][0]["org"], "Northwind Labs");
    assert_eq!(p["roles"][0]["title"], "Head of Design");
    assert_eq!(p["ties"][0]["to"], "Bob Stone");
    assert_eq!(p["ties"][0]["strength"], 4);
    let lunch = &p["interactions"][0];
    assert_eq!(lunch["kind"], "lunch");
    assert_eq!(lunch["at"], "2026-11-24T11:30:00Z", "12:30 in Prague is 11:30 UTC");
    let ex: Vec<(&str, &str, &str)> = lunch["exchanges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["direction"].as_str().unwrap(), e["kind"].as_str().unwrap(), e["what"].as_str().unwrap()))
        .collect();
    assert_eq!(ex, [("got", "advice", "advice on hiring"), ("gave", "intro", "intro to Bob")]);
    assert_eq!(p["open_tasks"][0]["title"], "send the ProductConf recording");
    assert_eq!(p["open_tasks"][0]["hook"], true);

    let bob = k.json(&["person", "show", "bob@acme.example"]);
    assert_eq!(bob["phones"][0]["value"], "+1 415 555 0100");

    let history = k.ok(&["history", "priya"]);
    assert!(history.contains("display_name") && history.contains("Priya Raman"), "{history}");
    assert!(history.contains("tester"));
    let h = k.json(&["history", "priya"]);
    assert!(h.as_array().unwrap().iter().any(|e| e["op"]["field"] == "tier" && e["op"]["value"] == "A"));
}

fn bad_input_fails_cleanly_and_writes_nothing(k: &Kith) {
    k.ok(&["person", "add", "Bob Stone", "--email", "bob@acme.example"]);
    k.ok(&["person", "add", "Bobby Tables", "--email", "bobby@acme.example"]);
    let before = k.op_count();
    let cases: &[(&[&str], i32, &str)] = &[
        (&["person", "add", "Ann", "--tier", "Z"], 2, "tier `Z` is not valid: use one of A, B, C, D"),
        (&["person", "add", "Ann", "--email", "not-an-email"], 2, "write it like name@example.com"),
        (&["person", "add", "Ann", "--email", "BOB@acme.example"], 2, "already belongs to another person"),
        (&["person", "add", "   "], 2, "a name cannot be empty"),
        (&["log", "nobody", "--kind", "lunch"], 3, "no person matches `nobody`"),
        (&["log", "bob", "--kind", "lunch"], 3, "`bob` matches 2 persons: Bob Stone <bob@acme.example>"),
        (&["log", "bob stone", "--kind", "brunch"], 2, "interaction kind `brunch` is not valid"),
        (&["log", "bob stone", "--at", "nxt mon"], 2, "cannot read \"nxt mon\" as a date"),
        (&["tie", "add", "bob stone", "bob stone"], 2, "two different people"),
        (&["tie", "add", "bob stone", "bobby", "--strength", "9"], 2, "strength `9` is not valid"),
        (&["event", "add", "X", "--at", "2026-12-03 10:00", "--until", "2026-12-03 09:00"], 2, "ends"),
        (&["event", "add", "X"], 2, "needs --at"),
        (&["agenda", "--days", "0"], 2, "--days"),
        (&["person", "frobnicate"], 2, "unrecognized subcommand"),
    ];
    for (args, code, message) in cases {
        let r = k.run(args);
        assert_eq!(r.code, *code, "kith {args:?}: {}", r.stderr);
        assert!(r.stderr.contains(message), "kith {args:?}: expected `{message}` in {}", r.stderr);
        assert!(r.stdout.is_empty(), "kith {args:?} printed {}", r.stdout);
        if *code != 2 || !message.contains("unrecognized") {
            assert_eq!(r.stderr.trim().lines().count(), 1, "one line: {}", r.stderr);
        }
    }
    assert_eq!(k.op_count(), before, "a failed command writes nothing");

    let r = Command::new(env!("CARGO_BIN_EXE_kith"))
        .args(["agenda"])
        .env("KITH_DB", &k.db)
        .env("KITH_NOW", "yesterday")
        .output()
        .unwrap();
    assert_eq!(r.status.code(), Some(2));
}

fn edits_and_removals(k: &Kith) {
    k.ok(&[
        "person",
        "add",
        "Cleo Park",
        "--email",
        "cleo@x.example",
        "--tag",
        "design",
        "--tag",
        "Growth",
        "--org",
        "Acme",
        "--title",
        "PM",
    ]);
    k.ok(&[
        "person", "edit", "cleo", "--untag", "design", "--tag", "ops", "--org", "Globex", "--title", "Director",
        "--tier", "b",
    ]);
    let p = k.json(&["person", "show", "cleo"]);
    assert_eq!(p["tags"], serde_json::json!(["growth", "ops"]));
    assert_eq!(p["tier"], "B");
    let roles: Vec<(&str, bool)> =
        p["roles"].as_array().unwrap().iter().map(|r| (r["org"].as_str().unwrap(), r["end_on"].is_null())).collect();
    assert_eq!(roles, [("Globex", true), ("Acme", false)], "moving to Globex ends the Acme role");
    assert_eq!(k.json(&["person", "list", "--tag", "ops"]).as_array().unwrap().len(), 1);
    assert_eq!(k.json(&["person", "list", "--org", "globex"])[0]["title"], "Director");
    assert!(k.json(&["person", "list", "--tag", "design"]).as_array().unwrap().is_empty());
    let r = k.run(&["person", "edit", "cleo", "--untag", "nope"]);
    assert_eq!(r.code, 2);
    k.ok(&["person", "rm", "cleo"]);
    assert_eq!(k.run(&["person", "show", "cleo"]).code, 3);
    assert!(k.json(&["person", "list"]).as_array().unwrap().is_empty());
}

fn tasks_projects_and_me(k: &Kith) {
    k.ok(&["me", "edit", "--name", "Sam Rivera", "--pitch", "I help startups hire designers", "--strength", "hiring"]);
    k.ok(&["person", "add", "Dana Ng", "--birthday", "1990-11-30"]);
    k.ok(&["tie", "add", "me", "dana", "--kind", "friend", "--strength", "5"]);
    let me = k.json(&["me", "show"]);
    assert_eq!(me["is_me"], true);
    assert_eq!(me["strengths"][0], "hiring");
    assert_eq!(me["ties"][0]["to"], "Dana Ng");
    k.ok(&["task", "add", "Weekly review", "--due", "2026-11-24", "--repeat", "weekly"]);
    k.ok(&[
        "task",
        "add",
        "Send deck",
        "--due",
        "tomorrow 10:00",
        "--project",
        "Fundraising",
        "--person",
        "dana",
        "--remind",
        "1h",
    ]);
    let out = k.ok(&["task", "done", "weekly"]);
    assert!(out.contains("next due 2026-12-01"), "{out}");
    let tasks = k.json(&["task", "list"]);
    let titles: Vec<&str> = tasks.as_array().unwrap().iter().map(|t| t["title"].as_str().unwrap()).collect();
    assert_eq!(titles, ["Send deck", "Weekly review"], "in time order: 26 November before 1 December");
    assert_eq!(tasks[0]["reminders"], serde_json::json!([60]));
    assert_eq!(tasks[0]["due_at"], "2026-11-26T09:00:00Z");
    k.ok(&["task", "done", "send deck"]);
    assert_eq!(k.json(&["task", "list", "--done"])[0]["title"], "Send deck");
    let projects = k.json(&["project", "list"]);
    assert_eq!((projects[0]["name"].as_str(), projects[0]["done_tasks"].as_i64()), (Some("Fundraising"), Some(1)));
    let agenda = k.json(&["agenda", "--days", "7"]);
    assert!(
        agenda["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["kind"] == "birthday" && i["title"] == "Dana Ng's birthday (36)")
    );
}

fn org_list_shows_tags(k: &Kith) {
    k.ok(&["person", "add", "Priya Raman", "--org", "Northwind Labs"]);
    k.ok(&["org", "add", "Acme"]);
    k.ok(&["org", "edit", "northwind", "--tag", "customer", "--tag", "design"]);
    let orgs = k.json(&["org", "list"]);
    assert_eq!(orgs[0]["name"], "Acme");
    assert_eq!(orgs[0]["tags"], serde_json::json!([]));
    assert_eq!(orgs[1]["tags"], serde_json::json!(["customer", "design"]));
    assert!(k.ok(&["org", "list"]).contains("customer, design"));
}

fn agenda_counts_an_old_overdue_backlog(k: &Kith) {
    k.ok(&["person", "add", "Ann Lee"]);
    for (title, due) in [("Oldest", "2026-11-01"), ("Older", "2026-11-10"), ("Recent", "2026-11-24")] {
        k.ok(&["task", "add", title, "--due", due]);
    }
    k.ok(&["hook", "ann", "Call Ann back", "--due", "2026-11-23"]);
    k.ok(&["task", "add", "Upcoming", "--due", "tomorrow"]);
    let titles = |v: &Value| -> Vec<String> {
        v["items"].as_array().unwrap().iter().map(|i| i["title"].as_str().unwrap().to_string()).collect()
    };
    // The two most recently due overdue items, oldest first, then the days ahead.
    let agenda = k.json(&["agenda", "--overdue", "2"]);
    assert_eq!(titles(&agenda), ["Call Ann back", "Recent", "Upcoming"]);
    assert_eq!(agenda["overdue_not_shown"], 2);
    assert_eq!(agenda["items"][0]["people"][0]["name"], "Ann Lee", "people are filled in for the items shown");
    let all = k.json(&["agenda", "--overdue", "all"]);
    assert_eq!(titles(&all), ["Oldest", "Older", "Call Ann back", "Recent", "Upcoming"]);
    assert_eq!(all["overdue_not_shown"], 0);
    let table = k.ok(&["agenda", "--overdue", "0"]);
    assert!(table.starts_with("4 older overdue tasks and hooks not shown"), "{table}");
    assert!(table.contains("Upcoming") && !table.contains("Recent"), "{table}");
    let bad = k.run(&["agenda", "--overdue", "some"]);
    assert_eq!(bad.code, 2, "{}", bad.stderr);
    assert!(bad.stderr.contains("not a number or `all`"), "{}", bad.stderr);
}

#[test]
fn completions_and_man_pages_are_generated() {
    let k = Kith::sqlite();
    let out = k.ok(&["completions", "bash"]);
    assert!(out.contains("kith") && out.contains("person"));
    let dir = tempfile::tempdir().unwrap();
    k.ok(&["man", dir.path().to_str().unwrap()]);
    let page = std::fs::read_to_string(dir.path().join("kith.1")).unwrap();
    assert!(page.contains("networking organizer"));
    assert!(dir.path().join("kith-person-add.1").exists());
}

/// The benchmark generators need no database: they neither make one nor refuse to run beside one
/// this kith cannot open (a newer schema, or a file that is not a database).
#[test]
fn sample_files_are_made_without_a_database() {
    let k = Kith::sqlite();
    let cards = k.ok(&["dev", "vcards", "--count", "3"]);
    assert_eq!(cards.matches("BEGIN:VCARD").count(), 3, "{cards}");
    let csv = k.ok(&["dev", "linkedin-csv", "--count", "4"]);
    assert_eq!(csv.lines().filter(|l| l.contains("linkedin.com/in/")).count(), 4, "{csv}");
    let kith_store::Location::Sqlite(path) = &k.location else { unreachable!() };
    assert!(!path.exists(), "no database was made");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, "not a database").unwrap();
    assert_eq!(k.ok(&["dev", "vcards", "--count", "3"]), cards, "the same seed gives the same cards");
    assert_eq!(std::fs::read_to_string(path).unwrap(), "not a database");
}
