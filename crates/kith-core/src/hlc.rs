//! The hybrid logical clock that orders operations across devices.
//!
//! A timestamp packs wall-clock milliseconds (upper 48 bits) and a logical counter (lower 16
//! bits) into one `u64`, so it sorts as a plain integer in both storage engines and on the wire.
//! The clock never goes backwards on one node, even when the wall clock does, and it moves past
//! any timestamp it has seen from another node, so an edit made after receiving an edit always
//! wins over it.

use std::fmt;

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Hlc(pub u64);

const COUNTER_BITS: u32 = 16;
const COUNTER_MASK: u64 = (1 << COUNTER_BITS) - 1;

impl Hlc {
    pub fn new(unix_ms: u64, counter: u16) -> Hlc {
        Hlc((unix_ms << COUNTER_BITS) | u64::from(counter))
    }

    pub fn unix_ms(self) -> u64 {
        self.0 >> COUNTER_BITS
    }

    pub fn counter(self) -> u16 {
        (self.0 & COUNTER_MASK) as u16
    }

    /// The value stored in an `INTEGER`/`BIGINT` column. Wall-clock milliseconds fit in 47 bits
    /// until the year 6429, so the value is always positive as an `i64`.
    pub fn as_i64(self) -> i64 {
        self.0 as i64
    }

    pub fn from_i64(v: i64) -> Hlc {
        Hlc(v as u64)
    }
}

impl fmt::Debug for Hlc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hlc({}:{})", self.unix_ms(), self.counter())
    }
}

/// One node's clock state. The caller passes the wall-clock reading in.
#[derive(Debug, Clone, Copy, Default)]
pub struct Clock {
    last: Hlc,
}

impl Clock {
    /// A clock that has already seen `last` (for example the newest timestamp in the op log).
    pub fn resume(last: Hlc) -> Clock {
        Clock { last }
    }

    pub fn last(&self) -> Hlc {
        self.last
    }

    /// The timestamp for a new local event.
    pub fn tick(&mut self, wall_ms: u64) -> Hlc {
        let next = if wall_ms > self.last.unix_ms() {
            Hlc::new(wall_ms, 0)
        } else {
            // The wall clock is behind or equal: advance the counter, and when it would overflow
            // borrow a millisecond from the future rather than repeat a timestamp.
            Hlc(self.last.0 + 1)
        };
        self.last = next;
        next
    }

    /// Take in a timestamp from another node so that later local events sort after it.
    pub fn observe(&mut self, remote: Hlc) {
        if remote > self.last {
            self.last = remote;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_strictly_increasing_even_when_the_wall_clock_stalls_or_goes_back() {
        let mut c = Clock::default();
        let a = c.tick(1_000);
        let b = c.tick(1_000);
        let d = c.tick(900);
        let e = c.tick(1_001);
        assert!(a < b && b < d && d < e);
        assert_eq!(a, Hlc::new(1_000, 0));
        assert_eq!(d, Hlc::new(1_000, 2));
        assert_eq!(e, Hlc::new(1_001, 0));
    }

    #[test]
    fn observing_a_remote_timestamp_moves_past_it() {
        let mut c = Clock::default();
        c.tick(1_000);
        c.observe(Hlc::new(5_000, 7));
        assert_eq!(c.tick(2_000), Hlc::new(5_000, 8));
    }

    #[test]
    fn counter_overflow_carries_into_the_milliseconds() {
        let mut c = Clock::resume(Hlc::new(10, u16::MAX));
        assert_eq!(c.tick(10), Hlc::new(11, 0));
    }

    #[test]
    fn stored_form_round_trips_and_stays_positive() {
        let h = Hlc::new(1_790_000_000_000, 42);
        assert!(h.as_i64() > 0);
        assert_eq!(Hlc::from_i64(h.as_i64()), h);
    }
}
