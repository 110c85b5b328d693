//! The policy fuzz check: any policy text compiles or errors, and decides the same streamed.

/// A policy file: loading any text either compiles or gives an error (never a panic), and a
/// compiled policy decides the same in one go and streamed, for every tenant and direction.
pub fn policy(input: &[u8]) {
    use dlpjet_policy::{Action, Direction, PolicySet};
    let text = String::from_utf8_lossy(input);
    let Ok(set) = PolicySet::from_toml(&text, None) else { return };
    let mut sample = b"card 4111 1111 1111 1111, mail a@b.io, ssn 123-45-6789, AKIAERUWYPB5TD57UJZT ".to_vec();
    sample.extend_from_slice(input);
    for tenant in set.tenants() {
        for way in [Direction::Inbound, Direction::Outbound, Direction::Both] {
            let whole = tenant.evaluate(way, &sample);
            let mut s = tenant.stream(way);
            let mut out = Vec::new();
            for chunk in sample.chunks(7) {
                if s.push(chunk, &mut out).is_err() {
                    break;
                }
            }
            let streamed = s.finish(&mut out);
            assert_eq!(streamed.action, whole.action, "tenant {}", tenant.name());
            if whole.action != Action::Block {
                assert_eq!(streamed.findings, whole.findings);
                assert_eq!(Some(&out[..]), whole.output(&sample));
            }
        }
    }
}
