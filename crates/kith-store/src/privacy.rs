//! Private people and private notes: the one rule of who sees what on a team server.
//!
//! A person whose `private_to` field holds a user's id exists only for that user. For everyone
//! else the person, the ties they are on, and the interactions (with their exchanges) they took
//! part in are [`Hidden`]. An interaction (a logged note, with its exchanges) whose own
//! `private_to` holds a user's id is hidden from everyone else too, even when its people are
//! shared. A task that follows up a hidden interaction (its `interaction`: a debrief's hook) is
//! hidden with it, except from the user it is assigned to. The server computes the set once per request ([`Store::hidden_for`], one query over
//! the `people_private` and `interactions_private` partial indexes) and scopes the request's
//! store to it ([`Store::set_scope`]); the store's reads then leave hidden records out, so no
//! handler decides visibility. The single-user CLI never sets a scope: there the field means
//! nothing.

use std::collections::HashSet;
use std::sync::Arc;

use kith_core::Id;

use crate::activity::ActivityPage;
use crate::query::id_of;
use crate::{EventView, InteractionView, OrgView, PersonRow, PersonView, Result, SearchHit, Store, TaskView, TieView};

/// The records hidden from one user: other users' private people, the ties they are on, the
/// interactions they took part in (or exchanged something in), and other users' private notes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Hidden {
    /// The user the set was read for (`None`: nothing hidden, or a set made by hand): names the
    /// scope's entries in the process memo (see `intel::ScopeFix`).
    viewer: Option<Id>,
    people: HashSet<Id>,
    interactions: HashSet<Id>,
    ties: HashSet<Id>,
    /// Tasks linked to hidden people only (a follow-up hook on a private person), and tasks
    /// that follow up a hidden interaction (unless assigned to the user).
    tasks: HashSet<Id>,
}

impl Hidden {
    /// Nothing hidden (the CLI, a store not scoped to a user).
    pub fn none() -> Hidden {
        Hidden::default()
    }

    /// Nothing hidden at all: no people, interactions, ties or tasks. (Private notes hide
    /// interactions without hiding any person, so "no hidden people" is not "nothing hidden":
    /// ask [`Hidden::people_count`] for that.)
    pub fn is_empty(&self) -> bool {
        self.people.is_empty() && self.interactions.is_empty() && self.ties.is_empty() && self.tasks.is_empty()
    }

    /// The user this set was read for.
    pub(crate) fn viewer(&self) -> Option<Id> {
        self.viewer
    }

    /// The hidden interactions, in no particular order.
    pub(crate) fn interactions(&self) -> impl Iterator<Item = Id> + '_ {
        self.interactions.iter().copied()
    }

    /// The hidden interactions in id order, each as two `i64`s: an exact label for what this
    /// scope takes out of the contact statistics and exchange sums.
    pub(crate) fn interactions_label(&self) -> Vec<i64> {
        label(&self.interactions)
    }

    pub fn person(&self, id: Id) -> bool {
        self.people.contains(&id)
    }

    /// The hidden people, in no particular order.
    pub(crate) fn people(&self) -> impl Iterator<Item = Id> + '_ {
        self.people.iter().copied()
    }

    /// The hidden people in id order, each as two `i64`s: an exact label for what this scope
    /// takes out of the network (a memo entry built for one scope matches no other).
    pub(crate) fn people_label(&self) -> Vec<i64> {
        label(&self.people)
    }

    /// A short key for the hidden people (order-independent), to keep one memo entry per scope.
    pub(crate) fn people_key(&self) -> u64 {
        set_key(&self.people)
    }

    /// A short key for the hidden interactions, as [`Hidden::people_key`].
    pub(crate) fn interactions_key(&self) -> u64 {
        set_key(&self.interactions)
    }

    pub fn interaction(&self, id: Id) -> bool {
        self.interactions.contains(&id)
    }

    pub fn tie(&self, id: Id) -> bool {
        self.ties.contains(&id)
    }

    /// How many people are hidden: a page read with a limit asks for this many more rows, so
    /// that leaving them out does not shorten it.
    pub fn people_count(&self) -> usize {
        self.people.len()
    }

    pub fn interaction_count(&self) -> usize {
        self.interactions.len()
    }

    /// Whether a record of this kind (`person`, `interaction`, `tie`…) and id is hidden.
    pub fn record(&self, kind: &str, id: Id) -> bool {
        match kind {
            "person" => self.person(id),
            "interaction" | "exchange" => self.interaction(id),
            "tie" => self.tie(id),
            "task" => self.tasks.contains(&id),
            _ => false,
        }
    }

    pub fn person_view(&self, mut v: PersonView) -> Option<PersonView> {
        if self.person(v.id) {
            return None;
        }
        if !self.is_empty() {
            v.ties.retain(|t| !self.tie(t.id));
            v.interactions.retain(|i| !self.interaction(i.id));
            v.open_tasks = std::mem::take(&mut v.open_tasks).into_iter().filter_map(|t| self.task_view(t)).collect();
        }
        Some(v)
    }

    pub fn interaction_view(&self, v: InteractionView) -> Option<InteractionView> {
        (!self.interaction(v.id)).then_some(v)
    }

    /// A task without its hidden people; none at all when it was only about hidden people (a
    /// follow-up hook on a private person is a note about them).
    pub fn task_view(&self, mut t: TaskView) -> Option<TaskView> {
        if self.tasks.contains(&t.id) {
            return None;
        }
        t.people = self.refs(std::mem::take(&mut t.people))?;
        Some(t)
    }

    /// The people of a task-like item without the hidden ones; `None` when there were people
    /// and all were hidden (the item is about them only, so it is hidden too).
    pub fn refs(&self, mut people: Vec<crate::PersonRef>) -> Option<Vec<crate::PersonRef>> {
        if self.is_empty() || people.is_empty() {
            return Some(people);
        }
        people.retain(|p| !self.person(p.id));
        (!people.is_empty()).then_some(people)
    }

    pub fn event_view(&self, mut e: EventView) -> EventView {
        e.attendees.retain(|p| !self.person(p.id));
        e
    }

    pub fn org_view(&self, mut o: OrgView) -> OrgView {
        o.people.retain(|p| !self.person(p.id));
        o
    }

    pub fn tie_view(&self, t: &TieView) -> bool {
        !self.tie(t.id) && !self.person(t.from_id) && !self.person(t.to_id)
    }

    pub fn rows(&self, rows: &mut Vec<PersonRow>) {
        rows.retain(|r| !self.person(r.id));
    }

    pub fn hits(&self, hits: &mut Vec<SearchHit>) {
        hits.retain(|h| !self.record(h.kind, h.id));
    }

    /// The feed without the change sets that touched a hidden record (their summary names it).
    pub fn activity(&self, page: &mut ActivityPage) {
        page.items.retain(|e| !e.records.iter().any(|r| self.record(r.kind, r.id)));
    }
}

