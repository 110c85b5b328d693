//! The Merkle tree of RFC 9162 (Certificate Transparency 2.0) over the audit records: tree
//! hashes, the compact "frontier" a writer keeps, and inclusion and consistency proofs with
//! their verification.

use sha2::{Digest, Sha256};

/// A SHA-256 hash.
pub type Hash = [u8; 32];

/// The hash of a leaf: `SHA-256(0x00 || data)`.
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(data);
    h.finalize().into()
}

/// The hash of an interior node: `SHA-256(0x01 || left || right)`.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The root of the empty tree: `SHA-256("")`.
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// The Merkle tree hash of `leaves` (leaf hashes), as RFC 9162 defines it.
pub fn root(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => empty_root(),
        1 => leaves[0],
        n => {
            let k = split(n);
            node_hash(&root(&leaves[..k]), &root(&leaves[k..]))
        }
    }
}

/// The largest power of two smaller than `n` (n ≥ 2).
fn split(n: usize) -> usize {
    1 << (usize::BITS - 1 - (n - 1).leading_zeros())
}

/// The right edge of a tree: the roots of its complete subtrees, largest first. Enough to append
/// leaves and compute the root of every later size without the earlier leaves, in O(log n).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Frontier {
    size: u64,
    nodes: Vec<Hash>,
}

impl Frontier {
    /// The frontier of the empty tree.
    pub fn new() -> Frontier {
        Frontier::default()
    }

    /// A frontier from its parts, as stored in a segment header. `None` when the number of
    /// nodes does not fit `size`.
    pub fn from_parts(size: u64, nodes: Vec<Hash>) -> Option<Frontier> {
        (size.count_ones() as usize == nodes.len()).then_some(Frontier { size, nodes })
    }

    /// Leaves so far.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The subtree roots, largest first.
    pub fn nodes(&self) -> &[Hash] {
        &self.nodes
    }

    /// Appends a leaf hash.
    pub fn push(&mut self, leaf: Hash) {
        let mut node = leaf;
        let mut size = self.size;
        while size & 1 == 1 {
            let left = self.nodes.pop().unwrap_or_default();
            node = node_hash(&left, &node);
            size >>= 1;
        }
        self.nodes.push(node);
        self.size += 1;
    }

    /// The root of the tree so far.
    pub fn root(&self) -> Hash {
        let mut it = self.nodes.iter().rev();
        let Some(last) = it.next() else { return empty_root() };
        it.fold(*last, |acc, left| node_hash(left, &acc))
    }
}

/// The inclusion proof of leaf `index` in the tree of the first `size` `leaves` (RFC 9162
/// §2.1.3.1). `None` when `index >= size` or `size > leaves.len()`.
pub fn inclusion_proof(leaves: &[Hash], index: usize, size: usize) -> Option<Vec<Hash>> {
    if index >= size || size > leaves.len() {
        return None;
    }
    fn path(m: usize, d: &[Hash], out: &mut Vec<Hash>) {
        if d.len() <= 1 {
            return;
        }
        let k = split(d.len());
        if m < k {
            path(m, &d[..k], out);
            out.push(root(&d[k..]));
        } else {
            path(m - k, &d[k..], out);
            out.push(root(&d[..k]));
        }
    }
    let mut out = Vec::new();
    path(index, &leaves[..size], &mut out);
    Some(out)
}

