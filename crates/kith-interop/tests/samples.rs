//! The producers' sample exports (testdata/samples) read into contacts.

use kith_interop::{Contact, decode, vcard};

fn sample(path: &str) -> Vec<Contact> {
    let bytes = std::fs::read(format!("{}/../../testdata/samples/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let text = decode(&bytes).unwrap();
    vcard::parse(&text).map(|c| c.unwrap()).collect()
}

#[test]
fn dump() {
    for f in ["apple-ios.vcf", "google-export.vcf", "outlook-android-2.1.vcf", "nextcloud-4.0.vcf"] {
        for c in sample(&format!("vcard/{f}")) {
            println!("{c:#?}");
        }
    }
}
