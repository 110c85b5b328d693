//! Cheap, allocation-free validators that decide whether a shaped candidate is real.

pub mod apikey;
pub(crate) mod base64;
pub(crate) mod entropy;
pub(crate) mod luhn;
pub(crate) mod mod97;
pub(crate) mod ssn;

pub use apikey::dlpjet_key_valid;
pub use entropy::shannon_entropy;
pub use luhn::luhn_valid;
pub use mod97::iban_mod97_valid;
pub use ssn::ssn_valid;

/// A validator a custom detector can require of its matched value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Validator {
    /// The ASCII digits of the value (other bytes ignored) pass the Luhn checksum.
    Luhn,
    /// The value, spaces removed, is an IBAN whose ISO 7064 mod-97 check gives 1.
    Mod97,
    /// The Shannon entropy of the value is at least this many bits per byte.
    Entropy(f32),
}

impl Validator {
    /// The validator's name as written in policies and explanations.
    pub fn name(&self) -> &'static str {
        match self {
            Validator::Luhn => "luhn",
            Validator::Mod97 => "mod97",
            Validator::Entropy(_) => "entropy",
        }
    }

    /// Whether `value` passes.
    pub fn check(&self, value: &[u8]) -> bool {
        match *self {
            Validator::Luhn => {
                let mut digits = [0u8; 64];
                let mut n = 0;
                for &b in value {
                    if b.is_ascii_digit() {
                        if n == digits.len() {
                            return false;
                        }
                        digits[n] = b - b'0';
                        n += 1;
                    }
                }
                n >= 2 && luhn_valid(&digits[..n])
            }
            Validator::Mod97 => iban_mod97_valid(value),
            Validator::Entropy(min) => shannon_entropy(value) >= min,
        }
    }
}
