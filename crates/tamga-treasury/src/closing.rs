//! Closing a day of a state's single account: each pool's net receipts split among the member
//! states by the normatives in force that day, posted to the closing state's book and to each
//! receiving state's, and what the state owes each other state made a transfer order.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use tamga_core::{CountryCode, CurrencyCode, Date};

use crate::ledger::{Account, Entry, EntryHead, EntryKind, Pool, Posting};
use crate::transfer::{TransferOrder, TransferStatus};
use crate::{Normatives, TreasuryError, split_largest_remainder};

/// How special (safeguard), anti-dumping and countervailing duties are distributed. The EAEU
/// Treaty puts them under a separate regulation (Annex 8, appendix) whose text was not read, so
/// the rule is configuration, not code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum SpecialDutyRule {
    /// By the same normatives as import duties.
    #[default]
    Normatives,
    /// Kept whole by the state that collected them.
    CollectingState,
}

impl SpecialDutyRule {
    pub fn as_str(self) -> &'static str {
        match self {
            SpecialDutyRule::Normatives => "normatives",
            SpecialDutyRule::CollectingState => "collecting_state",
        }
    }

    pub fn parse(text: &str) -> Option<SpecialDutyRule> {
        [
            SpecialDutyRule::Normatives,
            SpecialDutyRule::CollectingState,
        ]
        .into_iter()
        .find(|r| r.as_str() == text)
    }
}

/// One state's share of a distributed pool.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PoolShare {
    pub state: CountryCode,
    /// The normative, exact (`4.860`); `100` when the collecting state keeps the pool.
    pub percent: Decimal,
    pub amount_minor: i64,
}

/// A pool of a closed day: its net receipts and how they were split.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PoolDistribution {
    pub pool: Pool,
    pub total_minor: i64,
    /// In ISO code order.
    pub shares: Vec<PoolShare>,
}

/// What closing a day takes: the day's net receipts by pool, what earlier days carried between
/// this state and each other, and the day's rules from the bundle.
#[derive(Clone, Debug)]
pub struct DayToClose<'a> {
    pub state: CountryCode,
    pub day: Date,
    pub currency: CurrencyCode,
    pub normatives: &'a Normatives,
    pub special_rule: SpecialDutyRule,
    /// Net receipts (minor units) and their count, per pool; a pool absent had none.
    pub receipts: BTreeMap<Pool, (i64, i64)>,
    /// What the state's earlier closed days made it owe each receiver, less the orders already
    /// made: negative after a day of net refunds.
    pub carried: BTreeMap<CountryCode, i64>,
    /// The transfer currency to each other state on the day (else the state's own).
    pub transfer_currencies: BTreeMap<CountryCode, CurrencyCode>,
    /// The last day to confirm the day's transfers without interest.
    pub due_by: Date,
}

/// A closed day: its distribution, the entries to post and the transfer orders made.
#[derive(Clone, Debug)]
pub struct ClosedDay {
    pub pools: Vec<PoolDistribution>,
    /// Receipt lines distributed.
    pub receipts: i64,
    pub entries: Vec<Entry>,
    pub orders: Vec<TransferOrder>,
    /// What is carried to the next day between the state and each receiver.
    pub carried: BTreeMap<CountryCode, i64>,
}

/// Closes a day: each pool's net receipts split by the normatives (or, for special duties
/// under [`SpecialDutyRule::CollectingState`], kept whole), the entries that post it to both
/// states' books, and a transfer order for each state owed (the day's shares plus what earlier
/// days carried: a day of net refunds leaves the receiver owing it back, which the next order
/// between them nets out).
pub fn close_day(day: &DayToClose<'_>) -> Result<ClosedDay, TreasuryError> {
    let mut pools = Vec::new();
    let mut entries = Vec::new();
    let mut receipts = 0;
    for pool in [Pool::ImportDuty, Pool::SpecialDuty] {
        let (total, count) = day.receipts.get(&pool).copied().unwrap_or((0, 0));
        receipts += count;
        let shares = shares_of(day, pool, total)?;
        assert_eq!(
            shares.iter().map(|s| s.amount_minor).sum::<i64>(),
            total,
            "a day's shares sum to what was distributed"
        );
        entries.extend(distribution_entries(day, pool, total, &shares));
        pools.push(PoolDistribution {
            pool,
            total_minor: total,
            shares,
        });
    }
    let (orders, carried) = transfer_orders(day, &pools);
    Ok(ClosedDay {
        pools,
        receipts,
        entries,
        orders,
        carried,
    })
}

