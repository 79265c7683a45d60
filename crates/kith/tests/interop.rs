//! Import and export end to end: the producers' sample files (testdata/samples), round trips,
//! re-imports, bad input and the backup, on a fresh SQLite file and a fresh PostgreSQL schema.

mod support;

use support::{Kith, both};

use serde_json::Value;

/// The names of everyone in the database, in name order.
trait People {
    fn people(&self) -> Vec<String>;
}

impl People for Kith {
    fn people(&self) -> Vec<String> {
        let v = self.json(&["person", "list", "--all"]);
        v.as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap().to_string()).collect()
    }
}

fn sample(rel: &str) -> String {
    format!("{}/../../testdata/samples/{rel}", env!("CARGO_MANIFEST_DIR"))
}

both!(
    vcard_samples_come_in_complete,
    export_and_reimport_lose_nothing,
    reimport_writes_only_what_changed,
    csv_samples_and_duplicates_across_files,
    bad_input_names_file_and_line_and_writes_nothing,
    partial_and_dry_run,
    a_file_larger_than_a_block_is_read_whole,
    backup_round_trips_byte_for_byte,
    dedupe_and_merge_keep_everything,
    ics_export_has_events_tasks_and_alarms,
    business_card,
    ics_import_matches_attendees,
);

const VCARDS: [&str; 4] =
    ["vcard/apple-ios.vcf", "vcard/google-export.vcf", "vcard/outlook-android-2.1.vcf", "vcard/nextcloud-4.0.vcf"];

fn import_vcards(k: &Kith) -> Value {
    let mut args = vec!["import".to_string(), "vcard".to_string()];
    args.extend(VCARDS.iter().map(|f| sample(f)));
    args.push("--json".into());
    let a: Vec<&str> = args.iter().map(String::as_str).collect();
    serde_json::from_str(&k.ok(&a)).unwrap()
}

fn values(v: &Value, key: &str) -> Vec<String> {
    v[key].as_array().unwrap().iter().map(|x| x.get("value").unwrap_or(x).as_str().unwrap().to_string()).collect()
}

fn vcard_samples_come_in_complete(k: &Kith) {
    let s = import_vcards(k);
    assert_eq!((s["created"].as_u64(), s["failed"].as_u64()), (Some(7), Some(0)), "{s}");

    // Apple 3.0: item groups, X-ABLabel, type= lists, escapes, folded base64 photo.
    let p = k.json(&["person", "show", "priya@northwind.example"]);
    assert_eq!(p["name"], "Priya Raman");
    assert_eq!((p["given_name"].as_str(), p["family_name"].as_str()), (Some("Priya"), Some("Raman")));
    assert_eq!(values(&p, "emails"), ["priya@northwind.example", "priya.raman@mail.example"]);
    assert_eq!(p["emails"][0]["label"], "work");
    assert_eq!(values(&p, "phones"), ["+1 (415) 555-0134"]);
    assert_eq!(values(&p, "addresses"), ["1 Market St, San Francisco, CA 94105, United States"]);
    assert_eq!(p["links"][0]["label"], "homepage");
    assert!(values(&p, "links").contains(&"https://www.linkedin.com/in/priya-raman-example".to_string()));
    assert_eq!(p["roles"][0]["org"], "Northwind Labs");
    assert_eq!(p["roles"][0]["title"], "Head of Design");
    assert_eq!(p["birthday"], "1988-04-12");
    assert_eq!(
        p["notes"],
        "Met at ProductConf 2024 — loves hiking, trail running.\nFollow up about the design system."
    );

    let c = k.json(&["person", "show", "chi@lhp.example"]);
    assert_eq!(c["name"], "Dr. Chinedu Emeka Okafor");
    assert_eq!(c["tags"], serde_json::json!(["health", "mentors"]));

    // Google 3.0: CATEGORIES become tags, the system group "myContacts" does not.
    let l = k.json(&["person", "show", "lena.novak@brightpath.example"]);
    assert_eq!(l["tags"], serde_json::json!(["conference"]));
    assert_eq!(values(&l, "addresses"), ["Vinohradská 12, Praha, 120 00, Czechia"]);

    // Android / Outlook 2.1: quoted-printable with a soft line break, CHARSET, bare types.
    let j = k.json(&["person", "show", "juergen.mueller@example.de"]);
    assert_eq!(j["name"], "Jürgen Müller");
    assert_eq!(j["notes"], "Getroffen auf der Hannover Messe.\nInteressiert an Logistik-Software.");
    assert_eq!(values(&j, "phones"), ["+49 170 1234567", "+49 30 5555 0100"]);
    assert_eq!(j["phones"][0]["label"], "cell");
    assert_eq!(j["roles"][0]["org"], "Grün & Partner GmbH");

    // Nextcloud 4.0: tel: URI, PREF=1, a birthday without a year.
    let a = k.json(&["person", "show", "amara@sahelgrid.example"]);
    assert_eq!(values(&a, "phones"), ["+221-77-555-0188"]);
    assert_eq!(a["birthday"], "--04-12");
    assert_eq!(a["tags"], serde_json::json!(["energy", "founders"]));

    // The same files again: nothing new, nothing written.
    let ops = k.op_count();
    let s = import_vcards(k);
    assert_eq!((s["created"].as_u64(), s["unchanged"].as_u64()), (Some(0), Some(7)), "{s}");
    assert_eq!(k.op_count(), ops, "a re-import of the same files writes nothing");
}

