//! Private people, private notes and team-wide intro paths (issue 5, parts 3 and 4): a person
//! private to one user does not exist for the others on any route, nor do their notes; a note
//! private to its author does not either, nor what it adds to a shared person's warmth and
//! counts; "who on our team knows someone at X?" points at the teammate with a private
//! connection without naming it. A real server on 127.0.0.1:0, a real HTTP client, both
//! engines.

#[macro_use]
mod support;

use kith_store::accounts::Role;
use serde_json::{Value, json};
use support::{Server, Who, config};

both!(
    private_people_exist_only_for_their_owner,
    team_paths_point_at_private_connections,
    a_person_made_private_is_hidden_at_once,
    private_notes_are_their_authors_alone
);

fn patch(s: &Server, path: &str, who: &Who, body: Value) -> support::Resp {
    s.send("PATCH", path, who, Some(("application/json", body.to_string())))
}

fn created(r: support::Resp) -> String {
    assert_eq!(r.status, 201, "{}", r.body);
    r.json()["id"].as_str().unwrap().to_string()
}

/// Every word of a private record that must not reach anyone but its owner.
struct Secret {
    person: String,
    interaction: String,
    tie: String,
}

impl Secret {
    fn assert_absent(&self, what: &str, body: &str) {
        for word in
            ["Carla", "carla@acme.example", "zyxw-lunch", "qqv-hook", &self.person, &self.interaction, &self.tie]
        {
            // A 404 may echo the id the caller sent in the path; nothing more.
            if what.contains(word) {
                continue;
            }
            assert!(!body.contains(word), "{what} shows `{word}` to someone it is hidden from: {body}");
        }
    }
}

