//! The service's black-box tests: the real server on a loopback port, driven over HTTP, on a
//! fresh SQLite file and on a fresh PostgreSQL database.

mod app;
mod cases;
mod hostile;
mod openapi;

/// Declares each test once per backend.
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    crate::cases::$name(tamga_store::testing::TestDb::sqlite()).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    crate::cases::$name(tamga_store::testing::TestDb::postgres().await).await;
                }
            )*
        }
    };
}

on_both_backends!(
    a_declaration_is_filed_registered_and_released,
    a_declarant_cannot_see_anothers_declaration,
    an_officer_of_kz_cannot_release_a_ru_declaration,
    roles_decide_what_each_token_may_do,
    endpoints_need_a_token_except_tariff_and_assess,
    an_invalid_declaration_gets_every_error_with_its_path,
    idempotency_keys_replay_the_response_or_conflict,
    amendments_are_versions_and_show_what_changed,
    two_officers_release_at_once_and_one_wins,
    concurrent_registrations_number_without_gaps,
    lists_page_by_cursor_within_the_callers_scope,
    limits_and_unknown_routes_answer_problems,
    the_tariff_and_the_calculator_answer_without_a_token,
    the_business_date_replaces_the_declared_one,
    a_dead_database_answers_503_and_nothing_is_half_written,
    the_audit_chain_is_verified_over_the_api,
    released_duties_are_distributed_when_a_treasury_closes_its_day,
    a_distribution_straddling_midnight_uses_each_days_normatives,
    three_states_two_days_transfers_and_a_late_one,
    refunds_and_penalty_interest_are_receipts_too,
);
