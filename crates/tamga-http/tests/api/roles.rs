//! Roles and tokens: what each role may read and do, who is not even told a declaration
//! exists, the admin's tokens, and which endpoints need a token at all.

use reqwest::{Method, StatusCode};
use tamga_store::Role;
use tamga_testing::TestDb;

use crate::app::{App, RU_BEER, RU_TIN};

pub async fn roles_decide_what_each_token_may_do(db: TestDb) {
    let app = App::start(db).await;
    let roles = Roles::issue(&app).await;
    let id = app.file(&roles.declarant, RU_BEER).await;
    only_a_declarant_files(&app, &roles).await;
    each_role_reads_and_writes_only_its_share(&app, &roles, &id).await;
    the_admin_issues_lists_and_revokes_tokens(&app, &roles).await;
    app.stop().await;
}

/// One token of each role, RU's where a role has a state, and a KZ treasury to be the stranger.
struct Roles {
    declarant: String,
    officer: String,
    treasury: String,
    kz_treasury: String,
    commission: String,
    admin: String,
}

impl Roles {
    /// Issues the tokens in a fixed order, the declarant's first.
    async fn issue(app: &App) -> Roles {
        Roles {
            declarant: app.token(Role::Declarant, None, Some(RU_TIN)).await,
            officer: app.token(Role::Officer, Some("RU"), None).await,
            treasury: app.token(Role::Treasury, Some("RU"), None).await,
            kz_treasury: app.token(Role::Treasury, Some("KZ"), None).await,
            commission: app.token(Role::Commission, None, None).await,
            admin: app.token(Role::Admin, None, None).await,
        }
    }
}

/// Filing is the declarant's alone: every other role is refused with a problem.
async fn only_a_declarant_files(app: &App, roles: &Roles) {
    for token in [
        &roles.officer,
        &roles.treasury,
        &roles.commission,
        &roles.admin,
    ] {
        let r = app.post("/api/v1/declarations", Some(token), RU_BEER).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
        assert!(r.is_problem());
    }
}

/// On the filed declaration `id`: who may read it, who may act on it, and who is not even told
/// that it exists.
async fn each_role_reads_and_writes_only_its_share(app: &App, roles: &Roles, id: &str) {
    let path = format!("/api/v1/declarations/{id}");
    // The declarant sees its own but may not register it.
    let own = app.get(&path, Some(&roles.declarant)).await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.text);
    assert_eq!(own.body["id"], id);
    assert_eq!(
        app.act(id, "register", &roles.declarant).await.status,
        StatusCode::FORBIDDEN
    );
    // Treasury of the state reads, writes nothing; of another state sees nothing.
    assert_eq!(
        app.get(&path, Some(&roles.treasury)).await.status,
        StatusCode::OK
    );
    assert_eq!(
        app.act(id, "register", &roles.treasury).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get(&path, Some(&roles.kz_treasury)).await.status,
        StatusCode::NOT_FOUND
    );
    // The commission reads everything and writes nothing.
    assert_eq!(
        app.get(&path, Some(&roles.commission)).await.status,
        StatusCode::OK
    );
    assert_eq!(
        app.act(id, "register", &roles.commission).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.act(id, "withdraw", &roles.commission).await.status,
        StatusCode::FORBIDDEN
    );
    let list = app
        .get("/api/v1/declarations", Some(&roles.commission))
        .await;
    assert_eq!(list.body["items"].as_array().unwrap().len(), 1);
    // The admin manages tokens and sees no declarations.
    assert_eq!(
        app.get(&path, Some(&roles.admin)).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/api/v1/declarations", Some(&roles.admin))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

/// Tokens are the admin's: an officer may not list them; a token the admin issues works at once,
/// is never listed with its secret, is checked for a coherent scope, and stops working when
/// revoked.
async fn the_admin_issues_lists_and_revokes_tokens(app: &App, roles: &Roles) {
    let admin = Some(roles.admin.as_str());
    assert_eq!(
        app.get("/api/v1/tokens", Some(&roles.officer)).await.status,
        StatusCode::FORBIDDEN
    );
    let made = app
        .post(
            "/api/v1/tokens",
            admin,
            r#"{"role":"officer","state":"KZ","name":"Almaty"}"#,
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);
    let secret = made.body["token"].as_str().unwrap().to_owned();
    let token_id = made.body["token_id"].as_str().unwrap().to_owned();
    assert_eq!(
        app.get("/api/v1/declarations", Some(&secret)).await.status,
        StatusCode::OK
    );
    let listed = app.get("/api/v1/tokens", admin).await;
    assert!(!listed.text.contains(&secret), "secrets are never listed");
    let bad = app
        .post("/api/v1/tokens", admin, r#"{"role":"officer","tin":"1"}"#)
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.error_paths(), vec!["state", "tin"]);
    let revoked = app
        .send(
            Method::DELETE,
            &format!("/api/v1/tokens/{token_id}"),
            admin,
            None,
            &[],
        )
        .await;
    assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.text);
    assert_eq!(
        app.get("/api/v1/declarations", Some(&secret)).await.status,
        StatusCode::UNAUTHORIZED
    );
}

pub async fn endpoints_need_a_token_except_tariff_and_assess(db: TestDb) {
    let app = App::start(db).await;
    let filed = app.post("/api/v1/declarations", None, RU_BEER).await;
    assert_eq!(filed.status, StatusCode::UNAUTHORIZED);
    assert!(filed.is_problem());
    assert_eq!(filed.headers["www-authenticate"], "Bearer");
    let wrong = app
        .post("/api/v1/declarations", Some("tamga_00"), RU_BEER)
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    for path in [
        "/api/v1/declarations",
        "/api/v1/declarations/dcl_x",
        "/api/v1/declarations/dcl_x/versions",
        "/api/v1/audit/verify",
        "/api/v1/tokens",
    ] {
        assert_eq!(
            app.get(path, None).await.status,
            StatusCode::UNAUTHORIZED,
            "{path}"
        );
    }
    for action in ["register", "release", "refuse", "withdraw"] {
        let r = app
            .post(&format!("/api/v1/declarations/dcl_x/{action}"), None, "")
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{action}");
    }
    assert_eq!(
        app.get("/api/v1/tariff/2202910000?date=2018-06-01", None)
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        app.get("/api/v1/tariff/search?q=beer", None).await.status,
        StatusCode::OK
    );
    assert_eq!(
        app.post("/api/v1/assess", None, RU_BEER).await.status,
        StatusCode::OK
    );
    assert_eq!(app.get("/healthz", None).await.status, StatusCode::OK);
    assert_eq!(
        app.get("/api/v1/openapi.json", None).await.status,
        StatusCode::OK
    );
    app.stop().await;
}