fn private_people_exist_only_for_their_owner(s: Server) {
    let ann = s.member("ann@team.example", Role::Member);
    let bob = s.member("bob@team.example", Role::Member);
    let vic = s.member("vic@team.example", Role::Viewer);

    let dan = created(s.post(
        "/api/v1/people",
        &ann,
        json!({ "name": "Dan Shared", "org": "Acme", "tags": ["design"], "emails": ["dan@acme.example"] }),
    ));
    let r = s.post(
        "/api/v1/people",
        &ann,
        json!({ "name": "Carla Secret", "org": "Acme", "tags": ["design"], "emails": ["carla@acme.example"],
                "birthday": "1990-01-01", "tier": "A", "private": true }),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let ann_id = s.store().user_by_email("ann@team.example").unwrap().unwrap().0.id.to_string();
    assert_eq!(r.json()["private_to"], json!(ann_id), "{}", r.body);
    let carla = r.json()["id"].as_str().unwrap().to_string();
    let interaction = created(s.post(
        "/api/v1/interactions",
        &ann,
        json!({ "people": [&dan, &carla], "kind": "lunch", "summary": "zyxw-lunch", "gave": ["advice: zyxw-lunch pricing"] }),
    ));
    let tie = created(s.post("/api/v1/ties", &ann, json!({ "a": &carla, "b": &dan, "kind": "colleague" })));
    created(s.post("/api/v1/tasks", &ann, json!({ "title": "qqv-hook", "people": [&carla], "hook": true })));
    let event = created(s.post("/api/v1/events", &ann, json!({ "title": "Meetup", "at": "tomorrow 18:00" })));
    let r = s.post(&format!("/api/v1/events/{event}/attendees"), &ann, json!({ "people": [&carla, &dan] }));
    assert!(r.status < 300, "{}", r.body);
    let acme = s.get("/api/v1/orgs", &ann).json()["items"][0]["id"].as_str().unwrap().to_string();
    let secret = Secret { person: carla.clone(), interaction: interaction.clone(), tie: tie.clone() };

    // The owner sees all of it.
    for path in [
        format!("/api/v1/people/{carla}"),
        format!("/api/v1/interactions/{interaction}"),
        "/api/v1/people?q=carla".to_string(),
        "/api/v1/search?q=zyxw".to_string(),
        format!("/people/{carla}"),
        format!("/api/v1/orgs/{acme}"),
        "/api/v1/export/vcard".to_string(),
    ] {
        let r = s.get(&path, &ann);
        assert_eq!(r.status, 200, "{path}: {}", r.body);
        assert!(r.body.contains("Carla") || r.body.contains("zyxw"), "{path} hides Carla from her owner: {}", r.body);
    }
    // Her page tells her owner that she is private; a shared person's page does not.
    let private_note = "Private — only you can see them";
    assert!(s.get(&format!("/people/{carla}"), &ann).body.contains(private_note));
    let r = s.get(&format!("/people/{dan}"), &ann);
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(!r.body.contains("class=\"private\""), "{}", r.body);

    // For everyone else she does not exist: 404 on her routes…
    for who in [&bob, &vic] {
        for path in [
            format!("/api/v1/people/{carla}"),
            format!("/api/v1/people/{carla}/ties"),
            format!("/api/v1/people/{carla}/ledger"),
            format!("/api/v1/people/{carla}/brief"),
            format!("/people/{carla}"),
            format!("/api/v1/interactions/{interaction}"),
        ] {
            let r = s.get(&path, who);
            assert_eq!(r.status, 404, "{path}: {}", r.body);
            secret.assert_absent(&path, &r.body);
        }
        // …absent from every list, search, report, export and page…
        for path in [
            "/api/v1/people".to_string(),
            "/api/v1/people?q=carla".to_string(),
            "/api/v1/people?q=a&limit=1".to_string(),
            "/api/v1/people?tag=design".to_string(),
            "/api/v1/people?tier=A".to_string(),
            "/api/v1/search?q=carla".to_string(),
            "/api/v1/search?q=zyxw".to_string(),
            "/api/v1/interactions".to_string(),
            format!("/api/v1/interactions?person={dan}"),
            format!("/api/v1/people/{dan}"),
            format!("/api/v1/people/{dan}/ties"),
            format!("/api/v1/people/{dan}/brief"),
            format!("/api/v1/people/{dan}/ledger"),
            format!("/api/v1/orgs/{acme}"),
            format!("/api/v1/events/{event}"),
            format!("/api/v1/events/{event}/brief"),
            "/api/v1/events".to_string(),
            "/api/v1/tasks?status=all".to_string(),
            "/api/v1/agenda?days=7".to_string(),
            "/api/v1/activity".to_string(),
            "/api/v1/reconnect".to_string(),
            "/api/v1/rank".to_string(),
            "/api/v1/ledger".to_string(),
            "/api/v1/plan?week=true".to_string(),
            "/api/v1/export/vcard".to_string(),
            "/api/v1/export/ics".to_string(),
            "/api/v1/export/json".to_string(),
            "/".to_string(),
            "/people".to_string(),
            "/people?q=carla".to_string(),
            "/people?sort=warmth".to_string(),
            "/people?sort=overdue".to_string(),
            "/people?sort=warmth&tag=design".to_string(),
            format!("/people/{dan}"),
            format!("/network?person={dan}"),
            format!("/events/{event}"),
            "/events".to_string(),
            "/tasks".to_string(),
        ] {
            let r = s.get(&path, who);
            assert!(r.status == 200, "{path}: {} {}", r.status, r.body);
            secret.assert_absent(&path, &r.body);
        }
        // Every GET route of the table (so a route added later is probed too), with each id
        // of a hidden record and of the shared records around it: never a trace of Carla.
        let mut walked = 0;
        for route in kith_server::api::routes() {
            if route.method != axum::http::Method::GET {
                continue;
            }
            let ids = if route.path.contains("{id}") {
                vec![carla.as_str(), interaction.as_str(), tie.as_str(), dan.as_str(), event.as_str(), acme.as_str()]
            } else {
                vec![""]
            };
            for id in ids {
                let path = route.path.replace("{id}", id);
                let r = s.get(&path, who);
                assert!(r.status < 500, "{path}: {} {}", r.status, r.body);
                secret.assert_absent(&path, &r.body);
                walked += 1;
            }
        }
        assert!(walked > 60, "walked {walked} routes");
        let r = s.get("/api/v1/people?q=a&limit=1", who);
        assert_eq!(r.json()["items"].as_array().unwrap().len(), 1, "a page is not shortened by a hidden person");
        // …and cannot be reached by writing either: nothing is written.
        let before = s.op_count();
        for (method, path, body) in [
            ("PATCH", format!("/api/v1/people/{carla}"), json!({ "notes": "x" })),
            ("PATCH", format!("/api/v1/people/{carla}"), json!({ "private": false })),
            ("DELETE", format!("/api/v1/people/{carla}"), json!({})),
            ("PATCH", format!("/api/v1/interactions/{interaction}"), json!({ "summary": "x" })),
            ("DELETE", format!("/api/v1/interactions/{interaction}"), json!({})),
        ] {
            let r = s.send(method, &path, who, Some(("application/json", body.to_string())));
            assert!(r.status == 404 || r.status == 403, "{method} {path}: {} {}", r.status, r.body);
            secret.assert_absent(&path, &r.body);
        }
        for (path, body) in [
            ("/api/v1/interactions", json!({ "people": ["carla secret"], "summary": "x" })),
            ("/api/v1/ties", json!({ "a": &carla, "b": &dan })),
            ("/api/v1/path", json!({})),
        ] {
            if path == "/api/v1/path" {
                let sent = format!("/api/v1/path?to={carla}&from={dan}");
                let r = s.get(&sent, who);
                assert!(r.status >= 400 && r.status < 500, "{}", r.body);
                secret.assert_absent(&sent, &r.body);
                continue;
            }
            let sent = format!("{path} {body}");
            let r = s.post(path, who, body);
            assert!(r.status >= 400 && r.status < 500, "{path}: {} {}", r.status, r.body);
            // The message may quote what the caller sent, nothing else.
            secret.assert_absent(&sent, &r.body);
        }
        assert_eq!(s.op_count(), before, "a refused write wrote nothing");
    }

    // An import by Bob of a card with Carla's email does not touch Ann's Carla: it adds Bob's own.
    let card = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Carla From Bob\r\nEMAIL:carla@acme.example\r\nNOTE:met at zzq\r\nEND:VCARD\r\n";
    let r = s.send("POST", "/api/v1/import/vcard", &bob, Some(("text/vcard", card.to_string())));
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["created"], json!(1), "{}", r.body);
    let r = s.get(&format!("/api/v1/people/{carla}"), &ann);
    assert!(!r.body.contains("zzq") && r.json()["name"] == json!("Carla Secret"), "{}", r.body);
    assert!(s.get("/api/v1/people?q=from%20bob", &bob).body.contains("Carla From Bob"));

    // So does one through the import page, whose job runs after the request has been answered.
    let (page_bob, csrf) = support::browser(&s, "bob@team.example", "pw-bob@team.example-long-enough");
    let boundary = "----kithPrivateTest";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"c.vcf\"\r\n\
         Content-Type: text/vcard\r\n\r\n{}\r\n--{boundary}--\r\n",
        card.replace("Carla From Bob", "Carla Via Page").replace("zzq", "zzp")
    );
    let ct = format!("multipart/form-data; boundary={boundary}");
    let r = s.send("POST", "/import", &page_bob, Some((&ct, body)));
    assert_eq!(r.status, 303, "{}", r.body);
    let job = r.header("location").unwrap().to_string();
    support::finished_import(&s, &job, &page_bob, std::time::Duration::from_secs(60));
    let r = s.get(&format!("/api/v1/people/{carla}"), &ann);
    assert!(!r.body.contains("zzp") && r.json()["name"] == json!("Carla Secret"), "{}", r.body);
    assert!(s.get("/api/v1/people?q=via%20page", &bob).body.contains("Carla Via Page"));

    // What the server keeps of Bob's hidden set follows new notes about Carla.
    let later = created(s.post(
        "/api/v1/interactions",
        &ann,
        json!({ "people": [&carla], "kind": "call", "summary": "zyxw-lunch again" }),
    ));
    let r = s.get("/api/v1/interactions", &bob);
    secret.assert_absent("/api/v1/interactions", &r.body);
    assert!(!r.body.contains(&later), "{}", r.body);
    assert_eq!(s.get(&format!("/api/v1/interactions/{later}"), &bob).status, 404);
    let hook = created(s.post("/api/v1/tasks", &ann, json!({ "title": "qqv-hook two", "people": [&carla] })));
    assert_eq!(s.get(&format!("/api/v1/tasks/{hook}"), &bob).status, 404);

    // A shared person can be made private by any writer (to themselves), and shared again by
    // the owner only (for others it is not there to change).
    let r = patch(&s, &format!("/api/v1/people/{dan}"), &bob, json!({ "private": true }));
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(s.get(&format!("/api/v1/people/{dan}"), &ann).status, 404, "Dan is now Bob's alone");
    assert_eq!(patch(&s, &format!("/api/v1/people/{dan}"), &ann, json!({ "private": false })).status, 404);
    let r = patch(&s, &format!("/api/v1/people/{dan}"), &bob, json!({ "private": false }));
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json().get("private_to"), None, "{}", r.body);
    let r = patch(&s, &format!("/api/v1/people/{carla}"), &ann, json!({ "private": false }));
    assert_eq!(r.status, 200, "{}", r.body);
    // Shared, she and her notes are the team's.
    assert_eq!(s.get(&format!("/api/v1/people/{carla}"), &bob).status, 200);
    for who in [&ann, &bob] {
        let r = s.get(&format!("/people/{carla}"), who);
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(!r.body.contains("class=\"private\""), "{}", r.body);
    }
    assert_eq!(s.get(&format!("/api/v1/interactions/{interaction}"), &bob).status, 200);
    assert!(s.get("/api/v1/search?q=zyxw", &vic).body.contains(&interaction));
    // Bad input is a clear 4xx.
    s.post("/api/v1/people", &ann, json!({ "name": "X", "private": "yes" })).assert_error(422, "invalid_body");
}

