//! US Social Security number issuance rules.

/// Whether the area, group and serial numbers of an SSN could have been issued:
/// area not 000, 666 or 900-999; group not 00; serial not 0000.
///
/// ```
/// assert!(dlpjet::validate::ssn_valid(123, 45, 6789));
/// assert!(!dlpjet::validate::ssn_valid(666, 45, 6789));
/// ```
pub fn ssn_valid(area: u16, group: u16, serial: u16) -> bool {
    area != 0 && area != 666 && area < 900 && group != 0 && serial != 0
}

#[cfg(test)]
mod tests {
    use super::ssn_valid;

    #[test]
    fn table() {
        let cases = [
            ((123, 45, 6789), true),
            ((0, 45, 6789), false),
            ((666, 45, 6789), false),
            ((900, 45, 6789), false),
            ((999, 45, 6789), false),
            ((899, 45, 6789), true),
            ((123, 0, 6789), false),
            ((123, 45, 0), false),
        ];
        for ((a, g, s), want) in cases {
            assert_eq!(ssn_valid(a, g, s), want, "{a}-{g}-{s}");
        }
    }
}
