//! `dlpjet scan`: walk the inputs, scan them in parallel (streaming each file through the
//! engine in bounded memory), and print findings in the chosen format, in input order.
//!
//! The walk is lazy and shared by the worker threads (whichever worker needs the next input
//! takes a step of the walk, several steps at once while inputs are small), so walking overlaps
//! scanning and `-j N` means N threads in all. While one worker lists a directory named on the
//! command line, the others scan its files ahead of their turn (`ahead`). Each worker
//! renders the findings of the inputs it scanned; results are printed in input order by
//! whichever worker completes the next one in sequence, and the printed buffers go back to
//! that worker for its next inputs.
//!
//! Modules, bottom up: [`input`] (what the walk yields), [`open`], [`output`] (the formats),
//! [`read`] (one input, whole or streamed), [`ahead`] (scanning a listing ahead), [`walk`],
//! [`ordered`] (printing in input order), [`workers`].

pub(crate) mod ahead;
pub(crate) mod input;
mod jsonl;
pub(crate) mod open;
pub(crate) mod ordered;
pub(crate) mod output;
pub(crate) mod read;
pub(crate) mod walk;
pub(crate) mod workers;
