//! The one reader of dated tables.
//!
//! A dated table's rows are each in force for a period, `valid_from` … `valid_to` (both
//! inclusive; an empty end is open-ended), and two rows of the same thing must not be in force on
//! the same day. Every such table of the bundle reads its periods here, and has its overlaps
//! refused here.

use std::collections::HashMap;
use std::hash::Hash;

use tamga_core::{Date, Validity};

use super::cells::date;
use super::table::{Col, Issues, Place, Row, Table};
use crate::bundle::BundleSource;

/// A fact in force for a period, as a dated table gives it.
pub(super) trait InForce {
    /// What two facts must differ in to be in force on the same day.
    type Key: Eq + Hash;
    fn key(&self) -> Self::Key;
    fn validity(&self) -> Validity;
}

/// A dated table of the bundle, and how its periods are written.
pub(super) struct DatedTable<'p> {
    path: &'p str,
    required: bool,
    /// What a row is, in messages: "VAT rate".
    what: &'static str,
    /// The column at which a row's overlap is reported.
    place: &'static str,
    from: &'static str,
    to: &'static str,
    /// The day an empty start means; `None` when the start is required.
    open_start: Option<Date>,
}

/// A row and its period. The period is `None` when its dates are wrong, which is already
/// reported; the row's other cells are still read, so that all its problems come at once.
pub(super) struct DatedRow<'t> {
    pub(super) row: Row<'t>,
    pub(super) validity: Option<Validity>,
    /// The start column, for messages about the period.
    pub(super) from: Col,
}

impl<'p> DatedTable<'p> {
    /// An optional table dated by `valid_from` and `valid_to`, whose overlaps are reported at
    /// the column `place`.
    pub(super) fn new(path: &'p str, what: &'static str, place: &'static str) -> Self {
        DatedTable {
            path,
            required: false,
            what,
            place,
            from: "valid_from",
            to: "valid_to",
            open_start: None,
        }
    }

    /// The bundle must have this table.
    pub(super) fn required(self) -> Self {
        DatedTable {
            required: true,
            ..self
        }
    }

    /// The table's periods are in the columns `from` and `to`.
    pub(super) fn dated_by(self, from: &'static str, to: &'static str) -> Self {
        DatedTable { from, to, ..self }
    }

    /// An empty start means `day`.
    pub(super) fn open_start(self, day: Date) -> Self {
        DatedTable {
            open_start: Some(day),
            ..self
        }
    }

    /// Reads every row into a fact, and refuses two facts of the same key in force on the same
    /// day. `columns` resolves the table's own columns once; `read` makes a fact of a row, or
    /// reports why it cannot and gives `None`.
    pub(super) fn read<C, T: InForce>(
        &self,
        source: &dyn BundleSource,
        issues: &mut Issues,
        columns: impl FnOnce(&Table, &mut Issues) -> C,
        read: impl FnMut(&C, &DatedRow<'_>, &mut Issues) -> Option<T>,
    ) -> Vec<T> {
        let facts = self.read_placed(source, issues, columns, read);
        check_overlaps(
            facts
                .iter()
                .map(|(fact, place)| (fact.key(), fact.validity(), place.clone())),
            self.what,
            issues,
        );
        facts.into_iter().map(|(fact, _)| fact).collect()
    }

    /// Like [`DatedTable::read`], without the overlap check, for facts that are checked
    /// together afterwards (the bands of a fee schedule, the shares of a normative set, the
    /// measures with the editions' rates): each fact with the place of its row.
    pub(super) fn read_placed<C, T>(
        &self,
        source: &dyn BundleSource,
        issues: &mut Issues,
        columns: impl FnOnce(&Table, &mut Issues) -> C,
        mut read: impl FnMut(&C, &DatedRow<'_>, &mut Issues) -> Option<T>,
    ) -> Vec<(T, Place)> {
        let Some(table) = Table::read(source, self.path, self.required, issues) else {
            return Vec::new();
        };
        let own = columns(&table, issues);
        let from = table.col(self.from, true, issues);
        let to = table.col(self.to, true, issues);
        // Resolved as optional: the table's own columns already require it.
        let place = table.col(self.place, false, issues);
        let mut facts = Vec::with_capacity(table.len());
        for row in table.rows() {
            let dated = DatedRow {
                row,
                validity: self.validity(&row, from, to, issues),
                from,
            };
            if let Some(fact) = read(&own, &dated, issues) {
                facts.push((fact, row.place(place)));
            }
        }
        facts
    }

    fn validity(&self, row: &Row, from: Col, to: Col, issues: &mut Issues) -> Option<Validity> {
        let start = match self.open_start {
            Some(day) if row.get(from).is_empty() => Some(day),
            _ => row.parse(from, "a date YYYY-MM-DD", date, issues),
        };
        let end = row.parse_optional(to, "a date YYYY-MM-DD or empty (open-ended)", date, issues);
        let (start, end) = (start?, end?);
        if end.is_some_and(|end| end < start) {
            issues.push(row.issue(to, format!("expected a date on or after {}", self.from)));
            return None;
        }
        Some(Validity::new(start, end))
    }
}

/// Reports every pair of overlapping periods among items with the same key.
pub(super) fn check_overlaps<K: Eq + Hash>(
    items: impl IntoIterator<Item = (K, Validity, Place)>,
    what: &str,
    issues: &mut Issues,
) {
    let mut by_key: HashMap<K, Vec<(Validity, Place)>> = HashMap::new();
    for (key, validity, place) in items {
        let seen = by_key.entry(key).or_default();
        if let Some((other, other_place)) = seen.iter().find(|(v, _)| v.overlaps(&validity)) {
            issues.push(place.issue(format!(
                "{what} in force {validity} overlaps the same {what} in force {other} at line {}",
                other_place.line
            )));
        }
        seen.push((validity, place));
    }
}
