//! DLP over provider traffic, bottom up: [`json`] (a strict reader that keeps spans), [`decode`]
//! (percent-encoding, character references and escapes that hide values), [`sse`]
//! (event streams), [`tokenize`] (tokenize and restore), [`secrets`] (the secrets lent to a
//! request, scrubbed whatever the policy says), [`walk`] (which strings of a provider's JSON
//! are read: all but structural ones, payloads decoded), [`fields`] (the policy applied to
//! them), [`stream`] (DLP over streamed answers).

pub mod decode;
pub mod fields;
pub mod json;
pub mod secrets;
pub mod sse;
pub mod stream;
pub mod tokenize;
pub mod walk;
