#!/usr/bin/env python3
"""Copy a kith SQLite database into an empty PostgreSQL database, for benchmarks.

usage: scripts/sqlite-to-pg.py SQLITE_FILE POSTGRES_URL [KITH_BIN]

Seeding 100,000 people through kith's apply path on PostgreSQL sends one statement per
operation (about 12 million), which takes hours; this copies the state a seeded SQLite file
already holds (the op log and every materialized table: both engines share the schema) with
COPY, so the CLI can be measured on the same data on both engines. The target database must be
new: kith creates its schema there first (by running `kith person list` against it), then this
fills the tables and runs ANALYZE. The search documents are copied from SQLite's FTS5 table into
PostgreSQL's search_docs, whose tsvector column is computed by PostgreSQL itself.

The copy keeps the SQLite file's node id: do not sync the two databases with each other.
"""

import io
import os
import sqlite3
import subprocess
import sys
import time

# Parents before children, as in kith-core's schema catalogue, so foreign keys hold.
TABLES = [
    "people", "orgs", "projects", "person_items", "org_items", "roles", "ties", "interactions",
    "participants", "exchanges", "tasks", "task_people", "events", "attendees", "ops",
]


def field(v):
    """One CSV field: strings quoted, NULL as an empty unquoted field (COPY reads it as NULL)."""
    if v is None:
        return ""
    if isinstance(v, (int, float)):
        return str(v)
    return '"' + str(v).replace('"', '""') + '"'


def copy(url, table, columns, rows):
    proc = subprocess.Popen(
        ["psql", "-q", "-v", "ON_ERROR_STOP=1", url, "-c",
         f"\\copy {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv)"],
        stdin=subprocess.PIPE,
    )
    out = io.TextIOWrapper(proc.stdin, encoding="utf-8", newline="")
    n = 0
    for row in rows:
        out.write(",".join(field(v) for v in row))
        out.write("\n")
        n += 1
    out.close()
    if proc.wait() != 0:
        sys.exit(f"sqlite-to-pg: copying {table} failed")
    return n


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    src, url = sys.argv[1], sys.argv[2]
    kith = sys.argv[3] if len(sys.argv) > 3 else "target/release/kith"
    subprocess.run([kith, "--db", url, "person", "list", "--limit", "1"], check=True,
                   stdout=subprocess.DEVNULL)
    db = sqlite3.connect(f"file:{src}?mode=ro", uri=True)
    existing = subprocess.run(["psql", "-tA", url, "-c", "SELECT count(*) FROM ops"],
                              check=True, capture_output=True, text=True).stdout.strip()
    if existing != "0":
        sys.exit("sqlite-to-pg: the target database already has operations; use a new one")
    node = db.execute("SELECT value FROM meta WHERE key = 'node'").fetchone()
    if node:
        subprocess.run(["psql", "-q", url, "-c", f"UPDATE meta SET value = '{node[0]}' WHERE key = 'node'"],
                       check=True)
    for table in TABLES:
        t = time.time()
        columns = [r[1] for r in db.execute(f"PRAGMA table_info({table})")]
        n = copy(url, table, columns, db.execute(f"SELECT {', '.join(columns)} FROM {table}"))
        print(f"{table}: {n} rows in {time.time() - t:.1f} s", flush=True)
    t = time.time()
    n = copy(url, "search_docs", ["entity", "kind", "title", "body"], db.execute(
        "SELECT d.entity, d.kind, coalesce(s.title, ''), coalesce(s.body, '')"
        " FROM search s JOIN search_docs d ON d.rowid = s.rowid"))
    print(f"search_docs: {n} rows in {time.time() - t:.1f} s", flush=True)
    subprocess.run(["psql", "-q", url, "-c", "ANALYZE"], check=True)


if __name__ == "__main__":
    os.environ.setdefault("PGCONNECT_TIMEOUT", "10")
    main()