/// Checks an inclusion proof (RFC 9162 §2.1.3.2).
pub fn verify_inclusion(leaf: &Hash, index: u64, size: u64, proof: &[Hash], root: &Hash) -> bool {
    if index >= size {
        return false;
    }
    let (mut f_n, mut s_n) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if s_n == 0 {
            return false;
        }
        if f_n & 1 == 1 || f_n == s_n {
            r = node_hash(p, &r);
            if f_n & 1 == 0 {
                while f_n & 1 == 0 && f_n != 0 {
                    f_n >>= 1;
                    s_n >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        f_n >>= 1;
        s_n >>= 1;
    }
    s_n == 0 && r == *root
}

/// The consistency proof between the trees of the first `old` and `new` `leaves` (RFC 9162
/// §2.1.4.1). `None` unless `0 < old <= new <= leaves.len()`.
pub fn consistency_proof(leaves: &[Hash], old: usize, new: usize) -> Option<Vec<Hash>> {
    if old == 0 || old > new || new > leaves.len() {
        return None;
    }
    fn sub(m: usize, d: &[Hash], complete: bool, out: &mut Vec<Hash>) {
        let n = d.len();
        if m == n {
            if !complete {
                out.push(root(d));
            }
            return;
        }
        let k = split(n);
        if m <= k {
            sub(m, &d[..k], complete, out);
            out.push(root(&d[k..]));
        } else {
            sub(m - k, &d[k..], false, out);
            out.push(root(&d[..k]));
        }
    }
    let mut out = Vec::new();
    sub(old, &leaves[..new], true, &mut out);
    Some(out)
}

/// Checks a consistency proof (RFC 9162 §2.1.4.2): the tree of `new` leaves with root
/// `new_root` extends the tree of `old` leaves with root `old_root`.
pub fn verify_consistency(old: u64, new: u64, proof: &[Hash], old_root: &Hash, new_root: &Hash) -> bool {
    if old == 0 || old > new {
        return false;
    }
    if old == new {
        return proof.is_empty() && old_root == new_root;
    }
    let mut path: Vec<Hash> = proof.to_vec();
    if old.is_power_of_two() {
        path.insert(0, *old_root);
    }
    let Some((first, rest)) = path.split_first() else { return false };
    let (mut f_n, mut s_n) = (old - 1, new - 1);
    while f_n & 1 == 1 {
        f_n >>= 1;
        s_n >>= 1;
    }
    let (mut f_r, mut s_r) = (*first, *first);
    for c in rest {
        if s_n == 0 {
            return false;
        }
        if f_n & 1 == 1 || f_n == s_n {
            f_r = node_hash(c, &f_r);
            s_r = node_hash(c, &s_r);
            if f_n & 1 == 0 {
                while f_n & 1 == 0 && f_n != 0 {
                    f_n >>= 1;
                    s_n >>= 1;
                }
            }
        } else {
            s_r = node_hash(&s_r, c);
        }
        f_n >>= 1;
        s_n >>= 1;
    }
    s_n == 0 && f_r == *old_root && s_r == *new_root
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn leaves(n: usize) -> Vec<Hash> {
        (0..n).map(|i| leaf_hash(format!("record {i}").as_bytes())).collect()
    }

    #[test]
    fn roots_follow_the_definition() {
        assert_eq!(root(&[]), empty_root());
        let l = leaves(3);
        assert_eq!(root(&l), node_hash(&node_hash(&l[0], &l[1]), &l[2]));
        // The first leaf of RFC 6962's test vectors: the hash of the empty leaf.
        assert_eq!(
            leaf_hash(b"").iter().map(|b| format!("{b:02x}")).collect::<String>(),
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
        );
    }

    proptest! {
        #[test]
        fn the_frontier_gives_every_root(n in 0usize..80) {
            let l = leaves(n);
            let mut f = Frontier::new();
            prop_assert_eq!(f.root(), root(&[]));
            for (i, leaf) in l.iter().enumerate() {
                f.push(*leaf);
                prop_assert_eq!(f.root(), root(&l[..=i]));
                let again = Frontier::from_parts(f.size(), f.nodes().to_vec()).unwrap();
                prop_assert_eq!(again, f.clone());
            }
        }

        #[test]
        fn inclusion_proofs_verify_and_wrong_ones_do_not(n in 1usize..70, i in 0usize..70, flip in 0usize..8) {
            let l = leaves(n);
            let i = i % n;
            let r = root(&l);
            let p = inclusion_proof(&l, i, n).unwrap();
            prop_assert!(verify_inclusion(&l[i], i as u64, n as u64, &p, &r));
            prop_assert!(!verify_inclusion(&leaf_hash(b"other"), i as u64, n as u64, &p, &r));
            if !p.is_empty() {
                let mut bad = p.clone();
                bad[flip % p.len()][0] ^= 1;
                prop_assert!(!verify_inclusion(&l[i], i as u64, n as u64, &bad, &r));
            }
            if n > 1 {
                prop_assert!(!verify_inclusion(&l[i], ((i + 1) % n) as u64, n as u64, &p, &r) || l[i] == l[(i + 1) % n]);
            }
        }

        #[test]
        fn consistency_proofs_verify_and_forks_do_not(new in 1usize..70, old in 1usize..70) {
            let l = leaves(new);
            let old = 1 + (old - 1) % new;
            let p = consistency_proof(&l, old, new).unwrap();
            prop_assert!(verify_consistency(old as u64, new as u64, &p, &root(&l[..old]), &root(&l)));
            // A fork: the same old size with a different history.
            let mut forked = l.clone();
            forked[old - 1] = leaf_hash(b"rewritten");
            prop_assert!(!verify_consistency(old as u64, new as u64, &p, &root(&forked[..old]), &root(&l)));
        }
    }
}
