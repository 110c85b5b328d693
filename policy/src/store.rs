//! Hot reload: the current compiled policy behind an atomic swap.

use super::error::PolicyError;
use super::tenant::PolicySet;
use arc_swap::ArcSwap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Holds the current [`PolicySet`] of a policy file and replaces it on request.
///
/// Readers call [`PolicyStore::current`], which never blocks and never sees a half-loaded
/// policy; a reload compiles the new file off to the side and swaps it in only if it is
/// valid, keeping the old one (and returning the error) otherwise.
///
/// ```
/// use dlpjet_policy::PolicyStore;
/// let dir = std::env::temp_dir().join(format!("dlpjet-doc-store-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// let path = dir.join("policy.toml");
/// std::fs::write(&path, "version = 1\n[default]\ndefault_action = \"warn\"\n").unwrap();
/// let store = PolicyStore::open(&path)?;
/// std::fs::write(&path, "version = 1\n[default]\ndefault_action = \"explode\"\n").unwrap();
/// assert!(store.reload().is_err());
/// assert_eq!(store.current().tenant("default")?.default_action().as_str(), "warn");
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # Ok::<(), dlpjet_policy::PolicyError>(())
/// ```
#[derive(Debug)]
pub struct PolicyStore {
    path: PathBuf,
    current: ArcSwap<PolicySet>,
    /// Serialises reloads (readers never take it).
    reloading: Mutex<()>,
}

impl PolicyStore {
    /// Loads the policy file at `path`.
    ///
    /// # Errors
    /// As [`PolicySet::load`].
    pub fn open(path: impl AsRef<Path>) -> Result<PolicyStore, PolicyError> {
        let path = path.as_ref().to_path_buf();
        let set = PolicySet::load(&path)?;
        Ok(PolicyStore { path, current: ArcSwap::from_pointee(set), reloading: Mutex::new(()) })
    }

    /// The policy in force. Lock-free; keep the `Arc` for as long as one request needs a
    /// consistent policy.
    pub fn current(&self) -> Arc<PolicySet> {
        self.current.load_full()
    }

    /// Reads the file again and swaps the new policy in.
    ///
    /// # Errors
    /// The new file's first mistake; the policy in force stays as it was.
    pub fn reload(&self) -> Result<Arc<PolicySet>, PolicyError> {
        let _one_at_a_time = self.reloading.lock().unwrap_or_else(|e| e.into_inner());
        let set = Arc::new(PolicySet::load(&self.path)?);
        self.current.store(set.clone());
        Ok(set)
    }

    /// Puts an already compiled policy in force.
    pub fn replace(&self, set: PolicySet) {
        let _one_at_a_time = self.reloading.lock().unwrap_or_else(|e| e.into_inner());
        self.current.store(Arc::new(set));
    }

    /// The file this store reloads from.
    pub fn path(&self) -> &Path {
        &self.path
    }
}
