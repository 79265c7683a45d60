//! The network picture (`/network`): the ego network of me (or of `?person=ID`) up to two hops,
//! laid out here in Rust and drawn as inline SVG. Each node links to the person's page; with
//! `?to=ID` the warmest intro path to that person is highlighted (and listed in words).
//!
//! The layout is radial and deterministic: the centre in the middle, the people one hop away on
//! a ring (strongest ties first, clockwise from the top), each two-hop person on an outer ring
//! inside the angular sector of the one-hop person it hangs from. The same graph always gives
//! the same picture, so it can be tested and cached.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::f64::consts::TAU;
use std::fmt::Write as _;

use axum::Extension;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use kith_core::Id;
use kith_core::paths::{By, DEFAULT_MAX_HOPS, Graph};
use serde::Deserialize;

use crate::access::Principal;
use crate::error::{ApiError, Query};
use crate::pages::{alert, nav, nonempty};
use crate::state::AppState;
use crate::web::{escape, page, person_link};

/// At most this many people one hop away are drawn (the strongest ties).
const MAX_RING1: usize = 24;
/// At most this many people in all.
const MAX_NODES: usize = 90;
const R1: f64 = 200.0;
const R2: f64 = 400.0;

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct NetworkQuery {
    /// The centre (default: me).
    person: Option<String>,
    /// Highlight the intro path to this person.
    to: Option<String>,
}

/// A node of the picture: graph node, hop (0, 1, 2), position.
#[derive(Debug, Clone, PartialEq)]
pub struct Placed {
    pub node: u32,
    pub hop: u8,
    pub x: f64,
    pub y: f64,
}

/// The drawn part of the ego network of `center`, with positions.
#[derive(Debug, Clone, PartialEq)]
pub struct Picture {
    pub nodes: Vec<Placed>,
    /// Pairs of indexes into `nodes`.
    pub edges: Vec<(usize, usize)>,
}

/// The ego network of `center` up to two hops, at most [`MAX_NODES`] people, placed radially.
/// `key` orders ties of equal strength (a stable id), so the layout is deterministic.
pub fn layout(g: &Graph, center: u32, key: &dyn Fn(u32) -> Id) -> Picture {
    // One hop: strongest first, then by id.
    let mut ring1: Vec<(u32, u8)> =
        g.neighbors(center).filter(|(v, _)| *v != center).map(|(v, e)| (v, e.strength)).collect();
    ring1.sort_by_key(|&(v, s)| (std::cmp::Reverse(s), key(v)));
    ring1.dedup_by_key(|(v, _)| *v);
    ring1.truncate(MAX_RING1);
    let in1: HashSet<u32> = ring1.iter().map(|(v, _)| *v).collect();
    // Two hops: each hangs from the first (strongest) one-hop person it is tied to.
    let mut children: BTreeMap<usize, Vec<(u32, u8)>> = BTreeMap::new();
    let mut seen: HashSet<u32> = in1.clone();
    seen.insert(center);
    let mut budget = MAX_NODES.saturating_sub(1 + ring1.len());
    let per_parent = if ring1.is_empty() { 0 } else { budget.div_ceil(ring1.len()).max(1) };
    for (i, &(p, _)) in ring1.iter().enumerate() {
        let mut next: Vec<(u32, u8)> =
            g.neighbors(p).filter(|(v, _)| !seen.contains(v)).map(|(v, e)| (v, e.strength)).collect();
        next.sort_by_key(|&(v, s)| (std::cmp::Reverse(s), key(v)));
        next.dedup_by_key(|(v, _)| *v);
        next.truncate(per_parent.min(budget));
        budget -= next.len();
        seen.extend(next.iter().map(|(v, _)| *v));
        children.insert(i, next);
    }
    let mut nodes = vec![Placed { node: center, hop: 0, x: 0.0, y: 0.0 }];
    let n1 = ring1.len().max(1) as f64;
    let angle = |i: f64, n: f64| -TAU / 4.0 + TAU * i / n;
    for (i, &(v, _)) in ring1.iter().enumerate() {
        let a = angle(i as f64, n1);
        nodes.push(Placed { node: v, hop: 1, x: R1 * a.cos(), y: R1 * a.sin() });
    }
    for (i, kids) in &children {
        // The parent's sector, centred on its angle; kids spread evenly inside it.
        let (centre, width) = (angle(*i as f64, n1), TAU / n1);
        let k = kids.len() as f64;
        for (j, &(v, _)) in kids.iter().enumerate() {
            let a = centre - width / 2.0 + width * (j as f64 + 0.5) / k;
            let r = if j % 2 == 0 { R2 } else { R2 - 45.0 };
            nodes.push(Placed { node: v, hop: 2, x: r * a.cos(), y: r * a.sin() });
        }
    }
    let index: HashMap<u32, usize> = nodes.iter().enumerate().map(|(i, n)| (n.node, i)).collect();
    let mut edges = Vec::new();
    for (i, n) in nodes.iter().enumerate() {
        for (v, _) in g.neighbors(n.node) {
            if let Some(&j) = index.get(&v)
                && i < j
            {
                edges.push((i, j));
            }
        }
    }
    edges.sort_unstable();
    edges.dedup();
    Picture { nodes, edges }
}

