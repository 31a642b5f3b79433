//! The OpenAPI document is generated from the handlers; `docs/openapi.json` is its snapshot, so
//! that any change to the API shows up in review. `UPDATE_OPENAPI=1 cargo test -p tamga-http`
//! rewrites the snapshot.

use std::path::PathBuf;

use tamga_testing::TestDb;

use crate::app::App;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_matches_its_snapshot() {
    let app = App::start(TestDb::sqlite()).await;
    let reply = app.get("/api/v1/openapi.json", None).await;
    assert_eq!(reply.status, 200);
    let paths = reply.body["paths"].as_object().unwrap();
    for contract in [
        "/api/v1/declarations",
        "/api/v1/declarations/{id}",
        "/api/v1/declarations/{id}/register",
        "/api/v1/declarations/{id}/release",
        "/api/v1/declarations/{id}/refuse",
        "/api/v1/declarations/{id}/withdraw",
        "/api/v1/assess",
        "/api/v1/tariff/{code}",
        "/api/v1/tariff/search",
        "/api/v1/audit/verify",
        "/api/v1/openapi.json",
        "/healthz",
    ] {
        assert!(
            paths.contains_key(contract),
            "{contract} is in the document"
        );
    }
    assert!(paths["/api/v1/declarations/{id}"].get("put").is_some());
    let snapshot = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/openapi.json");
    let generated = format!("{}\n", reply.text.trim_end());
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        std::fs::write(&snapshot, &generated).unwrap();
    }
    let stored = std::fs::read_to_string(&snapshot).unwrap_or_default();
    assert!(
        stored == generated,
        "the API changed: review it, then run UPDATE_OPENAPI=1 cargo test -p tamga-http \
         --test api openapi to update docs/openapi.json"
    );
    app.stop().await;
}