fn team_paths_point_at_private_connections(s: Server) {
    for u in ["ann", "bo", "cy"] {
        s.user(&format!("{u}@team.example"), Role::Member);
    }
    let ann = Who::Token(s.token("ann@team.example", false));
    let bo = Who::Token(s.token("bo@team.example", false));
    let cy = Who::Token(s.token("cy@team.example", false));
    // Each teammate's own card in the shared network.
    let card = |who: &Who, name: &str, email: &str| {
        created(s.post("/api/v1/people", who, json!({ "name": name, "emails": [email] })))
    };
    let ann_p = card(&ann, "Ann Card", "ann@team.example");
    card(&bo, "Bo Card", "bo@team.example");
    let cy_p = card(&cy, "Cy Card", "cy@team.example");
    // Ann's private contact Carla works at Acme; Ann knows her.
    let carla =
        created(s.post("/api/v1/people", &ann, json!({ "name": "Carla Private", "org": "Acme", "private": true })));
    created(s.post("/api/v1/ties", &ann, json!({ "a": &ann_p, "b": &carla, "strength": 5 })));
    // A shared chain: Cy knows Eve, Eve knows Dora at Globex.
    let eve = created(s.post("/api/v1/people", &cy, json!({ "name": "Eve Between" })));
    let dora = created(s.post("/api/v1/people", &cy, json!({ "name": "Dora Shared", "org": "Globex" })));
    created(s.post("/api/v1/ties", &cy, json!({ "a": &cy_p, "b": &eve, "strength": 4 })));
    created(s.post("/api/v1/ties", &cy, json!({ "a": &eve, "b": &dora, "strength": 4 })));

    // Bo asks about Acme: only "ask Ann", never Carla.
    let r = s.get("/api/v1/team/path?org=Acme", &bo);
    assert_eq!(r.status, 200, "{}", r.body);
    for word in ["Carla", &carla] {
        assert!(!r.body.contains(word), "the answer names the private contact: {}", r.body);
    }
    let paths = r.json()["paths"].as_array().unwrap().clone();
    assert_eq!(
        paths,
        vec![json!({ "teammate": "ann", "private": true, "message": "ann has a private connection there — ask ann" })],
        "{}",
        r.body
    );
    // Ann sees her own chain in full.
    let r = s.get("/api/v1/team/path?org=Acme", &ann);
    assert_eq!(r.status, 200, "{}", r.body);
    let first = &r.json()["paths"][0];
    assert_eq!(first["teammate"], json!("ann"), "{}", r.body);
    assert_eq!(first["private"], json!(false));
    assert_eq!(first["text"], json!("Ann Card → Carla Private (at Acme)"), "{}", r.body);
    assert_eq!(first["people"][1]["id"], json!(carla));

    // A shared chain is shown in full to anyone, starting at the teammate.
    for who in [&bo, &ann] {
        let r = s.get("/api/v1/team/path?org=Globex", who);
        assert_eq!(r.status, 200, "{}", r.body);
        let first = &r.json()["paths"][0];
        assert_eq!(first["teammate"], json!("cy"), "{}", r.body);
        assert_eq!(first["text"], json!("Cy Card → Eve Between → Dora Shared (at Globex)"), "{}", r.body);
        assert_eq!(first["hops"], json!(2));
        assert_eq!(r.json()["paths"].as_array().unwrap().len(), 1, "{}", r.body);
    }
    // By person too; a private person is not a target for others.
    let r = s.get(&format!("/api/v1/team/path?to={dora}"), &bo);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["paths"][0]["people"][2]["name"], json!("Dora Shared"));
    let r = s.get(&format!("/api/v1/team/path?to={carla}"), &bo);
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(!r.body.contains("Carla"), "{}", r.body);
    // The single-person path API runs over what the asker may see, from their own card.
    let r = s.get("/api/v1/path?to=Globex&org=true", &cy);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["paths"][0]["hops"], json!(2), "{}", r.body);
    let r = s.get(&format!("/api/v1/path?to={dora}&from={ann_p}"), &bo);
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(!r.body.contains("Carla"), "{}", r.body);
    // The page says the same, in words, with the same secrecy.
    let r = s.get("/team/path?org=Acme", &bo);
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("ann has a private connection there — ask ann"), "{}", r.body);
    assert!(!r.body.contains("Carla") && !r.body.contains(&carla), "{}", r.body);
    let r = s.get("/team/path?org=Globex", &bo);
    assert!(r.body.contains(&format!("<a href=\"/people/{eve}\">Eve Between</a>")), "{}", r.body);
    let r = s.get("/team/path?org=%3Cb%3ENowhere", &bo);
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("&lt;b&gt;Nowhere") && !r.body.contains("<b>Nowhere"), "{}", r.body);
    assert!(s.get("/team/path", &bo).body.contains("<label for=\"org\">"));
    // The add-person form makes a private person.
    let (browser, csrf) = support::browser(&s, "bo@team.example", "pw-bo@team.example-long-enough");
    let r = s.send(
        "POST",
        "/people",
        &browser,
        Some((
            "application/x-www-form-urlencoded",
            support::form(&[("csrf", &csrf), ("name", "Bo Secret Friend"), ("private", "yes")]),
        )),
    );
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(s.get("/api/v1/people?q=secret%20friend", &bo).body.contains("Bo Secret Friend"));
    assert!(!s.get("/api/v1/people?q=secret%20friend", &ann).body.contains("Bo Secret Friend"));
    // Bad queries are clear 400s.
    s.get("/api/v1/team/path", &bo).assert_error(400, "invalid_query");
    s.get("/api/v1/team/path?org=Acme&to=x", &bo).assert_error(400, "invalid_query");
    s.get("/api/v1/team/path?org=Acme&k=0", &bo).assert_error(400, "invalid_query");
    s.get("/api/v1/team/path?org=Acme&by=luck", &bo).assert_error(400, "invalid_query");
    s.get("/api/v1/team/path?org=Nowhere", &bo).assert_error(422, "unknown_reference");
}