fn export_and_reimport_lose_nothing(k: &Kith) {
    import_vcards(k);
    let first = k.path("first.vcf");
    k.ok(&["export", "vcard", "--out", first.to_str().unwrap()]);
    let text = std::fs::read_to_string(&first).unwrap();
    assert_eq!(text.matches("BEGIN:VCARD").count(), 7);
    assert!(text.lines().all(|l| l.len() <= 75 + 1), "folded at 75 octets");
    assert!(text.contains("VERSION:4.0\r\n"));
    // What kith does not model came back verbatim.
    for kept in [
        "X-KITH-TEST:kept-unknown-property",
        "item1.X-ABRELATEDNAMES;type=pref:Ngozi Okafor",
        "item2.X-ABDATE;type=pref:2015-06-20",
        "NICKNAME:Chi",
        "PHOTO;ENCODING=b;TYPE=JPEG:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIj\r\n JCUmJygp",
        "UID:urn:uuid:2a9c2a3e-6f1e-4a57-9d0e-3f3c1c7b9b11",
    ] {
        assert!(text.contains(kept), "`{kept}` missing from the export:\n{text}");
    }

    // In 4.0, kith's own lines for modeled values keep the item group of the original line, so
    // the group's kept properties stay tied to them (Apple's X-ABADR to its ADR, a label to its URL).
    assert!(text.contains("\r\nitem1.ADR;"), "{text}");
    assert!(text.contains("item1.X-ABADR:us\r\n"));
    assert!(text.contains("\r\nitem2.URL;"), "{text}");
    assert!(text.contains("item2.X-ABLabel:_$!<HomePage>!$_\r\n"));

    // vCard 3.0 (the version these cards came in) writes the producer's own lines for the values kith still holds.
    let v3 = k.ok(&["export", "vcard", "--version", "3"]);
    assert!(v3.contains("item1.ADR;type=WORK;type=pref:;;1 Market St;San Francisco;CA;94105;United States\r\n"));
    assert!(v3.contains("VERSION:3.0\r\n") && !v3.contains("VERSION:4.0"));

    // Re-importing the export finds everyone (by the UID kith wrote, or the card's own).
    let ops = k.op_count();
    let s = k.json(&["import", "vcard", first.to_str().unwrap()]);
    assert_eq!(s["created"], 0, "{s}");
    assert!(k.op_count() - ops < 40, "a re-import of kith's own export writes little");

    // Into an empty database and out again: the same cards, byte for byte.
    let other = k.fresh();
    other.ok(&["import", "vcard", first.to_str().unwrap()]);
    let second = other.path("second.vcf");
    other.ok(&["export", "vcard", "--out", second.to_str().unwrap()]);
    // (people made in one millisecond may list in another order: compare the cards)
    let cards = |t: &str| {
        let mut v: Vec<String> = t.split_inclusive("END:VCARD\r\n").map(str::to_string).collect();
        v.sort();
        v
    };
    assert_eq!(cards(&std::fs::read_to_string(&second).unwrap()), cards(&text));

    // One file per person.
    let dir = k.path("cards");
    k.ok(&["export", "vcard", "--dir", dir.to_str().unwrap()]);
    let files: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
    assert_eq!(files.len(), 7);
}

