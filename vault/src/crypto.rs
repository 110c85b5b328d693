//! Keys and sealing: the master key, the key-encryption keys derived from it, data keys, and
//! AES-256-GCM with additional authenticated data.
//!
//! Nonces: every encryption draws a random 96-bit nonce from the operating system. Each data
//! key counts its uses in the store and is retired after [`DEK_MAX_USES`] encryptions (a new
//! data key takes over), so no key sees more than 2^20 random nonces — the chance of a repeat
//! stays below 2^-56, far inside NIST SP 800-38D's 2^-32 bound for random nonces.

use super::VaultError;
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

/// A data key encrypts at most this many values before a new one takes over.
pub const DEK_MAX_USES: i64 = 1 << 20;

/// The environment variable [`MasterKey::from_env`] reads by default.
pub const MASTER_KEY_ENV: &str = "DLPJET_VAULT_MASTER_KEY";

/// The fewest different byte values a master key given as hex must have.
pub const MIN_DISTINCT_BYTES: usize = 16;

/// The master key: 32 secret bytes, given as 64 hex digits. Never stored beside the data.
#[derive(Clone)]
pub struct MasterKey(Zeroizing<[u8; 32]>);

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(..)")
    }
}

impl MasterKey {
    /// From 32 bytes.
    pub fn from_bytes(b: [u8; 32]) -> MasterKey {
        MasterKey(Zeroizing::new(b))
    }

    /// From 64 hex digits (surrounding whitespace ignored). A key that is plainly not random
    /// is refused: fewer than [`MIN_DISTINCT_BYTES`] different byte values (all zeros, `abab…`,
    /// a short pattern repeated); 32 random bytes have about 30.
    pub fn from_hex(s: &str) -> Result<MasterKey, VaultError> {
        let s = s.trim();
        if s.len() != 64 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(VaultError::MasterKey("a master key is 64 hex digits (32 bytes)".into()));
        }
        let mut b = Zeroizing::new([0u8; 32]);
        for (i, o) in b.iter_mut().enumerate() {
            *o = u8::from_str_radix(&s[i * 2..i * 2 + 2], 16).map_err(|e| VaultError::MasterKey(e.to_string()))?;
        }
        let mut seen = [false; 256];
        b.iter().for_each(|&x| seen[x as usize] = true);
        let distinct = seen.iter().filter(|&&x| x).count();
        if distinct < MIN_DISTINCT_BYTES {
            return Err(VaultError::MasterKey(format!(
                "a weak master key ({distinct} different byte values in 32): make one with `dlpjet vault init`"
            )));
        }
        Ok(MasterKey(b))
    }

    /// From the environment variable `var`.
    pub fn from_env(var: &str) -> Result<MasterKey, VaultError> {
        let v = Zeroizing::new(std::env::var(var).map_err(|_| VaultError::MasterKey(format!("{var} is not set")))?);
        MasterKey::from_hex(&v).map_err(|e| VaultError::MasterKey(format!("{var}: {e}")))
    }

    /// From a file holding 64 hex digits. On Unix the file must not be readable or writable by
    /// its group or others (mode 0600 or stricter).
    pub fn from_file(path: &std::path::Path) -> Result<MasterKey, VaultError> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(path)
                .map_err(|e| VaultError::MasterKey(format!("{}: {e}", path.display())))?
                .permissions()
                .mode();
            if mode & 0o077 != 0 {
                return Err(VaultError::MasterKey(format!(
                    "{}: the key file is open to its group or others (mode {:04o}); make it 0600",
                    path.display(),
                    mode & 0o7777
                )));
            }
        }
        let v = Zeroizing::new(
            std::fs::read_to_string(path).map_err(|e| VaultError::MasterKey(format!("{}: {e}", path.display())))?,
        );
        MasterKey::from_hex(&v).map_err(|e| VaultError::MasterKey(format!("{}: {e}", path.display())))
    }

    /// A new random master key.
    pub fn generate() -> Result<MasterKey, VaultError> {
        Ok(MasterKey(Zeroizing::new(random()?)))
    }

    /// The master key as 64 hex digits (to hand to an operator once).
    pub fn to_hex(&self) -> Zeroizing<String> {
        Zeroizing::new(self.0.iter().map(|b| format!("{b:02x}")).collect())
    }

    /// The key-encryption key derived from this master key.
    pub fn kek(&self) -> Kek {
        let hk = hkdf::Hkdf::<Sha256>::new(Some(b"dlpjet vault"), &self.0[..]);
        let mut k = Zeroizing::new([0u8; 32]);
        // 32 bytes is far below HKDF-SHA-256's output limit.
        let _ = hk.expand(b"key-encryption key v1", &mut k[..]);
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&k[..]).expect("HMAC takes any key length");
        mac.update(b"dlpjet vault kek id");
        let id: String = mac.finalize().into_bytes()[..8].iter().map(|b| format!("{b:02x}")).collect();
        Kek { key: k, id }
    }
}

