// Hostile bundle files: whatever bytes a file holds, loading returns a snapshot or a list of
// problems, never a panic.

use std::borrow::Cow;

use proptest::prelude::*;
use tamga_tariff::BundleSource;

use crate::directory::DirectorySource;
use crate::mini_dir;

/// The mini bundle with one file replaced by arbitrary bytes.
struct Mutated {
    base: DirectorySource,
    path: &'static str,
    bytes: Vec<u8>,
}

impl BundleSource for Mutated {
    fn read(&self, path: &str) -> Result<Option<Cow<'static, [u8]>>, std::io::Error> {
        if path == self.path {
            return Ok(Some(Cow::Owned(self.bytes.clone())));
        }
        self.base.read(path)
    }

    fn describe(&self) -> String {
        "mutated mini bundle".into()
    }

    fn file_name(&self, path: &str) -> String {
        self.base.file_name(path)
    }
}

const FILES: [&str; 8] = [
    "editions.csv",
    "tariff/lines2020.csv",
    "tariff/rates2020.csv",
    "tariff/notes2020.csv",
    "measures.csv",
    "tariff_quotas.csv",
    "union/units.csv",
    "union/member_states.csv",
];

/// The real file with a few bytes overwritten, inserted or cut: close to valid, so the
/// loader's deeper checks run too.
fn mutated_real_file() -> impl Strategy<Value = (usize, Vec<u8>)> {
    (
        0..FILES.len(),
        any::<u64>(),
        proptest::collection::vec(any::<u8>(), 0..8),
        0u8..3,
    )
        .prop_map(|(file, pos, noise, how)| {
            let mut bytes = std::fs::read(mini_dir().join(FILES[file])).unwrap_or_default();
            let at = if bytes.is_empty() {
                0
            } else {
                (pos as usize) % bytes.len()
            };
            match how {
                0 => {
                    for (i, b) in noise.iter().enumerate() {
                        if let Some(slot) = bytes.get_mut(at + i) {
                            *slot = *b;
                        }
                    }
                }
                1 => {
                    bytes.splice(at..at, noise);
                }
                _ => bytes.truncate(at),
            }
            (file, bytes)
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_in_any_file_never_panic(file in 0..FILES.len(), bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let source = Mutated { base: DirectorySource { root: mini_dir() }, path: FILES[file], bytes };
        let _ = tamga_tariff::load(&source);
    }

    #[test]
    fn damaged_real_files_never_panic_and_problems_name_a_place((file, bytes) in mutated_real_file()) {
        let source = Mutated { base: DirectorySource { root: mini_dir() }, path: FILES[file], bytes };
        if let Err(errors) = tamga_tariff::load(&source) {
            prop_assert!(!errors.issues.is_empty());
            for issue in &errors.issues {
                prop_assert!(issue.line >= 1, "{issue}");
                prop_assert!(!issue.message.is_empty(), "{issue}");
            }
        }
    }
}