fn reimport_writes_only_what_changed(k: &Kith) {
    let file = k.path("one.vcf");
    let card = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ann Lee\r\nN:Lee;Ann;;;\r\nEMAIL:ann@lee.example\r\nORG:Acme\r\nTITLE:Engineer\r\nEND:VCARD\r\n";
    std::fs::write(&file, card).unwrap();
    k.ok(&["import", "vcard", file.to_str().unwrap()]);
    let ops = k.op_count();
    std::fs::write(&file, card.replace("TITLE:Engineer", "TITLE:Staff Engineer")).unwrap();
    let s = k.json(&["import", "vcard", file.to_str().unwrap()]);
    assert_eq!((s["created"].as_u64(), s["updated"].as_u64()), (Some(0), Some(1)), "{s}");
    // the title, and the kept original line that stands for it
    assert_eq!(k.op_count() - ops, 2);
    let p = k.json(&["person", "show", "ann@lee.example"]);
    assert_eq!(p["roles"][0]["title"], "Staff Engineer");
    assert_eq!(k.people(), ["Ann Lee"]);
}

fn csv_samples_and_duplicates_across_files(k: &Kith) {
    let s = k.json(&["import", "csv", &sample("csv/linkedin-Connections.csv")]);
    assert_eq!(s["created"], 4, "{s}");
    let sam = k.json(&["person", "show", "sam"]);
    assert_eq!(sam["name"], "Sam O'Neil");
    assert_eq!(sam["roles"][0]["org"], "Acme, Inc.");
    assert_eq!(sam["roles"][0]["title"], "VP Sales, EMEA");
    assert_eq!(sam["met_on"], "2025-11-28");
    assert_eq!(sam["met_how"], "LinkedIn");
    assert_eq!(sam["links"][0]["label"], "linkedin");
    assert_eq!(k.json(&["person", "show", "josé"])["name"], "José García");

    let g = k.json(&["import", "csv", &sample("csv/google-contacts.csv")]);
    // Lena matches her LinkedIn record by profile URL.
    assert_eq!((g["created"].as_u64(), g["updated"].as_u64()), (Some(1), Some(1)), "{g}");
    let marco = k.json(&["person", "show", "marco"]);
    assert_eq!(values(&marco, "emails"), ["marco@rossi-consulting.example", "marco.rossi@mail.example"]);
    let lena = k.json(&["person", "show", "lena"]);
    assert_eq!(values(&lena, "addresses"), ["Vinohradská 12, Praha, 120 00, Czechia"]);
    assert_eq!(lena["tags"], serde_json::json!(["conference"]));
    assert_eq!(lena["birthday"], "1990-11-03");

    k.ok(&["import", "csv", &sample("csv/google-contacts-legacy.csv")]);
    let yuki = k.json(&["person", "show", "yuki"]);
    assert_eq!(yuki["tags"], serde_json::json!(["robotics"]));
    assert_eq!(yuki["roles"][0]["title"], "Engineer");

    k.ok(&["import", "csv", &sample("csv/outlook-contacts.csv"), "--format", "outlook"]);
    let j = k.json(&["person", "show", "jürgen"]);
    assert_eq!(j["tags"], serde_json::json!(["suppliers", "trade fairs"]));
    assert_eq!(j["phones"].as_array().unwrap().len(), 2);

    // Every vCard sample too: the same people are found, in any notation, and merged.
    import_vcards(k);
    let mut people = k.people();
    people.sort();
    assert_eq!(
        people,
        [
            "Amara Diallo",
            "Dr. Chinedu Emeka Okafor",
            "José García",
            "Jürgen Müller",
            "Lena Novak",
            "Marco Rossi",
            "Priya Raman",
            "Sam O'Neil",
            "Yuki Tanaka"
        ]
    );
    // LinkedIn said when and how Priya and I met; her card does not undo it.
    let p = k.json(&["person", "show", "priya"]);
    assert_eq!((p["met_on"].as_str(), p["met_how"].as_str()), (Some("2024-02-12"), Some("LinkedIn")));

    // Any CSV with a column map.
    let f = k.path("mapped.csv");
    std::fs::write(&f, "Who,Mail,Firm\nZoe Park,zoe@park.example,Parkworks\n").unwrap();
    k.ok(&["import", "csv", f.to_str().unwrap(), "--map", "Who=name", "--map", "Mail=email", "--map", "Firm=org"]);
    assert_eq!(k.json(&["person", "show", "zoe"])["roles"][0]["org"], "Parkworks");
}

