//! The producers' sample exports (testdata/samples) read into contacts, without a database.

use kith_interop::{Contact, decode, vcard};

fn sample(path: &str) -> Vec<Contact> {
    let bytes = std::fs::read(format!("{}/../../testdata/samples/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let text = decode(&bytes).unwrap();
    vcard::parse(&text).map(|c| c.unwrap()).collect()
}

#[test]
fn every_sample_card_is_read_with_its_line() {
    let apple = sample("vcard/apple-ios.vcf");
    assert_eq!(
        apple.iter().map(|c| (c.line, c.name.as_str())).collect::<Vec<_>>(),
        [(1, "Priya Raman"), (34, "Dr. Chinedu Emeka Okafor")]
    );
    // Apple's item group label names the URL; the photo is kept as written, folds and all.
    assert_eq!(apple[0].links[0].label.as_deref(), Some("homepage"));
    let kept = apple[0].kept.as_ref().unwrap();
    assert_eq!(kept.version, "3.0");
    assert!(
        kept.props
            .iter()
            .any(|p| p.key.is_none() && p.raw.starts_with("PHOTO;ENCODING=b;TYPE=JPEG:") && p.raw.contains("\n "))
    );
    assert_eq!(sample("vcard/google-export.vcf").len(), 2);
    let android = sample("vcard/outlook-android-2.1.vcf");
    assert_eq!(android[0].org.as_deref(), Some("Grün & Partner GmbH"));
    // 2.1 lines are not valid 4.0: kith keeps none of them as stand-ins for its own values
    assert!(android[0].kept.is_none());
    let nextcloud = sample("vcard/nextcloud-4.0.vcf");
    assert_eq!(nextcloud[0].uid.as_deref(), Some("urn:uuid:2a9c2a3e-6f1e-4a57-9d0e-3f3c1c7b9b11"));
    assert_eq!(nextcloud[0].phones[0].key, "+221775550188");
}

#[test]
fn bom_latin1_and_binary() {
    let with_bom = b"\xEF\xBB\xBFBEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ann\r\nEND:VCARD\r\n";
    let text = decode(with_bom).unwrap();
    assert_eq!(vcard::parse(&text).next().unwrap().unwrap().name, "Ann");
    let latin1 = b"BEGIN:VCARD\nVERSION:2.1\nFN:J\xfcrgen\nEND:VCARD\n";
    let text = decode(latin1).unwrap();
    assert_eq!(vcard::parse(&text).next().unwrap().unwrap().name, "Jürgen");
    assert_eq!(decode(b"ab\ncd\0").unwrap_err().line, 2);
}

/// Found by the vCard fuzz target: a card without FN or N whose ORG holds a bare CR; the name
/// taken from ORG must survive a write and a read.
#[test]
fn fuzz_found_name_with_a_bare_carriage_return() {
    round_trip_names("fuzz-vcard-name-with-cr.vcf");
}

/// Found by the vCard fuzz target: a name full of CRs and a control character, and a stray
/// `END:` property.
#[test]
fn fuzz_found_control_characters_and_stray_end() {
    round_trip_names("fuzz-vcard-control-chars.vcf");
}

fn round_trip_names(file: &str) {
    let bytes = std::fs::read(format!("{}/tests/{file}", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let text = decode(&bytes).unwrap();
    for card in vcard::parse(&text).flatten() {
        let mut out = String::new();
        vcard::write(&mut out, &card, "urn:uuid:1", vcard::Version::V4);
        let back: Vec<_> = vcard::parse(&out).collect();
        assert_eq!(back.len(), 1);
        assert_eq!(back[0].as_ref().unwrap().name, card.name);
    }
}
