//! "Who on our team knows someone at X?": intro chains to a person or organization that start
//! at any teammate, over the ties the asker may see.
//!
//! A teammate's starting point is the live person whose email is the teammate's account email
//! (their own card in the shared network; no extra state to keep in step). Chains are searched
//! twice on one tie graph, the whole one: over all of it, and avoiding the people the asker's
//! scope hides (people private to others, see [`crate::privacy`]), which finds the chains of the
//! graph without their ties. A chain the asker may see is shown in full. When a teammate's best chain runs through someone private
//! to another user, the answer only says whom to ask ("Ann has a private connection there —
//! ask Ann"): no id, name or hop of the private contact.

use std::collections::HashSet;
use std::sync::Arc;

use jiff::Timestamp;
use kith_core::Id;
use kith_core::intel::PersonRef;
use kith_core::paths::By;
use serde::Serialize;

use crate::accounts::Role;
use crate::privacy::Hidden;
use crate::query::text;
use crate::reports::{Chain, PathTarget, explain_chain};
use crate::{Result, Store};

/// One answer: a chain shown in full, or a pointer to the teammate who holds a private one.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum TeamChain {
    Shown {
        /// The teammate the chain starts at (their account name).
        teammate: String,
        teammate_email: String,
        private: bool,
        /// "Ann → Bo → Carla (at Acme)".
        text: String,
        #[serde(flatten)]
        chain: Chain,
    },
    Private {
        teammate: String,
        private: bool,
        message: String,
    },
}

#[derive(Debug, Clone, Serialize)]
pub struct TeamPathReport {
    pub target: PathTarget,
    pub by: &'static str,
    pub max_hops: u32,
    /// Best first: shown chains by warmth (or hops), then the private pointers.
    pub paths: Vec<TeamChain>,
    /// Teammates who have no card of their own in the network (no person with their email),
    /// so no chain can start at them.
    pub without_card: Vec<String>,
    /// Why there is no chain, in words.
    pub message: Option<String>,
}

/// A teammate: account name and email, and their person (if any).
struct Mate {
    user: Id,
    name: String,
    email: String,
    person: Option<Id>,
}

impl Store {
    fn mates(&mut self) -> Result<Vec<Mate>> {
        let mut out = Vec::new();
        for (u, role) in self.users()? {
            // Guests are outside the workspace's network; disabled accounts ask no one.
            if u.disabled || matches!(role, None | Some(Role::Guest)) {
                continue;
            }
            let person = self.person_with_email(&u.email)?;
            out.push(Mate { user: u.id, name: u.name, email: u.email, person });
        }
        Ok(out)
    }

    fn private_owner(&mut self, person: Id) -> Result<Option<Id>> {
        let rows = self.db().query("SELECT private_to FROM people WHERE id = ?", &[person.into()])?;
        Ok(rows.first().and_then(|r| text(&r[0])).and_then(|t| t.parse().ok()))
    }
}

/// Up to `k` chains per teammate to `target` (a person the asker may see, or an organization),
/// ranked `by`, at most `max_hops` long. `asker` is the user asking: chains through people
/// private to them are theirs to see. The store's scope must be the asker's (as on the server).
pub fn team_paths(
    store: &mut Store,
    asker: Id,
    target: PathTarget,
    k: usize,
    by: By,
    max_hops: u32,
    now: Timestamp,
) -> Result<TeamPathReport> {
    let scope = store.scope();
    let mates = store.mates()?;
    let asker_person = mates.iter().find(|m| m.user == asker).and_then(|m| m.person);
    // One graph, the whole one (to know that a private chain exists); the asker's part of it is
    // the same graph without the people hidden from them, searched by avoiding those nodes.
    store.set_scope(Arc::new(Hidden::none()));
    let whole = store.tie_graph(asker_person, now);
    let targets_whole = match target.kind {
        "org" => store.org_people(target.id),
        _ => Ok(vec![target.id]),
    };
    store.set_scope(scope.clone());
    let (whole, targets_whole) = (whole?, targets_whole?);
    let seen = &whole;
    let mut avoid: Vec<u32> = scope.people().filter_map(|id| whole.node(id)).collect();
    avoid.sort_unstable();

    let by_text = match by {
        By::Hops => "hops",
        By::Strength => "strength",
    };
    let mut report =
        TeamPathReport { target, by: by_text, max_hops, paths: vec![], without_card: vec![], message: None };
    let targets: Vec<u32> = targets_whole.iter().filter_map(|id| whole.node(*id)).collect();
    let targets_seen: Vec<u32> =
        targets_whole.iter().filter(|id| !scope.person(**id)).filter_map(|id| seen.node(*id)).collect();
    let mut shown: Vec<(f64, u32, TeamChain)> = Vec::new();
    let mut pointers: Vec<String> = Vec::new();
    let mut asked: HashSet<Id> = HashSet::new();
    for m in &mates {
        let Some(start) = m.person.filter(|p| !scope.person(*p)).and_then(|p| whole.node(p)) else {
            report.without_card.push(m.name.clone());
            continue;
        };
        let best =
            if scope.people_count() == 0 { vec![] } else { whole.graph.k_paths(start, &targets, 1, by, max_hops) };
        let hidden =
            best.first().and_then(|p| p.nodes.iter().map(|&n| whole.ids[n as usize]).find(|id| scope.person(*id)));
        if let Some(hidden) = hidden {
            // The best chain runs through someone private to another user: say whom to ask.
            let owner = store.private_owner(hidden)?;
            let who = mates.iter().find(|x| Some(x.user) == owner);
            if let Some(who) = who
                && asked.insert(who.user)
            {
                pointers.push(who.name.clone());
            }
        }
        if targets_seen.is_empty() {
            continue;
        }
        for p in seen.graph.k_paths_avoiding(start, &targets_seen, k, by, max_hops, &avoid) {
            let name_of = |s: &mut Store, n: u32| -> Result<PersonRef> {
                let id = seen.ids[n as usize];
                Ok(PersonRef { id, name: s.label(id)?.unwrap_or_default() })
            };
            let mut chain = explain_chain(store, seen, &p, asker_person, now, &name_of)?;
            let mut text = chain.people.iter().map(|x| x.name.as_str()).collect::<Vec<_>>().join(" → ");
            if report.target.kind == "org" {
                text.push_str(&format!(" (at {})", report.target.name));
                if let Some(last) = chain.steps.last_mut() {
                    last.text.push_str(&format!(" (at {})", report.target.name));
                }
            }
            let key = match by {
                By::Strength => -chain.warmth,
                By::Hops => f64::from(chain.hops),
            };
            shown.push((
                key,
                chain.hops,
                TeamChain::Shown {
                    teammate: m.name.clone(),
                    teammate_email: m.email.clone(),
                    private: false,
                    text,
                    chain,
                },
            ));
        }
    }
    shown.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    report.paths = shown.into_iter().map(|(_, _, c)| c).collect();
    for name in pointers {
        report.paths.push(TeamChain::Private {
            message: format!("{name} has a private connection there — ask {name}"),
            teammate: name,
            private: true,
        });
    }
    if report.paths.is_empty() {
        report.message = Some(if targets_seen.is_empty() {
            format!("nobody is currently at {} in the team's contacts", report.target.name)
        } else {
            format!("no teammate has a chain to {} within {max_hops} hops", report.target.name)
        });
    }
    Ok(report)
}
