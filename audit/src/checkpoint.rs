//! Signed checkpoints: a statement, signed with Ed25519, of the log's size, Merkle root and
//! chain hash at one moment. Kept in the log's `checkpoints.jsonl` and exportable, so a copy
//! held elsewhere can later prove that the log was not truncated or rewritten.

use super::event::{hex, unhex};
use super::merkle::Hash;
use super::AuditError;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// One signed checkpoint.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// Records covered: those with sequence numbers below this.
    pub tree_size: u64,
    /// The RFC 9162 Merkle tree hash of those records (hex).
    pub root: String,
    /// The hash chain after the last of them (hex).
    pub chain: String,
    /// When it was made (RFC 3339 UTC).
    pub time: String,
    /// The first 8 bytes of the signing key's public key (hex), to tell keys apart.
    pub key_id: String,
    /// The Ed25519 signature of [`Checkpoint::message`] (hex).
    pub signature: String,
}

impl Checkpoint {
    /// The signed text: `dlpjet-audit-checkpoint/v1`, then size, root, chain and time, one per
    /// line.
    pub fn message(tree_size: u64, root: &str, chain: &str, time: &str) -> String {
        format!("dlpjet-audit-checkpoint/v1\n{tree_size}\n{root}\n{chain}\n{time}\n")
    }

    /// A checkpoint signed with `key`.
    pub fn sign(key: &SigningKey, tree_size: u64, root: &Hash, chain: &Hash, time: String) -> Checkpoint {
        let (root, chain) = (hex(root), hex(chain));
        let sig = key.sign(Checkpoint::message(tree_size, &root, &chain, &time).as_bytes());
        Checkpoint {
            tree_size,
            root,
            chain,
            time,
            key_id: key_id(&key.verifying_key()),
            signature: hex(&sig.to_bytes()),
        }
    }

    /// Whether the signature is `key`'s.
    pub fn verify(&self, key: &VerifyingKey) -> bool {
        let Some(sig) = unhex::<64>(&self.signature) else { return false };
        let msg = Checkpoint::message(self.tree_size, &self.root, &self.chain, &self.time);
        key.verify(msg.as_bytes(), &Signature::from_bytes(&sig)).is_ok()
    }

    /// The root as bytes, when well formed.
    pub fn root_hash(&self) -> Option<Hash> {
        unhex::<32>(&self.root)
    }

    /// The chain as bytes, when well formed.
    pub fn chain_hash(&self) -> Option<Hash> {
        unhex::<32>(&self.chain)
    }
}

/// The id of a public key: its first 8 bytes, hex.
pub fn key_id(key: &VerifyingKey) -> String {
    hex(&key.as_bytes()[..8])
}

/// A new signing key from the operating system's random source.
pub fn generate_key() -> Result<SigningKey, AuditError> {
    let mut seed = zeroize::Zeroizing::new([0u8; 32]);
    getrandom::fill(&mut seed[..]).map_err(|e| AuditError::Key(format!("no randomness: {e}")))?;
    Ok(SigningKey::from_bytes(&seed))
}

/// Reads a signing key: a file holding the 32-byte seed as 64 hex digits (what
/// `dlpjet audit keygen` writes).
pub fn read_signing_key(path: &Path) -> Result<SigningKey, AuditError> {
    let text = zeroize::Zeroizing::new(
        std::fs::read_to_string(path).map_err(|e| AuditError::Key(format!("{}: {e}", path.display())))?,
    );
    let seed = zeroize::Zeroizing::new(
        unhex::<32>(text.trim())
            .ok_or_else(|| AuditError::Key(format!("{}: not a signing key (64 hex digits)", path.display())))?,
    );
    Ok(SigningKey::from_bytes(&seed))
}

/// Reads a public key: a file holding 64 hex digits (`dlpjet audit keygen` writes it beside
/// the signing key, as `NAME.pub`).
pub fn read_verifying_key(path: &Path) -> Result<VerifyingKey, AuditError> {
    let text = std::fs::read_to_string(path).map_err(|e| AuditError::Key(format!("{}: {e}", path.display())))?;
    let bytes = unhex::<32>(text.trim())
        .ok_or_else(|| AuditError::Key(format!("{}: not a public key (64 hex digits)", path.display())))?;
    VerifyingKey::from_bytes(&bytes).map_err(|e| AuditError::Key(format!("{}: {e}", path.display())))
}

/// Writes a new key pair: the seed to `path` (mode 0600, refused if it exists) and the public
/// key to `path.pub`. Returns the public key.
pub fn write_key_pair(path: &Path) -> Result<VerifyingKey, AuditError> {
    use std::io::Write;
    let key = generate_key()?;
    let public = key.verifying_key();
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let io = |e: std::io::Error| AuditError::Key(format!("{}: {e}", path.display()));
    let mut f = opts.open(path).map_err(io)?;
    f.write_all(zeroize::Zeroizing::new(format!("{}\n", hex(&key.to_bytes()))).as_bytes()).map_err(io)?;
    f.sync_all().map_err(io)?;
    let mut pubpath = path.as_os_str().to_owned();
    pubpath.push(".pub");
    std::fs::write(&pubpath, format!("{}\n", hex(public.as_bytes())))
        .map_err(|e| AuditError::Key(format!("{}: {e}", Path::new(&pubpath).display())))?;
    Ok(public)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_bind_every_field() {
        let key = generate_key().unwrap();
        let c = Checkpoint::sign(&key, 7, &[1; 32], &[2; 32], "2026-11-23T00:00:00.000000Z".into());
        assert!(c.verify(&key.verifying_key()));
        let other = generate_key().unwrap();
        assert!(!c.verify(&other.verifying_key()));
        for change in [
            |c: &mut Checkpoint| c.tree_size += 1,
            |c: &mut Checkpoint| c.root = hex(&[3; 32]),
            |c: &mut Checkpoint| c.chain = hex(&[3; 32]),
            |c: &mut Checkpoint| c.time = "2027-01-01T00:00:00.000000Z".into(),
        ] {
            let mut bad = c.clone();
            change(&mut bad);
            assert!(!bad.verify(&key.verifying_key()));
        }
    }

    #[test]
    fn key_files_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.key");
        let public = write_key_pair(&path).unwrap();
        let key = read_signing_key(&path).unwrap();
        assert_eq!(key.verifying_key(), public);
        assert_eq!(read_verifying_key(&dir.path().join("audit.key.pub")).unwrap(), public);
        assert!(write_key_pair(&path).is_err(), "an existing key is never overwritten");
        std::fs::write(dir.path().join("bad"), "zz").unwrap();
        assert!(matches!(read_signing_key(&dir.path().join("bad")), Err(AuditError::Key(_))));
        assert!(read_signing_key(&dir.path().join("missing")).is_err());
    }
}
