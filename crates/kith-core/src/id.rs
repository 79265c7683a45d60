//! Record ids: UUIDv7, so ids sort by creation time and carry it.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The id of any record: a person, a tie, a tag on a person, an operation.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Id(Uuid);

/// The namespace for ids derived from other ids (see [`Id::derive`]).
const DERIVED: Uuid = Uuid::from_u128(0x6b69_7468_0000_4000_8000_6465_7269_7665);

impl Id {
    /// A new UUIDv7 for the given Unix time in milliseconds. The caller supplies the clock and
    /// the randomness, so this crate reads neither.
    pub fn v7(unix_ms: u64, random: [u8; 10]) -> Id {
        Id(uuid::Builder::from_unix_timestamp_millis(unix_ms, &random).into_uuid())
    }

    /// An id that is a pure function of a parent id and a key. Child records that form a set
    /// (a person's tags and emails, an interaction's participants) use it, so two devices that
    /// add the same tag offline create the same record instead of two copies.
    ///
    /// It is a UUIDv5 (RFC 9562) in the namespace `DERIVED` of the name `parent ‖ kind ‖ 0 ‖
    /// key`: the same id `Uuid::new_v5` gives, computed with the `sha1` crate, which uses the
    /// CPU's SHA instructions where there are some, and without building the name in a `Vec`
    /// (62 ns an id against 145 ns here; an import derives one or more ids a record).
    pub fn derive(parent: Id, kind: &str, key: &str) -> Id {
        use sha1::Digest;
        let mut sha = sha1::Sha1::new();
        sha.update(DERIVED.as_bytes());
        sha.update(parent.0.as_bytes());
        sha.update(kind.as_bytes());
        sha.update([0]);
        sha.update(key.as_bytes());
        let digest = sha.finalize();
        let mut bytes = [0; 16];
        bytes.copy_from_slice(&digest[..16]);
        Id(uuid::Builder::from_sha1_bytes(bytes).into_uuid())
    }

    pub fn from_uuid(uuid: Uuid) -> Id {
        Id(uuid)
    }

    pub fn uuid(self) -> Uuid {
        self.0
    }

    /// When a v7 id was made, in Unix milliseconds; `None` for derived ids.
    pub fn unix_ms(self) -> Option<u64> {
        self.0.get_timestamp().map(|ts| {
            let (secs, nanos) = ts.to_unix();
            secs * 1000 + u64::from(nanos) / 1_000_000
        })
    }

    /// The first characters of the id, enough to tell records apart in listings.
    pub fn short(self) -> String {
        let s = self.0.simple().to_string();
        s[s.len() - 8..].to_string()
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl fmt::Debug for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Id({})", self.0)
    }
}

impl FromStr for Id {
    type Err = uuid::Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Uuid::parse_str(s).map(Id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v7_ids_sort_by_time_and_carry_it() {
        let a = Id::v7(1_000, [9; 10]);
        let b = Id::v7(2_000, [0; 10]);
        assert!(a < b);
        assert_eq!(a.unix_ms(), Some(1_000));
        assert_eq!(a.uuid().get_version_num(), 7);
    }

    #[test]
    fn derived_ids_depend_on_every_part() {
        let p = Id::v7(1, [1; 10]);
        let q = Id::v7(1, [2; 10]);
        assert_eq!(Id::derive(p, "tag", "design"), Id::derive(p, "tag", "design"));
        assert_ne!(Id::derive(p, "tag", "design"), Id::derive(q, "tag", "design"));
        assert_ne!(Id::derive(p, "tag", "design"), Id::derive(p, "need", "design"));
        // the separator keeps ("ta", "gdesign") apart from ("tag", "design")
        assert_ne!(Id::derive(p, "ta", "gdesign"), Id::derive(p, "tag", "design"));
        assert_eq!(Id::derive(p, "tag", "x").unix_ms(), None);
    }

    /// Derived ids are stored and synced: the derivation must stay the UUIDv5 it has always been.
    #[test]
    fn derived_ids_are_the_uuid_v5_of_parent_kind_and_key() {
        let p = Id::v7(1_700_000_000_000, [7; 10]);
        for (kind, key) in [("tag", "design"), ("email", "ann@example.com"), ("card", ""), ("", "ü ✓ 名")] {
            let mut name = p.0.as_bytes().to_vec();
            name.extend_from_slice(kind.as_bytes());
            name.push(0);
            name.extend_from_slice(key.as_bytes());
            assert_eq!(Id::derive(p, kind, key).0, Uuid::new_v5(&DERIVED, &name), "{kind} {key}");
        }
        // One fixed value (computed apart, with Python's hashlib), so a change on both sides is caught.
        let fixed = Id::derive("01890a5d-ac96-774b-bcce-b302099a8057".parse().unwrap(), "tag", "design");
        assert_eq!(fixed.to_string(), "8a92f98f-689a-5e1d-af86-2480aae51faa");
    }
}
