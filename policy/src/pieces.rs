//! Decisions over long texts that stay interruptible: the text is scanned in pieces through a
//! stream (whose findings are exactly those of one pass), and the caller's check runs between
//! the pieces. A binding uses it to let Ctrl-C land during one huge scan.

use super::decide::{BlockReason, DecidedFinding, Decision};
use super::doc::Direction;
use super::tenant::Tenant;
use dlpjet::{Finding, Scanner};

/// The caller's check stopped a scan between two pieces; nothing was decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the scan was interrupted")]
pub struct Interrupted;

/// Scans `text` in pieces of `piece` bytes, calling `go_on` after each.
fn in_pieces(
    scanner: &Scanner,
    text: &[u8],
    piece: usize,
    go_on: &mut dyn FnMut() -> bool,
) -> Result<Vec<Finding>, Interrupted> {
    let mut stream = scanner.stream();
    let mut found = Vec::new();
    for p in text.chunks(piece.max(1)) {
        found.extend(stream.push(p));
        if !go_on() {
            return Err(Interrupted);
        }
    }
    found.extend(stream.finish());
    Ok(found)
}

impl Tenant {
    /// [`findings`](Tenant::findings), with the text scanned in pieces of `piece` bytes and
    /// `go_on` called after each: when it returns `false` the scan stops with [`Interrupted`].
    /// The findings are the same as [`findings`](Tenant::findings) gives.
    ///
    /// ```
    /// use dlpjet_policy::{Direction, Interrupted, PolicySet, REDACT_ALL};
    /// let set = PolicySet::from_toml(REDACT_ALL, None)?;
    /// let tenant = set.tenant("default")?;
    /// let text = b"mail a@b.io, card 4111 1111 1111 1111";
    /// let whole = tenant.findings(Direction::Inbound, text).unwrap();
    /// let pieces = tenant.findings_checked(Direction::Inbound, text, 5, &mut || true)?.unwrap();
    /// assert_eq!(whole, pieces);
    /// let stopped = tenant.findings_checked(Direction::Inbound, text, 5, &mut || false);
    /// assert_eq!(stopped, Err(Interrupted));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn findings_checked(
        &self,
        direction: Direction,
        text: &[u8],
        piece: usize,
        go_on: &mut dyn FnMut() -> bool,
    ) -> Result<Result<Vec<DecidedFinding>, BlockReason>, Interrupted> {
        let found = self.scan_limited_by(direction, text, &mut |s, t| in_pieces(s, t, piece, go_on))?;
        Ok(found.map(|(f, _)| f).map_err(|limit| BlockReason::InputTooLarge { limit }))
    }

    /// [`evaluate`](Tenant::evaluate), scanned in pieces as
    /// [`findings_checked`](Tenant::findings_checked) does; the same decision.
    pub fn evaluate_checked(
        &self,
        direction: Direction,
        text: &[u8],
        piece: usize,
        go_on: &mut dyn FnMut() -> bool,
    ) -> Result<Decision, Interrupted> {
        let d = self.decide_by(direction, text, &mut |s, t| in_pieces(s, t, piece, go_on))?;
        Ok(self.with_redacted(direction, d, text))
    }

    /// [`evaluate_into`](Tenant::evaluate_into), scanned in pieces as
    /// [`findings_checked`](Tenant::findings_checked) does; the same decision and output.
    /// Interrupted, it appends nothing to `out`.
    pub fn evaluate_into_checked(
        &self,
        direction: Direction,
        text: &[u8],
        out: &mut Vec<u8>,
        piece: usize,
        go_on: &mut dyn FnMut() -> bool,
    ) -> Result<Decision, Interrupted> {
        let d = self.decide_by(direction, text, &mut |s, t| in_pieces(s, t, piece, go_on))?;
        Ok(self.pass_on(direction, d, text, out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::PolicySet;
    use proptest::prelude::*;

    const POLICY: &str = r#"
version = 1
[default]
default_action = "redact"
limits = { max_input_bytes = 400, on_exceed = "truncate" }
[default.detectors.us_ssn]
action = "block"
[default.detectors.email]
action = "warn"
"#;

    fn text() -> impl Strategy<Value = Vec<u8>> {
        let parts = prop::sample::select(vec![
            "mail jane.doe@example.org ",
            "card 4111 1111 1111 1111 ",
            "SSN: 215-55-1337 ",
            "call +1 212 555 0147 ",
            "AKIAIOSFODNN7EXAMPLE ",
            "plain words here ",
            "\n",
        ]);
        prop::collection::vec(parts, 0..40).prop_map(|v| v.concat().into_bytes())
    }

    proptest! {
        /// Any piece size gives the findings, decision and output of one pass, the size limit
        /// included.
        #[test]
        fn pieces_decide_as_the_whole(t in text(), piece in 1usize..300) {
            let set = PolicySet::from_toml(POLICY, None).unwrap();
            let tenant = set.tenant("default").unwrap();
            let d = Direction::Inbound;
            prop_assert_eq!(tenant.findings_checked(d, &t, piece, &mut || true).unwrap(), tenant.findings(d, &t));
            prop_assert_eq!(tenant.evaluate_checked(d, &t, piece, &mut || true).unwrap(), tenant.evaluate(d, &t));
            let (mut a, mut b) = (Vec::new(), Vec::new());
            let da = tenant.evaluate_into_checked(d, &t, &mut a, piece, &mut || true).unwrap();
            prop_assert_eq!(da, tenant.evaluate_into(d, &t, &mut b));
            prop_assert_eq!(a, b);
        }
    }

    #[test]
    fn a_check_that_says_stop_stops_between_pieces() {
        let set = PolicySet::from_toml(POLICY, None).unwrap();
        let tenant = set.tenant("default").unwrap();
        let t = "card 4111 1111 1111 1111 ".repeat(10);
        let mut calls = 0;
        let mut out = Vec::new();
        let r = tenant.evaluate_into_checked(Direction::Inbound, t.as_bytes(), &mut out, 20, &mut || {
            calls += 1;
            calls < 3
        });
        assert_eq!(r, Err(Interrupted));
        assert_eq!(calls, 3);
        assert!(out.is_empty(), "nothing is passed on from an interrupted scan");
    }
}
