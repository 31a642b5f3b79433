//! The handlers, one module per resource. Each reads its request, calls the application, and
//! renders the answer; none decides anything.

pub(crate) mod declarations;
pub(crate) mod service;
pub(crate) mod tariff;
pub(crate) mod treasury;
