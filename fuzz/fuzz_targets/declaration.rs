//! Any bytes as a goods declaration: read, checked against the built-in tariff and assessed, the
//! result is figures or problems with paths, never a panic.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use tamga_tariff::{EmbeddedSource, TariffSnapshot};

fn snapshot() -> &'static TariffSnapshot {
    static SNAPSHOT: OnceLock<TariffSnapshot> = OnceLock::new();
    SNAPSHOT.get_or_init(|| {
        tamga_tariff::load(&EmbeddedSource {
            name: "built-in bundle",
            files: tamga_data::FILES,
        })
        .expect("the built-in bundle loads")
    })
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let snapshot = snapshot();
    match tamga_assess::parse_declaration_for(snapshot, &text) {
        Ok(declaration) => {
            let _ = tamga_assess::assess(snapshot, &declaration);
        }
        Err(errors) => assert!(!errors.0.is_empty()),
    }
});