/// The server keeps who a credential belongs to for a couple of seconds; what that user may see
/// is read again for every request, so a person made private disappears for the others at once,
/// from lists, the name search and the reconnect list too (whose last-contact list is shared by
/// everyone on the server).
fn a_person_made_private_is_hidden_at_once(s: Server) {
    let ann = s.member("ann@team.example", Role::Member);
    let bob = s.member("bob@team.example", Role::Member);
    let zed = created(s.post("/api/v1/people", &ann, json!({ "name": "Zed Quickly", "tier": "A" })));
    // Last seen 60 days ago: tier A is overdue, so Zed is on the reconnect list.
    let long_ago = jiff::Timestamp::now().checked_sub(jiff::SignedDuration::from_hours(60 * 24)).unwrap();
    let r =
        s.post("/api/v1/interactions", &ann, json!({ "people": [zed], "kind": "call", "at": long_ago.to_string() }));
    assert_eq!(r.status, 201, "{}", r.body);
    let reads = ["/api/v1/reconnect".to_string(), "/api/v1/people?q=zed".to_string(), format!("/api/v1/people/{zed}")];
    for path in &reads {
        let r = s.get(path, &bob);
        assert_eq!(r.status, 200, "{path}: {}", r.body);
        assert!(r.body.contains("Zed Quickly"), "{path} shows a shared person: {}", r.body);
    }
    let r = patch(&s, &format!("/api/v1/people/{zed}"), &ann, json!({ "private": true }));
    assert_eq!(r.status, 200, "{}", r.body);
    for path in &reads {
        let r = s.get(path, &bob);
        // (A 404 echoes the id asked for; nothing more.)
        let id_shown = !path.contains(&zed) && r.body.contains(&zed);
        assert!(!r.body.contains("Zed Quickly") && !id_shown, "{path} right after: {}", r.body);
    }
    s.get(&format!("/api/v1/people/{zed}"), &bob).assert_error(404, "not_found");
    assert!(s.get("/api/v1/reconnect", &ann).body.contains("Zed Quickly"), "the owner still sees them");
}

