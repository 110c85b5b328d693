//! dlpjet's own API keys: `dlpjet_live_` + a 12-character id + `_` + a 32-character secret +
//! a 6-character base-62 CRC-32 of everything before it. The checksum lets any scanner tell a
//! leaked key from random text without asking the vault.

/// The prefix of every key.
pub const PREFIX: &str = "dlpjet_live_";
/// Characters in a key's id.
pub const ID_LEN: usize = 12;
/// Characters in a key's secret.
pub const SECRET_LEN: usize = 32;
/// Characters in a key's checksum.
pub const CHECK_LEN: usize = 6;
/// Characters in a whole key.
pub const KEY_LEN: usize = PREFIX.len() + ID_LEN + 1 + SECRET_LEN + CHECK_LEN;

const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// CRC-32 (IEEE 802.3).
pub fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = (crc >> 1) ^ (0xEDB8_8320 & (crc & 1).wrapping_neg());
        }
    }
    !crc
}

/// The checksum of a key's body (everything before the checksum): six base-62 digits.
pub fn checksum(body: &[u8]) -> [u8; CHECK_LEN] {
    let mut n = crc32(body);
    let mut out = [b'0'; CHECK_LEN];
    for slot in out.iter_mut().rev() {
        *slot = ALPHABET[(n % 62) as usize];
        n /= 62;
    }
    out
}

/// Whether `key` is a well-formed dlpjet API key with a valid checksum.
///
/// ```
/// assert!(!dlpjet::validate::dlpjet_key_valid(b"dlpjet_live_AAAAAAAAAAAA_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb000000"));
/// ```
pub fn dlpjet_key_valid(key: &[u8]) -> bool {
    if key.len() != KEY_LEN || !key.starts_with(PREFIX.as_bytes()) {
        return false;
    }
    let rest = &key[PREFIX.len()..];
    let (id, tail) = rest.split_at(ID_LEN);
    if tail[0] != b'_' || !id.iter().chain(&tail[1..]).all(u8::is_ascii_alphanumeric) {
        return false;
    }
    let body = KEY_LEN - CHECK_LEN;
    checksum(&key[..body]) == key[body..]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksums() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        let body = format!("{PREFIX}{}_{}", "A".repeat(ID_LEN), "b".repeat(SECRET_LEN));
        let key = [body.as_bytes(), &checksum(body.as_bytes())].concat();
        assert!(dlpjet_key_valid(&key));
        let mut bad = key.clone();
        bad[15] = b'C';
        assert!(!dlpjet_key_valid(&bad));
        assert!(!dlpjet_key_valid(&key[..key.len() - 1]));
    }
}
