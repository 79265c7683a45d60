//! Needs against offers: what I or my network can offer someone, and introductions between two
//! contacts who would benefit ("think how you can benefit a new acquaintance").
//!
//! ## How two tags match
//!
//! Tags are free text typed by people ("seed investors", "Design reviews"). Two tags match when
//! - their normalized forms are equal (lower case, runs of spaces and punctuation as one space):
//!   strength 1.0, or
//! - they share a significant word after a naive stemming: strength 0.9 × the Jaccard overlap
//!   of their word sets, so "design review" ↔ "design reviews" is 0.9 and "seed investors" ↔
//!   "investors" is 0.45.
//!
//! Significant words: split on anything that is not a letter, digit, `+` or `#` (so "c++" and
//! "c#" survive), drop one-letter words and the [`STOPWORDS`] (grammar words and words that say
//! nothing about the subject on their own: "help", "advice", "intro", "looking", …; otherwise
//! "legal advice" would match "career advice"). Stemming only strips plurals: "-ies" → "-y",
//! "-sses"/"-xes"/"-ches"/"-shes" → drop "es", a final "s" is dropped unless the word ends in
//! "ss", "us" or "is" ("business", "status", "analysis"); a 3-letter word loses its "s" only
//! when it has no vowel before it ("vcs" → "vc", but "ops", "gas" stay).
//! That is deliberately simple: it is predictable, and a wrong match is shown with its reason.
//!
//! ## Cost
//!
//! Matching works on the distinct tags first (each pair of distinct tags is compared once),
//! then on people through per-tag lists. People with exactly the same needs and offers form
//! pairs with the same scores, so only the best-ranked `limit + 1` of them can appear in the
//! result and the rest are skipped. To stay fast on 100,000 people, for each need of each
//! person at most [`MUTUAL_CANDIDATES`] partners who would also benefit and
//! [`ONE_SIDED_CANDIDATES`] others are considered, best fit first, then by tier (A first),
//! then id. On a network below those numbers per tag the result is exact.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BinaryHeap, HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

use serde::Serialize;

use super::{PersonRef, round_to};
use crate::Id;
use crate::model::Tier;

/// Per need of a person, the most partners considered who would also benefit.
pub const MUTUAL_CANDIDATES: usize = 100;
/// Per need of a person, the most other offerers considered.
pub const ONE_SIDED_CANDIDATES: usize = 25;

/// Words that never make two tags match by themselves.
pub const STOPWORDS: &[&str] = &[
    "a",
    "about",
    "access",
    "advice",
    "an",
    "and",
    "any",
    "are",
    "as",
    "at",
    "be",
    "best",
    "by",
    "for",
    "from",
    "get",
    "getting",
    "good",
    "great",
    "help",
    "helping",
    "in",
    "into",
    "intro",
    "introduction",
    "is",
    "looking",
    "more",
    "my",
    "need",
    "new",
    "of",
    "on",
    "or",
    "our",
    "people",
    "person",
    "some",
    "someone",
    "the",
    "their",
    "tip",
    "to",
    "want",
    "with",
    "your",
];

/// A person's needs and offers.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    pub id: Id,
    pub name: String,
    pub needs: Vec<String>,
    pub offers: Vec<String>,
    /// The user themself: never suggested for an introduction between contacts.
    pub is_me: bool,
    pub tier: Option<Tier>,
}

/// What I bring: my offers and my strengths (from my profile).
#[derive(Debug, Clone, PartialEq)]
pub struct MyProfile {
    pub id: Id,
    pub name: String,
    pub offers: Vec<String>,
    pub strengths: Vec<String>,
}

/// One need met by one offer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fit {
    pub need: String,
    pub offer: String,
    /// The normalized tags are equal.
    pub exact: bool,
    /// The significant words they share (stemmed); empty when exact.
    pub shared: Vec<String>,
    /// 1.0 exact; otherwise 0.9 × word overlap. Rounded to 0.01.
    pub strength: f64,
}

/// A suggested introduction between two contacts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Intro {
    /// The higher-tier of the two (then the lower id).
    pub a: PersonRef,
    pub b: PersonRef,
    /// What `a` would get from `b`: each of a's needs that b meets, with b's best offer for it.
    pub a_gets: Vec<Fit>,
    pub b_gets: Vec<Fit>,
    /// Both would get something.
    pub mutual: bool,
    /// Sum of the fits' strengths on both sides, rounded to 0.01.
    pub score: f64,
    pub why: String,
}

