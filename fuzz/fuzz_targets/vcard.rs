//! Any bytes through the vCard reader, and every card it reads back out and in again: no
//! panic, and a written card reads back with the same name. Read in blocks (as `kith import`
//! reads a file), the same text gives the same cards and errors, on the same lines.
#![no_main]

use kith_interop::{decode, vcard};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(whole) = std::str::from_utf8(data) {
        let size = 1 + usize::from(data.first().copied().unwrap_or(0));
        let mut got = Vec::new();
        for block in vcard::Blocks::with_size(data, size) {
            let block = block.expect("reading a slice cannot fail");
            let text = std::str::from_utf8(&block.bytes).expect("a block ends at a line end");
            got.extend(vcard::parse_from(text, block.first_line));
        }
        assert_eq!(got, vcard::parse(whole).collect::<Vec<_>>(), "blocks of {size} bytes");
    }
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
