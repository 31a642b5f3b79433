//! The node key: the secret that is not in the database. It keys the audit chain (HMAC-SHA-256
//! with a key derived from it), so that whoever can write the database but does not hold the
//! key cannot recompute the chain after an edit; and it signs checkpoints of the chain's head
//! (Ed25519), which an operator, or another node, keeps and checks with the public key alone.
//!
//! The key is 32 random bytes (an Ed25519 seed), kept by the shell in a file; the store only
//! receives its bytes.

use ed25519_dalek::{Signer, SigningKey, Verifier, VerifyingKey};
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

use crate::ids::hex;

/// A node's key. `Debug` shows only its public id.
#[derive(Clone)]
pub struct NodeKey {
    signing: SigningKey,
    chain: [u8; 32],
}

impl std::fmt::Debug for NodeKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "NodeKey({})", self.id())
    }
}

impl NodeKey {
    /// The key of a 32-byte seed.
    pub fn from_seed(seed: [u8; 32]) -> NodeKey {
        let mut chain = Sha256::new();
        chain.update(b"tamga audit chain v2\n");
        chain.update(seed);
        NodeKey {
            signing: SigningKey::from_bytes(&seed),
            chain: chain.finalize().into(),
        }
    }

    /// A new random key.
    pub fn generate() -> NodeKey {
        let mut seed = [0u8; 32];
        // The operating system's generator failing is not a condition the service can run in.
        getrandom::fill(&mut seed).expect("the operating system's random generator failed");
        NodeKey::from_seed(seed)
    }

    /// The key as its file holds it: the seed in hex, one line.
    pub fn to_file_text(&self) -> String {
        format!("{}\n", hex(self.signing.as_bytes()))
    }

    /// The key from its file's text (64 hex digits).
    pub fn from_file_text(text: &str) -> Result<NodeKey, String> {
        let text = text.trim();
        let bytes = unhex(text).ok_or_else(|| {
            format!(
                "expected 64 hexadecimal digits (a 32-byte key), got {} characters",
                text.len()
            )
        })?;
        let seed: [u8; 32] = bytes
            .try_into()
            .map_err(|_| "expected 64 hexadecimal digits (a 32-byte key)".to_owned())?;
        Ok(NodeKey::from_seed(seed))
    }

    /// The public key in hex: the node's id, recorded in the database it keys.
    pub fn id(&self) -> String {
        hex(self.signing.verifying_key().as_bytes())
    }

    /// The keyed hash of the audit chain: HMAC-SHA-256 under the chain key, in hex.
    pub(crate) fn chain_mac(&self, text: &[u8]) -> String {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.chain)
            .expect("HMAC takes a key of any length");
        mac.update(text);
        hex(&mac.finalize().into_bytes())
    }

    /// A keyed digest of `text` for `purpose` (a list cursor, say): what only this node can
    /// make, in hex, 16 bytes.
    pub fn mac(&self, purpose: &str, text: &[u8]) -> String {
        let mut input = Vec::with_capacity(purpose.len() + 1 + text.len());
        input.extend_from_slice(purpose.as_bytes());
        input.push(0);
        input.extend_from_slice(text);
        let mut full = self.chain_mac(&input);
        full.truncate(32);
        full
    }

    /// An Ed25519 signature of `message`, in hex.
    pub fn sign(&self, message: &[u8]) -> String {
        hex(&self.signing.sign(message).to_bytes())
    }
}

/// Whether `signature` (hex) is the signature of `message` by the key whose id (public key,
/// hex) is `key_id`.
pub fn signature_is_valid(key_id: &str, message: &[u8], signature: &str) -> bool {
    let Some(public) = unhex(key_id).and_then(|b| <[u8; 32]>::try_from(b).ok()) else {
        return false;
    };
    let Some(sig) = unhex(signature).and_then(|b| <[u8; 64]>::try_from(b).ok()) else {
        return false;
    };
    let Ok(key) = VerifyingKey::from_bytes(&public) else {
        return false;
    };
    key.verify(message, &ed25519_dalek::Signature::from_bytes(&sig))
        .is_ok()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_round_trips_through_its_file_and_signs() {
        let key = NodeKey::generate();
        let again = NodeKey::from_file_text(&key.to_file_text()).unwrap();
        assert_eq!(key.id(), again.id());
        let signature = key.sign(b"checkpoint 7");
        assert!(signature_is_valid(&key.id(), b"checkpoint 7", &signature));
        assert!(!signature_is_valid(&key.id(), b"checkpoint 8", &signature));
        assert!(!signature_is_valid(
            &NodeKey::generate().id(),
            b"checkpoint 7",
            &signature
        ));
        assert_eq!(key.chain_mac(b"x"), again.chain_mac(b"x"));
        assert_ne!(key.chain_mac(b"x"), NodeKey::generate().chain_mac(b"x"));
        assert!(NodeKey::from_file_text("zz").is_err());
        assert!(NodeKey::from_file_text(&"ab".repeat(31)).is_err());
    }
}
