//! The OpenAPI document: generated from the handlers and the views, then completed with the
//! problems every operation can answer and the constraints the handlers check on parameters.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::problem::PROBLEM_JSON;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "tamga",
        description = "The declaration service of a customs union: goods declarations from \
                       filing to release, the common tariff and customs payments. Errors are \
                       application/problem+json. Limits: docs/api.md."
    ),
    modifiers(&BearerToken),
    tags(
        (name = "declarations", description = "Goods declarations: file, register, release, refuse, withdraw, amend"),
        (name = "tariff", description = "The Common Customs Tariff and the payments calculator (no token needed)"),
        (name = "treasury", description = "Single accounts: closing a day distributes its receipts among the member states"),
        (name = "service", description = "Health, the audit chain, tokens, this document"),
    )
)]
pub(crate) struct ApiDoc;

struct BearerToken;

impl Modify for BearerToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// Every operation documents the problems any request to it can get, besides its own: 400 for a
/// malformed parameter, 401 and 403 when it needs a token, 404 for a path that names nothing,
/// 413, 415 and 422 when it takes a body, and 503 when the database does not answer.
pub(crate) fn add_standard_problems(spec: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::{Content, Ref, RefOr, ResponseBuilder};
    let problem = |description: &str| {
        RefOr::T(
            ResponseBuilder::new()
                .description(description)
                .content(
                    PROBLEM_JSON,
                    Content::new(Some(Ref::from_schema_name("Problem"))),
                )
                .build(),
        )
    };
    for (path, item) in spec.paths.paths.iter_mut() {
        let has_path_parameter = path.contains('{');
        let in_service = path.starts_with("/api/v1/") && path != "/api/v1/openapi.json";
        for operation in [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
        ]
        .into_iter()
        .flatten()
        {
            let secured = operation.security.as_ref().is_some_and(|s| !s.is_empty());
            let takes_body = operation.request_body.is_some();
            let mut standard = vec![("400", "A malformed parameter or header, named in `detail`")];
            if secured {
                standard.push(("401", "No valid token (`Authorization: Bearer …`)"));
                standard.push(("403", "The token's role may not do this"));
            }
            if has_path_parameter {
                standard.push(("404", "No such object, or not the caller's to see"));
            }
            if takes_body {
                standard.push(("413", "The body is larger than the limit"));
                standard.push(("415", "The body is not sent as application/json"));
                standard.push((
                    "422",
                    "The request is invalid: every problem with its place",
                ));
            } else if has_path_parameter || in_service {
                standard.push((
                    "422",
                    "A parameter holds a control character, named with its place",
                ));
            }
            if in_service || path == "/healthz" {
                standard.push(("503", "The database is unavailable; nothing was changed"));
            }
            for (status, description) in standard {
                operation
                    .responses
                    .responses
                    .entry(status.to_owned())
                    .or_insert_with(|| problem(description));
            }
        }
    }
}

/// Text without control characters (what `crate::input` refuses), as a JSON Schema pattern.
pub const PLAIN_TEXT: &str = "^[^\\u0000-\\u001f\\u007f-\\u009f]*$";

/// What each parameter may be, stated in the document as the handlers check it, so that a
/// client (or a fuzzer) knows which values are refused before sending them.
pub(crate) fn constrain_parameters(spec: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::path::ParameterIn;
    use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
    use utoipa::openapi::{RefOr, Required, Schema};
    let text = |pattern: &str| {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some(pattern))
    };
    let date = || {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Date)))
    };
    let integer = |min: u32, max: u32| {
        ObjectBuilder::new()
            .schema_type(Type::Integer)
            .minimum(Some(min))
            .maximum(Some(max))
    };
    let one_of = |values: &[&str]| {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(values.iter().map(|v| (*v).to_owned())))
    };
    for (path, item) in spec.paths.paths.iter_mut() {
        let id_pattern = if path.starts_with("/api/v1/declarations/") {
            "^dcl_[0-9a-z]{26}$"
        } else if path.starts_with("/api/v1/treasury/transfers/") {
            "^tr:[A-Z]{2}:[A-Z]{2}:[0-9]{4}-[0-9]{2}-[0-9]{2}$"
        } else if path.starts_with("/api/v1/tokens/") {
            "^tok_[0-9a-f]{12}$"
        } else {
            PLAIN_TEXT
        };
        for operation in [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
        ]
        .into_iter()
        .flatten()
        {
            for parameter in operation.parameters.iter_mut().flatten() {
                let RefOr::T(parameter) = parameter else {
                    continue;
                };
                let schema = match (&parameter.parameter_in, parameter.name.as_str()) {
                    (ParameterIn::Path, "id") => text(id_pattern),
                    // 2, 4, 6, 8, 9 or 10 digits; spaces and dots as printed are ignored.
                    (ParameterIn::Path, "code") => text(concat!(
                        "^[ .]*([0-9][ .]*){2}(([0-9][ .]*){2}(([0-9][ .]*){2}",
                        "(([0-9][ .]*){2}([0-9][ .]*){0,2})?)?)?$"
                    )),
                    (ParameterIn::Path | ParameterIn::Query, "state" | "origin") => {
                        text("^[A-Z]{2}$")
                    }
                    (ParameterIn::Path | ParameterIn::Query, "date" | "from" | "to") => date(),
                    (ParameterIn::Query, "status") => one_of(&[
                        "submitted",
                        "registered",
                        "released",
                        "refused",
                        "withdrawn",
                    ]),
                    (ParameterIn::Query, "in_quota") => one_of(&["true", "false"]),
                    (ParameterIn::Query, "cursor") => text("^[0-9a-f]{32}dcl_[0-9a-z]{26}$"),
                    (ParameterIn::Query, "limit") if path.ends_with("/search") => integer(1, 100),
                    (ParameterIn::Query, "limit") => integer(1, 1000),
                    (ParameterIn::Query, "q") => text("^[^\\u0000-\\u001f\\u007f-\\u009f]*[^\\s\\u0000-\\u001f\\u007f-\\u009f][^\\u0000-\\u001f\\u007f-\\u009f]*$")
                        .max_length(Some(500)),
                    (ParameterIn::Header, "Idempotency-Key") => {
                        text("^[!-~]([ -~]{0,253}[!-~])?$").max_length(Some(255))
                    }
                    (ParameterIn::Header, "If-Match") => text("^\"?[0-9]{1,18}\"?$"),
                    _ => continue,
                };
                parameter.schema = Some(RefOr::T(Schema::Object(schema.build())));
                let required = path == "/api/v1/treasury/reconcile"
                    || (path == "/api/v1/tariff/search" && parameter.name == "q");
                if required {
                    parameter.required = Required::True;
                }
            }
        }
    }
}