/// The picture as SVG: edges, then nodes as links with their names; the nodes and edges of
/// `path` (graph nodes, in order) are highlighted.
pub fn svg(pic: &Picture, names: &HashMap<u32, (Id, String)>, path: &[u32]) -> String {
    let on_path: HashSet<u32> = path.iter().copied().collect();
    let path_edges: HashSet<(u32, u32)> = path.windows(2).flat_map(|w| [(w[0], w[1]), (w[1], w[0])]).collect();
    let mut s = String::from(
        "<svg class=\"network\" viewBox=\"-520 -520 1040 1040\" role=\"img\" aria-labelledby=\"network-title\" \
         xmlns=\"http://www.w3.org/2000/svg\"><title id=\"network-title\">Your network up to two hops</title>",
    );
    for &(i, j) in &pic.edges {
        let (a, b) = (&pic.nodes[i], &pic.nodes[j]);
        let class = if path_edges.contains(&(a.node, b.node)) { "edge path" } else { "edge" };
        let _ = write!(
            s,
            "<line class=\"{class}\" x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\"/>",
            a.x, a.y, b.x, b.y
        );
    }
    for n in &pic.nodes {
        let Some((id, name)) = names.get(&n.node) else { continue };
        let class = match (n.hop, on_path.contains(&n.node)) {
            (_, true) => "node path",
            (0, _) => "node centre",
            _ => "node",
        };
        let r = if n.hop == 0 { 14 } else { 9 };
        let _ = write!(
            s,
            "<a href=\"/people/{id}\" class=\"{class}\"><title>{name}</title><circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"{r}\"/>\
             <text x=\"{x:.1}\" y=\"{ty:.1}\" text-anchor=\"middle\">{name}</text></a>",
            name = escape(name),
            x = n.x,
            y = n.y,
            ty = n.y + f64::from(r) + 16.0,
        );
    }
    s.push_str("</svg>");
    s
}

fn resolve(s: &mut kith_store::Store, q: &str) -> Result<Result<Id, String>, ApiError> {
    match s.resolve_person(q) {
        Ok(id) => Ok(Ok(id)),
        Err(e) if e.is_lookup() => Ok(Err(e.to_string())),
        Err(e) => Err(e.into()),
    }
}

#[utoipa::path(get, path = "/network", tag = "web",
    params(("person" = Option<String>, Query, description = "The centre (a name, email or id; default: me)"),
           ("to" = Option<String>, Query, description = "Highlight the intro path to this person")),
    responses((status = 200, description = "The ego network up to two hops as SVG, nodes linking to people", content_type = "text/html"),
              (status = 422, description = "A person named is not found: the page with the message", content_type = "text/html"),
              (status = 303, description = "Not signed in: to the sign-in form")))]
pub async fn network_page(
    State(state): State<AppState>,
    Extension(_p): Extension<Principal>,
    Query(q): Query<NetworkQuery>,
) -> Result<Response, ApiError> {
    let now = state.now().timestamp();
    let center_q = nonempty(&q.person).map(str::to_string);
    let to_q = nonempty(&q.to).map(str::to_string);
    let outcome = state
        .pool
        .run(move |s| {
            let me = s.me()?;
            let center = match center_q {
                Some(c) => match resolve(s, &c)? {
                    Ok(id) => id,
                    Err(m) => return Ok(Err(m)),
                },
                None => match me {
                    Some(m) => m,
                    None => {
                        return Ok(
                            Err("set up your own profile (`kith me edit`) or pick a person to centre on".into()),
                        );
                    }
                },
            };
            let target = match to_q {
                Some(t) => match resolve(s, &t)? {
                    Ok(id) => Some(id),
                    Err(m) => return Ok(Err(m)),
                },
                None => None,
            };
            let g = s.tie_graph(me, now)?;
            let Some(c) = g.node(center) else { return Ok(Err("that person has no name or was removed".into())) };
            let pic = layout(&g.graph, c, &|n| g.ids[n as usize]);
            let path: Vec<u32> = match target.and_then(|t| g.node(t)) {
                Some(t) if t != c => g
                    .graph
                    .k_paths(c, &[t], 1, By::Strength, DEFAULT_MAX_HOPS)
                    .into_iter()
                    .next()
                    .map(|p| p.nodes)
                    .unwrap_or_default(),
                _ => Vec::new(),
            };
            let mut names = HashMap::new();
            for n in pic.nodes.iter().map(|n| n.node).chain(path.iter().copied()) {
                if let std::collections::hash_map::Entry::Vacant(e) = names.entry(n) {
                    let id = g.ids[n as usize];
                    e.insert((id, s.label(id)?.unwrap_or_default()));
                }
            }
            Ok(Ok((pic, names, path, target.is_some())))
        })
        .await?;
    let mut b = format!("<header>{}<h1>Network</h1></header>", nav());
    b.push_str("<p><a href=\"/team/path\">Who on our team knows someone at …</a></p>");
    let status = match outcome {
        Err(m) => {
            b.push_str(&alert(&m));
            StatusCode::UNPROCESSABLE_ENTITY
        }
        Ok((pic, names, path, asked)) => {
            if asked {
                if path.is_empty() {
                    b.push_str(&format!("<p>No chain of ties to them within {DEFAULT_MAX_HOPS} hops.</p>"));
                } else {
                    let chain: Vec<String> =
                        path.iter().filter_map(|n| names.get(n)).map(|(id, name)| person_link(*id, name)).collect();
                    b.push_str(&format!("<p class=\"chain\">Intro path: {}</p>", chain.join(" → ")));
                }
            }
            if pic.nodes.len() == 1 {
                b.push_str("<p>No ties recorded yet: add ties between people to see the network.</p>");
            }
            b.push_str(&format!(
                "<p class=\"with\">{} people, {} ties drawn (up to two hops; the strongest ties first).</p>",
                pic.nodes.len(),
                pic.edges.len()
            ));
            b.push_str(&svg(&pic, &names, &path));
            StatusCode::OK
        }
    };
    Ok((status, Html(page("Network", &b))).into_response())
}

