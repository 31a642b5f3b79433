//! Reconciliation: for each debt between two states, what the debtor's book says it owes
//! (`due_to` the creditor) beside what the creditor's book says it is owed (`due_from` the
//! debtor), and the entries behind any difference.

use std::collections::BTreeMap;

use tamga_core::{CountryCode, CurrencyCode};

use crate::ledger::{Account, EntryKind};

/// A posting on a `due_to` or `due_from` account, with the entry it belongs to.
#[derive(Clone, Debug)]
pub struct DebtPosting {
    pub entry_key: String,
    pub kind: EntryKind,
    pub currency: CurrencyCode,
    pub book: CountryCode,
    pub account: Account,
    pub amount_minor: i64,
}

/// What two states' books say about one debt over a period.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PairBalance {
    pub debtor: CountryCode,
    pub creditor: CountryCode,
    pub currency: CurrencyCode,
    /// In the debtor's book, as an amount owed (positive).
    pub debtor_says_minor: i64,
    /// In the creditor's book, as an amount due to it (positive).
    pub creditor_says_minor: i64,
    pub difference_minor: i64,
    /// The entries behind a difference (empty when the books agree).
    pub unmatched_entries: Vec<String>,
}

/// The movement of a debt a posting belongs to: a distribution and its receiving side are one;
/// the events of a transfer (sent, confirmed, interest) are one movement of it.
fn movement(posting: &DebtPosting, counterparty: CountryCode) -> String {
    match posting.kind {
        EntryKind::Distribution => format!("{}:{counterparty}", posting.entry_key),
        EntryKind::TransferSent | EntryKind::TransferConfirmed | EntryKind::LateInterest => posting
            .entry_key
            .rsplit_once(':')
            .map_or_else(|| posting.entry_key.clone(), |(order, _)| order.to_owned()),
        EntryKind::DistributionDue | EntryKind::Receipt => posting.entry_key.clone(),
    }
}

/// A debt's movements: what the debtor's and the creditor's books say of each.
type Movements = BTreeMap<String, (i64, i64)>;

/// Sets each pair's books side by side. Postings on other accounts are ignored.
pub fn reconcile(postings: impl IntoIterator<Item = DebtPosting>) -> Vec<PairBalance> {
    let mut pairs: BTreeMap<(CountryCode, CountryCode, CurrencyCode), Movements> = BTreeMap::new();
    for posting in postings {
        let (debtor, creditor, debtor_side) = match posting.account {
            Account::DueTo(creditor) => (posting.book, creditor, true),
            Account::DueFrom(debtor) => (debtor, posting.book, false),
            _ => continue,
        };
        let group = movement(&posting, if debtor_side { creditor } else { debtor });
        let sides = pairs
            .entry((debtor, creditor, posting.currency))
            .or_default()
            .entry(group)
            .or_default();
        if debtor_side {
            // A credit on `due_to` is owed: negative postings are what the debtor says it owes.
            sides.0 -= posting.amount_minor;
        } else {
            sides.1 += posting.amount_minor;
        }
    }
    pairs
        .into_iter()
        .map(|((debtor, creditor, currency), groups)| {
            let debtor_says: i64 = groups.values().map(|s| s.0).sum();
            let creditor_says: i64 = groups.values().map(|s| s.1).sum();
            PairBalance {
                debtor,
                creditor,
                currency,
                debtor_says_minor: debtor_says,
                creditor_says_minor: creditor_says,
                difference_minor: debtor_says - creditor_says,
                unmatched_entries: groups
                    .into_iter()
                    .filter(|(_, s)| s.0 != s.1)
                    .map(|(k, _)| k)
                    .collect(),
            }
        })
        .collect()
}
