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

/// Team and personal workspaces, each in a store of its own beside the server database, whose
/// account questions are answered by the lent server store only.
fn workspaces_are_stores_of_their_own(db: &mut TestDb) {
    use kith_store::workspaces::{WorkspaceKind, workspace_location};
    let s = &mut db.store;
    let ann = s.add_user("ann@t.example", "Ann", None, Role::Owner, 1).unwrap();
    let bo = s.add_user("bo@t.example", "Bo", None, Role::Member, 2).unwrap();
    let home = s.home_workspace().unwrap().unwrap();
    let mine = s.workspaces_of(ann.id).unwrap();
    assert_eq!(
        mine.iter().map(|w| (w.kind, w.role)).collect::<Vec<_>>(),
        [(WorkspaceKind::Team, Some(Role::Owner)), (WorkspaceKind::Personal, Some(Role::Owner))]
    );
    let ann_own = mine[1].id;
    assert_eq!(s.personal_workspace(ann.id, 5).unwrap(), ann_own, "exactly one");
    assert_eq!(s.default_workspace(ann.id, 5).unwrap(), home);
    // Nobody joins a personal workspace; its owner stays.
    assert!(matches!(s.add_member(ann_own, bo.id, Role::Member, 3), Err(Error::Invalid(_))));
    assert!(matches!(s.remove_member(ann_own, ann.id), Err(Error::Conflict(_))));
    // A second team workspace; Bo joins it, then the last owner cannot leave.
    let beta = s.create_team_workspace("Beta", ann.id, 4).unwrap();
    assert!(matches!(s.create_team_workspace(" ", ann.id, 4), Err(Error::Invalid(_))));
    s.add_member(beta.id, bo.id, Role::Viewer, 5).unwrap();
    assert_eq!(s.role_in(bo.id, beta.id).unwrap(), Some(Role::Viewer));
    assert!(matches!(s.remove_member(beta.id, ann.id), Err(Error::Conflict(_))));
    assert_eq!(s.team_workspace_by_ref("beta").unwrap().id, beta.id);
    assert!(matches!(s.team_workspace_by_ref("Personal"), Err(Error::NotFound { .. })), "never by the CLI");

    // Beta's store: its own place, empty account tables; with the server store lent, the
    // account functions answer from the server database, scoped to Beta.
    let location = workspace_location(&db.location, beta.id).unwrap();
    assert_ne!(location, db.location);
    let hex = beta.id.uuid().simple().to_string();
    match &location {
        kith_store::Location::Sqlite(p) => assert!(p.ends_with(format!("kith.db.workspaces/{hex}.db")), "{p:?}"),
        kith_store::Location::Postgres(u) => {
            assert!(u.ends_with(&format!("_w{hex}")), "the schema is named from the id")
        }
    }
    let mut w = kith_store::Store::open_workspace(&db.location, beta.id).unwrap();
    assert_eq!(w.workspace_id(), Some(beta.id));
    assert_eq!((w.user_count().unwrap(), w.users().unwrap().len()), (0, 0), "its own account tables are empty");
    w.lend_accounts(kith_store::Store::open(&db.location).unwrap());
    let members: Vec<_> = w.users().unwrap().into_iter().map(|(u, r)| (u.email, r)).collect();
    assert_eq!(
        members,
        [("ann@t.example".to_string(), Some(Role::Owner)), ("bo@t.example".to_string(), Some(Role::Viewer))]
    );
    assert_eq!(w.member_by_email("bo@t.example").unwrap().map(|(_, r)| r), Some(Role::Viewer));
    let cy = w.add_user_to("cy@t.example", "Cy", None, Role::Member, Some(beta.id), 6).unwrap();
    drop(w.take_accounts().unwrap());
    assert_eq!(w.user_count().unwrap(), 0, "the lent store took the new account");
    assert_eq!(db.store.role_in(cy.id, beta.id).unwrap(), Some(Role::Member));
    assert_eq!(db.store.role_in(cy.id, home).unwrap(), None, "made in Beta only");
    assert_eq!(db.store.member_by_email("cy@t.example").unwrap(), None, "not a member of home");
}

