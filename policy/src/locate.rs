//! Field paths (`tenants.acme.detectors.credit_card.action`) and where they are in the text.

use super::error::{PolicyError, PolicyErrorKind};
use std::fmt;
use std::ops::Range;
use std::path::Path;
use toml::de::{DeTable, DeValue};
use toml::Spanned;

/// One step of a field path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Seg {
    Key(String),
    Index(usize),
}

/// A path to a field of the policy document.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct FieldPath(Vec<Seg>);

impl FieldPath {
    pub fn root() -> FieldPath {
        FieldPath(Vec::new())
    }

    /// This path with a key appended.
    pub fn key(&self, k: &str) -> FieldPath {
        let mut p = self.clone();
        p.0.push(Seg::Key(k.to_string()));
        p
    }

    /// This path with an array index appended.
    pub fn index(&self, i: usize) -> FieldPath {
        let mut p = self.clone();
        p.0.push(Seg::Index(i));
        p
    }

    /// The path serde_path_to_error recorded for a deserialisation error.
    pub fn from_serde(path: &serde_path_to_error::Path) -> FieldPath {
        use serde_path_to_error::Segment;
        FieldPath(
            path.iter()
                .filter_map(|s| match s {
                    Segment::Seq { index } => Some(Seg::Index(*index)),
                    Segment::Map { key } => Some(Seg::Key(key.clone())),
                    Segment::Enum { .. } | Segment::Unknown => None,
                })
                .collect(),
        )
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, s) in self.0.iter().enumerate() {
            match s {
                Seg::Key(k) => {
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    let bare = !k.is_empty() && k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
                    if bare {
                        f.write_str(k)?;
                    } else {
                        write!(f, "{k:?}")?;
                    }
                }
                Seg::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

/// The text of one policy file, with what is needed to place errors in it.
pub(crate) struct Source<'a> {
    pub text: &'a str,
    pub file: Option<&'a Path>,
    /// The spanned parse, made only when an error has to be placed.
    tree: std::cell::OnceCell<Option<Spanned<DeTable<'a>>>>,
}

impl<'a> Source<'a> {
    pub fn new(text: &'a str, file: Option<&'a Path>) -> Source<'a> {
        Source { text, file, tree: std::cell::OnceCell::new() }
    }

    /// 1-based line and character column of byte `offset`.
    pub fn position(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let before = &self.text.as_bytes()[..offset];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let line_start = before.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        let column = self.text[line_start..].char_indices().take_while(|(i, _)| line_start + i < offset).count() + 1;
        (line, column)
    }

    /// The span of the value at `path`, or of the deepest part of it that exists.
    pub fn span_of(&self, path: &FieldPath) -> Option<Range<usize>> {
        let tree = self.tree.get_or_init(|| DeTable::parse(self.text).ok()).as_ref()?;
        let mut table: &DeTable<'_> = tree.get_ref();
        let mut found: Option<Range<usize>> = None;
        let mut value: Option<&Spanned<DeValue<'_>>> = None;
        for seg in &path.0 {
            let next = match (seg, value) {
                (Seg::Key(k), None) => table.get(k.as_str()),
                (Seg::Key(k), Some(v)) => match v.get_ref() {
                    DeValue::Table(t) => t.get(k.as_str()),
                    _ => None,
                },
                (Seg::Index(i), Some(v)) => match v.get_ref() {
                    DeValue::Array(a) => a.get(*i),
                    _ => None,
                },
                (Seg::Index(_), None) => None,
            };
            let Some(next) = next else { break };
            found = Some(next.span());
            value = Some(next);
            if let DeValue::Table(t) = next.get_ref() {
                table = t;
            }
        }
        found
    }

    /// An error about the field at `path`, placed at its line and column.
    pub fn error(&self, kind: PolicyErrorKind, path: &FieldPath, message: impl Into<String>) -> PolicyError {
        let pos = self.span_of(path).map(|s| self.position(s.start));
        PolicyError::new(kind, path.to_string(), message).at(self.file, pos)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_display_like_toml_keys() {
        let p = FieldPath::root().key("tenants").key("acme").key("allowlists").index(2).key("a.b");
        assert_eq!(p.to_string(), "tenants.acme.allowlists[2].\"a.b\"");
    }

    #[test]
    fn spans_point_at_the_value_or_its_deepest_existing_parent() {
        let text = "version = 1\n[tenants.acme.detectors.email]\naction = \"block\"\n";
        let src = Source::new(text, None);
        let path = FieldPath::root().key("tenants").key("acme").key("detectors").key("email");
        assert_eq!(src.position(src.span_of(&path.key("action")).unwrap().start), (3, 10));
        // A missing field is placed at its table.
        let (line, _) = src.position(src.span_of(&path.key("min_confidence")).unwrap().start);
        assert!(line <= 3, "{line}");
    }

    #[test]
    fn columns_count_characters() {
        let src = Source::new("a = \"é\"\nb = 1\n", None);
        assert_eq!(src.position(0), (1, 1));
        assert_eq!(src.position(9), (2, 1));
        assert_eq!(src.position(8), (1, 8));
    }
}
