//! International numbers checked against national numbering plans.
//!
//! The table ([`plans`]) is libphonenumber's metadata, generated from it by a test that fails
//! when the two differ: for each region of each country calling code, the lengths a national
//! significant number may have and the pattern that every one matches (which encodes its
//! leading digits). It is consulted only for a candidate that already has a phone's shape and a
//! `+`, never on the scan's hot path; a region's pattern is compiled the first time a number
//! with its calling code is checked.

mod plans;

use plans::PLANS;
use regex_automata::meta::Regex;
use std::sync::{LazyLock, OnceLock};

/// Each region's pattern, anchored at both ends, compiled on first use (index as in `PLANS`).
static COMPILED: LazyLock<Vec<OnceLock<Option<Regex>>>> =
    LazyLock::new(|| PLANS.iter().map(|_| OnceLock::new()).collect());

/// Why an international number fails its numbering plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PlanError {
    /// No country has the calling code the number starts with.
    UnknownCountry,
    /// The national number's length or leading digits fit no region of the country.
    NotInPlan,
}

impl PlanError {
    /// The validator name reported by `explain`.
    pub fn reason(self) -> &'static str {
        match self {
            PlanError::UnknownCountry => "country calling code",
            PlanError::NotInPlan => "numbering plan",
        }
    }
}

/// Region `i`'s pattern. The numbers are ASCII digits, so `\d` is `[0-9]` (with Unicode's
/// digits the patterns compile to automata a hundred times larger).
fn pattern(i: usize) -> Option<&'static Regex> {
    COMPILED[i]
        .get_or_init(|| {
            Regex::builder()
                .syntax(regex_automata::util::syntax::Config::new().unicode(false).utf8(false))
                .build(&format!("^(?:{})$", PLANS[i].3))
                .ok()
        })
        .as_ref()
}

/// Whether the national significant number `national` fits region `i` of the table.
fn fits(i: usize, national: &[u8]) -> bool {
    let (_, _, lengths, _) = PLANS[i];
    u8::try_from(national.len()).is_ok_and(|n| lengths.contains(&n))
        && pattern(i).is_some_and(|re| re.is_match(national))
}

/// Whether `digits` (an international number as ASCII digits: calling code and national
/// significant number, no trunk prefix) fits its country's numbering plan.
///
/// Calling codes are prefix-free (ITU-T E.164), so the first one to three digits that name
/// a country are its code.
pub(crate) fn check(digits: &[u8]) -> Result<(), PlanError> {
    debug_assert!(digits.iter().all(u8::is_ascii_digit));
    // No calling code starts with 0 (and "01" must not read as 1).
    if digits.first() == Some(&b'0') {
        return Err(PlanError::UnknownCountry);
    }
    for n in 1..=3.min(digits.len()) {
        let code = digits[..n].iter().fold(0u16, |c, &d| c * 10 + u16::from(d - b'0'));
        let first = PLANS.partition_point(|p| p.0 < code);
        let regions = first..first + PLANS[first..].iter().take_while(|p| p.0 == code).count();
        if regions.is_empty() {
            continue;
        }
        return if regions.into_iter().any(|i| fits(i, &digits[n..])) { Ok(()) } else { Err(PlanError::NotInPlan) };
    }
    Err(PlanError::UnknownCountry)
}

#[cfg(test)]
mod tests {
    use super::{check, pattern, PlanError, PLANS};

    #[test]
    fn every_pattern_compiles_and_the_table_is_sorted() {
        for (i, plan) in PLANS.iter().enumerate() {
            assert!(pattern(i).is_some(), "{}: {}", plan.1, plan.3);
        }
        assert!(PLANS.windows(2).all(|w| w[0].0 <= w[1].0));
        assert!(PLANS.len() > 200, "{} regions", PLANS.len());
    }

    #[test]
    fn numbers_in_and_out_of_their_plans() {
        let cases: &[(&str, Result<(), PlanError>)] = &[
            // London, Manchester, a UK mobile (Ofcom's ranges for drama).
            ("442079460958", Ok(())),
            ("441614960123", Ok(())),
            ("447700900123", Ok(())),
            // Berlin with 7 and 8 subscriber digits; Paris; Tokyo; a Chinese and an Indian mobile.
            ("49301234567", Ok(())),
            ("493012345678", Ok(())),
            ("33123456789", Ok(())),
            ("81312345678", Ok(())),
            ("8613812345678", Ok(())),
            ("919876543210", Ok(())),
            // NANP: area codes start 2-9; the plan is not the exchange rule.
            ("19841820190", Ok(())),
            ("11841820190", Err(PlanError::NotInPlan)),
            // Too short for the UK; a French number of 8 national digits.
            ("4420123456", Err(PlanError::NotInPlan)),
            ("3312345678", Err(PlanError::NotInPlan)),
            // No country has 28x or 0.
            ("2851234567", Err(PlanError::UnknownCountry)),
            ("0123456789", Err(PlanError::UnknownCountry)),
        ];
        for (digits, want) in cases {
            assert_eq!(check(digits.as_bytes()), *want, "+{digits}");
        }
    }
}
