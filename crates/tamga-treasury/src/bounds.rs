//! The bounds of the dates that move money, and of the interest a confirmation may book.
//!
//! A date that moves money (a receipt, the sending or confirming of a transfer, the closing of a
//! day) is chosen by the state that acts, and it decides what another state pays: a
//! confirmation dated late makes the sender owe interest, a far-future closing strands every
//! later receipt. So each such date must lie within a window that ends on the business date and
//! begins `window_days` before it, after whatever it follows (a transfer is confirmed after it
//! was sent). The window is configuration; tamga's default is stated in docs/treasury.md.

use rust_decimal::Decimal;
use tamga_core::{Date, format_date};

/// The default window: a year back from the business date.
pub const DEFAULT_WINDOW_DAYS: u16 = 366;

/// The business date and how far back a money date may be set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MoneyDates {
    pub today: Date,
    pub window_days: u16,
}

/// Why a money date is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyDateError {
    #[error(
        "{date} is after the business date {today}: money does not move on a day that has not come"
    )]
    AfterToday { date: String, today: String },
    #[error(
        "{date} is more than {window_days} days before the business date {today}; the window of \
         money dates is set by the service (docs/treasury.md)"
    )]
    TooFarBack {
        date: String,
        today: String,
        window_days: u16,
    },
    #[error("{date} is before {earliest}: {reason}")]
    BeforeEarliest {
        date: String,
        earliest: String,
        reason: String,
    },
    #[error(
        "{day} has not ended: the business date is {today}, and a day is closed once it has ended"
    )]
    DayNotEnded { day: String, today: String },
}

impl MoneyDates {
    pub fn new(today: Date, window_days: u16) -> MoneyDates {
        MoneyDates { today, window_days }
    }

    /// The first day of the window.
    pub fn earliest(&self) -> Date {
        self.today
            .checked_sub(time::Duration::days(i64::from(self.window_days)))
            .unwrap_or(Date::MIN)
    }

    /// A date that moves money: within the window, and on or after `after` (with the reason
    /// it must follow) when given.
    pub fn check(&self, date: Date, after: Option<(Date, &str)>) -> Result<(), MoneyDateError> {
        if date > self.today {
            return Err(MoneyDateError::AfterToday {
                date: format_date(date),
                today: format_date(self.today),
            });
        }
        if date < self.earliest() {
            return Err(MoneyDateError::TooFarBack {
                date: format_date(date),
                today: format_date(self.today),
                window_days: self.window_days,
            });
        }
        if let Some((earliest, reason)) = after
            && date < earliest
        {
            return Err(MoneyDateError::BeforeEarliest {
                date: format_date(date),
                earliest: format_date(earliest),
                reason: reason.to_owned(),
            });
        }
        Ok(())
    }

    /// A day to close: it must have ended by the business date (so it is before it), and lie
    /// within the window.
    pub fn check_closing(&self, day: Date) -> Result<(), MoneyDateError> {
        if day >= self.today {
            return Err(MoneyDateError::DayNotEnded {
                day: format_date(day),
                today: format_date(self.today),
            });
        }
        self.check(day, None)
    }
}

/// The default cap on the interest of one late transfer, in percent of the debt: the debt
/// itself. More needs a separate approval (docs/treasury.md).
pub const DEFAULT_INTEREST_CAP_PERCENT: Decimal = Decimal::ONE_HUNDRED;

/// The most interest a confirmation books without a separate approval: `cap_percent` % of the
/// debt, rounded down to the minor unit (the cap is never exceeded by rounding). `None` for a
/// negative cap or one beyond the amounts tamga handles.
pub fn interest_cap(amount_minor: i64, cap_percent: Decimal) -> Option<i64> {
    if cap_percent.is_sign_negative() {
        return None;
    }
    let cap = Decimal::from(amount_minor).checked_mul(cap_percent)? / Decimal::ONE_HUNDRED;
    i64::try_from(cap.floor()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn money_dates_lie_in_the_window_after_what_they_follow() {
        let rules = MoneyDates::new(date!(2021 - 03 - 20), 31);
        assert!(rules.check(date!(2021 - 03 - 20), None).is_ok());
        assert!(rules.check(date!(2021 - 02 - 17), None).is_ok());
        assert!(matches!(
            rules.check(date!(9999 - 12 - 31), None),
            Err(MoneyDateError::AfterToday { .. })
        ));
        assert!(matches!(
            rules.check(date!(2021 - 02 - 16), None),
            Err(MoneyDateError::TooFarBack { .. })
        ));
        let sent = date!(2021 - 03 - 18);
        assert!(matches!(
            rules.check(date!(2021 - 03 - 17), Some((sent, "it was sent then"))),
            Err(MoneyDateError::BeforeEarliest { .. })
        ));
        assert!(rules.check(sent, Some((sent, "it was sent then"))).is_ok());
    }

    #[test]
    fn a_day_is_closed_only_once_it_has_ended() {
        let rules = MoneyDates::new(date!(2021 - 03 - 16), DEFAULT_WINDOW_DAYS);
        assert!(rules.check_closing(date!(2021 - 03 - 15)).is_ok());
        assert!(matches!(
            rules.check_closing(date!(2021 - 03 - 16)),
            Err(MoneyDateError::DayNotEnded { .. })
        ));
        assert!(matches!(
            rules.check_closing(date!(9999 - 12 - 31)),
            Err(MoneyDateError::DayNotEnded { .. })
        ));
        assert!(rules.check_closing(date!(2019 - 01 - 01)).is_err());
        assert_eq!(rules.earliest(), date!(2020 - 03 - 15));
    }

    #[test]
    fn the_interest_cap_is_a_share_of_the_debt_rounded_down() {
        assert_eq!(
            interest_cap(612_040, DEFAULT_INTEREST_CAP_PERCENT),
            Some(612_040)
        );
        assert_eq!(interest_cap(612_041, Decimal::new(5, 1)), Some(3_060));
        assert_eq!(interest_cap(100, Decimal::new(-1, 0)), None);
    }
}