fn write(k: &Kith, name: &str, bytes: &[u8]) -> String {
    let p = k.path(name);
    std::fs::write(&p, bytes).unwrap();
    p.display().to_string()
}

fn bad_input_names_file_and_line_and_writes_nothing(k: &Kith) {
    k.ok(&["person", "add", "Bob Stone", "--email", "bob@acme.example"]);
    let before = k.op_count();
    let good = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Good One\r\nEND:VCARD\r\n";
    let cases: Vec<(Vec<String>, String)> = vec![
        (vec!["vcard".into(), write(k, "empty.vcf", b"")], "empty.vcf:1: the file is empty".into()),
        (
            vec!["vcard".into(), write(k, "bin.vcf", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR")],
            "bin.vcf:3: this is a binary file".into(),
        ),
        (
            vec![
                "vcard".into(),
                write(
                    k,
                    "bad.vcf",
                    format!("{good}BEGIN:VCARD\nVERSION:3.0\nFN:Bad\nthis line has no colon\nEND:VCARD\n").as_bytes(),
                ),
            ],
            "bad.vcf:8: THIS LINE HAS NO COLON: `this line has no colon` is not a vCard property".into(),
        ),
        (
            vec!["vcard".into(), write(k, "open.vcf", format!("{good}BEGIN:VCARD\nFN:Never ends\n").as_bytes())],
            "open.vcf:5: the card that starts here has no END:VCARD".into(),
        ),
        (
            vec!["vcard".into(), write(k, "noname.vcf", b"BEGIN:VCARD\nVERSION:4.0\nNOTE:who?\nEND:VCARD\n")],
            "noname.vcf:1: FN: the card has no name".into(),
        ),
        (
            vec![
                "csv".into(),
                write(k, "cols.csv", b"First Name,Company\nAnn,Acme\n"),
                "--format".into(),
                "linkedin".into(),
            ],
            "cols.csv:1: Last Name: the column `Last Name` is missing".into(),
        ),
        (
            vec!["csv".into(), write(k, "mail.csv", b"First Name,Last Name,E-mail Address\nAnn,Lee,not-an-email\n")],
            "mail.csv:2: E-mail Address: `not-an-email` is not an email address".into(),
        ),
        (vec!["csv".into(), write(k, "what.csv", b"a,b\n1,2\n")], "cannot tell whose CSV this is".into()),
        (vec!["csv".into(), write(k, "none.csv", b"")], "none.csv:1: the file is empty".into()),
    ];
    for (args, message) in &cases {
        let mut a = vec!["import"];
        a.extend(args.iter().map(String::as_str));
        let r = k.run(&a);
        assert_eq!(r.code, 2, "kith {a:?}: {}{}", r.stdout, r.stderr);
        let all = format!("{}{}", r.stdout, r.stderr);
        assert!(all.contains(message.as_str()), "kith {a:?}: expected `{message}` in {all}");
        assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
        assert!(r.stdout.is_empty(), "a failed import prints nothing on stdout: {}", r.stdout);
    }
    assert_eq!(k.op_count(), before, "a failed import writes nothing");
    assert_eq!(k.people(), ["Bob Stone"]);
    let r = k.run(&["import", "vcard", "/nonexistent/x.vcf"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("cannot read /nonexistent/x.vcf"));
    let dir = k.path("").display().to_string();
    let r = k.run(&["import", "vcard", &dir]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("cannot read") && r.stderr.contains("directory"), "{}", r.stderr);
    assert_eq!(k.op_count(), before, "a failed import writes nothing");
}

fn partial_and_dry_run(k: &Kith) {
    let f = write(
        k,
        "mixed.vcf",
        b"BEGIN:VCARD\nVERSION:3.0\nFN:Ann Lee\nEND:VCARD\nBEGIN:VCARD\nVERSION:3.0\nbroken\nEND:VCARD\nBEGIN:VCARD\nVERSION:3.0\nFN:Cy Young\nEND:VCARD\n",
    );
    let dry = k.json(&["import", "vcard", &f, "--dry-run", "--partial"]);
    assert_eq!((dry["created"].as_u64(), dry["failed"].as_u64()), (Some(2), Some(1)), "{dry}");
    assert_eq!(k.op_count(), 0, "a dry run writes nothing");
    let s = k.json(&["import", "vcard", &f, "--partial"]);
    assert_eq!((s["created"].as_u64(), s["failed"].as_u64()), (Some(2), Some(1)), "{s}");
    assert_eq!(s["failures"][0]["line"], 7);
    assert_eq!(k.people(), ["Ann Lee", "Cy Young"]);
}

/// A vCard file is read a block of about 1 MiB at a time: cards, line numbers and failures
/// past the first block are as in a small file.
fn a_file_larger_than_a_block_is_read_whole(k: &Kith) {
    let note = "n".repeat(1000);
    let (mut text, mut line, mut broken_at) = (String::new(), 1, 0);
    for i in 0..2500 {
        if i == 2100 {
            broken_at = line + 3;
            text.push_str("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Broken Card\r\nno colon here\r\nEND:VCARD\r\n");
            line += 5;
            continue;
        }
        // A folded NOTE: seven physical lines.
        let folded: Vec<&str> = note.as_bytes().chunks(150).map(|c| std::str::from_utf8(c).unwrap()).collect();
        text.push_str(&format!(
            "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Person {i}\r\nEMAIL:p{i}@example.com\r\nNOTE:{}\r\nEND:VCARD\r\n",
            folded.join("\r\n ")
        ));
        line += 5 + folded.len();
    }
    assert!(text.len() > 5 << 19, "{} bytes", text.len());
    let f = write(k, "big.vcf", text.as_bytes());
    let r = k.run(&["import", "vcard", &f]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains(&format!("big.vcf:{broken_at}:")), "{}", r.stderr);
    assert_eq!(k.op_count(), 0, "a failed import writes nothing");
    let s = k.json(&["import", "vcard", &f, "--partial"]);
    assert_eq!((s["created"].as_u64(), s["failed"].as_u64()), (Some(2499), Some(1)), "{s}");
    assert_eq!(s["failures"][0]["line"], broken_at);
    let last = k.json(&["person", "show", "p2499@example.com"]);
    assert_eq!(last["notes"], note.as_str());

    // A NUL byte in the third block: the file is binary from there, said at its line.
    let mut bytes = text.into_bytes();
    let at = (5 << 19) + bytes[5 << 19..].iter().position(|&b| b == b'\n').unwrap() + 1;
    bytes.insert(at, 0);
    let nul_line = 1 + bytes[..at].iter().filter(|&&b| b == b'\n').count();
    let f = write(k, "nul.vcf", &bytes);
    let r = k.run(&["import", "vcard", &f]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains(&format!("nul.vcf:{nul_line}: this is a binary file")), "{}", r.stderr);
}

fn backup_round_trips_byte_for_byte(k: &Kith) {
    import_vcards(k);
    k.ok(&["import", "csv", &sample("csv/linkedin-Connections.csv")]);
    k.ok(&["log", "priya", "--kind", "lunch", "--gave", "intro to Sam"]);
    k.ok(&["hook", "priya", "send the deck"]);
    k.ok(&["person", "edit", "sam", "--tier", "A"]);
    let a = k.path("a.jsonl");
    k.ok(&["export", "json", "--out", a.to_str().unwrap()]);
    let first = std::fs::read_to_string(&a).unwrap();
    assert!(first.starts_with("{\"format\":\"kith-backup\",\"ops\":"));
    let other = k.fresh();
    other.ok(&["import", "json", a.to_str().unwrap()]);
    let b = other.path("b.jsonl");
    other.ok(&["export", "json", "--out", b.to_str().unwrap()]);
    assert_eq!(std::fs::read_to_string(&b).unwrap(), first);
    // and the state came with it
    assert_eq!(other.people(), k.people());
    assert_eq!(other.json(&["person", "show", "sam"])["tier"], "A");
    // a backup applied twice changes nothing
    other.ok(&["import", "json", a.to_str().unwrap()]);
    assert_eq!(other.op_count(), k.op_count());
    // not a backup
    let r = other.run(&["import", "json", &sample("vcard/nextcloud-4.0.vcf")]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("nextcloud-4.0.vcf:1: not a kith backup"), "{}", r.stderr);
}

fn dedupe_and_merge_keep_everything(k: &Kith) {
    k.ok(&["person", "add", "Bob Stone", "--email", "bob@acme.example", "--tier", "B", "--note", "likes sailing"]);
    k.ok(&["person", "add", "Robert Stone", "--phone", "+1 415 555 0100", "--org", "Acme", "--tag", "sales"]);
    k.ok(&["person", "add", "Rob Stone", "--phone", "0014155550100", "--note", "met at DevForum"]);
    k.ok(&["person", "add", "Ann Lee", "--email", "ann@lee.example"]);
    k.ok(&["person", "add", "Ann Lee", "--email", "ann@other.example"]);
    k.ok(&["tie", "add", "robert stone", "ann@lee.example", "--kind", "colleague"]);
    k.ok(&["log", "rob stone", "--kind", "lunch", "--gave", "intro to Ann"]);
    k.ok(&["hook", "robert stone", "send the deck"]);

    // The two Stones with one phone are sure; the two Ann Lees with other emails are not.
    let d = k.json(&["dedupe"]);
    let pairs = d["pairs"].as_array().unwrap();
    assert_eq!(pairs.len(), 1, "{d}");
    assert_eq!((pairs[0]["reason"].as_str(), pairs[0]["sure"].as_bool()), (Some("phone"), Some(true)));
    let ops = k.op_count();
    let d = k.json(&["dedupe", "--apply"]);
    assert_eq!(d["merged"], 1);
    assert!(k.op_count() > ops);
    // (both were made at the same fixed "now": which one is kept is the lower id)
    let list = k.json(&["person", "list", "--name", "stone"]);
    let left: Vec<&Value> = list.as_array().unwrap().iter().filter(|p| p["name"] != "Bob Stone").collect();
    assert_eq!(left.len(), 1, "{list}");
    let kept = left[0]["id"].as_str().unwrap().to_string();
    let robert = k.json(&["person", "show", &kept]);
    assert_eq!(robert["notes"], "met at DevForum");
    assert_eq!(values(&robert, "phones").len(), 1, "one number in two notations is one phone");
    assert_eq!(robert["interactions"].as_array().unwrap().len(), 1, "the lunch is theirs");
    assert_eq!(robert["open_tasks"].as_array().unwrap().len(), 1, "and the hook");
    assert_eq!(robert["tags"], serde_json::json!(["sales"]));

    // Merge by hand: the kept person's fields win, the other's fill gaps; notes join.
    let m = k.json(&["merge", "bob@acme.example", &kept]);
    let bob = k.json(&["person", "show", "bob@acme.example"]);
    assert_eq!(m["id"], bob["id"]);
    assert_eq!(bob["name"], "Bob Stone");
    assert_eq!(bob["tier"], "B");
    assert_eq!(bob["notes"], "likes sailing\n\nmet at DevForum");
    assert_eq!(values(&bob, "phones").len(), 1);
    assert_eq!(bob["tags"], serde_json::json!(["sales"]));
    assert_eq!(bob["roles"][0]["org"], "Acme");
    assert_eq!(bob["ties"][0]["to"], "Ann Lee");
    assert_eq!(bob["interactions"][0]["exchanges"][0]["what"], "intro to Ann");
    assert_eq!(bob["open_tasks"][0]["title"], "send the deck");
    let mut people = k.people();
    people.sort();
    assert_eq!(people, ["Ann Lee", "Ann Lee", "Bob Stone"]);
    // the merge is in the history, as operations
    let h = k.json(&["history", "bob@acme.example"]);
    assert!(
        h.as_array()
            .unwrap()
            .iter()
            .any(|e| e["op"]["field"] == "notes" && e["op"]["value"] == "likes sailing\n\nmet at DevForum")
    );
    let r = k.run(&["merge", "bob@acme.example", "bob@acme.example"]);
    assert_eq!(r.code, 2);
}

fn ics_export_has_events_tasks_and_alarms(k: &Kith) {
    k.ok(&["person", "add", "Priya Raman", "--email", "priya@northwind.example"]);
    k.ok(&[
        "event",
        "add",
        "DevForum, Prague",
        "--kind",
        "conference",
        "--at",
        "2026-12-03 09:00",
        "--until",
        "2026-12-03 17:00",
        "--where",
        "Prague",
        "--attendee",
        "priya",
    ]);
    k.ok(&["hook", "priya", "send the recording", "--due", "2026-11-28", "--remind", "1d"]);
    k.ok(&["task", "add", "Water plants", "--due", "2026-11-26 18:00", "--repeat", "weekly", "--priority", "3"]);
    let text = k.ok(&["export", "ics"]);
    // 09:00 in Prague (the TZ of the test) is 08:00 UTC in December
    for line in [
        "BEGIN:VCALENDAR\r\n",
        "DTSTART:20261203T080000Z\r\n",
        "DTEND:20261203T160000Z\r\n",
        "SUMMARY:DevForum\\, Prague\r\n",
        "LOCATION:Prague\r\n",
        "ATTENDEE;CN=\"Priya Raman\":urn:uuid:",
        "DUE;VALUE=DATE:20261128\r\n",
        "CATEGORIES:hook\r\n",
        "TRIGGER:-PT1440M\r\n",
        "DUE:20261126T170000Z\r\n",
        "RRULE:FREQ=WEEKLY\r\n",
        "PRIORITY:1\r\n",
        "END:VCALENDAR\r\n",
    ] {
        assert!(text.contains(line), "`{line}` missing from:\n{text}");
    }
    assert_eq!(text.matches("BEGIN:VTODO").count(), 2);
}

fn business_card(k: &Kith) {
    let r = k.run(&["me", "card"]);
    assert_eq!(r.code, 3, "no profile yet: {}", r.stderr);
    k.ok(&[
        "me",
        "edit",
        "--name",
        "Ann Lee",
        "--email",
        "ann@lee.example",
        "--phone",
        "+420 601 555 123",
        "--org",
        "Parkworks",
        "--title",
        "Founder",
        "--pitch",
        "I help teams ship, fast",
        "--note",
        "private",
    ]);
    let card = k.ok(&["me", "card"]);
    for line in [
        "FN:Ann Lee\r\n",
        "EMAIL;PREF=1:ann@lee.example\r\n",
        "ORG:Parkworks\r\n",
        "TITLE:Founder\r\n",
        "NOTE:I help teams ship\\, fast\r\n",
    ] {
        assert!(card.contains(line), "`{line}` missing from:\n{card}");
    }
    assert!(!card.contains("private"), "private notes stay off the card");
    // the card imports as the same person
    let f = k.path("me.vcf");
    k.ok(&["me", "card", "--out", f.to_str().unwrap()]);
    assert_eq!(k.json(&["import", "vcard", f.to_str().unwrap()])["created"], 0);
    let svg = k.ok(&["me", "card", "--qr", "svg"]);
    assert!(svg.contains("<svg") && svg.contains("</svg>"));
    let term = k.ok(&["me", "card", "--qr", "terminal"]);
    assert!(term.lines().count() > 15 && term.contains('█'));
    // PNG: to a file only; decodes to the QR code of the card, module by module.
    let r = k.run(&["me", "card", "--qr", "png"]);
    assert_eq!(r.code, 2, "a PNG needs --out: {}", r.stderr);
    assert!(r.stderr.contains("--out"), "{}", r.stderr);
    assert_eq!(k.run(&["me", "card", "--qr", "gif"]).code, 2);
    let code = qrcode::QrCode::with_error_correction_level(card.as_bytes(), qrcode::EcLevel::L).unwrap();
    for args in [&["--qr", "png", "--out"][..], &["--out"][..]] {
        let f = k.path("card.png");
        let _ = std::fs::remove_file(&f);
        let mut cmd = vec!["me", "card"];
        cmd.extend_from_slice(args);
        cmd.push(f.to_str().unwrap());
        k.ok(&cmd);
        let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&f).unwrap()));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert_eq!((info.color_type, info.bit_depth), (png::ColorType::Grayscale, png::BitDepth::Eight));
        let (scale, quiet, n) = (8usize, 4usize, code.width());
        let side = (n + 2 * quiet) * scale;
        assert_eq!((info.width as usize, info.height as usize), (side, side));
        let px = |x: usize, y: usize| buf[y * info.line_size + x];
        // Each module is a square of one colour; the quiet zone is white.
        for (i, c) in code.to_colors().iter().enumerate() {
            let (mx, my) = (i % n + quiet, i / n + quiet);
            let want = if *c == qrcode::Color::Dark { 0 } else { 255 };
            for (dx, dy) in [(0, 0), (scale - 1, 0), (0, scale - 1), (scale - 1, scale - 1), (scale / 2, scale / 2)] {
                assert_eq!(px(mx * scale + dx, my * scale + dy), want, "module {i}");
            }
        }
        assert!((0..side).all(|x| px(x, 0) == 255 && px(x, side - 1) == 255));
    }
    // --out card.svg picks SVG.
    let f = k.path("card.svg");
    k.ok(&["me", "card", "--out", f.to_str().unwrap()]);
    assert!(std::fs::read_to_string(&f).unwrap().contains("<svg"));
}

