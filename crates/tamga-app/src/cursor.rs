//! List cursors: opaque, and good only for the caller they were given to. A cursor names the
//! last declaration of a page (which that caller saw), keyed with the node key and the caller,
//! so that it reveals nothing of other tenants' volume and cannot be forged or passed on.

use tamga_store::NodeKey;

/// The cursor after `last_id` for `actor`.
pub(crate) fn cursor_for(key: &NodeKey, actor: &str, last_id: &str) -> String {
    let mac = key.mac("list cursor", format!("{actor}\n{last_id}").as_bytes());
    format!("{mac}{last_id}")
}

/// The declaration a cursor continues after, if `actor` was given it.
pub(crate) fn cursor_position(key: &NodeKey, actor: &str, cursor: &str) -> Option<String> {
    let id = cursor.get(32..).filter(|id| !id.is_empty())?;
    let expected = cursor_for(key, actor, id);
    // Compared in constant time: the cursor is a keyed digest.
    let same = expected.len() == cursor.len()
        && expected
            .bytes()
            .zip(cursor.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    same.then(|| id.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_is_good_for_its_caller_only() {
        let key = NodeKey::generate();
        let cursor = cursor_for(&key, "declarant:tok_a", "dcl_01");
        assert_eq!(
            cursor_position(&key, "declarant:tok_a", &cursor).as_deref(),
            Some("dcl_01")
        );
        assert_eq!(cursor_position(&key, "declarant:tok_b", &cursor), None);
        assert_eq!(
            cursor_position(&NodeKey::generate(), "declarant:tok_a", &cursor),
            None
        );
        assert_eq!(cursor_position(&key, "declarant:tok_a", "short"), None);
    }
}
