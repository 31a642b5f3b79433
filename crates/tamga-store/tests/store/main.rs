//! The store's conformance suite: every test runs on SQLite and on PostgreSQL.
//!
//! PostgreSQL is taken from `TAMGA_TEST_POSTGRES` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`); each test creates its own database and drops
//! it at the end. `.ci/run` starts the server when it is down.

mod audit;
mod declarations;
mod idempotency;
mod ledger;
mod storage;
mod support;
mod tokens;

/// Declares each test once per backend, under its own name: `sqlite::<name>` and
/// `postgres::<name>`, whichever module of the suite holds its body.
macro_rules! conformance {
    ($($module:ident: [$($name:ident),* $(,)?]),* $(,)?) => {
        mod sqlite {
            $($(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let db = tamga_testing::TestDb::sqlite();
                    crate::$module::$name(&db).await;
                    db.drop().await;
                }
            )*)*
        }
        mod postgres {
            $($(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let db = tamga_testing::TestDb::postgres().await;
                    crate::$module::$name(&db).await;
                    db.drop().await;
                }
            )*)*
        }
    };
}

conformance!(
    declarations: [
        submit_and_read_back,
        transitions_follow_the_life,
        amendments_keep_every_version,
        registration_numbers_have_no_gaps_under_concurrency,
        two_officers_release_at_once_one_wins,
        list_filters_and_pages,
    ],
    tokens: [tokens_resolve_until_revoked],
    idempotency: [idempotency_keys_replay_or_conflict],
    storage: [
        migrations_run_once_and_detect_edits,
        money_is_stored_in_minor_units,
        a_dead_database_is_unavailable_and_nothing_is_half_written,
        a_bad_value_fails_its_command_alone,
    ],
    ledger: [
        a_release_credits_the_duty_and_closing_the_day_splits_it,
        receipts_after_a_close_go_to_the_next_day,
        a_day_of_many_receipts_is_conserved_to_the_kopeck,
        the_books_reconcile_and_a_difference_names_its_entry,
        transfers_are_sent_confirmed_and_charged_interest_when_late,
        ledger_properties_hold_over_arbitrary_receipts,
        a_refund_day_is_netted_into_the_next_transfer,
        a_receipt_is_never_booked_on_a_closed_day,
    ],
    audit: [
        full_life_and_audit_chain,
        an_altered_audit_entry_is_found,
        a_removed_audit_entry_is_found,
        edits_to_covered_rows_are_found,
        a_rewritten_or_truncated_chain_is_found,
    ],
);
