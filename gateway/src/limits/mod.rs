//! Limits on callers: [`ratelimit`] (requests per key, user, tenant and address) and [`budget`]
//! (spending caps), counted in this process or, through [`shared`], in Redis for several
//! gateway instances; [`keys`] (the limits an API key carries).

pub mod budget;
pub mod keys;
pub mod ratelimit;
pub mod shared;