/// One pool's shares, in ISO code order.
fn shares_of(
    day: &DayToClose<'_>,
    pool: Pool,
    total: i64,
) -> Result<Vec<PoolShare>, TreasuryError> {
    let mut shares =
        if pool == Pool::SpecialDuty && day.special_rule == SpecialDutyRule::CollectingState {
            vec![PoolShare {
                state: day.state,
                percent: Decimal::ONE_HUNDRED,
                amount_minor: total,
            }]
        } else {
            let normatives = day.normatives;
            let mut out = vec![0i64; normatives.len()];
            split_largest_remainder(total, normatives, &mut out)?;
            normatives
                .states
                .iter()
                .zip(&normatives.percents)
                .zip(out)
                .map(|((state, percent), amount_minor)| PoolShare {
                    state: *state,
                    percent: *percent,
                    amount_minor,
                })
                .collect()
        };
    shares.sort_by(|a, b| a.state.as_str().cmp(b.state.as_str()));
    Ok(shares)
}

/// The entries of one pool's distribution: debit the closing state's `to_distribute`, credit
/// its budget with its own share and `due_to` with each other's; and on each receiving state's
/// book, debit `due_from` the closing state and credit its budget.
fn distribution_entries(
    day: &DayToClose<'_>,
    pool: Pool,
    total: i64,
    shares: &[PoolShare],
) -> Vec<Entry> {
    if total == 0 {
        return Vec::new();
    }
    let state = day.state;
    let key = closing_key(state, day.day, pool);
    let head = |key: String, amount_minor: i64| EntryHead {
        key,
        state,
        day: day.day,
        pool,
        currency: day.currency,
        amount_minor,
        source: None,
        requested_day: None,
    };
    let mut postings = vec![Posting {
        book: state,
        account: Account::ToDistribute(pool),
        amount_minor: total,
    }];
    for share in shares {
        postings.push(Posting {
            book: state,
            account: if share.state == state {
                Account::Budget
            } else {
                Account::DueTo(share.state)
            },
            amount_minor: -share.amount_minor,
        });
    }
    let mut entries = vec![head(key.clone(), total).entry(EntryKind::Distribution, postings)];
    for share in shares
        .iter()
        .filter(|s| s.state != state && s.amount_minor != 0)
    {
        let receiving = vec![
            Posting {
                book: share.state,
                account: Account::DueFrom(state),
                amount_minor: share.amount_minor,
            },
            Posting {
                book: share.state,
                account: Account::Budget,
                amount_minor: -share.amount_minor,
            },
        ];
        entries.push(
            head(format!("{key}:{}", share.state), share.amount_minor)
                .entry(EntryKind::DistributionDue, receiving),
        );
    }
    entries
}

/// The key of a closed day's distribution of a pool.
pub fn closing_key(state: CountryCode, day: Date, pool: Pool) -> String {
    format!(
        "close:{state}:{}:{}",
        tamga_core::format_date(day),
        pool.as_str()
    )
}

/// What the state owes each other state after the day, netted with what earlier days carried;
/// an order for each positive amount, and what is carried on.
fn transfer_orders(
    day: &DayToClose<'_>,
    pools: &[PoolDistribution],
) -> (Vec<TransferOrder>, BTreeMap<CountryCode, i64>) {
    let mut owed: BTreeMap<CountryCode, i64> = BTreeMap::new();
    for pool in pools {
        for share in pool.shares.iter().filter(|s| s.state != day.state) {
            *owed.entry(share.state).or_default() += share.amount_minor;
        }
    }
    let mut carried = day.carried.clone();
    let mut orders = Vec::new();
    for (receiver, amount) in owed {
        let before = carried.get(&receiver).copied().unwrap_or(0);
        let total = amount + before;
        carried.insert(receiver, if total > 0 { 0 } else { total });
        if total <= 0 {
            continue;
        }
        orders.push(TransferOrder {
            id: TransferOrder::id_of(day.state, receiver, day.day),
            sender: day.state,
            receiver,
            day: day.day,
            currency: day.currency,
            amount_minor: total,
            transfer_currency: day
                .transfer_currencies
                .get(&receiver)
                .copied()
                .unwrap_or(day.currency),
            due_by: day.due_by,
            status: TransferStatus::Due,
            rate: None,
            transfer_amount_minor: None,
            sent_on: None,
            confirmed_on: None,
            days_late: None,
            daily_interest_rate: None,
            interest_minor: None,
            interest_approved_minor: None,
            interest_approval: None,
        });
    }
    (orders, carried)
}
