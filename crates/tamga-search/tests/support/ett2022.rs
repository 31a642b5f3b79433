//! Search documents of the 2022 ETT (`data/eaeu/ett2022/lines.csv`), built by the same rules
//! as those of the 2017 one (see `ett2017`).

use tamga_search::SearchDoc;

use super::ett2017;

pub const LINES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../data/eaeu/ett2022/lines.csv"
);

/// The documents of the 2022 ETT.
pub fn docs() -> Vec<SearchDoc> {
    ett2017::docs_from(LINES)
}
