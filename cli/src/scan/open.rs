//! Opening a walk's files relative to their directory.
//!
//! Opening a file by its whole path makes the kernel look up every component of that path
//! again, for every file: in a directory of many small files five components deep, that walk
//! took about 5% of the scan's CPU time, more in deeper trees. The walk yields one directory's
//! files one after another, so each worker keeps its last directory open (a path-only handle)
//! and opens the next file of the same directory by its name within it (`openat`); anything
//! else is opened by its path as before.
//!
//! The handle is taken when the directory's first file is opened, after the walk listed it: a
//! file opened this way is the one of that name in the directory the walk listed, as with
//! opening by path, unless the directory itself was replaced in the meantime.

use std::fs::File;
use std::io;
use std::path::Path;

/// Opens `path` for reading, through the worker's handle on its directory where it can.
pub fn open(path: &Path) -> io::Result<File> {
    #[cfg(unix)]
    if let Some((dir, name)) = unix::split(path) {
        if let Some(file) = unix::open_in(dir, name) {
            return file;
        }
    }
    File::open(path)
}

#[cfg(unix)]
mod unix {
    use rustix::fs::{Mode, OFlags};
    use std::cell::RefCell;
    use std::ffi::{OsStr, OsString};
    use std::fs::File;
    use std::io;
    use std::os::fd::OwnedFd;
    use std::path::Path;

    /// `path` as its directory and its name, split at the last `/`, as the walk joined them:
    /// the same as `Path::parent` and `Path::file_name`, which parse components on every call
    /// (about 1% of a scan of tiny files). `None` when there is no directory part or the name
    /// is not a plain name (empty, `.` or `..`): such paths are opened as they are.
    pub fn split(path: &Path) -> Option<(&Path, &OsStr)> {
        use std::os::unix::ffi::OsStrExt;
        let bytes = path.as_os_str().as_bytes();
        let slash = memchr::memrchr(b'/', bytes)?;
        let (dir, name) = (&bytes[..slash], &bytes[slash + 1..]);
        if dir.is_empty() || matches!(name, b"" | b"." | b"..") {
            return None;
        }
        Some((Path::new(OsStr::from_bytes(dir)), OsStr::from_bytes(name)))
    }

    thread_local! {
        /// The directory this worker opened its last file in, and a handle on it.
        static DIR: RefCell<Option<(OsString, OwnedFd)>> = const { RefCell::new(None) };
    }

    /// Opens `name` in `dir` through the worker's handle on `dir`; `None` when `dir` cannot be
    /// opened as a directory (the caller then opens the file by its path, which reports why).
    pub fn open_in(dir: &Path, name: &OsStr) -> Option<io::Result<File>> {
        DIR.with_borrow_mut(|held| {
            // Paths compared as bytes: `Path` equality parses components.
            if held.as_ref().is_none_or(|(d, _)| d.as_os_str() != dir.as_os_str()) {
                let flags = OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC;
                *held = None;
                let fd = rustix::fs::open(dir, flags, Mode::empty()).ok()?;
                *held = Some((dir.as_os_str().to_owned(), fd));
            }
            let (_, fd) = held.as_ref()?;
            let flags = OFlags::RDONLY | OFlags::CLOEXEC | OFlags::NOCTTY;
            Some(rustix::fs::openat(fd, name, flags, Mode::empty()).map(File::from).map_err(io::Error::from))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn read(path: &Path) -> io::Result<String> {
        let mut s = String::new();
        open(path)?.read_to_string(&mut s)?;
        Ok(s)
    }

    #[test]
    fn opens_files_in_one_directory_then_another_like_their_paths() {
        let t = tempfile::tempdir().unwrap();
        for d in ["a", "b"] {
            std::fs::create_dir(t.path().join(d)).unwrap();
            for f in ["x", "y"] {
                std::fs::write(t.path().join(d).join(f), format!("{d}/{f}")).unwrap();
            }
        }
        for (d, f) in [("a", "x"), ("a", "y"), ("b", "x"), ("a", "y"), ("b", "y")] {
            assert_eq!(read(&t.path().join(d).join(f)).unwrap(), format!("{d}/{f}"));
        }
    }

    #[test]
    fn errors_are_those_of_opening_by_path() {
        let t = tempfile::tempdir().unwrap();
        std::fs::write(t.path().join("file"), "x").unwrap();
        std::fs::create_dir(t.path().join("dir")).unwrap();
        let missing = read(&t.path().join("missing")).unwrap_err();
        assert_eq!(missing.kind(), io::ErrorKind::NotFound);
        // The handle on `t` is held now; a missing file in it fails the same way.
        assert_eq!(read(&t.path().join("also-missing")).unwrap_err().kind(), io::ErrorKind::NotFound);
        // A "directory" that is a file: opened by path, which fails as it would anyway.
        let under_file = read(&t.path().join("file").join("x")).unwrap_err();
        assert_eq!(under_file.raw_os_error(), File::open(t.path().join("file").join("x")).unwrap_err().raw_os_error());
        // A directory opens (reading it fails, as with `File::open`).
        assert!(open(&t.path().join("dir")).is_ok());
    }

    #[test]
    fn a_replaced_file_is_opened_anew() {
        let t = tempfile::tempdir().unwrap();
        let p = t.path().join("f");
        std::fs::write(&p, "old").unwrap();
        assert_eq!(read(&p).unwrap(), "old");
        std::fs::remove_file(&p).unwrap();
        std::fs::write(&p, "new").unwrap();
        assert_eq!(read(&p).unwrap(), "new");
    }

    #[cfg(unix)]
    #[test]
    fn paths_split_like_parent_and_file_name() {
        for p in ["/tmp/t/a.txt", "dir/sub/f", "./f", "a//b", "../x", "dir/.hidden"] {
            let p = Path::new(p);
            let (dir, name) = unix::split(p).unwrap_or_else(|| panic!("{p:?}"));
            assert_eq!(dir.join(name), p.parent().unwrap().join(p.file_name().unwrap()), "{p:?}");
            assert_eq!(Some(name), p.file_name(), "{p:?}");
        }
        // No directory part, or no plain name: opened by the path as it is.
        for p in ["f", "/f", "dir/", "dir/.", "dir/..", ""] {
            assert_eq!(unix::split(Path::new(p)), None, "{p:?}");
        }
    }

    #[test]
    fn relative_and_bare_names_open() {
        // A bare name has no directory part and is opened by its path (relative to the
        // working directory): the crate's manifest is there when tests run.
        assert!(read(Path::new("Cargo.toml")).unwrap().contains("dlpjet-cli"));
        assert!(read(Path::new("./Cargo.toml")).unwrap().contains("dlpjet-cli"));
        assert!(read(Path::new("src/../Cargo.toml")).unwrap().contains("dlpjet-cli"));
    }
}
