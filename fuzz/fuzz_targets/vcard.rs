//! Any bytes through the vCard reader, and every card it reads back out and in again: no
//! panic, and a written card reads back with the same name.
#![no_main]

use kith_interop::{decode, vcard};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = decode(data) else { return };
    for card in vcard::parse(&text).flatten() {
        let mut out = String::new();
        vcard::write(&mut out, &card, "urn:uuid:00000000-0000-0000-0000-000000000000", vcard::Version::V4);
        let back: Vec<_> = vcard::parse(&out).collect();
        assert_eq!(back.len(), 1, "one card written, one read: {out}");
        if let Some(Ok(b)) = back.first() {
            assert_eq!(b.name, card.name, "{out}");
        }
    }
});
