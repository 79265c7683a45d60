//! Sharing inside the team workspace (migration 8): the member list of a project, which lets a
//! guest see (`view`) or change (`edit`) that project and its tasks.
//!
//! Like memberships this is local server state, written with plain statements, not operations:
//! who may see what is decided by the server that holds the accounts, and a replica cannot
//! grant itself access by sending operations.

use std::fmt;
use std::str::FromStr;

use kith_core::Id;
use serde::Serialize;

use crate::backend::Val;
use crate::query::id_of;
use crate::{Result, Store};

/// What a project's member may do with the project and its tasks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ProjectRights {
    View,
    Edit,
}

impl ProjectRights {
    pub fn as_str(self) -> &'static str {
        match self {
            ProjectRights::View => "view",
            ProjectRights::Edit => "edit",
        }
    }
}

impl fmt::Display for ProjectRights {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ProjectRights {
    type Err = kith_core::model::ParseError;
    fn from_str(s: &str) -> Result<ProjectRights, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "view" => Ok(ProjectRights::View),
            "edit" => Ok(ProjectRights::Edit),
            _ => Err(kith_core::model::ParseError::new("project rights", s, "use view or edit")),
        }
    }
}

/// A member of a project's list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProjectMember {
    pub user_id: Id,
    pub email: String,
    pub name: String,
    pub rights: ProjectRights,
}

impl Store {
    /// The members of a project's list, by email.
    pub fn project_members(&mut self, project: Id) -> Result<Vec<ProjectMember>> {
        // The list is this workspace's; the users' names are the server database's.
        let rows =
            self.db().query("SELECT user_id, rights FROM project_members WHERE project = ?", &[project.into()])?;
        let listed: Vec<(Id, ProjectRights)> =
            rows.iter().filter_map(|r| Some((id_of(&r[0])?, r[1].text()?.parse().ok()?))).collect();
        let ids: Vec<Id> = listed.iter().map(|(id, _)| *id).collect();
        let users = self.users_by_id(&ids)?;
        let mut out: Vec<ProjectMember> = listed
            .into_iter()
            .filter_map(|(id, rights)| {
                let u = users.get(&id)?;
                Some(ProjectMember { user_id: id, email: u.email.clone(), name: u.name.clone(), rights })
            })
            .collect();
        out.sort_by(|a, b| a.email.cmp(&b.email));
        Ok(out)
    }

    /// Put a user on a project's list with these rights, or take them off it (`None`).
    pub fn set_project_member(
        &mut self,
        project: Id,
        user: Id,
        rights: Option<ProjectRights>,
        now_ms: i64,
    ) -> Result<()> {
        match rights {
            Some(r) => self.db().execute(
                "INSERT INTO project_members (project, user_id, rights, created_at) VALUES (?, ?, ?, ?)
                 ON CONFLICT (project, user_id) DO UPDATE SET rights = excluded.rights",
                &[project.into(), user.into(), Val::from(r.as_str()), Val::Int(now_ms)],
            )?,
            None => self.db().execute(
                "DELETE FROM project_members WHERE project = ? AND user_id = ?",
                &[project.into(), user.into()],
            )?,
        };
        Ok(())
    }

    /// Whether a live project has this id.
    pub fn project_exists(&mut self, project: Id) -> Result<bool> {
        let rows = self
            .db()
            .query("SELECT 1 FROM projects WHERE id = ? AND deleted = 0 AND name IS NOT NULL", &[project.into()])?;
        Ok(!rows.is_empty())
    }

    /// The live projects shared with a user, and their rights on each.
    pub fn shared_projects(&mut self, user: Id) -> Result<Vec<(Id, ProjectRights)>> {
        let rows = self.db().query(
            "SELECT pm.project, pm.rights FROM project_members pm JOIN projects p ON p.id = pm.project
             WHERE pm.user_id = ? AND p.deleted = 0 ORDER BY pm.project",
            &[user.into()],
        )?;
        Ok(rows.iter().filter_map(|r| Some((id_of(&r[0])?, r[1].text()?.parse().ok()?))).collect())
    }
}
