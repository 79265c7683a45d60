//! Versioned schema migrations, the same list for both engines.
//!
//! Each migration is a shared SQL file plus, where the engines differ, one file per engine. A
//! migration runs in a transaction together with the row that records it, so a failed migration
//! leaves the database at the previous version. Migrations are append-only: once released, a
//! file never changes; a new schema change is a new migration.

use crate::backend::{Backend, Engine, Val};
use crate::{Error, Result};

struct Migration {
    version: i64,
    name: &'static str,
    shared: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "init",
        shared: include_str!("../migrations/0001_init.sql"),
        sqlite: include_str!("../migrations/0001_search.sqlite.sql"),
        postgres: include_str!("../migrations/0001_search.pg.sql"),
    },
    Migration {
        version: 2,
        name: "intel",
        shared: include_str!("../migrations/0002_intel.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 3,
        name: "interop",
        shared: include_str!("../migrations/0003_interop.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 4,
        name: "lookups",
        shared: include_str!("../migrations/0004_lookups.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 5,
        name: "server",
        shared: include_str!("../migrations/0005_server.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 6,
        name: "derived",
        shared: include_str!("../migrations/0006_derived.sql"),
        sqlite: include_str!("../migrations/0006_derived.sqlite.sql"),
        postgres: include_str!("../migrations/0006_derived.pg.sql"),
    },
    Migration {
        version: 8,
        name: "team",
        shared: include_str!("../migrations/0008_team.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 9,
        name: "private",
        shared: include_str!("../migrations/0009_private.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 10,
        name: "ops_entity",
        shared: include_str!("../migrations/0010_ops_entity.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 11,
        name: "private_notes",
        shared: include_str!("../migrations/0011_private_notes.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 12,
        name: "workspaces",
        shared: include_str!("../migrations/0012_workspaces.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 13,
        name: "task_interaction",
        shared: include_str!("../migrations/0013_task_interaction.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 14,
        name: "ops_root",
        shared: include_str!("../migrations/0014_ops_root.sql"),
        sqlite: "",
        postgres: "",
    },
];

/// The schema version this build of kith writes.
pub const SCHEMA_VERSION: i64 = 14;

pub(crate) fn migrate(db: &mut dyn Backend) -> Result<()> {
    let engine = db.engine();
    db.batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version BIGINT PRIMARY KEY,
             name TEXT NOT NULL
         )",
    )?;
    let current = current_version(db)?;
    if current > SCHEMA_VERSION {
        return Err(Error::Database(format!(
            "the database is at schema version {current}, newer than this kith understands ({SCHEMA_VERSION}); upgrade kith"
        )));
    }
    // Every migration not yet recorded runs, not only those above the highest recorded: a
    // database made by a build that had a later migration but not an earlier one still gets the
    // earlier one. Migrations with distinct numbers must not depend on each other's order.
    let applied = applied_versions(db)?;
    for m in MIGRATIONS.iter().filter(|m| !applied.contains(&m.version)) {
        let (txt, specific, begin) = match engine {
            Engine::Sqlite => ("TEXT", m.sqlite, "BEGIN IMMEDIATE"),
            Engine::Postgres => ("TEXT COLLATE \"C\"", m.postgres, "BEGIN"),
        };
        db.batch(begin)?;
        // Two processes may start on a new database at once: the second finds the work done.
        if applied_versions(db)?.contains(&m.version) {
            db.batch("ROLLBACK")?;
            continue;
        }
        let result = db.batch(&m.shared.replace("{txt}", txt)).and_then(|()| db.batch(specific)).and_then(|()| {
            db.execute(
                "INSERT INTO schema_migrations (version, name) VALUES (?, ?)",
                &[Val::Int(m.version), Val::from(m.name)],
            )
        });
        match result {
            Ok(_) => db.batch("COMMIT")?,
            Err(e) => {
                let _ = db.batch("ROLLBACK");
                return Err(Error::Database(format!("migration {} ({}) failed: {e}", m.version, m.name)));
            }
        }
    }
    Ok(())
}

fn applied_versions(db: &mut dyn Backend) -> Result<Vec<i64>> {
    let rows = db.query("SELECT version FROM schema_migrations", &[])?;
    Ok(rows.iter().filter_map(|r| r[0].int()).collect())
}

fn current_version(db: &mut dyn Backend) -> Result<i64> {
    let rows = db.query("SELECT max(version) FROM schema_migrations", &[])?;
    Ok(rows.first().and_then(|r| r[0].int()).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_migration_numbered_below_the_current_version_still_runs() {
        let dir = tempfile::tempdir().unwrap();
        let mut db = crate::backend::Sqlite::open(&dir.path().join("t.db")).unwrap();
        migrate(&mut db).unwrap();
        // As if migration 4 came from a branch merged after the database reached 6.
        db.batch("DELETE FROM schema_migrations WHERE version = 4; DROP INDEX people_me;").unwrap();
        migrate(&mut db).unwrap();
        assert!(applied_versions(&mut db).unwrap().contains(&4));
        let index = db.query("SELECT count(*) FROM sqlite_master WHERE name = 'people_me'", &[]).unwrap();
        assert_eq!(index[0][0], Val::Int(1));
        assert_eq!(current_version(&mut db).unwrap(), SCHEMA_VERSION);
    }

    /// Migration 14 files an existing log by owner: by the owner a record's row names now, for
    /// a child that moved, and under the record itself for one without an owner.
    #[test]
    fn ops_of_a_version_13_database_are_filed_by_owner() {
        use kith_core::{ChangeSet, Id, Kind};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let mut store = crate::Store::open_sqlite(&path).unwrap();
        let (ann, bo, meeting) = (store.new_id(1), store.new_id(2), store.new_id(3));
        let email = Id::derive(ann, "email", "a@x.example");
        let mut cs = ChangeSet::new();
        cs.set(Kind::Person, ann, "display_name", "Ann");
        cs.set(Kind::Person, bo, "display_name", "Bo");
        cs.set(Kind::PersonItem, email, "parent", ann.to_string());
        cs.set(Kind::PersonItem, email, "value", "a@x.example");
        cs.set(Kind::Interaction, meeting, "summary", "coffee");
        cs.set(Kind::Participant, Id::derive(meeting, "participant", "ann"), "interaction", meeting.to_string());
        cs.set(Kind::Participant, Id::derive(meeting, "participant", "ann"), "person", ann.to_string());
        store.commit(cs, "t", 1_000).unwrap();
        let mut cs = ChangeSet::new();
        cs.set(Kind::PersonItem, email, "parent", bo.to_string());
        store.commit(cs, "t", 2_000).unwrap();
        let history = |store: &mut crate::Store, id| store.history(id).unwrap().len();
        let before = [history(&mut store, ann), history(&mut store, bo), history(&mut store, meeting)];
        drop(store);

        // The log as version 13 kept it: no root, indexed by entity.
        let mut db = crate::backend::Sqlite::open(&path).unwrap();
        db.batch(
            "DROP INDEX ops_root; ALTER TABLE ops DROP COLUMN root; CREATE INDEX ops_entity ON ops (entity);
             DELETE FROM schema_migrations WHERE version = 14;",
        )
        .unwrap();
        drop(db);
        let mut store = crate::Store::open_sqlite(&path).unwrap();
        assert_eq!(store.misfiled_ops().unwrap(), vec![]);
        let roots = store.db().query("SELECT DISTINCT root FROM ops ORDER BY root", &[]).unwrap();
        let mut expected = vec![ann.to_string(), bo.to_string(), meeting.to_string()];
        expected.sort();
        assert_eq!(roots.into_iter().filter_map(|r| r[0].text().map(str::to_string)).collect::<Vec<_>>(), expected);
        let after = [history(&mut store, ann), history(&mut store, bo), history(&mut store, meeting)];
        assert_eq!(after, before);
        // Ann: her name and her place in the meeting; Bo: his name and the email's three ops,
        // those of its time with Ann too; the meeting: its summary and Ann's place in it.
        assert_eq!(after, [3, 4, 3]);
    }
}
