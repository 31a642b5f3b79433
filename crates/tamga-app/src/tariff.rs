//! The tariff's use cases, open to anyone: a code on a day with every layer, search, and the
//! payments calculator. They answer the contract documents of `crate::documents`, the same that
//! `tamga tariff … --format json` and `tamga assess --format json` print.

use serde_json::Value;
use tamga_core::{Date, format_date};
use tamga_tariff::{LookupError, LookupQuery};

use crate::assessment::body_text;
use crate::{App, AppError, Result};

/// The longest search text.
pub const MAX_QUERY_BYTES: usize = 500;

impl App {
    /// A code on a day (default the business date): its descriptions, the import duty that
    /// applies and every layer considered.
    pub fn lookup(&self, mut query: LookupQuery, date: Option<Date>) -> Result<Value> {
        query.date = date.unwrap_or_else(|| self.today());
        crate::documents::show_json(self.snapshot(), &query).map_err(|error| match error {
            LookupError::NotMemberState { .. } | LookupError::UnknownOrigin(_) => {
                AppError::BadRequest(error.to_string())
            }
            other => AppError::NotFound(other.to_string().trim_start_matches("no ").to_owned()),
        })
    }

    /// The nomenclature of the edition in force on a day, searched by words or a code.
    pub fn search(&self, text: &str, limit: usize, date: Option<Date>) -> Result<Value> {
        if text.trim().is_empty() || text.len() > MAX_QUERY_BYTES {
            return Err(AppError::BadRequest(format!(
                "q: expected words or a code (at most {MAX_QUERY_BYTES} bytes)"
            )));
        }
        let date = date.unwrap_or_else(|| self.today());
        let snapshot = self.snapshot();
        let position = snapshot
            .editions
            .iter()
            .position(|e| e.validity.contains(date))
            .ok_or_else(|| {
                AppError::NotFound(format!(
                    "tariff in force on {}: the bundle's editions cover {}",
                    format_date(date),
                    snapshot.coverage()
                ))
            })?;
        let edition = &snapshot.editions[position];
        let index = self
            .tariff
            .indexes
            .get(position)
            .ok_or_else(|| AppError::Internal(format!("no search index for {}", edition.id)))?;
        Ok(crate::documents::search_json(
            snapshot, edition, index, text, limit, date,
        ))
    }

    /// The customs payments of a declaration, computed without storing anything. Its
    /// `registration_date` is taken as given.
    pub fn assess(&self, body: &[u8]) -> Result<Value> {
        let snapshot = self.snapshot();
        let declaration = tamga_assess::parse_declaration_for(snapshot, body_text(body)?)?;
        let assessment = tamga_assess::assess(snapshot, &declaration)?;
        Ok(tamga_assess::render::assessment_json(&assessment))
    }
}