/// What another user sees of a shared person's numbers: last contact, warmth, the ledger's
/// sums, rank's score and the people list's warmth order.
fn numbers(s: &Server, pat: &str, who: &Who) -> Value {
    let brief = s.get(&format!("/api/v1/people/{pat}/brief"), who);
    assert_eq!(brief.status, 200, "{}", brief.body);
    let ledger = s.get(&format!("/api/v1/people/{pat}/ledger"), who);
    assert_eq!(ledger.status, 200, "{}", ledger.body);
    let rank = s.get("/api/v1/rank?limit=50", who);
    assert_eq!(rank.status, 200, "{}", rank.body);
    let ranked = rank.json()["items"].as_array().unwrap().iter().find(|r| r["id"] == json!(pat)).cloned();
    json!({
        "last_contact": brief.json()["last_contact"],
        "warmth": brief.json()["warmth"]["score"],
        "components": brief.json()["warmth"]["components"],
        "gave": ledger.json()["person"]["gave"],
        "rank": ranked.map(|r| r["score"].clone()),
    })
}

fn private_notes_are_their_authors_alone(s: Server) {
    let ann = s.member("ann@team.example", Role::Member);
    let bob = s.member("bob@team.example", Role::Member);
    let vic = s.member("vic@team.example", Role::Viewer);
    let ann_id = s.store().user_by_email("ann@team.example").unwrap().unwrap().0.id.to_string();

    let pat = created(s.post("/api/v1/people", &ann, json!({ "name": "Pat Shared", "tier": "A" })));
    created(s.post("/api/v1/people", &ann, json!({ "name": "Quinn Other", "tier": "B" })));
    let month_ago = jiff::Timestamp::now().checked_sub(jiff::SignedDuration::from_hours(30 * 24)).unwrap();
    let open = created(s.post(
        "/api/v1/interactions",
        &bob,
        json!({ "people": [&pat], "kind": "call", "at": month_ago.to_string(), "summary": "open-call", "gave": ["advice: open-gift"] }),
    ));
    let before: Vec<Value> = [&bob, &vic].iter().map(|w| numbers(&s, &pat, w)).collect();
    assert_eq!(before[0]["gave"], json!(1), "{}", before[0]);

    // Ann logs a private note with Pat through the API, and another through the page's form.
    let r = s.post(
        "/api/v1/interactions",
        &ann,
        json!({ "people": [&pat], "kind": "lunch", "summary": "zyxw-private", "notes": "qqv-note",
                "gave": ["advice: zyxw-gift"], "got": ["intro: qqv-intro"], "weight": 3, "private": true }),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.json()["private_to"], json!(ann_id), "{}", r.body);
    let note = r.json()["id"].as_str().unwrap().to_string();
    let (ann_page, csrf) = support::browser(&s, "ann@team.example", "pw-ann@team.example-long-enough");
    let r = s.get(&format!("/people/{pat}"), &ann_page);
    assert!(
        r.body.contains("<input type=\"checkbox\" id=\"private_note\" name=\"private\" value=\"yes\">")
            && r.body.contains("<label for=\"private_note\">Private note — only you see it</label>"),
        "the log form has a labelled private box: {}",
        r.body
    );
    let r = s.send(
        "POST",
        &format!("/people/{pat}/interactions"),
        &ann_page,
        Some((
            "application/x-www-form-urlencoded",
            support::form(&[("csrf", &csrf), ("kind", "coffee"), ("note", "zyxw-formnote"), ("private", "yes")]),
        )),
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let form_note = s.get(&format!("/api/v1/interactions?person={pat}"), &ann).json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["notes"] == json!("zyxw-formnote"))
        .map(|i| i["id"].as_str().unwrap().to_string())
        .expect("the form's note is Ann's to see");
    let secret = |what: &str, body: &str| {
        for word in ["zyxw", "qqv", &note, &form_note] {
            if what.contains(word) {
                continue;
            }
            assert!(!body.contains(word), "{what} shows `{word}` to someone the note is hidden from: {body}");
        }
    };

    // Ann sees both, marked private on her timeline.
    let r = s.get(&format!("/people/{pat}"), &ann_page);
    assert!(r.body.contains("zyxw-private") && r.body.contains("zyxw-formnote"), "{}", r.body);
    assert_eq!(r.body.matches("<span class=\"private\">Private</span>").count(), 2, "{}", r.body);
    for path in [
        format!("/api/v1/interactions/{note}"),
        "/api/v1/search?q=zyxw".to_string(),
        "/api/v1/activity".to_string(),
        format!("/api/v1/people/{pat}/ledger"),
        "/api/v1/export/json".to_string(),
        "/".to_string(),
    ] {
        let r = s.get(&path, &ann);
        assert_eq!(r.status, 200, "{path}: {}", r.body);
        assert!(r.body.contains("zyxw") || r.body.contains(&note), "{path} hides Ann's note from her: {}", r.body);
    }
    let r = s.get("/api/v1/ledger", &ann);
    assert_eq!(r.json()["overall"], json!({ "gave": 4, "got": 3, "balance": 1 }), "{}", r.body);
    let mine = numbers(&s, &pat, &ann);
    assert_ne!(mine["last_contact"], before[0]["last_contact"], "Ann's note moves her last contact with Pat");
    assert_eq!(mine["gave"], json!(4), "{mine}");

    // Bob and Vic: the notes do not exist, nor what they add to Pat's numbers.
    for (who, before) in [&bob, &vic].into_iter().zip(&before) {
        for path in [format!("/api/v1/interactions/{note}"), format!("/api/v1/interactions/{form_note}")] {
            let r = s.get(&path, who);
            assert_eq!(r.status, 404, "{path}: {}", r.body);
            secret(&path, &r.body);
        }
        for path in [
            "/api/v1/interactions".to_string(),
            format!("/api/v1/interactions?person={pat}"),
            format!("/api/v1/people/{pat}"),
            format!("/api/v1/people/{pat}/brief"),
            format!("/api/v1/people/{pat}/ledger"),
            "/api/v1/search?q=zyxw".to_string(),
            "/api/v1/search?q=qqv".to_string(),
            "/api/v1/activity".to_string(),
            "/api/v1/ledger".to_string(),
            "/api/v1/rank".to_string(),
            "/api/v1/reconnect".to_string(),
            "/api/v1/plan?week=true".to_string(),
            "/api/v1/export/json".to_string(),
            "/api/v1/export/vcard".to_string(),
            "/".to_string(),
            format!("/people/{pat}"),
            "/people?sort=warmth".to_string(),
            "/people?sort=overdue".to_string(),
        ] {
            let r = s.get(&path, who);
            assert_eq!(r.status, 200, "{path}: {}", r.body);
            secret(&path, &r.body);
        }
        let page = s.get(&format!("/people/{pat}"), who);
        assert!(page.body.contains("open-call") && !page.body.contains("class=\"private\""), "{}", page.body);
        assert_eq!(&numbers(&s, &pat, who), before, "Pat's numbers do not move for another user");
        let r = s.get(&format!("/api/v1/interactions?person={pat}"), who);
        assert_eq!(r.json()["items"].as_array().unwrap().len(), 1, "{}", r.body);
        let r = s.get("/api/v1/ledger", who);
        assert_eq!(r.json()["overall"], json!({ "gave": 1, "got": 0, "balance": 1 }), "{}", r.body);
        // Every GET route with the notes' ids: never a trace.
        for route in kith_server::api::routes() {
            if route.method != axum::http::Method::GET {
                continue;
            }
            let ids = if route.path.contains("{id}") { vec![note.as_str(), pat.as_str()] } else { vec![""] };
            for id in ids {
                let path = route.path.replace("{id}", id);
                let r = s.get(&path, who);
                assert!(r.status < 500, "{path}: {} {}", r.status, r.body);
                secret(&path, &r.body);
            }
        }
    }

    // Nobody else can flip, change or remove Ann's note: not another member, not a forged
    // request on Ann's own session. Nothing is written.
    let ops = s.op_count();
    for body in [json!({ "private": false }), json!({ "private": true }), json!({ "summary": "x" })] {
        let path = format!("/api/v1/interactions/{note}");
        let r = patch(&s, &path, &bob, body);
        assert_eq!(r.status, 404, "{}", r.body);
        secret(&path, &r.body);
    }
    let r = s.send("DELETE", &format!("/api/v1/interactions/{note}"), &bob, None);
    assert_eq!(r.status, 404, "{}", r.body);
    let r = s.post(&format!("/api/v1/interactions/{note}/exchanges"), &bob, json!({ "direction": "got", "what": "x" }));
    assert_eq!(r.status, 404, "{}", r.body);
    let r = patch(&s, &format!("/api/v1/interactions/{note}"), &vic, json!({ "private": false }));
    assert_eq!(r.status, 403, "{}", r.body);
    let (bob_page, bob_csrf) = support::browser(&s, "bob@team.example", "pw-bob@team.example-long-enough");
    for (who, what) in [
        (ann_page.clone(), "Ann's session without the CSRF header"),
        (Who::Session { cookie: session_of(&ann_page), csrf: Some(bob_csrf.clone()) }, "Ann's session, Bob's token"),
        (Who::Session { cookie: session_of(&bob_page), csrf: Some(bob_csrf.clone()) }, "Bob's own session"),
    ] {
        let r = patch(&s, &format!("/api/v1/interactions/{note}"), &who, json!({ "private": false }));
        assert!(r.status == 403 || r.status == 404, "{what}: {} {}", r.status, r.body);
    }
    assert_eq!(s.op_count(), ops, "a refused change wrote nothing");
    // Bad input: the stable error format, nothing written.
    s.post("/api/v1/interactions", &ann, json!({ "people": [&pat], "private": "yes" }))
        .assert_error(422, "invalid_body");
    patch(&s, &format!("/api/v1/interactions/{note}"), &ann, json!({ "private": "yes" }))
        .assert_error(422, "invalid_body");
    patch(&s, &format!("/api/v1/interactions/{note}"), &ann, json!({ "private": true })).assert_error(422, "invalid");
    assert_eq!(s.op_count(), ops);

    // A shared interaction may be made private by any writer who sees it (to themselves).
    let r = patch(&s, &format!("/api/v1/interactions/{open}"), &ann, json!({ "private": true }));
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["private_to"], json!(ann_id));
    assert_eq!(s.get(&format!("/api/v1/interactions/{open}"), &bob).status, 404, "now Ann's alone");
    let r = patch(&s, &format!("/api/v1/interactions/{open}"), &ann, json!({ "private": false }));
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json().get("private_to"), None, "{}", r.body);

    // Shared again by its author, the note is the team's at once, and counts for everyone.
    let r = patch(&s, &format!("/api/v1/interactions/{note}"), &ann, json!({ "private": false }));
    assert_eq!(r.status, 200, "{}", r.body);
    let r = s.get(&format!("/api/v1/interactions/{note}"), &bob);
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("zyxw-private"), "{}", r.body);
    assert!(s.get("/api/v1/search?q=zyxw", &vic).body.contains(&note));
    let page = s.get(&format!("/people/{pat}"), &bob);
    assert!(page.body.contains("zyxw-private") && !page.body.contains("zyxw-formnote"), "{}", page.body);
    let shared = numbers(&s, &pat, &bob);
    assert_eq!(shared["gave"], json!(4), "{shared}");
    assert_ne!(shared["last_contact"], before[0]["last_contact"], "{shared}");
    // The OpenAPI document, generated from the code, describes the field on both bodies.
    let doc = s.get("/api/v1/openapi.json", &Who::Anonymous).json();
    for body in ["InteractionBody", "InteractionPatch"] {
        let field = &doc["components"]["schemas"][body]["properties"]["private"];
        assert!(field["description"].as_str().is_some_and(|d| d.contains("private to you")), "{body}: {field}");
    }
    let ann_page_now = s.get(&format!("/people/{pat}"), &ann_page);
    assert_eq!(ann_page_now.body.matches("<span class=\"private\">Private</span>").count(), 1, "{}", ann_page_now.body);
}

fn session_of(w: &Who) -> String {
    match w {
        Who::Session { cookie, .. } => cookie.clone(),
        _ => panic!("not a session"),
    }
}
