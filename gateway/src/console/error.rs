//! What can go wrong in the console, and how each is answered.

/// What went wrong in the console.
#[derive(Debug, thiserror::Error)]
pub enum ConsoleError {
    /// Its state or index could not be read or written.
    #[error("console: {0}")]
    Store(String),
    /// The request is not allowed (who, what): shown as 403 and audited.
    #[error("{0}")]
    Denied(String),
    /// The request is malformed (which field, what is wrong): shown on the page as 400.
    #[error("{0}")]
    Invalid(String),
    /// Not available yet (the activity index is being built): shown as 503, to retry.
    #[error("{0}")]
    Unavailable(String),
    /// Nothing there.
    #[error("not found")]
    NotFound,
}
