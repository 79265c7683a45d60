//! Cursor pages for the API's lists: organizations and projects in name order, events in time
//! order, a person's ties in name order. Like `Store::people_after`, a page starts after the
//! last row of the previous one (its sort key and id), so pages stay stable while records are
//! added or removed, and a page costs the same wherever it is.

use std::collections::HashMap;

use kith_core::Id;

use crate::backend::Val;
use crate::query::{ORG_SELECT, PROJECT_SELECT, id_of, marks, org_row, project_row, text};
use crate::{EventView, OrgView, ProjectView, Result, Store, TieView};

impl Store {
    /// Organizations in name order after `(name, id)`, at most `limit` (without their people).
    pub fn orgs_after(&mut self, after: Option<(&str, Id)>, limit: usize) -> Result<Vec<OrgView>> {
        let mut sql = String::from(ORG_SELECT);
        let mut params = Vec::new();
        if let Some((name, id)) = after {
            sql.push_str(" AND (o.name > ? OR (o.name = ? AND o.id > ?))");
            params.extend([Val::from(name), Val::from(name), id.into()]);
        }
        sql.push_str(" ORDER BY o.name, o.id LIMIT ?");
        params.push(Val::Int(limit as i64));
        let rows = self.db().query(&sql, &params)?;
        let mut out: Vec<OrgView> = rows.iter().filter_map(|r| org_row(r)).collect();
        let index: HashMap<Id, usize> = out.iter().enumerate().map(|(i, o)| (o.id, i)).collect();
        let ids: Vec<Val> = out.iter().map(|o| Val::from(o.id)).collect();
        for chunk in ids.chunks(500) {
            let tags = self.db().query(
                &format!(
                    "SELECT parent, value FROM org_items WHERE parent IN ({}) AND kind = 'tag' AND deleted = 0 ORDER BY value",
                    marks(chunk.len())
                ),
                chunk,
            )?;
            for t in tags {
                if let (Some(&i), Some(tag)) = (id_of(&t[0]).and_then(|id| index.get(&id)), text(&t[1])) {
                    out[i].tags.push(tag);
                }
            }
        }
        Ok(out)
    }

    /// Projects in name order after `(name, id)`, at most `limit`, with their task counts.
    pub fn projects_after(&mut self, after: Option<(&str, Id)>, limit: usize) -> Result<Vec<ProjectView>> {
        let mut sql = String::from(PROJECT_SELECT);
        let mut params = Vec::new();
        if let Some((name, id)) = after {
            sql.push_str(" AND (p.name > ? OR (p.name = ? AND p.id > ?))");
            params.extend([Val::from(name), Val::from(name), id.into()]);
        }
        sql.push_str(" ORDER BY p.name, p.id LIMIT ?");
        params.push(Val::Int(limit as i64));
        Ok(self.db().query(&sql, &params)?.iter().filter_map(|r| project_row(r)).collect())
    }

    /// One project.
    pub fn project(&mut self, id: Id) -> Result<Option<ProjectView>> {
        let rows = self.db().query(&format!("{PROJECT_SELECT} AND p.id = ?"), &[id.into()])?;
        Ok(rows.first().and_then(|r| project_row(r)))
    }

    /// Events in start order that end at or after `from_ms` (when given), after the event with
    /// this (start, id), at most `limit`; events without a start are not listed.
    pub fn events_after(
        &mut self,
        from_ms: Option<i64>,
        after: Option<(i64, Id)>,
        limit: usize,
    ) -> Result<Vec<EventView>> {
        let mut sql = String::from(
            "SELECT id, title, kind, start_at, end_at, tz, place, link, goals, prep, debrief FROM events
             WHERE deleted = 0 AND title IS NOT NULL AND start_at IS NOT NULL AND coalesce(end_at, start_at) >= ?",
        );
        let mut params = vec![Val::Int(from_ms.unwrap_or(i64::MIN))];
        if let Some((start, id)) = after {
            sql.push_str(" AND (start_at > ? OR (start_at = ? AND id > ?))");
            params.extend([Val::Int(start), Val::Int(start), id.into()]);
        }
        sql.push_str(" ORDER BY start_at, id LIMIT ?");
        params.push(Val::Int(limit as i64));
        let rows = self.db().query(&sql, &params)?;
        // Read like `Store::event`: the same columns, attendees and scope.
        self.event_views(rows)
    }

    /// A person's ties ordered by the other end's name, after `(name, tie id)`, at most `limit`.
    pub fn ties_after(&mut self, person: Id, after: Option<(&str, Id)>, limit: usize) -> Result<Vec<TieView>> {
        let mut ties = self.ties(Some(person))?;
        ties.sort_by(|x, y| (x.to.as_str(), x.id).cmp(&(y.to.as_str(), y.id)));
        Ok(ties
            .into_iter()
            .filter(|t| after.is_none_or(|(name, id)| (t.to.as_str(), t.id) > (name, id)))
            .take(limit)
            .collect())
    }

    /// A live tie by its id.
    pub fn tie(&mut self, id: Id) -> Result<Option<TieView>> {
        let rows = self.db().query("SELECT a FROM ties WHERE id = ? AND deleted = 0", &[id.into()])?;
        let Some(a) = rows.first().and_then(|r| id_of(&r[0])) else { return Ok(None) };
        Ok(self.ties(Some(a))?.into_iter().find(|t| t.id == id))
    }
}