/// Renaming, leaving and deleting: the store's refusals, and what a deletion takes with it. The
/// home workspace stays home even when a team workspace with a smaller id is made later.
fn workspaces_are_renamed_left_and_deleted(db: &mut TestDb) {
    use kith_store::workspaces::workspace_location;
    let s = &mut db.store;
    let ann = s.add_user("ann@t.example", "Ann", None, Role::Owner, 1_795_000_000_000).unwrap();
    let bo = s.add_user("bo@t.example", "Bo", None, Role::Member, 1_795_000_000_000).unwrap();
    let home = s.home_workspace().unwrap().unwrap();
    // Made with a clock set back: its id sorts before home's.
    let early = s.create_team_workspace("Early", ann.id, 0).unwrap();
    assert!(early.id < home);
    assert_eq!(s.home_workspace().unwrap(), Some(home), "home is recorded, not the smallest id");
    assert_eq!(s.team_workspace(5).unwrap(), home);
    assert!(matches!(s.delete_workspace(home, "team", 9), Err(Error::Invalid(_))), "home stays");
    let own = s.personal_workspace(ann.id, 1).unwrap();
    assert!(matches!(s.rename_workspace(own, "Mine"), Err(Error::Invalid(_))));
    assert!(matches!(s.leave_workspace(own, ann.id), Err(Error::Invalid(_))));
    assert!(matches!(s.delete_workspace(own, "Personal", 9), Err(Error::Invalid(_))));

    assert_eq!(s.rename_workspace(early.id, " Later ").unwrap().name, "Later");
    assert!(matches!(s.rename_workspace(early.id, ""), Err(Error::Invalid(_))));
    s.add_member(early.id, bo.id, Role::Member, 2).unwrap();
    assert!(matches!(s.leave_workspace(early.id, ann.id), Err(Error::Conflict(_))), "the last owner");
    s.create_session("bo-session", bo.id, 1, i64::MAX).unwrap();
    s.set_session_workspace("bo-session", early.id).unwrap();
    s.leave_workspace(early.id, bo.id).unwrap();
    assert_eq!(s.role_in(bo.id, early.id).unwrap(), None);
    assert_eq!(s.session("bo-session", 2).unwrap(), Some((bo.id, None)), "back to the default");
    assert!(matches!(s.leave_workspace(early.id, bo.id), Err(Error::NotFound { .. })));

    // Delete: its store, members, sessions' bindings and bound tokens go; nothing else.
    s.add_member(early.id, bo.id, Role::Admin, 3).unwrap();
    s.set_session_workspace("bo-session", early.id).unwrap();
    s.create_api_token_in("bound", bo.id, None, false, Some(early.id), 4).unwrap();
    s.create_api_token_in("elsewhere", bo.id, None, false, Some(home), 4).unwrap();
    let mut store = kith_store::Store::open_workspace(&db.location, early.id).unwrap();
    assert!(store.people(&Default::default()).unwrap().is_empty());
    drop(store);
    let s = &mut db.store;
    assert!(matches!(s.delete_workspace(early.id, "later", 9), Err(Error::Invalid(_))), "the exact name");
    assert_eq!(s.role_in(bo.id, early.id).unwrap(), Some(Role::Admin), "a refusal changes nothing");
    assert_eq!(s.delete_workspace(early.id, "Later", 9).unwrap().name, "Later");
    assert_eq!(s.workspace(early.id).unwrap(), None);
    assert_eq!((s.role_in(ann.id, early.id).unwrap(), s.role_in(bo.id, early.id).unwrap()), (None, None));
    assert_eq!(s.session("bo-session", 10).unwrap(), Some((bo.id, None)));
    assert_eq!(s.api_token("bound", 10).unwrap(), None, "revoked");
    assert!(s.api_token("elsewhere", 10).unwrap().is_some());
    assert_eq!(s.role_in(bo.id, home).unwrap(), Some(Role::Member));
    if let kith_store::Location::Sqlite(p) = workspace_location(&db.location, early.id).unwrap() {
        assert!(!p.exists(), "its file is gone");
    }
    assert!(matches!(s.delete_workspace(early.id, "Later", 9), Err(Error::NotFound { .. })));
}

conformance!(
    users_are_unique_by_email_and_members_of_one_workspace,
    sessions_expire_and_end,
    tokens_are_found_by_hash_and_revoked_by_id,
    workspaces_are_stores_of_their_own,
    workspaces_are_renamed_left_and_deleted
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
             INSERT INTO schema_migrations VALUES (10, 'ops_entity');",
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
    assert_eq!(
        versions,
        [1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 12, 13, 14],
        "every migration it lacked ran, the lower ones too"
    );
}
