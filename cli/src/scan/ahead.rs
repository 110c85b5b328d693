//! Scanning ahead while the walk lists a directory.
//!
//! The walk yields a directory's entries in name order, so its first entry comes only once the
//! whole directory has been read and sorted: about 20 ms for 40,000 entries, while every other
//! worker would wait. Instead, the waiting workers read the same directory in the file
//! system's order and scan its regular files ahead of their turn. When the walk reaches a file
//! that was scanned ahead, the worker that takes it uses that outcome as it is; output and its
//! order are the same as without scanning ahead.
//!
//! Only the directories named on the command line are read ahead: for those the walk's next
//! step is known to be their listing. Files the walk then skips (ignored by a rule) are
//! scanned for nothing and their outcomes never printed; how much can be held this way is
//! bounded, and a file scanned ahead must fit in one read buffer.
//!
//! One worker at a time reads a listing ahead, through a directory stream of its own that it
//! opens, reads and closes itself.

use super::output::Outcome;
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::ffi::OsString;
use std::fs::ReadDir;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::thread::ThreadId;

/// Outcomes held for the walk at most, counted by their rendered bytes.
const MAX_HELD_BYTES: usize = 16 << 20;
/// Outcomes held for the walk at most, counted by files.
const MAX_HELD_FILES: usize = 1 << 16;
/// Bits of the filter of claimed paths (8 KiB).
const CLAIMED_BITS: usize = 1 << 16;
/// Numbers listings across every `Ahead`, so a thread's stream is never taken for another's.
static LISTINGS: AtomicU64 = AtomicU64::new(0);

thread_local! {
    /// The directory stream this thread reads ahead, with the number of the listing it is of.
    static STREAM: RefCell<Option<(u64, ReadDir)>> = const { RefCell::new(None) };
}

/// Shared by the walk (which says when a listing starts and ends) and the workers.
#[derive(Debug)]
pub struct Ahead {
    /// The directory being listed, read again in the file system's order by a waiting worker.
    listing: Mutex<Listing>,
    /// Written whenever an outcome comes in or is taken.
    state: Mutex<State>,
    /// Files scanned ahead or being scanned, not yet taken: when none, `take` needs no lock.
    held: AtomicUsize,
    /// One bit per hash of every path claimed for scanning ahead since the last `clear`: a
    /// path whose bit is clear was never claimed, and `take` answers without the lock. The
    /// walk's worker asks for every input while the other workers hand outcomes in, and the
    /// lock's cache line going back and forth between them cost more than the lookup.
    claimed: Box<[AtomicU64]>,
    /// Whether hidden files are scanned (`--hidden`); when not, they are not scanned ahead.
    hidden: bool,
}

/// The listing under way, if any, and the worker reading it ahead.
#[derive(Debug, Default)]
struct Listing {
    dir: Option<PathBuf>,
    /// This listing's number (from `LISTINGS`), so a worker knows whether its stream is of it.
    number: u64,
    reader: Option<ThreadId>,
}

/// Paths are keyed by their bytes: hashing a `Path` goes through its components.
#[derive(Debug, Default)]
struct State {
    /// Outcomes scanned ahead, by path, until the walk reaches them.
    done: HashMap<OsString, Outcome>,
    held_bytes: usize,
    /// Files being scanned ahead now.
    busy: HashSet<OsString>,
    /// Files the walk reached while they were being scanned ahead: that outcome is dropped.
    abandoned: HashSet<OsString>,
}

impl Ahead {
    pub fn new(hidden: bool) -> Ahead {
        Ahead {
            listing: Mutex::new(Listing::default()),
            state: Mutex::new(State::default()),
            held: AtomicUsize::new(0),
            claimed: (0..CLAIMED_BITS / 64).map(|_| AtomicU64::new(0)).collect(),
            hidden,
        }
    }

    /// The word and bit of `path` in `claimed` (FNV-1a of its bytes).
    fn claim_bit(&self, path: &Path) -> (&AtomicU64, u64) {
        let h = path
            .as_os_str()
            .as_encoded_bytes()
            .iter()
            .fold(0xcbf2_9ce4_8422_2325u64, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3));
        let bit = (h ^ (h >> 32)) as usize % CLAIMED_BITS;
        (&self.claimed[bit / 64], 1 << (bit % 64))
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Publishes how many outcomes `s` holds or is waiting for, for `take`'s lock-free check.
    fn recount(&self, s: &State) {
        self.held.store(s.done.len() + s.busy.len(), Ordering::Release);
    }

    fn listing(&self) -> MutexGuard<'_, Listing> {
        self.listing.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The walk is about to list `dir`: a waiting worker may read it ahead. A directory that
    /// cannot be read is not read ahead; the walk reports it.
    pub fn begin(&self, dir: &Path) {
        let mut l = self.listing();
        l.dir = Some(dir.to_path_buf());
        l.number = LISTINGS.fetch_add(1, Ordering::Relaxed) + 1;
        l.reader = None;
    }

