//! Hostile input: random methods, paths, queries, headers and bodies (random bytes, and the
//! example declaration with any value replaced by any JSON) against every endpoint. No answer may
//! be a 5xx, and every error must be a problem document.

use proptest::prelude::*;
use serde_json::Value;
use tamga_store::Role;
use tamga_testing::TestDb;

use crate::app::{App, RU_BEER, RU_TIN};

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        "[0-9]{1,30}(\\.[0-9]{1,30})?"
            .prop_map(|s| serde_json::from_str(&s).unwrap_or(Value::Null)),
        ".{0,40}".prop_map(Value::String),
        "-?[0-9]{0,25}\\.?[0-9]{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{1,12}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Every leaf and container of the example, as JSON pointers.
fn pointers(value: &Value, at: String, out: &mut Vec<String>) {
    out.push(at.clone());
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                pointers(v, format!("{at}/{k}"), out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                pointers(v, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    let example: Value = serde_json::from_str(RU_BEER).unwrap();
    let mut all = Vec::new();
    pointers(&example, String::new(), &mut all);
    let mutated = (prop::sample::select(all), json_value()).prop_map(move |(pointer, value)| {
        let mut doc = example.clone();
        if let Some(slot) = doc.pointer_mut(&pointer) {
            *slot = value;
        }
        doc.to_string().into_bytes()
    });
    prop_oneof![
        4 => mutated,
        1 => prop::collection::vec(any::<u8>(), 0..200),
        1 => ".{0,200}".prop_map(String::into_bytes),
        1 => Just(Vec::new()),
    ]
}

#[derive(Debug, Clone)]
struct Probe {
    method: &'static str,
    path: String,
    token: usize,
    idempotency_key: Option<String>,
    if_match: Option<String>,
    body: Vec<u8>,
}

fn probe() -> impl Strategy<Value = Probe> {
    let segment = prop_oneof!["[a-zA-Z0-9_%.-]{0,20}", Just("{id}".to_string()), ".{0,12}"];
    let action = prop::sample::select(vec![
        "",
        "/register",
        "/release",
        "/refuse",
        "/withdraw",
        "/versions",
        "/x",
    ]);
    let query = prop_oneof![
        Just(String::new()),
        "[a-z_]{1,8}=[^#]{0,20}(&[a-z_]{1,8}=[^#]{0,20}){0,3}".prop_map(|q| format!("?{q}")),
    ];
    let path = prop_oneof![
        (segment.clone(), action, query.clone())
            .prop_map(|(s, a, q)| format!("/api/v1/declarations/{s}{a}{q}")),
        query
            .clone()
            .prop_map(|q| format!("/api/v1/declarations{q}")),
        (segment.clone(), query.clone()).prop_map(|(s, q)| format!("/api/v1/tariff/{s}{q}")),
        query
            .clone()
            .prop_map(|q| format!("/api/v1/tariff/search{q}")),
        Just("/api/v1/assess".to_string()),
        Just("/api/v1/audit/verify".to_string()),
        segment.clone().prop_map(|s| format!("/api/v1/tokens/{s}")),
        Just("/api/v1/tokens".to_string()),
        (segment.clone(), query.clone()).prop_map(|(s, q)| format!("/api/v1/treasury/{s}/days{q}")),
        (segment.clone(), segment.clone())
            .prop_map(|(s, d)| format!("/api/v1/treasury/{s}/days/{d}/close")),
        Just("/api/v1/treasury/RU/days/2021-03-15/close".to_string()),
    ];
    (
        prop::sample::select(vec!["GET", "POST", "PUT", "DELETE", "PATCH"]),
        path,
        0usize..6,
        prop::option::of("[ -~]{0,300}"),
        prop::option::of("[ -~]{0,12}"),
        body(),
    )
        .prop_map(
            |(method, path, token, idempotency_key, if_match, body)| Probe {
                method,
                path,
                token,
                idempotency_key,
                if_match,
                body,
            },
        )
}

#[test]
fn no_input_gets_a_server_error() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (app, tokens, id) = runtime.block_on(async {
        let app = App::start(TestDb::sqlite()).await;
        let declarant = app.token(Role::Declarant, None, Some(RU_TIN)).await;
        let tokens = vec![
            String::new(),
            "tamga_not_a_token".to_owned(),
            declarant.clone(),
            app.token(Role::Officer, Some("RU"), None).await,
            app.token(Role::Admin, None, None).await,
            app.token(Role::Treasury, Some("RU"), None).await,
        ];
        let id = app.file(&declarant, RU_BEER).await;
        (app, tokens, id)
    });
    let config = ProptestConfig {
        cases: 400,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    proptest!(config, |(p in probe())| {
        let path = p.path.replace("{id}", &id);
        let reply = runtime.block_on(async {
            let method = reqwest::Method::from_bytes(p.method.as_bytes()).unwrap();
            let url = format!("{}{}", app.base, path);
            let Ok(url) = reqwest::Url::parse(&url) else { return None };
            let mut request = app.http.request(method, url).body(p.body.clone());
            if !tokens[p.token].is_empty() {
                request = request.bearer_auth(&tokens[p.token]);
            }
            if let Some(key) = &p.idempotency_key {
                request = request.header("idempotency-key", key.as_str());
            }
            if let Some(tag) = &p.if_match {
                request = request.header("if-match", tag.as_str());
            }
            let response = request.send().await.expect("the server answers");
            let status = response.status();
            let content_type = response
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned();
            Some((status, content_type, response.text().await.unwrap_or_default()))
        });
        if let Some((status, content_type, text)) = reply {
            prop_assert!(!status.is_server_error(), "{} {} -> {status}: {text}", p.method, path);
            if status.is_client_error() {
                prop_assert_eq!(content_type.as_str(), "application/problem+json", "{} {} -> {}: {}", p.method, path, status, text);
            }
        }
    });
    runtime.block_on(app.stop());
}
