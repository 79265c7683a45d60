//! An import plans records on one thread while another applies the change sets planned before
//! (`import::Writer`), and writes the ops' values as JSON on the planning thread
//! (`Store::commit_prepared`). Files big enough for several change sets check what that must
//! keep: a later row finds the person an earlier change set wrote, as stored; a bad row at the
//! end of an atomic import takes back every change set already applied; and the op log says what
//! the tables say (its ops, applied to an empty database, make the same tables). Both engines.

mod common;

use kith_store::import::{Input, Options, Source, import_contacts};

conformance!(
    a_later_change_set_sees_what_an_earlier_one_wrote,
    a_bad_last_row_takes_back_every_change_set,
    the_op_log_of_an_import_makes_the_same_tables,
);

fn now() -> jiff::ZonedDateTime {
    "2026-11-26T10:00:00+00:00[UTC]".parse().unwrap()
}

fn csv() -> Source {
    Source::Csv(kith_interop::csv::Layout::parse("auto", &[]).unwrap())
}

/// A LinkedIn export of `rows` people, then `tail`. A row is about ten changes, and a change set
/// about 20,000 (`import::BATCH_OPS`), so 3,000 rows and more make several.
fn linkedin(rows: usize, tail: &str) -> Input {
    let mut text = String::from("First Name,Last Name,URL,Email Address,Company,Position,Connected On\n");
    for n in 0..rows {
        text.push_str(&format!(
            "Given{n},Family{n},https://www.linkedin.com/in/p-{n},p{n}@example.com,Company {},Title {},17 Oct 2015\n",
            n % 50,
            n % 13
        ));
    }
    text.push_str(tail);
    Input::bytes("connections.csv", text.into_bytes())
}

fn import(store: &mut kith_store::Store, file: Input) -> kith_store::import::Outcome {
    import_contacts(store, vec![file], &csv(), Options::default(), "ann", &now(), &mut |_| {}).unwrap()
}

fn a_later_change_set_sees_what_an_earlier_one_wrote(db: &mut common::TestDb) {
    let store = &mut db.store;
    // The first row's person again, last, at another company: a merge with what the first
    // change set wrote. Had the read of the stored person not waited for that write, the old
    // role would not be seen, and so not ended.
    let tail = "Given0,Family0,https://www.linkedin.com/in/p-0,,Elsewhere Ltd,Director,17 Oct 2015\n";
    let out = import(store, linkedin(5_000, tail));
    let s = out.summary;
    assert!(!out.rolled_back, "{:?}", s.failures);
    assert_eq!((s.created, s.merged, s.failed), (5_000, 1, 0), "{s:?}");

    let id = store.resolve_person("p0@example.com").unwrap();
    let roles = store.roles_of(id).unwrap();
    let seen: Vec<_> = roles.iter().map(|r| (r.org.as_deref(), r.title.as_deref(), r.end_on.as_deref())).collect();
    assert_eq!(
        seen,
        vec![(Some("Elsewhere Ltd"), Some("Director"), None), (Some("Company 0"), Some("Title 0"), Some("2026-11-26"))]
    );
    assert_eq!(store.resolve_person("Given4999 Family4999").map(|_| ()).ok(), Some(()));
}

fn a_bad_last_row_takes_back_every_change_set(db: &mut common::TestDb) {
    let store = &mut db.store;
    let tail = "Bad,Row,,not-an-email,,,17 Oct 2015\n";
    let out = import(store, linkedin(3_000, tail));
    assert!(out.rolled_back);
    assert_eq!(out.summary.failed, 1);
    assert_eq!(out.summary.failures[0].line, 3_002);
    assert_eq!(out.summary.failures[0].field.as_deref(), Some("Email Address"));
    // Nothing of the 3,000 good rows stays, though their change sets were applied before the
    // bad row was read.
    assert!(store.resolve_person("p0@example.com").is_err());
    assert!(store.resolve_person("p2999@example.com").is_err());
    assert!(store.search("given1500", 5).unwrap().is_empty());
}

fn the_op_log_of_an_import_makes_the_same_tables(db: &mut common::TestDb) {
    let store = &mut db.store;
    // Two imports: the second changes some people the first made (new companies, more emails).
    assert_eq!(import(store, linkedin(3_000, "")).summary.created, 3_000);
    let mut text = String::from("First Name,Last Name,URL,Email Address,Company,Position,Connected On\n");
    for n in (0..3_000).step_by(3) {
        text.push_str(&format!(
            "Given{n},Family{n},https://www.linkedin.com/in/p-{n},q{n}@example.org,Other {},Lead,01 Mar 2021\n",
            n % 7
        ));
    }
    let again = Input::bytes("again.csv", text.into_bytes());
    assert_eq!(import(store, again).summary.updated, 1_000);

    let ops = store.ops().unwrap();
    let mut replay = match db.location {
        kith_store::Location::Sqlite(_) => common::sqlite(),
        kith_store::Location::Postgres(_) => common::postgres().expect("the server the suite runs on"),
    };
    replay.store.apply(&ops).unwrap();
    assert_eq!(replay.store.snapshot().unwrap(), store.snapshot().unwrap());
    // Each op is filed under its person, in the import's log and in the replay's.
    assert_eq!(store.misfiled_ops().unwrap(), vec![]);
    assert_eq!(replay.store.misfiled_ops().unwrap(), vec![]);
}