#[cfg(test)]
mod tests {
    use kith_core::paths::GraphBuilder;

    use super::*;

    fn graph(edges: &[(u32, u32, u8)], n: u32) -> Graph {
        let mut b = GraphBuilder::new();
        b.ensure_nodes(n);
        for &(a, c, s) in edges {
            b.add_edge(a, c, s, 0.0);
        }
        b.build()
    }

    fn key(n: u32) -> Id {
        Id::from_uuid(uuid::Uuid::from_u128(u128::from(n)))
    }

    #[test]
    fn two_hops_radial_and_deterministic() {
        // 0 – 1, 0 – 2 (stronger), 1 – 3, 2 – 4, 4 – 5 (three hops: not drawn).
        let g = graph(&[(0, 1, 2), (0, 2, 5), (1, 3, 3), (2, 4, 3), (4, 5, 3)], 6);
        let pic = layout(&g, 0, &key);
        let hops: Vec<(u32, u8)> = pic.nodes.iter().map(|n| (n.node, n.hop)).collect();
        assert_eq!(hops, vec![(0, 0), (2, 1), (1, 1), (4, 2), (3, 2)], "strongest first, then their ties");
        for n in &pic.nodes {
            let r = (n.x * n.x + n.y * n.y).sqrt();
            let want = match n.hop {
                0 => 0.0..=0.1,
                1 => R1 - 0.1..=R1 + 0.1,
                _ => R2 - 46.0..=R2 + 0.1,
            };
            assert!(want.contains(&r), "{n:?} at radius {r}");
        }
        // The strongest tie is at the top (angle −90°).
        assert!(pic.nodes[1].y < -R1 + 0.1 && pic.nodes[1].x.abs() < 0.1, "{:?}", pic.nodes[1]);
        let edges: HashSet<(u32, u32)> =
            pic.edges.iter().map(|&(i, j)| (pic.nodes[i].node, pic.nodes[j].node)).collect();
        assert_eq!(edges, HashSet::from([(0, 2), (0, 1), (2, 4), (1, 3)]));
        assert_eq!(layout(&g, 0, &key), pic, "same graph, same picture");
    }

    #[test]
    fn big_networks_are_capped() {
        let mut edges = Vec::new();
        for i in 1..200u32 {
            edges.push((0, i, (i % 5 + 1) as u8));
            edges.push((i, 200 + i, 3));
        }
        let g = graph(&edges, 400);
        let pic = layout(&g, 0, &key);
        assert!(pic.nodes.len() <= MAX_NODES, "{}", pic.nodes.len());
        assert_eq!(pic.nodes.iter().filter(|n| n.hop == 1).count(), MAX_RING1);
        assert!(pic.nodes.iter().filter(|n| n.hop == 1).all(|n| g.edge(0, n.node).unwrap().strength == 5));
    }

    #[test]
    fn names_are_escaped_and_the_path_is_marked() {
        let g = graph(&[(0, 1, 3), (1, 2, 3)], 3);
        let pic = layout(&g, 0, &key);
        let names: HashMap<u32, (Id, String)> =
            (0..3).map(|n| (n, (key(n), if n == 2 { "<b>Eve</b>".to_string() } else { format!("P{n}") }))).collect();
        let out = svg(&pic, &names, &[0, 1, 2]);
        assert!(out.contains("&lt;b&gt;Eve&lt;/b&gt;") && !out.contains("<b>"), "{out}");
        assert_eq!(out.matches("class=\"edge path\"").count(), 2, "{out}");
        assert_eq!(out.matches("class=\"node path\"").count(), 3, "{out}");
        assert!(out.contains(&format!("href=\"/people/{}\"", key(2))));
    }
}
