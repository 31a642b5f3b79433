//! Identifiers, token secrets and digests.

use sha2::{Digest, Sha256};

const CROCKFORD: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    // The operating system's generator failing is not a condition the service can run in.
    getrandom::fill(&mut bytes).expect("the operating system's random generator failed");
    bytes
}

/// A new declaration id: `dcl_` and 26 characters, the first 10 of them the time in
/// milliseconds, so that ids sort by submission (as ULIDs do), then 80 random bits.
pub fn new_declaration_id(now_millis: u64) -> String {
    let random: [u8; 10] = random_bytes();
    let mut value: u128 = u128::from(now_millis & 0xffff_ffff_ffff) << 80;
    for (i, byte) in random.iter().enumerate() {
        value |= u128::from(*byte) << (8 * (9 - i));
    }
    let mut text = String::with_capacity(30);
    text.push_str("dcl_");
    for i in (0..26).rev() {
        text.push(CROCKFORD[((value >> (5 * i)) & 31) as usize] as char);
    }
    text
}

/// A new API token: `tamga_` and 256 random bits in hex. Its id is the first 12 hex digits of
/// its digest, which names it in lists and the audit log without revealing it.
pub fn new_token_secret() -> String {
    let bytes: [u8; 32] = random_bytes();
    format!("tamga_{}", hex(&bytes))
}

/// The digest a token is stored and looked up by. Tokens are 256-bit random values, so a plain
/// SHA-256 is enough; a slow password hash would only cap the request rate.
pub fn token_digest(secret: &str) -> String {
    sha256_hex(secret.as_bytes())
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut text = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        text.push(DIGITS[usize::from(b >> 4)] as char);
        text.push(DIGITS[usize::from(b & 15)] as char);
    }
    text
}

/// Equality that takes the same time wherever the texts differ.
pub(crate) fn constant_time_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declaration_ids_sort_by_time_and_differ() {
        let a = new_declaration_id(1_700_000_000_000);
        let b = new_declaration_id(1_700_000_000_001);
        let c = new_declaration_id(1_700_000_000_001);
        assert!(a < b && a < c && b != c, "{a} {b} {c}");
        assert_eq!(a.len(), 30);
    }

    #[test]
    fn digest_is_sha256() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(constant_time_eq("ab", "ab") && !constant_time_eq("ab", "ac"));
    }
}