    /// The walk has listed the directory: nothing more is taken from it. The reader's stream
    /// is closed by the reader, at its next `next_file` or when its thread ends.
    pub fn end(&self) {
        let mut l = self.listing();
        l.dir = None;
        l.reader = None;
    }

    /// The walk is past the directory: outcomes not taken by now are of files it skipped.
    pub fn clear(&self) {
        let mut s = self.state();
        s.done.clear();
        s.held_bytes = 0;
        self.recount(&s);
        // A file still being scanned ahead keeps its bit: the walk may yet ask for it.
        if s.busy.is_empty() {
            self.claimed.iter().for_each(|w| w.store(0, Ordering::Relaxed));
        }
    }

    /// A file of the directory being listed, to scan ahead, or `None` when there is no
    /// listing, it is exhausted, or enough is held already.
    pub fn next_file(&self) -> Option<PathBuf> {
        {
            let s = self.state();
            if s.held_bytes >= MAX_HELD_BYTES || s.done.len() + s.busy.len() >= MAX_HELD_FILES {
                return None;
            }
        }
        let mut guard = self.listing();
        let listing = &mut *guard;
        let me = std::thread::current().id();
        if listing.reader.is_some_and(|r| r != me) {
            return None;
        }
        let Some(dir) = &listing.dir else {
            drop(guard);
            STREAM.set(None);
            return None;
        };
        listing.reader = Some(me);
        let number = listing.number;
        let path = STREAM.with_borrow_mut(|stream| loop {
            if stream.as_ref().is_none_or(|(n, _)| *n != number) {
                *stream = std::fs::read_dir(dir).ok().map(|rd| (number, rd));
            }
            let next = stream.as_mut().and_then(|(_, rd)| rd.next());
            let Some(entry) = next else {
                *stream = None;
                return None;
            };
            let Ok(entry) = entry else { continue };
            // The file type comes with the entry; a symbolic link, FIFO or device is left to
            // the walk (which does not follow links, and opening a FIFO would block).
            if !entry.file_type().is_ok_and(|t| t.is_file()) {
                continue;
            }
            if !self.hidden && entry.file_name().as_encoded_bytes().starts_with(b".") {
                continue;
            }
            break Some(entry.path());
        });
        let Some(path) = path else {
            // Read to its end, or unreadable: nothing more to read ahead in this listing.
            listing.dir = None;
            return None;
        };
        drop(guard);
        let (word, bit) = self.claim_bit(&path);
        word.fetch_or(bit, Ordering::AcqRel);
        let mut s = self.state();
        s.busy.insert(path.clone().into_os_string());
        self.recount(&s);
        Some(path)
    }

    /// Hands in the outcome of `path`, scanned ahead; `None` when it was given up (it did not
    /// fit in one read buffer): the walk's turn scans it then.
    pub fn finish(&self, path: PathBuf, outcome: Option<Outcome>) {
        let mut s = self.state();
        let path = path.into_os_string();
        s.busy.remove(&path);
        if !s.abandoned.remove(&path) {
            if let Some(outcome) = outcome {
                s.held_bytes += outcome.findings.rendered.len();
                s.done.insert(path, outcome);
            }
        }
        self.recount(&s);
    }

