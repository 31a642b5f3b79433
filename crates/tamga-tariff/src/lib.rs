//! The Common Customs Tariff of the union: the nomenclature tree of each edition, dated measures
//! on it, rate expressions, the union's reference tables, and the duty lookup.
//!
//! Pure: it reads a bundle through a [`BundleSource`] and answers queries. No files (the shell
//! reads a bundle directory), no clock, no network, no database. Every query takes a date.

pub mod bundle;
pub mod load;
pub mod lookup;
pub mod rate;
pub mod snapshot;

pub use bundle::{BundleErrors, BundleIssue, BundleSource, EmbeddedSource};
pub use load::load;
pub use lookup::{DutyLookup, Layer, LayerOutcome, LayerStatus, LookupError, LookupQuery};
pub use rate::RateExpr;
pub use snapshot::TariffSnapshot;
