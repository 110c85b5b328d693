//! Overlap resolution: when candidates overlap, the more specific one wins.
//!
//! The rule is local so that streaming and one-shot scans agree: a candidate is suppressed
//! exactly when some overlapping candidate *outranks* it. "Outranks" is a strict total order:
//! higher detector rank, then the longer span, then the earlier start, then the lower
//! detector number. Survivors therefore never overlap.

use crate::detect::Candidate;

/// Whether `x` beats `y` when they overlap.
#[inline]
pub(crate) fn outranks(x: &Candidate, y: &Candidate, ranks: &[u8]) -> bool {
    let (rx, ry) = (ranks[x.det as usize], ranks[y.det as usize]);
    if rx != ry {
        return rx > ry;
    }
    let (lx, ly) = (x.end - x.start, y.end - y.start);
    if lx != ly {
        return lx > ly;
    }
    if x.start != y.start {
        return x.start < y.start;
    }
    x.det < y.det
}

/// Sorts candidates by position and drops exact duplicates (same detector and span), keeping
/// the most confident (a value found both as written and decoded is one finding).
pub(crate) fn sort_dedup(c: &mut Vec<Candidate>) {
    c.sort_unstable_by_key(|a| (a.start, a.end, a.det));
    c.dedup_by(|b, a| {
        let same = a.start == b.start && a.end == b.end && a.det == b.det;
        if same && b.confidence > a.confidence {
            std::mem::swap(a, b);
        }
        same
    });
}

/// For each candidate of the sorted slice, the index of the strongest overlapping candidate
/// that outranks it, if any.
pub(crate) fn beaten_by(c: &[Candidate], ranks: &[u8], out: &mut Vec<Option<u32>>) {
    out.clear();
    out.resize(c.len(), None);
    let mut open: Vec<u32> = Vec::new();
    let better = |cur: Option<u32>, new: u32| match cur {
        Some(k) if outranks(&c[k as usize], &c[new as usize], ranks) => Some(k),
        _ => Some(new),
    };
    for i in 0..c.len() {
        let x = &c[i];
        open.retain(|&j| c[j as usize].end > x.start);
        for &j in &open {
            let y = &c[j as usize];
            if outranks(y, x, ranks) {
                out[i] = better(out[i], j);
            } else {
                out[j as usize] = better(out[j as usize], i as u32);
            }
        }
        open.push(i as u32);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::Why;

    fn c(det: u16, start: usize, end: usize) -> Candidate {
        Candidate { det, start, end, confidence: 1.0, why: Why::default() }
    }

    #[test]
    fn specific_wins_and_survivors_do_not_overlap() {
        let ranks = [50, 90, 20];
        let mut v = vec![c(0, 0, 10), c(1, 5, 20), c(2, 18, 30), c(0, 40, 50)];
        sort_dedup(&mut v);
        let mut b = Vec::new();
        beaten_by(&v, &ranks, &mut b);
        assert_eq!(b, vec![Some(1), None, Some(1), None]);
    }

    #[test]
    fn ties_break_by_length_then_start() {
        let ranks = [50];
        let mut v = vec![c(0, 0, 10), c(0, 2, 14), c(0, 2, 14)];
        sort_dedup(&mut v);
        assert_eq!(v.len(), 2);
        let mut b = Vec::new();
        beaten_by(&v, &ranks, &mut b);
        assert_eq!(b, vec![Some(1), None]);
    }
}
