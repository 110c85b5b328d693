//! Sections: what a layer above the log adds to an event under a name of its own (the
//! gateway's `gateway` record: model, provider, tokens, cost, status, …). The log keeps each as
//! the JSON its writer made, byte for byte, and knows nothing of what is in it.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;

/// One section's JSON value, kept as written.
///
/// ```
/// use dlpjet_audit::Section;
/// #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
/// struct Usage { tokens: u64 }
/// let s = Section::new(&Usage { tokens: 12 })?;
/// assert_eq!(s.json(), r#"{"tokens":12}"#);
/// assert_eq!(s.parse::<Usage>()?, Usage { tokens: 12 });
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Section(Box<RawValue>);

impl Section {
    /// `value` as a section.
    ///
    /// # Errors
    /// `value` cannot be written as JSON (a map with keys that are not strings, say).
    pub fn new<T: Serialize + ?Sized>(value: &T) -> Result<Section, serde_json::Error> {
        serde_json::value::to_raw_value(value).map(Section)
    }

    /// The section's JSON text.
    pub fn json(&self) -> &str {
        self.0.get()
    }

    /// The section read as a `T`.
    ///
    /// # Errors
    /// The JSON is not a `T`.
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_str(self.0.get())
    }
}

impl PartialEq for Section {
    fn eq(&self, other: &Section) -> bool {
        self.0.get() == other.0.get()
    }
}

impl Serialize for Section {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<'de> Deserialize<'de> for Section {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Section, D::Error> {
        Box::<RawValue>::deserialize(d).map(Section)
    }
}
