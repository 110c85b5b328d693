//! DLP over provider traffic, bottom up: [`json`] (a strict reader that keeps spans), [`sse`]
//! (event streams), [`tokenize`] (tokenize and restore), [`fields`] (which strings of a
//! provider's JSON are text, and the policy applied to them), [`stream`] (DLP over streamed
//! answers).

pub mod fields;
pub mod json;
pub mod sse;
pub mod stream;
pub mod tokenize;
