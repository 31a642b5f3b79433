//! What changed between two versions of a declaration: every leaf that differs, by JSON path.

use serde_json::Value;

/// One leaf that differs between two versions.
#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    /// The JSON path of the value, as validation errors name them (`items[0].customs_value`).
    pub path: String,
    /// The value before; absent when it was added.
    pub before: Option<Value>,
    /// The value after; absent when it was removed.
    pub after: Option<Value>,
}

/// The changes from `before` to `after`, in document order.
pub fn changes(before: &Value, after: &Value) -> Vec<Change> {
    let mut out = Vec::new();
    walk("", before, after, &mut out);
    out
}

fn join_key(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

fn walk(path: &str, before: &Value, after: &Value, out: &mut Vec<Change>) {
    match (before, after) {
        (Value::Object(a), Value::Object(b)) => {
            for (key, va) in a {
                match b.get(key) {
                    Some(vb) => walk(&join_key(path, key), va, vb, out),
                    None => out.push(Change {
                        path: join_key(path, key),
                        before: Some(va.clone()),
                        after: None,
                    }),
                }
            }
            for (key, vb) in b {
                if !a.contains_key(key) {
                    out.push(Change {
                        path: join_key(path, key),
                        before: None,
                        after: Some(vb.clone()),
                    });
                }
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            for i in 0..a.len().max(b.len()) {
                let at = format!("{path}[{i}]");
                match (a.get(i), b.get(i)) {
                    (Some(va), Some(vb)) => walk(&at, va, vb, out),
                    (Some(va), None) => out.push(Change {
                        path: at,
                        before: Some(va.clone()),
                        after: None,
                    }),
                    (None, Some(vb)) => out.push(Change {
                        path: at,
                        before: None,
                        after: Some(vb.clone()),
                    }),
                    (None, None) => {}
                }
            }
        }
        _ if before == after => {}
        _ => out.push(Change {
            path: if path.is_empty() {
                "$".into()
            } else {
                path.into()
            },
            before: Some(before.clone()),
            after: Some(after.clone()),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names_each_changed_leaf_by_path() {
        let a = json!({"currency": "USD", "items": [{"customs_value": "9000.00", "code": "2202910000"}]});
        let b = json!({"currency": "USD", "items": [{"customs_value": "9500.00", "code": "2202910000"}, {"code": "2201101100"}], "note": "x"});
        let paths: Vec<String> = changes(&a, &b).into_iter().map(|c| c.path).collect();
        assert_eq!(paths, vec!["items[0].customs_value", "items[1]", "note"]);
        assert!(changes(&a, &a).is_empty());
    }
}
