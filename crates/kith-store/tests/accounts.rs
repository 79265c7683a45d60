//! The team server's accounts in the store, on both engines.

mod common;

use common::TestDb;
use kith_store::Error;
use kith_store::accounts::Role;

fn users_are_unique_by_email_and_members_of_one_workspace(db: &mut TestDb) {
    let s = &mut db.store;
    assert_eq!(s.user_count().unwrap(), 0);
    let ann = s.add_user("ann@t.example", "Ann", Some("$argon2id$x"), Role::Owner, 1).unwrap();
    let bo = s.add_user("bo@t.example", "Bo", None, Role::Viewer, 2).unwrap();
    assert!(matches!(s.add_user("ann@t.example", "Ann 2", None, Role::Member, 3), Err(Error::Conflict(_))));
    assert_eq!(s.user_count().unwrap(), 2);
    let (found, hash) = s.user_by_email("ann@t.example").unwrap().unwrap();
    assert_eq!((found.id, hash.as_deref()), (ann.id, Some("$argon2id$x")));
    let (m1, m2) = (s.membership(ann.id).unwrap().unwrap(), s.membership(bo.id).unwrap().unwrap());
    assert_eq!((m1.role, m2.role), (Role::Owner, Role::Viewer));
    assert_eq!(m1.workspace, m2.workspace, "one database, one team workspace");
    let listed: Vec<_> = s.users().unwrap().into_iter().map(|(u, r)| (u.email, r)).collect();
    assert_eq!(
        listed,
        [("ann@t.example".to_string(), Some(Role::Owner)), ("bo@t.example".to_string(), Some(Role::Viewer))]
    );
    s.set_password_hash(bo.id, "$argon2id$y").unwrap();
    assert_eq!(s.user_by_email("bo@t.example").unwrap().unwrap().1.as_deref(), Some("$argon2id$y"));
}

fn sessions_expire_and_end(db: &mut TestDb) {
    let s = &mut db.store;
    let u = s.add_user("cy@t.example", "Cy", None, Role::Member, 1).unwrap();
    s.create_session("h1", u.id, 1_000, 2_000).unwrap();
    assert_eq!(s.session_user("h1", 1_999).unwrap(), Some(u.id));
    assert_eq!(s.session_user("h1", 2_000).unwrap(), None, "expired");
    assert_eq!(s.session_user("other", 1_500).unwrap(), None);
    s.create_session("h2", u.id, 3_000, 9_000).unwrap();
    s.delete_session("h2").unwrap();
    assert_eq!(s.session_user("h2", 3_001).unwrap(), None, "signed out");
}

fn tokens_are_found_by_hash_and_revoked_by_id(db: &mut TestDb) {
    let s = &mut db.store;
    let u = s.add_user("dee@t.example", "Dee", None, Role::Member, 1).unwrap();
    let ro = s.create_api_token("hash-ro", u.id, Some("backup"), true, 10).unwrap();
    let rw = s.create_api_token("hash-rw", u.id, None, false, 20).unwrap();
    let g = s.api_token("hash-ro", 100_000).unwrap().unwrap();
    assert_eq!((g.id, g.user, g.read_only), (ro, u.id, true));
    assert!(!s.api_token("hash-rw", 100_000).unwrap().unwrap().read_only);
    assert_eq!(s.api_token("nope", 1).unwrap(), None);
    let listed = s.api_tokens().unwrap();
    assert_eq!(listed.iter().map(|t| t.id).collect::<Vec<_>>(), [rw, ro], "newest first");
    assert_eq!(listed[1].last_used_at, Some(100_000));
    assert!(matches!(s.revoke_api_token("zz", 1), Err(Error::NotFound { .. })));
    let short = ro.to_string();
    assert_eq!(s.revoke_api_token(&short[short.len() - 8..], 200_000).unwrap(), ro);
    assert_eq!(s.api_token("hash-ro", 200_001).unwrap(), None, "revoked");
    assert!(s.api_token("hash-rw", 200_001).unwrap().is_some());
    assert_eq!(s.revoke_api_token(&short, 300_000).unwrap(), ro, "revoking twice is fine");
    assert_eq!(s.api_tokens().unwrap()[1].revoked_at, Some(200_000), "the first revocation time stays");
}

conformance!(
    users_are_unique_by_email_and_members_of_one_workspace,
    sessions_expire_and_end,
    tokens_are_found_by_hash_and_revoked_by_id
);

/// Versions are numbered on separate branches: a database that already has a higher version
/// still gets a lower one it lacks.
#[test]
fn a_missing_lower_migration_still_runs() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kith.db");
    {
        let c = rusqlite::Connection::open(&path).unwrap();
        c.execute_batch(
            "CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL);
             INSERT INTO schema_migrations VALUES (5, 'server');",
        )
        .unwrap();
    }
    let mut s = kith_store::Store::open_sqlite(&path).expect("migrates");
    assert_eq!(s.people(&Default::default()).unwrap(), vec![], "version 1 ran");
    let c = rusqlite::Connection::open(&path).unwrap();
    let versions: Vec<i64> = c
        .prepare("SELECT version FROM schema_migrations ORDER BY version")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(versions, [1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 13], "every migration it lacked ran, the lower ones too");
}