/// A key-encryption key: wraps data keys. Its `id` (a keyed hash, revealing nothing of the key)
/// names it in the store, so a wrong master key is recognised before anything is decrypted.
pub struct Kek {
    key: Zeroizing<[u8; 32]>,
    /// 16 hex digits.
    pub id: String,
}

impl std::fmt::Debug for Kek {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Kek({})", self.id)
    }
}

impl Kek {
    pub(crate) fn key(&self) -> &[u8; 32] {
        &self.key
    }
}

/// `n` random bytes from the operating system.
pub fn random<const N: usize>() -> Result<[u8; N], VaultError> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).map_err(|e| VaultError::Crypto(format!("no randomness: {e}")))?;
    Ok(b)
}

/// Encrypts `plaintext` under `key` with a fresh random nonce, bound to `aad`. Returns
/// (nonce, ciphertext with tag).
pub fn seal(key: &[u8; 32], plaintext: &[u8], aad: &[u8]) -> Result<([u8; 12], Vec<u8>), VaultError> {
    let nonce: [u8; 12] = random()?;
    let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(key));
    let ct = cipher
        .encrypt(Nonce::from_slice(&nonce), Payload { msg: plaintext, aad })
        .map_err(|_| VaultError::Crypto("encryption failed".into()))?;
    Ok((nonce, ct))
}

/// Decrypts what [`seal`] made; fails when the key, nonce, ciphertext or `aad` differ.
pub fn open(key: &[u8; 32], nonce: &[u8], ciphertext: &[u8], aad: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
    if nonce.len() != 12 {
        return None;
    }
    let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(key));
    cipher.decrypt(Nonce::from_slice(nonce), Payload { msg: ciphertext, aad }).ok().map(Zeroizing::new)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealing_binds_the_aad() {
        let k = [3u8; 32];
        let (n, ct) = seal(&k, b"sk-live-123", b"tenant a|id|1").unwrap();
        assert_eq!(&open(&k, &n, &ct, b"tenant a|id|1").unwrap()[..], b"sk-live-123");
        assert!(open(&k, &n, &ct, b"tenant b|id|1").is_none());
        assert!(open(&[4u8; 32], &n, &ct, b"tenant a|id|1").is_none());
        let mut bad = ct.clone();
        bad[0] ^= 1;
        assert!(open(&k, &n, &bad, b"tenant a|id|1").is_none());
    }

    #[test]
    fn master_keys_parse_and_derive_distinct_keks() {
        let a = MasterKey::from_hex(A).unwrap();
        let b = MasterKey::from_hex(B).unwrap();
        assert_ne!(a.kek().id, b.kek().id);
        assert_eq!(a.kek().id, a.kek().id);
        assert!(MasterKey::from_hex("abc").is_err());
        assert!(MasterKey::from_hex(&"zz".repeat(32)).is_err());
        assert_eq!(MasterKey::from_hex(&a.to_hex()).unwrap().kek().id, a.kek().id);
        assert!(format!("{a:?}").contains(".."));
    }

    const A: &str = "3f9c2a71d0e84b56a1c7e29f0b4d86e35a2c9f17b08e4d63c5a19e72f04b8d26";
    const B: &str = "c41e7b09a35f82d6e07c94b1f2a6d358b9e04c7a16f3d82e5c0b97a4e61f2d83";

    #[test]
    fn weak_master_keys_are_refused() {
        for weak in ["00".repeat(32), "ab".repeat(32), "0123456789abcdef".repeat(4), "deadbeef".repeat(8)] {
            let e = MasterKey::from_hex(&weak).unwrap_err().to_string();
            assert!(e.contains("weak master key"), "{weak}: {e}");
        }
        assert!(MasterKey::from_hex(&MasterKey::generate().unwrap().to_hex()).is_ok());
    }

    #[cfg(unix)]
    #[test]
    fn a_key_file_open_to_others_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("master.key");
        std::fs::write(&f, A).unwrap();
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o644)).unwrap();
        let e = MasterKey::from_file(&f).unwrap_err().to_string();
        assert!(e.contains("mode 0644") && e.contains("make it 0600"), "{e}");
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert!(MasterKey::from_file(&f).is_ok());
    }
}
