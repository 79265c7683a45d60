//! Any bytes through the CSV reader in every layout: no panic.
#![no_main]

use kith_interop::csv::{Layout, parse};
use kith_interop::decode;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = decode(data) else { return };
    for format in ["auto", "linkedin", "google", "outlook"] {
        let Ok(layout) = Layout::parse(format, &[]) else { continue };
        if let Ok(rows) = parse(&text, &layout) {
            for _ in rows {}
        }
    }
    if let Ok(layout) = Layout::parse("auto", &["a=name".into(), "b=email".into()]) {
        if let Ok(rows) = parse(&text, &layout) {
            for _ in rows {}
        }
    }
});