/// Something someone can offer the target.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Offer {
    pub from: PersonRef,
    /// The offer is mine (my offers or strengths).
    pub from_me: bool,
    pub need: String,
    pub offer: String,
    pub strength: f64,
    pub why: String,
}

/// A multiply-rotate hasher for the small integer keys of the hot loops (tag pairs, person
/// indexes): several times faster than the default SipHash, and nothing here is exposed to
/// untrusted keys that could be chosen to collide.
#[derive(Default, Clone, Copy)]
struct FastHasher(u64);

impl Hasher for FastHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }
    fn write_u64(&mut self, x: u64) {
        self.0 = (self.0.rotate_left(5) ^ x).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn write_u32(&mut self, x: u32) {
        self.write_u64(u64::from(x));
    }
    fn write_usize(&mut self, x: usize) {
        self.write_u64(x as u64);
    }
}

type Fast = BuildHasherDefault<FastHasher>;

/// A tag lower-cased, with runs of separators turned into one space.
pub fn normalize(tag: &str) -> String {
    tag.split(|c: char| !(c.is_alphanumeric() || c == '+' || c == '#'))
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The significant stemmed words of a tag, sorted and without duplicates.
pub fn keywords(tag: &str) -> Vec<String> {
    let mut words: Vec<String> = normalize(tag)
        .split(' ')
        .filter(|w| w.chars().count() > 1 || w.contains(['+', '#']))
        .map(stem)
        .filter(|w| !w.is_empty() && !STOPWORDS.contains(&w.as_str()))
        .collect();
    words.sort();
    words.dedup();
    words
}

/// Naive plural stripping (see the module docs).
pub fn stem(word: &str) -> String {
    let w = word.to_lowercase();
    let n = w.chars().count();
    if !w.is_ascii() || n < 3 {
        return w;
    }
    if n == 3 {
        // "vcs", "pms" are plurals of abbreviations; "ops", "bus", "gas" are words.
        let vowel = w[..2].contains(['a', 'e', 'i', 'o', 'u', 'y']);
        return if !vowel && w.ends_with('s') { w[..2].to_string() } else { w };
    }
    if let Some(base) = w.strip_suffix("ies").filter(|_| n > 4) {
        return format!("{base}y");
    }
    for suffix in ["sses", "xes", "ches", "shes"] {
        if w.ends_with(suffix) {
            return w[..w.len() - 2].to_string();
        }
    }
    if w.ends_with("ss") || w.ends_with("us") || w.ends_with("is") {
        return w;
    }
    w.strip_suffix('s').map(str::to_string).unwrap_or(w)
}

/// How well `offer` meets `need`, if at all.
pub fn fit(need: &str, offer: &str) -> Option<Fit> {
    let (n, o) = (Tag::new(need), Tag::new(offer));
    tag_fit(&n, &o).map(|(strength, shared)| make_fit(&n.text, &o.text, &n, &o, strength, shared))
}

/// A tag read once: its text, normalized form and keywords.
#[derive(Debug, Clone)]
struct Tag {
    text: String,
    norm: String,
    words: Vec<String>,
}

impl Tag {
    fn new(text: &str) -> Tag {
        Tag { text: text.trim().to_string(), norm: normalize(text), words: keywords(text) }
    }
}

fn tag_fit(need: &Tag, offer: &Tag) -> Option<(f64, Vec<String>)> {
    if need.norm.is_empty() || offer.norm.is_empty() {
        return None;
    }
    if need.norm == offer.norm {
        return Some((1.0, Vec::new()));
    }
    let shared: Vec<String> = need.words.iter().filter(|w| offer.words.binary_search(w).is_ok()).cloned().collect();
    if shared.is_empty() {
        return None;
    }
    let union = need.words.len() + offer.words.len() - shared.len();
    Some((0.9 * shared.len() as f64 / union as f64, shared))
}

fn make_fit(need: &str, offer: &str, n: &Tag, o: &Tag, strength: f64, shared: Vec<String>) -> Fit {
    Fit {
        need: need.to_string(),
        offer: offer.to_string(),
        exact: n.norm == o.norm,
        shared,
        strength: round_to(strength, 2),
    }
}

fn tier_rank(tier: Option<Tier>) -> u8 {
    match tier {
        Some(Tier::A) => 0,
        Some(Tier::B) => 1,
        Some(Tier::C) => 2,
        Some(Tier::D) => 3,
        None => 4,
    }
}

/// Distinct tags, each read once, with the fits between need tags and offer tags.
struct Vocabulary {
    tags: Vec<Tag>,
    index: HashMap<String, u32>,
}

impl Vocabulary {
    fn new() -> Self {
        Vocabulary { tags: Vec::new(), index: HashMap::new() }
    }

    /// The id of a tag, or `None` for a tag with no text.
    fn intern(&mut self, text: &str) -> Option<u32> {
        let norm = normalize(text);
        if norm.is_empty() {
            return None;
        }
        if let Some(&id) = self.index.get(&norm) {
            return Some(id);
        }
        let id = self.tags.len() as u32;
        self.tags.push(Tag::new(text));
        self.index.insert(norm, id);
        Some(id)
    }
}

/// A profile with its tags interned: (tag id, the person's own text).
struct Person {
    id: Id,
    name: String,
    tier: Option<Tier>,
    needs: Vec<(u32, String)>,
    offers: Vec<(u32, String)>,
}

/// The fit of every (need tag, offer tag) pair that fits, found through shared exact forms and
/// keywords rather than by comparing all pairs.
struct FitTable {
    /// need tag → (offer tag, strength rounded as shown), best first.
    by_need: HashMap<u32, Vec<(u32, f64)>>,
    /// offer tag → need tags it fits.
    by_offer: HashMap<u32, Vec<u32>>,
    strength: HashMap<(u32, u32), f64, Fast>,
}

impl FitTable {
    fn new(vocab: &Vocabulary, need_tags: &[u32], offer_tags: &[u32]) -> FitTable {
        let mut by_word: HashMap<&str, Vec<u32>> = HashMap::new();
        for &o in offer_tags {
            for w in &vocab.tags[o as usize].words {
                by_word.entry(w.as_str()).or_default().push(o);
            }
        }
        let offer_set: HashSet<u32> = offer_tags.iter().copied().collect();
        let mut table = FitTable { by_need: HashMap::new(), by_offer: HashMap::new(), strength: HashMap::default() };
        for &n in need_tags {
            let need = &vocab.tags[n as usize];
            let mut candidates: Vec<u32> =
                need.words.iter().flat_map(|w| by_word.get(w.as_str())).flatten().copied().collect();
            if offer_set.contains(&n) {
                candidates.push(n); // the same tag, for tags without keywords
            }
            candidates.sort_unstable();
            candidates.dedup();
            let mut fits: Vec<(u32, f64)> = candidates
                .into_iter()
                .filter_map(|o| tag_fit(need, &vocab.tags[o as usize]).map(|(s, _)| (o, round_to(s, 2))))
                .collect();
            fits.sort_by(|x, y| {
                y.1.total_cmp(&x.1).then_with(|| vocab.tags[x.0 as usize].norm.cmp(&vocab.tags[y.0 as usize].norm))
            });
            for &(o, s) in &fits {
                table.by_offer.entry(o).or_default().push(n);
                table.strength.insert((n, o), s);
            }
            table.by_need.insert(n, fits);
        }
        table
    }

    /// The sum of the best fit strengths of taker's needs among giver's offers, and how many
    /// needs are met: the numbers behind [`FitTable::gets`], without building the fits.
    fn side_score(&self, taker: &Person, giver: &Person) -> (f64, usize) {
        let mut sum = 0.0;
        let mut count = 0;
        for (n, _) in &taker.needs {
            let best = giver.offers.iter().filter_map(|(o, _)| self.strength.get(&(*n, *o))).copied().reduce(f64::max);
            if let Some(s) = best {
                sum += s;
                count += 1;
            }
        }
        (sum, count)
    }

    /// What `taker` gets from `giver`: for each of taker's needs, giver's best offer.
    fn gets(&self, vocab: &Vocabulary, taker: &Person, giver: &Person) -> Vec<Fit> {
        let mut out = Vec::new();
        for (n, need_text) in &taker.needs {
            let best = giver
                .offers
                .iter()
                .filter_map(|(o, text)| self.strength.get(&(*n, *o)).map(|&s| (s, *o, text)))
                .max_by(|x, y| x.0.total_cmp(&y.0).then_with(|| y.2.cmp(x.2)));
            if let Some((_, o, offer_text)) = best {
                let (need, offer) = (&vocab.tags[*n as usize], &vocab.tags[o as usize]);
                if let Some((strength, shared)) = tag_fit(need, offer) {
                    out.push(make_fit(need_text, offer_text, need, offer, strength, shared));
                }
            }
        }
        out
    }
}

/// Interns the profiles, merging duplicates of one id, in id order.
fn prepare(profiles: &[Profile], skip: impl Fn(&Profile) -> bool) -> (Vocabulary, Vec<Person>) {
    let mut vocab = Vocabulary::new();
    let mut people: BTreeMap<Id, Person> = BTreeMap::new();
    // Someone with neither needs nor offers can be in no pair.
    for p in profiles.iter().filter(|p| !skip(p) && (!p.needs.is_empty() || !p.offers.is_empty())) {
        let person = people.entry(p.id).or_insert_with(|| Person {
            id: p.id,
            name: p.name.clone(),
            tier: p.tier,
            needs: Vec::new(),
            offers: Vec::new(),
        });
        for (list, texts) in [(&mut person.needs, &p.needs), (&mut person.offers, &p.offers)] {
            for text in texts {
                if let Some(t) = vocab.intern(text)
                    && !list.iter().any(|(u, _)| *u == t)
                {
                    list.push((t, text.trim().to_string()));
                }
            }
        }
    }
    (vocab, people.into_values().collect())
}

/// A candidate in the top-k heap; `Ord` puts the best intro greatest.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Key {
    mutual: bool,
    score: f64,
    tiers: u8,
    a: usize,
    b: usize,
}