/// The ids in order, each as two `i64`s.
fn label(ids: &HashSet<Id>) -> Vec<i64> {
    let mut ids: Vec<Id> = ids.iter().copied().collect();
    ids.sort_unstable();
    ids.iter()
        .flat_map(|id| {
            let bits = id.uuid().as_u128();
            [bits as i64, (bits >> 64) as i64]
        })
        .collect()
}

fn set_key(set: &HashSet<Id>) -> u64 {
    set.iter().fold(set.len() as u64, |acc, id| {
        let bits = id.uuid().as_u128();
        let x = (bits as u64 ^ (bits >> 64) as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        acc.wrapping_add(x ^ (x >> 29))
    })
}

impl Store {
    /// The version of the data [`Store::hidden_for`] reads (bumped by every change to people,
    /// ties, interactions, participants, exchanges and task people), for caches of hidden sets.
    /// `None` when the counter is missing (then nothing may be cached).
    pub fn privacy_version(&mut self) -> Result<Option<i64>> {
        let rows = self.db().query("SELECT version FROM data_versions WHERE key = 'privacy'", &[])?;
        Ok(rows.first().and_then(|r| r[0].int()))
    }

    /// The records hidden from `user`: one query, driven by the `people_private` partial index
    /// (only private people are in it), then by the participants', exchanges' and ties' person
    /// indexes for those few people, and by the `interactions_private` partial index (only
    /// private notes are in it); the tasks of those interactions through `tasks_interaction`
    /// (only tasks that name an interaction are in it).
    pub fn hidden_for(&mut self, user: Id) -> Result<Hidden> {
        let rows = self.db().query(
            "WITH h AS (SELECT id FROM people WHERE private_to IS NOT NULL AND private_to <> ? AND deleted = 0),
             hi AS (SELECT id FROM interactions WHERE private_to IS NOT NULL AND private_to <> ? AND deleted = 0
                    UNION SELECT x.interaction FROM participants x JOIN h ON h.id = x.person WHERE x.deleted = 0
                    UNION SELECT e.interaction FROM exchanges e JOIN h ON h.id = e.person WHERE e.deleted = 0)
             SELECT 'p', id FROM h
             UNION ALL SELECT 'i', id FROM hi
             UNION ALL SELECT 'k', t.id FROM tasks t JOIN hi ON hi.id = t.interaction
                 WHERE t.deleted = 0 AND (t.assignee IS NULL OR t.assignee <> ?)
             UNION ALL SELECT 't', t.id FROM ties t JOIN h ON h.id = t.a
             UNION ALL SELECT 't', t.id FROM ties t JOIN h ON h.id = t.b
             UNION ALL SELECT 'k', tp.task FROM task_people tp JOIN h ON h.id = tp.person WHERE tp.deleted = 0
                 AND NOT EXISTS (SELECT 1 FROM task_people o JOIN people op ON op.id = o.person
                                 WHERE o.task = tp.task AND o.deleted = 0 AND op.deleted = 0
                                   AND (op.private_to IS NULL OR op.private_to = ?))",
            &[user.into(), user.into(), user.into(), user.into()],
        )?;
        let mut h = Hidden { viewer: Some(user), ..Hidden::default() };
        for r in rows {
            let Some(id) = id_of(&r[1]) else { continue };
            match r[0].text() {
                Some("p") => h.people.insert(id),
                Some("i") => h.interactions.insert(id),
                Some("k") => h.tasks.insert(id),
                _ => h.ties.insert(id),
            };
        }
        Ok(h)
    }

    /// Scope this store's reads to what one user may see (see the module documentation). The
    /// server sets it for every request's work; [`Hidden::none`] (the default) sees everything.
    pub fn set_scope(&mut self, hidden: Arc<Hidden>) {
        self.scope = hidden;
    }

    /// What this store's reads leave out.
    pub fn scope(&self) -> Arc<Hidden> {
        self.scope.clone()
    }

    /// Leave out of `ops` (the op log, for a backup) every operation on a record the scope
    /// hides: hidden people, their ties and interactions, and the child records that point at
    /// them (items, roles, participants, exchanges, task links, attendees, kept cards), and the
    /// tasks linked to a hidden person.
    pub fn scope_ops(&mut self, ops: &mut Vec<kith_core::Op>) -> Result<()> {
        if self.scope.is_empty() {
            return Ok(());
        }
        let gone = self.hidden_records()?;
        ops.retain(|op| !gone.contains(&op.entity));
        Ok(())
    }

    /// The records whose operations [`Store::scope_ops`] leaves out (none when nothing is
    /// hidden).
    pub(crate) fn hidden_records(&mut self) -> Result<HashSet<Id>> {
        if self.scope.is_empty() {
            return Ok(HashSet::new());
        }
        let scope = self.scope.clone();
        let mut gone: HashSet<Id> = HashSet::new();
        gone.extend(scope.people.iter().copied());
        gone.extend(scope.interactions.iter().copied());
        gone.extend(scope.ties.iter().copied());
        let people: Vec<crate::Val> = scope.people.iter().map(|&id| id.into()).collect();
        let interactions: Vec<crate::Val> = scope.interactions.iter().map(|&id| id.into()).collect();
        let by = |table: &str, col: &str| format!("SELECT id FROM {table} WHERE {col} IN ");
        let queries = [
            (by("person_items", "parent"), &people),
            (by("person_cards", "parent"), &people),
            (by("roles", "person"), &people),
            (by("participants", "person"), &people),
            (by("exchanges", "person"), &people),
            (by("attendees", "person"), &people),
            (by("task_people", "person"), &people),
            ("SELECT task FROM task_people WHERE person IN ".to_string(), &people),
            (by("participants", "interaction"), &interactions),
            (by("exchanges", "interaction"), &interactions),
        ];
        for (sql, ids) in queries {
            for chunk in ids.chunks(500) {
                let q = format!("{sql}({})", crate::query::marks(chunk.len()));
                for r in self.db().query(&q, chunk)? {
                    if let Some(id) = id_of(&r[0]) {
                        gone.insert(id);
                    }
                }
            }
        }
        Ok(gone)
    }

    /// Whether `id` is a person this store's scope may see (live and not hidden).
    pub fn sees_person(&self, id: Id) -> bool {
        !self.scope.person(id)
    }
}

/// Make a person private to `owner` (`None`: shared with the workspace). The server allows it
/// to any writer who sees the person: the owner of a private person (the only one who sees it),
/// or anyone for a shared one (making it private to themselves).
pub fn set_private(cs: &mut kith_core::ChangeSet, person: Id, owner: Option<Id>) {
    cs.set(kith_core::Kind::Person, person, "private_to", owner.map(|o| o.to_string()));
}

/// Make a logged interaction (a note, with its exchanges) private to `owner` (`None`: seen by
/// whoever sees its people). The same rule as [`set_private`]: any writer who sees the
/// interaction may, which is only its owner for a private one, anyone for a shared one (making
/// it private to themselves).
pub fn set_interaction_private(cs: &mut kith_core::ChangeSet, interaction: Id, owner: Option<Id>) {
    cs.set(kith_core::Kind::Interaction, interaction, "private_to", owner.map(|o| o.to_string()));
}
