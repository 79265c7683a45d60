//! Any bytes through the iCalendar reader: no panic.
#![no_main]

use kith_interop::{decode, ics};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = decode(data) {
        let _ = ics::parse(&text);
    }
});
