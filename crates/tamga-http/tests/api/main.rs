//! The service's black-box tests: the real server on a loopback port, driven over HTTP, on a
//! fresh SQLite file and on a fresh PostgreSQL database.

mod app;
mod attacks;
mod declarations;
mod freeze;
mod hostile;
mod openapi;
mod roles;
mod service;
mod treasury;
mod treasury_union;

/// Declares each test once per backend.
macro_rules! on_both_backends {
    ($($module:ident :: $name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    crate::$module::$name(tamga_testing::TestDb::sqlite()).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    crate::$module::$name(tamga_testing::TestDb::postgres().await).await;
                }
            )*
        }
    };
}

on_both_backends!(
    declarations::a_declaration_is_filed_registered_and_released,
    declarations::a_declarant_cannot_see_anothers_declaration,
    declarations::an_officer_of_kz_cannot_release_a_ru_declaration,
    declarations::an_invalid_declaration_gets_every_error_with_its_path,
    declarations::idempotency_keys_replay_the_response_or_conflict,
    declarations::amendments_are_versions_and_show_what_changed,
    declarations::two_officers_release_at_once_and_one_wins,
    declarations::concurrent_registrations_number_without_gaps,
    declarations::lists_page_by_cursor_within_the_callers_scope,
    declarations::the_business_date_replaces_the_declared_one,
    roles::roles_decide_what_each_token_may_do,
    roles::endpoints_need_a_token_except_tariff_and_assess,
    service::limits_and_unknown_routes_answer_problems,
    service::the_tariff_and_the_calculator_answer_without_a_token,
    service::a_dead_database_answers_503_and_nothing_is_half_written,
    service::the_audit_chain_is_verified_over_the_api,
    treasury::released_duties_are_distributed_when_a_treasury_closes_its_day,
    treasury::a_distribution_straddling_midnight_uses_each_days_normatives,
    treasury::refunds_and_penalty_interest_are_receipts_too,
    treasury_union::three_states_two_days_transfers_and_a_late_one,
    attacks::receipts_of_two_states_never_collide,
    attacks::the_receiver_of_a_transfer_cannot_choose_its_interest,
    attacks::a_nul_fails_its_own_request_alone,
    attacks::a_day_is_closed_only_once_it_has_ended,
    attacks::an_office_belongs_to_the_declaring_state,
    attacks::input_is_read_strictly,
);

/// Sockets are the server's, not the database's: once, on SQLite.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_sockets_do_not_take_the_service_off_the_air() {
    attacks::idle_sockets_do_not_take_the_service_off_the_air(tamga_testing::TestDb::sqlite())
        .await;
}

/// A network link only PostgreSQL has (SQLite's locked file is the dead-database case).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_frozen_database_link_answers_503_in_time() {
    attacks::a_frozen_database_link_answers_503_in_time(tamga_testing::TestDb::postgres().await)
        .await;
}
