//! `dlpjet scan`'s scheduler: walk the inputs, scan them in parallel (streaming each file
//! through the engine in bounded memory), and print findings in the chosen format, in input
//! order.
//!
//! The walk is lazy and shared by the worker threads (whichever worker needs the next input
//! takes a step of the walk, several steps at once while inputs are small), so walking overlaps
//! scanning and `-j N` means N threads in all. Each worker renders the findings of the inputs it
//! scanned; results are printed in input order by whichever worker completes the next one in
//! sequence. A mechanism stays here only if a paired benchmark shows it worth at least 5% end
//! to end (BENCHMARKS.md, "The CLI"): batching small inputs, opening files within their
//! directory, and, measured as one group, a file table per worker with findings buffers reused
//! by the worker that rendered them.
//!
//! Modules, bottom up: [`input`] (what the walk yields), [`open`], [`output`] (the formats),
//! [`read`] (one input, whole or streamed), [`walk`], [`ordered`] (printing in input order),
//! [`workers`].
pub(crate) mod input;
mod jsonl;
pub(crate) mod open;
pub(crate) mod ordered;
pub(crate) mod output;
pub(crate) mod read;
pub(crate) mod walk;
pub(crate) mod workers;