impl Eq for Key {}
impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Key {
    fn cmp(&self, other: &Self) -> Ordering {
        self.mutual
            .cmp(&other.mutual)
            .then(self.score.total_cmp(&other.score))
            .then(other.tiers.cmp(&self.tiers))
            .then(other.a.cmp(&self.a))
            .then(other.b.cmp(&self.b))
    }
}

/// Introductions between contacts where at least one side's need matches the other's offer:
/// mutual ones first, then by score, then by the pair's tiers, then by id. Never pairs a person
/// with themselves (duplicate profiles of one id are merged) or with me. At most `limit`.
pub fn suggest_intros(profiles: &[Profile], limit: usize) -> Vec<Intro> {
    if limit == 0 {
        return Vec::new();
    }
    let (vocab, people) = prepare(profiles, |p| p.is_me);
    let mut need_tags: Vec<u32> = people.iter().flat_map(|p| p.needs.iter().map(|n| n.0)).collect();
    let mut offer_tags: Vec<u32> = people.iter().flat_map(|p| p.offers.iter().map(|o| o.0)).collect();
    for tags in [&mut need_tags, &mut offer_tags] {
        tags.sort_unstable();
        tags.dedup();
    }
    let table = FitTable::new(&vocab, &need_tags, &offer_tags);

    let rank = |i: &usize| (tier_rank(people[*i].tier), people[*i].id);

    // People with the same needs and offers ("twins") form the same pairs with the same
    // scores; among twins the better ranked always wins the tie-break. So beyond the first
    // `limit + 1` twins (one more, in case the partner is a twin itself), every pair a twin
    // could form is beaten by at least `limit` others, and that twin can be left out. On a
    // large network with a small vocabulary this removes most people.
    let mut twins: HashMap<(Vec<u32>, Vec<u32>), Vec<usize>> = HashMap::new();
    for (i, p) in people.iter().enumerate() {
        let mut needs: Vec<u32> = p.needs.iter().map(|n| n.0).collect();
        let mut offers: Vec<u32> = p.offers.iter().map(|o| o.0).collect();
        needs.sort_unstable();
        offers.sort_unstable();
        twins.entry((needs, offers)).or_default().push(i);
    }
    let mut active = vec![false; people.len()];
    for group in twins.values_mut() {
        group.sort_by_key(rank);
        for &i in group.iter().take(limit.saturating_add(1)) {
            active[i] = true;
        }
    }

    // Who offers each tag, and who offers a tag while needing another, best tier first.
    let mut offered_by: HashMap<u32, Vec<usize>> = HashMap::new();
    let mut offers_needs: HashMap<(u32, u32), Vec<usize>, Fast> = HashMap::default();
    for (i, p) in people.iter().enumerate().filter(|(i, _)| active[*i]) {
        for (o, _) in &p.offers {
            offered_by.entry(*o).or_default().push(i);
            for (n, _) in &p.needs {
                offers_needs.entry((*o, *n)).or_default().push(i);
            }
        }
    }
    for list in offered_by.values_mut().chain(offers_needs.values_mut()) {
        list.sort_by_key(rank);
    }

    // Scores a pair without building its fits: this runs for every candidate.
    let key_of = |i: usize, j: usize| -> Key {
        let (a, b) = if rank(&i) <= rank(&j) { (i, j) } else { (j, i) };
        let (sa, na) = table.side_score(&people[a], &people[b]);
        let (sb, nb) = table.side_score(&people[b], &people[a]);
        let tiers = tier_rank(people[a].tier) + tier_rank(people[b].tier);
        Key { mutual: na > 0 && nb > 0, score: round_to(sa + sb, 2), tiers, a, b }
    };

    // Top `limit` keys: a min-heap, with the set of pairs in it so a pair found from both sides
    // takes one place. A pair once pushed out scored below the heap's floor, which only rises,
    // so it can never come back in.
    let mut heap: BinaryHeap<std::cmp::Reverse<Key>> = BinaryHeap::new();
    let mut in_heap: HashSet<(usize, usize), Fast> = HashSet::default();
    let mut seen_now: HashSet<usize, Fast> = HashSet::default();
    for (i, p) in people.iter().enumerate().filter(|(i, _)| active[*i]) {
        for (n, _) in &p.needs {
            let Some(fits) = table.by_need.get(n) else { continue };
            seen_now.clear();
            let mut consider = |j: usize, seen_now: &mut HashSet<usize, Fast>| {
                if j == i || !seen_now.insert(j) {
                    return;
                }
                let key = key_of(i, j);
                if in_heap.contains(&(key.a, key.b)) {
                    return;
                }
                if heap.len() < limit {
                    in_heap.insert((key.a, key.b));
                    heap.push(std::cmp::Reverse(key));
                } else if heap.peek().is_some_and(|floor| key > floor.0) {
                    if let Some(std::cmp::Reverse(out)) = heap.pop() {
                        in_heap.remove(&(out.a, out.b));
                    }
                    in_heap.insert((key.a, key.b));
                    heap.push(std::cmp::Reverse(key));
                }
            };
            // Partners who would also benefit: they offer something for this need and need
            // something p offers.
            let mut mutual = 0;
            'mutual: for &(o, _) in fits {
                for (mine, _) in &p.offers {
                    for their_need in table.by_offer.get(mine).into_iter().flatten() {
                        for &j in offers_needs.get(&(o, *their_need)).into_iter().flatten() {
                            if mutual >= MUTUAL_CANDIDATES {
                                break 'mutual;
                            }
                            mutual += 1;
                            consider(j, &mut seen_now);
                        }
                    }
                }
            }
            let mut others = 0;
            'others: for &(o, _) in fits {
                for &j in offered_by.get(&o).into_iter().flatten() {
                    if others >= ONE_SIDED_CANDIDATES {
                        break 'others;
                    }
                    others += 1;
                    consider(j, &mut seen_now);
                }
            }
        }
    }

    let mut keys: Vec<Key> = heap.into_iter().map(|r| r.0).collect();
    keys.sort_by(|x, y| y.cmp(x));
    keys.into_iter()
        .map(|key| {
            let (a, b) = (&people[key.a], &people[key.b]);
            let a_gets = table.gets(&vocab, a, b);
            let b_gets = table.gets(&vocab, b, a);
            let why = intro_why(a, b, &a_gets, &b_gets);
            Intro {
                a: PersonRef { id: a.id, name: a.name.clone() },
                b: PersonRef { id: b.id, name: b.name.clone() },
                a_gets,
                b_gets,
                mutual: key.mutual,
                score: key.score,
                why,
            }
        })
        .collect()
}

