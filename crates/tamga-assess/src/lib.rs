//! The goods declaration and the assessment of its customs payments.
//!
//! Pure: it takes a declaration and a tariff snapshot and returns the payments, each with its
//! reason. No clock, files or network.

pub mod assess;
pub mod declaration;
pub mod explain;
pub mod render;

pub use assess::{
    Assessment, Computed, Payment, PaymentKind, assess, compute, parse_declaration_for,
    round_payment,
};
pub use declaration::{
    Declaration, GoodsItem, ValidationError, ValidationErrors, parse_declaration,
};
pub use explain::explain;
