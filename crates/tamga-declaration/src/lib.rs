//! The life of a goods declaration, as a pure state machine on plain data: which change may
//! follow which status, what it leads to, and the registration number a registration takes.
//!
//! `submitted → registered → released | refused`, and `withdrawn` by the declarant at any point
//! before release (the article of the EAEU Customs Code on withdrawal was not checked for this
//! rule). Anything else is refused with the reason. The store applies these decisions; it
//! decides none of them.

use tamga_core::Date;

/// Where a declaration is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Status {
    Submitted,
    Registered,
    Released,
    Refused,
    Withdrawn,
}

impl Status {
    pub const ALL: [Status; 5] = [
        Status::Submitted,
        Status::Registered,
        Status::Released,
        Status::Refused,
        Status::Withdrawn,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Submitted => "submitted",
            Status::Registered => "registered",
            Status::Released => "released",
            Status::Refused => "refused",
            Status::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(text: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Before release: the declaration may still be amended or withdrawn.
    pub fn is_open(self) -> bool {
        matches!(self, Status::Submitted | Status::Registered)
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A change to a declaration that exists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    /// A new version of the body; `reassessed` when it comes with a new assessment.
    Amend {
        reassessed: bool,
    },
    Register,
    Release,
    Refuse,
    Withdraw,
}

impl Change {
    /// How the audit log names it.
    pub fn action(self) -> &'static str {
        match self {
            Change::Amend { .. } => "amend",
            Change::Register => "register",
            Change::Release => "release",
            Change::Refuse => "refuse",
            Change::Withdraw => "withdraw",
        }
    }
}

/// Why a change does not apply to a declaration as it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("the declaration is {0}; only a submitted declaration can be registered")]
    NotSubmitted(Status),
    #[error("the declaration is {0}; it cannot be {1} (only a registered one can)")]
    NotRegistered(Status, &'static str),
    #[error("the declaration is {0}; it can no longer be {1}")]
    Closed(Status, &'static str),
    #[error(
        "the declaration is registered: an amendment must carry a new assessment (on its \
         registration date)"
    )]
    AmendmentNeedsAssessment,
    #[error("the declaration is submitted: an amendment carries no assessment before registration")]
    AmendmentBeforeAssessment,
}

/// The status a change leads to from `status`, or why it does not apply.
pub fn next(status: Status, change: Change) -> Result<Status, Refusal> {
    match change {
        Change::Register => match status {
            Status::Submitted => Ok(Status::Registered),
            other => Err(Refusal::NotSubmitted(other)),
        },
        Change::Release | Change::Refuse => {
            let (to, doing) = if change == Change::Release {
                (Status::Released, "released")
            } else {
                (Status::Refused, "refused")
            };
            match status {
                Status::Registered => Ok(to),
                other => Err(Refusal::NotRegistered(other, doing)),
            }
        }
        Change::Withdraw => match status {
            open if open.is_open() => Ok(Status::Withdrawn),
            other => Err(Refusal::Closed(other, "withdrawn")),
        },
        Change::Amend { reassessed } => match (status, reassessed) {
            (Status::Submitted, false) | (Status::Registered, true) => Ok(status),
            (Status::Registered, false) => Err(Refusal::AmendmentNeedsAssessment),
            (Status::Submitted, true) => Err(Refusal::AmendmentBeforeAssessment),
            (other, _) => Err(Refusal::Closed(other, "amended")),
        },
    }
}

/// The most registrations one customs office makes in a day: the sequence has seven digits.
pub const MAX_SEQUENCE: u32 = 9_999_999;

/// Why a registration number cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NumberError {
    #[error("office {office} has used every registration number of {day}")]
    Exhausted { office: String, day: String },
}

/// The registration number of a goods declaration, box A: `OFFICE/DDMMYY/NNNNNNN`, the customs
/// office code, the registration day and a 7-digit sequence of that office and day (box A of the
/// goods declaration, CU Commission Decision No. 257 of 20.05.2010; the sequence's width as in
/// issued numbers).
pub fn registration_number(office: &str, day: Date, sequence: u32) -> Result<String, NumberError> {
    if !(1..=MAX_SEQUENCE).contains(&sequence) {
        return Err(NumberError::Exhausted {
            office: office.to_owned(),
            day: tamga_core::format_date(day),
        });
    }
    Ok(format!(
        "{office}/{:02}{:02}{:02}/{sequence:07}",
        day.day(),
        u8::from(day.month()),
        day.year().rem_euclid(100)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use Change::*;
    use Status::*;

    #[test]
    fn the_life_of_a_declaration() {
        assert_eq!(next(Submitted, Register), Ok(Registered));
        assert_eq!(next(Registered, Release), Ok(Released));
        assert_eq!(next(Registered, Refuse), Ok(Refused));
        assert_eq!(next(Submitted, Withdraw), Ok(Withdrawn));
        assert_eq!(next(Registered, Withdraw), Ok(Withdrawn));
        assert_eq!(next(Submitted, Amend { reassessed: false }), Ok(Submitted));
        assert_eq!(next(Registered, Amend { reassessed: true }), Ok(Registered));
    }

    #[test]
    fn every_other_change_is_refused_with_its_reason() {
        for status in Status::ALL {
            for change in [
                Register,
                Release,
                Refuse,
                Withdraw,
                Amend { reassessed: false },
                Amend { reassessed: true },
            ] {
                let allowed = matches!(
                    (status, change),
                    (Submitted, Register)
                        | (Registered, Release | Refuse | Withdraw)
                        | (Submitted, Withdraw)
                        | (Submitted, Amend { reassessed: false })
                        | (Registered, Amend { reassessed: true })
                );
                assert_eq!(next(status, change).is_ok(), allowed, "{status} {change:?}");
            }
        }
        assert_eq!(
            next(Released, Withdraw).unwrap_err().to_string(),
            "the declaration is released; it can no longer be withdrawn"
        );
        assert_eq!(
            next(Registered, Amend { reassessed: false }),
            Err(Refusal::AmendmentNeedsAssessment)
        );
        assert!(matches!(
            next(Withdrawn, Register),
            Err(Refusal::NotSubmitted(Withdrawn))
        ));
    }

    #[test]
    fn registration_numbers_are_office_day_and_seven_digits() {
        let day = tamga_core::parse_date("2021-03-15").unwrap();
        assert_eq!(
            registration_number("10702070", day, 1).unwrap(),
            "10702070/150321/0000001"
        );
        assert_eq!(
            registration_number("50401", day, 9_999_999).unwrap(),
            "50401/150321/9999999"
        );
        assert!(registration_number("50401", day, 0).is_err());
        assert!(registration_number("50401", day, 10_000_000).is_err());
    }
}
