//! Limits on callers: [`ratelimit`] (requests per key, user, tenant and address) and [`budget`]
//! (spending caps), counted in this process or, through [`shared`], in Redis for several
//! gateway instances.

pub mod budget;
pub mod ratelimit;
pub mod shared;
