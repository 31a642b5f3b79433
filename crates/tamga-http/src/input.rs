//! Text that comes in: path parameters, query parameters and the fields of small JSON bodies.
//! A control character (NUL above all) makes no sense in any of them; it is refused at the door
//! with 422 and the place it was found, the same on both databases, before anything reaches the
//! store (PostgreSQL refuses NUL in text; SQLite would store it).

use serde_json::Value;

use crate::{ApiError, FieldProblem};

/// Where a control character is in `text`, if any. `multiline` allows line breaks and tabs
/// (a reason may have several lines).
pub fn control_character(text: &str, multiline: bool) -> Option<(usize, char)> {
    text.chars()
        .enumerate()
        .find(|(_, c)| c.is_control() && !(multiline && matches!(c, '\n' | '\r' | '\t')))
}

fn problem(path: &str, at: usize, c: char) -> FieldProblem {
    FieldProblem {
        path: path.to_owned(),
        message: format!(
            "expected text without control characters; U+{:04X} is at character {}",
            u32::from(c),
            at + 1
        ),
    }
}

/// A text with no control character (line breaks allowed when `multiline`), or the problem
/// at `path`.
pub fn plain_text(path: &str, text: &str, multiline: bool) -> Result<(), FieldProblem> {
    match control_character(text, multiline) {
        Some((at, c)) => Err(problem(path, at, c)),
        None => Ok(()),
    }
}

/// A path parameter: 422 naming `path.{name}` when it holds a control character.
pub fn path_parameter(name: &str, value: &str) -> Result<(), ApiError> {
    plain_text(&format!("path.{name}"), value, false).map_err(|p| ApiError::invalid(vec![p]))
}

/// Every query parameter: 422 naming `query.{name}` for each that holds a control character.
pub fn query_parameters(pairs: &[(String, String)]) -> Result<(), ApiError> {
    let problems: Vec<FieldProblem> = pairs
        .iter()
        .filter_map(|(name, value)| {
            let name = if control_character(name, false).is_some() {
                "?"
            } else {
                name.as_str()
            };
            plain_text(&format!("query.{name}"), value, false).err()
        })
        .collect();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(ApiError::invalid(problems))
    }
}

/// Every string in a small JSON body (keys too): 422 with the JSON path of each that holds a
/// control character. `multiline` names the fields that may have line breaks.
pub fn json_strings(value: &Value, multiline: &[&str]) -> Result<(), ApiError> {
    let mut problems = Vec::new();
    walk(value, "$", multiline, &mut problems);
    if problems.is_empty() {
        Ok(())
    } else {
        Err(ApiError::invalid(problems))
    }
}

fn walk(value: &Value, path: &str, multiline: &[&str], problems: &mut Vec<FieldProblem>) {
    match value {
        Value::String(text) => {
            let field = path.rsplit('.').next().unwrap_or(path);
            if let Err(p) = plain_text(
                path.trim_start_matches("$."),
                text,
                multiline.contains(&field),
            ) {
                problems.push(p);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                walk(item, &format!("{path}[{i}]"), multiline, problems);
            }
        }
        Value::Object(map) => {
            for (key, item) in map {
                if let Some((at, c)) = control_character(key, false) {
                    // The place is the object that holds the key: its key is no path.
                    let object = match path.strip_prefix("$.") {
                        Some(inner) => inner,
                        None => path,
                    };
                    let mut key_problem = problem(object, at, c);
                    key_problem.message = format!("a key: {}", key_problem.message);
                    problems.push(key_problem);
                    continue;
                }
                walk(item, &format!("{path}.{key}"), multiline, problems);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn control_characters_are_found_with_their_place() {
        assert_eq!(control_character("ok", false), None);
        assert_eq!(control_character("a\u{0}b", false), Some((1, '\u{0}')));
        assert_eq!(control_character("line\nline", true), None);
        assert_eq!(control_character("line\nline", false), Some((4, '\n')));
        assert_eq!(control_character("\u{7f}", true), Some((0, '\u{7f}')));
        let err = json_strings(
            &json!({"reason": "ok\nfine", "name": "x\u{0}"}),
            &["reason"],
        )
        .unwrap_err();
        assert_eq!(err.errors.len(), 1);
        assert_eq!(err.errors[0].path, "name");
        assert!(
            err.errors[0].message.contains("U+0000"),
            "{}",
            err.errors[0].message
        );
        // A bad key is placed at the object that holds it.
        let err = json_strings(&json!({"checkpoints": [{"a\u{1f}": 1}]}), &[]).unwrap_err();
        assert_eq!(err.errors[0].path, "checkpoints[0]");
        assert!(
            err.errors[0].message.starts_with("a key: "),
            "{}",
            err.errors[0].message
        );
        let err = json_strings(&json!({"\u{1f}": 1}), &[]).unwrap_err();
        assert_eq!(err.errors[0].path, "$");
        let err = query_parameters(&[("state".into(), "R\u{0}".into())]).unwrap_err();
        assert_eq!(err.errors[0].path, "query.state");
    }
}