    /// The outcome of `path` if it was scanned ahead. If it is being scanned ahead right now,
    /// that scan's outcome will be dropped and the caller scans it itself.
    pub fn take(&self, path: &Path) -> Option<Outcome> {
        if self.held.load(Ordering::Acquire) == 0 {
            return None;
        }
        let (word, bit) = self.claim_bit(path);
        if word.load(Ordering::Acquire) & bit == 0 {
            return None;
        }
        let mut s = self.state();
        match s.done.remove(path.as_os_str()) {
            Some(outcome) => {
                s.held_bytes -= outcome.findings.rendered.len();
                self.recount(&s);
                Some(outcome)
            }
            None => {
                if s.busy.contains(path.as_os_str()) {
                    s.abandoned.insert(path.as_os_str().to_owned());
                }
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(bytes: u64) -> Outcome {
        Outcome { bytes, ..Outcome::default() }
    }

    /// A directory holding a file per name (its content the name).
    fn dir_with(names: &[&str]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for name in names {
            std::fs::write(dir.path().join(name), name).unwrap();
        }
        dir
    }

    #[test]
    fn reads_regular_visible_files_of_the_listed_directory_only() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.txt"), "a").unwrap();
        std::fs::write(dir.path().join(".hidden"), "h").unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        let ahead = Ahead::new(false);
        assert_eq!(ahead.next_file(), None, "nothing is listed yet");
        ahead.begin(dir.path());
        assert_eq!(ahead.next_file(), Some(dir.path().join("a.txt")));
        assert_eq!(ahead.next_file(), None);
        ahead.end();

        let ahead = Ahead::new(true);
        ahead.begin(dir.path());
        let mut seen = vec![ahead.next_file().unwrap(), ahead.next_file().unwrap()];
        seen.sort();
        assert_eq!(seen, [dir.path().join(".hidden"), dir.path().join("a.txt")]);
        ahead.end();
        assert_eq!(ahead.next_file(), None, "the listing is over");
    }

    #[test]
    fn one_worker_reads_a_listing_through_its_own_stream() {
        let dir = dir_with(&["a", "b", "c"]);
        let ahead = Ahead::new(false);
        ahead.begin(dir.path());
        let first = ahead.next_file().unwrap();
        assert!(STREAM.with_borrow(|s| s.is_some()), "the reader's stream is its thread's own");
        // Another worker gets nothing from this listing: its stream is this thread's.
        std::thread::scope(|t| {
            t.spawn(|| {
                assert_eq!(ahead.next_file(), None);
                assert!(STREAM.with_borrow(|s| s.is_none()));
            });
        });
        let second = ahead.next_file().unwrap();
        assert_ne!(first, second);
        // The walk is done listing: the reader closes its stream at its next call, and the
        // next listing may be read by any worker.
        ahead.end();
        assert_eq!(ahead.next_file(), None);
        assert!(STREAM.with_borrow(|s| s.is_none()));
        ahead.begin(dir.path());
        std::thread::scope(|t| {
            t.spawn(|| assert!(ahead.next_file().is_some()));
        });
        // A stream left open for one scan's listing is never read for another's.
        let other = dir_with(&["x"]);
        let (one, two) = (Ahead::new(false), Ahead::new(false));
        one.begin(dir.path());
        assert!(one.next_file().unwrap().starts_with(dir.path()));
        two.begin(other.path());
        assert_eq!(two.next_file(), Some(other.path().join("x")));
    }

    #[test]
    fn outcomes_are_taken_once_and_busy_ones_are_abandoned() {
        let dir = dir_with(&["a", "b", "c"]);
        let ahead = Ahead::new(false);
        assert!(ahead.take(&dir.path().join("a")).is_none(), "nothing scanned ahead");
        ahead.begin(dir.path());
        let first = ahead.next_file().unwrap();
        let second = ahead.next_file().unwrap();
        let third = ahead.next_file().unwrap();
        ahead.finish(first.clone(), Some(outcome(1)));
        assert_eq!(ahead.take(&first).unwrap().bytes, 1);
        assert!(ahead.take(&first).is_none(), "an outcome is used once");
        // The walk reaches `second` while it is being scanned ahead: the caller scans it, and
        // the outcome scanned ahead is dropped rather than held for ever.
        assert!(ahead.take(&second).is_none());
        ahead.finish(second.clone(), Some(outcome(2)));
        assert!(ahead.take(&second).is_none());
        // A scan given up leaves nothing behind.
        ahead.finish(third.clone(), None);
        assert!(ahead.take(&third).is_none());
        let s = ahead.state();
        assert!(s.done.is_empty() && s.busy.is_empty() && s.abandoned.is_empty() && s.held_bytes == 0);
    }

    #[test]
    fn clearing_drops_what_the_walk_skipped() {
        let dir = dir_with(&["ignored"]);
        let ahead = Ahead::new(false);
        ahead.begin(dir.path());
        let path = ahead.next_file().unwrap();
        ahead.finish(path.clone(), Some(outcome(1)));
        ahead.end();
        ahead.clear();
        assert!(ahead.take(&path).is_none());
        assert_eq!(ahead.held.load(Ordering::Acquire), 0);
    }

    #[test]
    fn only_claimed_paths_reach_the_lock_and_clearing_forgets_them() {
        let dir = dir_with(&["a", "b"]);
        let bits = |ahead: &Ahead| ahead.claimed.iter().map(|w| w.load(Ordering::Acquire).count_ones()).sum::<u32>();
        let ahead = Ahead::new(false);
        ahead.begin(dir.path());
        let first = ahead.next_file().unwrap();
        assert_eq!(bits(&ahead), 1);
        let (word, bit) = ahead.claim_bit(&first);
        assert_ne!(word.load(Ordering::Acquire) & bit, 0);
        // An input that was never claimed is answered from the filter: it is not marked as
        // abandoned (which only a claimed path can be) and the claimed one is still handed out.
        let other = dir.path().join("not-listed");
        assert!(ahead.take(&other).is_none());
        ahead.finish(first.clone(), Some(outcome(3)));
        assert_eq!(ahead.take(&first).unwrap().bytes, 3);
        assert!(ahead.state().abandoned.is_empty());
        ahead.end();
        ahead.clear();
        assert_eq!(bits(&ahead), 0, "a cleared filter starts empty for the next directory");
    }

    #[test]
    fn stops_when_enough_is_held() {
        let dir = dir_with(&["a", "b"]);
        let ahead = Ahead::new(false);
        ahead.begin(dir.path());
        let first = ahead.next_file().unwrap();
        let mut big = outcome(1);
        big.findings.rendered = vec![b'x'; MAX_HELD_BYTES];
        ahead.finish(first, Some(big));
        assert_eq!(ahead.next_file(), None);
    }
}