fn ics_import_matches_attendees(k: &Kith) {
    k.ok(&["person", "add", "Priya Raman", "--email", "priya@northwind.example"]);
    let f = write(
        k,
        "agenda.ics",
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//DevForum//agenda//EN\r\n\
BEGIN:VEVENT\r\nUID:kn-1@devforum\r\nSUMMARY:Keynote\\, day 1\r\nDTSTART;TZID=America/New_York:20261203T090000\r\n\
DTEND;TZID=America/New_York:20261203T100000\r\nLOCATION:Hall A\r\n\
ATTENDEE;CN=\"Priya Raman\":mailto:PRIYA@northwind.example\r\nATTENDEE;CN=Sam Lee:mailto:sam@lee.example\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:w-2@devforum\r\nSUMMARY:Workshop\r\nDTSTART:20261204T130000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
    );
    let s = k.json(&["import", "ics", &f]);
    assert_eq!((s["created"].as_u64(), s["failed"].as_u64()), (Some(2), Some(0)), "{s}");
    let ev = k.json(&["event", "show", "keynote"]);
    assert_eq!(ev["title"], "Keynote, day 1");
    // 09:00 in New York is 14:00 UTC in December
    assert_eq!(ev["start"], "2026-12-03T14:00:00Z");
    assert_eq!(ev["end"], "2026-12-03T15:00:00Z");
    assert_eq!(ev["tz"], "America/New_York");
    assert_eq!(ev["place"], "Hall A");
    let mut names: Vec<&str> =
        ev["attendees"].as_array().unwrap().iter().map(|a| a["name"].as_str().unwrap()).collect();
    names.sort();
    assert_eq!(names, ["Priya Raman", "Sam Lee"]);
    assert_eq!(k.people().len(), 2, "Priya was matched by email, Sam is new");
    // again: nothing new
    let ops = k.op_count();
    let s = k.json(&["import", "ics", &f]);
    assert_eq!(s["unchanged"], 2, "{s}");
    assert_eq!(k.op_count(), ops);
    // an event without a start fails with its line, and nothing is written
    let bad =
        write(k, "bad.ics", b"BEGIN:VCALENDAR\nVERSION:2.0\nBEGIN:VEVENT\nSUMMARY:When?\nEND:VEVENT\nEND:VCALENDAR\n");
    let r = k.run(&["import", "ics", &bad]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("bad.ics:3: DTSTART: the event has no start"), "{}", r.stderr);
    assert_eq!(k.op_count(), ops);
}