fn intro_why(a: &Person, b: &Person, a_gets: &[Fit], b_gets: &[Fit]) -> String {
    let side = |taker: &Person, giver: &Person, gets: &[Fit]| -> Option<String> {
        let first = gets.first()?;
        let more = match gets.len() - 1 {
            0 => String::new(),
            k => format!(" (and {k} more)"),
        };
        Some(format!("{} needs {}, {} offers {}{more}", taker.name, first.need, giver.name, first.offer))
    };
    let parts: Vec<String> = [side(a, b, a_gets), side(b, a, b_gets)].into_iter().flatten().collect();
    let both = if parts.len() == 2 { ": both gain" } else { "" };
    format!("{}{both}", parts.join("; "))
}

/// What I and my network can offer `target`, for each of their needs: my offers and strengths
/// first, then contacts' offers by strength, tier and id. The target, me and any profile marked
/// `is_me` are never offerers. At most `limit`.
pub fn offers_for(target: &Profile, profiles: &[Profile], me: &MyProfile, limit: usize) -> Vec<Offer> {
    let needs: Vec<Tag> = {
        let mut seen = HashSet::new();
        target.needs.iter().map(|n| Tag::new(n)).filter(|t| !t.norm.is_empty() && seen.insert(t.norm.clone())).collect()
    };
    // (from me, strength, tier rank, id, need index, offer) → Offer; sorted at the end.
    let mut found: Vec<(bool, f64, u8, Id, usize, Offer)> = Vec::new();
    let mut cache: HashMap<String, Tag> = HashMap::new();
    let mut offer_from = |from: PersonRef, from_me: bool, tier: Option<Tier>, offer: &str, kind: &str| {
        let norm = normalize(offer);
        let tag = cache.entry(norm).or_insert_with(|| Tag::new(offer)).clone();
        for (k, need) in needs.iter().enumerate() {
            if let Some((strength, shared)) = tag_fit(need, &tag) {
                let how = if shared.is_empty() {
                    "exact match".to_string()
                } else {
                    format!("shares \"{}\"", shared.join("\", \""))
                };
                let who = if from_me { format!("your {kind}") } else { format!("{}'s {kind}", from.name) };
                let why = format!("{} needs {}; {who} {}: {how}", target.name, need.text, tag.text);
                let strength = round_to(strength, 2);
                let offer = Offer {
                    from: from.clone(),
                    from_me,
                    need: need.text.clone(),
                    offer: tag.text.clone(),
                    strength,
                    why,
                };
                found.push((from_me, strength, tier_rank(tier), from.id, k, offer));
            }
        }
    };
    let my_ref = PersonRef { id: me.id, name: me.name.clone() };
    for o in &me.offers {
        offer_from(my_ref.clone(), true, None, o, "offer");
    }
    for s in &me.strengths {
        offer_from(my_ref.clone(), true, None, s, "strength");
    }
    for p in profiles {
        if p.is_me || p.id == me.id || p.id == target.id {
            continue;
        }
        for o in &p.offers {
            offer_from(PersonRef { id: p.id, name: p.name.clone() }, false, p.tier, o, "offer");
        }
    }
    found.sort_by(|x, y| {
        y.0.cmp(&x.0)
            .then(y.1.total_cmp(&x.1))
            .then(x.2.cmp(&y.2))
            .then(x.3.cmp(&y.3))
            .then(x.4.cmp(&y.4))
            .then_with(|| x.5.offer.cmp(&y.5.offer))
    });
    // One line per (offerer, need, offer): duplicates in the input say nothing new.
    let mut seen = HashSet::new();
    found
        .into_iter()
        .map(|f| f.5)
        .filter(|o| seen.insert((o.from.id, o.need.clone(), normalize(&o.offer))))
        .take(limit)
        .collect()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::intel::test_util::id;

    fn profile(n: u128, name: &str, needs: &[&str], offers: &[&str]) -> Profile {
        Profile {
            id: id(n),
            name: name.to_string(),
            needs: needs.iter().map(|s| s.to_string()).collect(),
            offers: offers.iter().map(|s| s.to_string()).collect(),
            is_me: false,
            tier: None,
        }
    }

    #[test]
    fn tokenizer_and_stemmer() {
        assert_eq!(normalize("  Seed   Investors!! "), "seed investors");
        assert_eq!(keywords("Intros to VCs"), ["vc"]);
        assert_eq!(keywords("help with C++ and C#"), ["c#", "c++"]);
        assert_eq!(keywords("Legal advice"), ["legal"]);
        assert_eq!(keywords("the a of"), Vec::<String>::new());
        let table = [
            ("reviews", "review"),
            ("companies", "company"),
            ("classes", "class"),
            ("boxes", "box"),
            ("matches", "match"),
            ("business", "business"),
            ("status", "status"),
            ("analysis", "analysis"),
            ("ops", "ops"),
            ("vcs", "vc"),
            ("gas", "gas"),
            ("hires", "hire"),
            ("investors", "investor"),
            ("cafés", "cafés"),
        ];
        for (word, want) in table {
            assert_eq!(stem(word), want, "{word}");
        }
    }

    #[test]
    fn fit_table() {
        // (need, offer, strength or None)
        let table: &[(&str, &str, Option<f64>)] = &[
            ("seed investors", "Seed Investors", Some(1.0)),
            ("design review", "design reviews", Some(0.9)),
            ("seed investors", "investors", Some(0.45)),
            ("intros to VCs", "vc intros", Some(0.9)),
            ("legal advice", "career advice", None),
            ("product feedback", "pitch feedback", Some(0.3)),
            ("", "", None),
            ("help", "help", Some(1.0)), // no keywords, but the same words
            ("mentoring", "hiring", None),
        ];
        for &(need, offer, want) in table {
            assert_eq!(fit(need, offer).map(|f| f.strength), want, "{need} / {offer}");
        }
        let f = fit("seed investors", "investors").unwrap();
        assert_eq!(f.shared, ["investor"]);
        assert!(!f.exact);
    }

    #[test]
    fn intros_rank_mutual_first_and_never_pair_me() {
        let mut me = profile(0, "Me", &["seed investors"], &["design reviews"]);
        me.is_me = true;
        let profiles = vec![
            me,
            profile(1, "Ann", &["seed investors"], &["design review"]),
            profile(2, "Bob", &["design reviews"], &["investors", "seed investors"]),
            profile(3, "Cat", &["design reviews"], &[]),
            profile(4, "Dan", &[], &[]),
        ];
        let intros = suggest_intros(&profiles, 10);
        let pairs: Vec<(&str, &str, bool)> =
            intros.iter().map(|i| (i.a.name.as_str(), i.b.name.as_str(), i.mutual)).collect();
        assert_eq!(pairs, vec![("Ann", "Bob", true), ("Ann", "Cat", false)]);
        let ab = &intros[0];
        assert_eq!(ab.a_gets[0].offer, "seed investors"); // Bob's best offer for Ann's need
        assert_eq!(ab.a_gets[0].strength, 1.0);
        assert_eq!(ab.b_gets[0].strength, 0.9);
        assert_eq!(ab.score, 1.9);
        assert_eq!(
            ab.why,
            "Ann needs seed investors, Bob offers seed investors; Bob needs design reviews, Ann offers design review: both gain"
        );
        assert!(suggest_intros(&profiles, 1).len() == 1);
        assert!(suggest_intros(&profiles, 0).is_empty());
        assert!(suggest_intros(&[], 5).is_empty());
    }

    #[test]
    fn self_and_duplicates_are_not_paired() {
        let profiles = vec![
            profile(1, "Ann", &["hiring"], &["hiring"]),
            profile(1, "Ann", &["hiring"], &["hiring"]),
            profile(2, "Bob", &["hiring"], &[]),
        ];
        let intros = suggest_intros(&profiles, 10);
        assert_eq!(intros.len(), 1);
        assert_eq!((intros[0].a.id, intros[0].b.id), (id(1), id(2)));
        assert!(!intros[0].mutual); // Bob offers nothing
        assert_eq!((intros[0].a_gets.len(), intros[0].b_gets.len()), (0, 1));
    }

    #[test]
    fn tier_orders_equal_pairs() {
        let mut high = profile(9, "Zoe", &["x ray"], &[]);
        high.tier = Some(Tier::A);
        let profiles = vec![profile(1, "Ann", &[], &["x ray"]), profile(2, "Bob", &["x ray"], &[]), high];
        let intros = suggest_intros(&profiles, 10);
        assert_eq!(intros[0].a.name, "Zoe"); // tier A first, and named first in the pair
        assert_eq!(intros[1].a.name, "Ann");
    }

    #[test]
    fn offers_for_puts_mine_first() {
        let target = profile(1, "Ann", &["seed investors", "design review"], &[]);
        let me = MyProfile {
            id: id(0),
            name: "Me".into(),
            offers: vec!["investor intros".into()],
            strengths: vec!["Design Review".into()],
        };
        let mut bob = profile(2, "Bob", &[], &["seed investors"]);
        bob.tier = Some(Tier::B);
        let profiles = vec![target.clone(), bob, profile(3, "Cat", &[], &["seed investors", "pottery"])];
        let offers = offers_for(&target, &profiles, &me, 10);
        let got: Vec<(&str, &str, f64)> =
            offers.iter().map(|o| (o.from.name.as_str(), o.offer.as_str(), o.strength)).collect();
        assert_eq!(
            got,
            vec![
                ("Me", "Design Review", 1.0),
                ("Me", "investor intros", 0.45),
                ("Bob", "seed investors", 1.0),
                ("Cat", "seed investors", 1.0)
            ]
        );
        assert!(offers[0].from_me);
        assert_eq!(offers[0].why, "Ann needs design review; your strength Design Review: exact match");
        assert_eq!(offers[1].why, "Ann needs seed investors; your offer investor intros: shares \"investor\"");
        assert_eq!(offers_for(&target, &profiles, &me, 1).len(), 1);
        assert!(offers_for(&profile(5, "E", &[], &[]), &profiles, &me, 10).is_empty());
    }

    #[test]
    fn caps_keep_large_inputs_fast() {
        // 5,000 people over a small vocabulary: every need has thousands of offerers.
        let vocab = ["seed investors", "design reviews", "hiring advice", "beta testers", "product feedback"];
        let profiles: Vec<Profile> = (0..5_000u128)
            .map(|i| {
                let need = vocab[(i % 5) as usize];
                let offer = vocab[((i / 5) % 5) as usize];
                profile(i, &format!("P{i}"), &[need], &[offer])
            })
            .collect();
        let start = std::time::Instant::now();
        let intros = suggest_intros(&profiles, 20);
        assert_eq!(intros.len(), 20);
        assert!(intros.iter().all(|i| i.mutual && i.score == 2.0));
        // Generous: debug builds are slow; the point is that it is not quadratic.
        assert!(start.elapsed().as_secs_f64() < 20.0);
    }

    proptest! {
        /// Every suggested intro is real: each listed fit is a true fit between the two, nobody is
        /// paired with themselves, and the order is mutual first then by score.
        #[test]
        fn intros_are_sound(raw in proptest::collection::vec((0u128..12, proptest::collection::vec(0usize..6, 0..3), proptest::collection::vec(0usize..6, 0..3)), 0..25)) {
            let tags = ["seed investors", "investors", "design review", "design reviews", "hiring", "mentoring"];
            let profiles: Vec<Profile> = raw.iter().map(|(n, needs, offers)| {
                let needs: Vec<&str> = needs.iter().map(|&i| tags[i]).collect();
                let offers: Vec<&str> = offers.iter().map(|&i| tags[i]).collect();
                profile(*n, &format!("P{n}"), &needs, &offers)
            }).collect();
            let intros = suggest_intros(&profiles, 1000);
            let mut pairs = HashSet::new();
            for i in &intros {
                prop_assert!(i.a.id != i.b.id);
                prop_assert!(pairs.insert((i.a.id, i.b.id)) && !pairs.contains(&(i.b.id, i.a.id)));
                prop_assert!(!i.a_gets.is_empty() || !i.b_gets.is_empty());
                prop_assert_eq!(i.mutual, !i.a_gets.is_empty() && !i.b_gets.is_empty());
                for f in i.a_gets.iter().chain(&i.b_gets) {
                    prop_assert!(fit(&f.need, &f.offer).is_some());
                }
            }
            for w in intros.windows(2) {
                prop_assert!((w[0].mutual, w[0].score) >= (w[1].mutual, w[1].score));
            }
            // Small input: the caps never bind, so every pair with a fit is found.
            let mut expected = HashSet::new();
            for p in &profiles {
                for q in &profiles {
                    if p.id != q.id && p.needs.iter().any(|n| q.offers.iter().any(|o| fit(n, o).is_some())) {
                        expected.insert((p.id.min(q.id), p.id.max(q.id)));
                    }
                }
            }
            let found: HashSet<_> = intros.iter().map(|i| (i.a.id.min(i.b.id), i.a.id.max(i.b.id))).collect();
            prop_assert_eq!(found, expected);
        }
    }
}
