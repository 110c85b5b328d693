//! Command-line arguments.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// dlpjet finds sensitive data (cards, SSNs, e-mail, phones, cloud keys, API tokens, private
/// keys, IBANs, IPs) in files, trees and pipes, and redacts it.
///
/// Exit codes: 0 nothing found, 1 findings, 2 an error (like grep).
#[derive(Debug, Parser)]
#[command(name = "dlpjet", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan files, directories (recursively) or standard input for sensitive data.
    ///
    /// Exit codes: 0 nothing found, 1 findings, 2 an error, 3 an input named on the command
    /// line (or standard input) was not scanned: binary, or over --max-filesize. A skipped
    /// input is always named on stderr with the reason, counted in the summary and listed in
    /// JSON and SARIF output; binaries and large files found in a directory walk are skipped
    /// quietly (counted) unless --report-skipped.
    Scan(ScanArgs),
    /// Write a redacted copy of a file or standard input.
    Redact(RedactArgs),
    /// List the built-in detectors.
    Detectors(DetectorsArgs),
    /// Score findings against a ground-truth file (precision, recall, F1 per detector).
    Eval(EvalArgs),
    /// Work with policy files.
    Policy(PolicyArgs),
    /// Verify, query and checkpoint audit logs; make checkpoint keys.
    Audit(AuditArgs),
    /// Store, list, lease and revoke secrets in the key vault; rotate its master key.
    Vault(VaultArgs),
    /// Issue, list, verify, revoke and rotate API keys for callers.
    Keys(KeysArgs),
    /// Run the DLP gateway: an OpenAI- and Anthropic-compatible proxy in front of AI providers.
    Gateway(GatewayArgs),
    /// The gateway's web console: sign-in links for its members.
    Console(ConsoleArgs),
}

#[derive(Debug, Args)]
pub struct ConsoleArgs {
    #[command(subcommand)]
    pub command: ConsoleCommand,
}

#[derive(Debug, Subcommand)]
pub enum ConsoleCommand {
    /// Print a one-time sign-in link that makes EMAIL a member of a tenant with a role (the
    /// first owner's way in; owners invite the others from the console).
    Invite {
        /// The gateway's configuration file (its [console] section).
        #[arg(long, value_name = "FILE")]
        config: PathBuf,
        /// The tenant.
        #[arg(long, default_value = "default")]
        tenant: String,
        /// owner, admin or member.
        #[arg(long, default_value = "member")]
        role: String,
        /// Their e-mail address (what they are known by in the console and the audit log).
        email: String,
    },
}

#[derive(Debug, Args)]
pub struct GatewayArgs {
    /// The gateway's configuration file (TOML).
    #[arg(long, value_name = "FILE")]
    pub config: PathBuf,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// path:line:column, detector, masked preview; coloured on a terminal.
    Text,
    /// One JSON object per finding (a stable contract).
    Jsonl,
    /// One JSON document with findings, errors and a summary.
    Json,
    /// SARIF 2.1.0 for code-scanning tools.
    Sarif,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// Which detectors to run.
#[derive(Debug, Args)]
pub struct DetectorArgs {
    /// Run only these detectors (comma-separated ids; see `dlpjet detectors`).
    #[arg(long, value_delimiter = ',', value_name = "IDS")]
    pub detectors: Vec<String>,
    /// Do not run these detectors.
    #[arg(long, value_delimiter = ',', value_name = "IDS")]
    pub exclude_detectors: Vec<String>,
    /// Drop findings below this confidence (0 to 1).
    #[arg(long, value_name = "X")]
    pub min_confidence: Option<f32>,
    /// Apply this policy file: it decides which detectors run and each finding's action.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["detectors", "exclude_detectors", "min_confidence"])]
    pub policy: Option<PathBuf>,
    /// The policy's tenant to apply.
    #[arg(long, value_name = "NAME", requires = "policy", default_value = "default")]
    pub tenant: String,
    /// Which of the policy's detectors run: those for inbound (request) text, outbound
    /// (response) text, or all of them.
    #[arg(long, value_enum, requires = "policy", default_value_t = DirectionArg::Both)]
    pub direction: DirectionArg,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum DirectionArg {
    Inbound,
    Outbound,
    Both,
}

#[derive(Debug, Args)]
pub struct PolicyArgs {
    #[command(subcommand)]
    pub command: PolicyCommand,
}

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Validate a policy file and print what it compiles to.
    Check(PolicyCheckArgs),
    /// Say why each candidate in the files was reported or not, or with `--stats` how each
    /// detector (an imported rule, say) fared: candidates, reported, and why the rest were
    /// dropped (entropy, other checks, allowlists, no keyword nearby, examples, overlaps).
    Explain(PolicyExplainArgs),
}

#[derive(Debug, Args)]
pub struct PolicyExplainArgs {
    /// The policy file.
    pub policy: PathBuf,
    /// The files to explain (each is read whole).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// The policy's tenant.
    #[arg(long, value_name = "NAME", default_value = "default")]
    pub tenant: String,
    /// Which of the policy's detectors run.
    #[arg(long, value_enum, default_value_t = DirectionArg::Both)]
    pub direction: DirectionArg,
    /// Print one line per detector with its counts over all the files, instead of one line
    /// per candidate.
    #[arg(long)]
    pub stats: bool,
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    #[command(subcommand)]
    pub command: AuditCommand,
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check a log offline: records, hash chain, Merkle tree, segments, signed checkpoints.
    /// Exit 0 when it verifies, 1 when it does not (the first bad record is named), 2 on error.
    Verify(AuditVerifyArgs),
    /// Print the events that match, oldest first, as JSON lines or CSV (streamed).
    Query(AuditQueryArgs),
    /// Sign a checkpoint of the log now and print it (one JSON line, to keep elsewhere and
    /// pass to `verify --checkpoint` later). The log must not be open in another process.
    Checkpoint(AuditCheckpointArgs),
    /// Make an Ed25519 key pair for checkpoints: FILE (the secret seed, mode 0600) and FILE.pub.
    Keygen(AuditKeygenArgs),
}

#[derive(Debug, Args)]
pub struct AuditVerifyArgs {
    /// The log directories (one per gateway instance, say); each is verified on its own.
    #[arg(required = true)]
    pub dirs: Vec<PathBuf>,
    /// The public key checkpoints must be signed with (written by `audit keygen` as FILE.pub).
    #[arg(long)]
    pub public_key: Option<PathBuf>,
    /// A file of checkpoints kept outside the log (JSON lines, as `audit checkpoint` prints).
    #[arg(long)]
    pub checkpoint: Vec<PathBuf>,
    /// With --public-key, accept records no signed checkpoint covers yet (a log being written)
    /// with a warning; by default they fail, since they cannot be told from forged ones.
    #[arg(long)]
    pub allow_unsigned_tail: bool,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum AuditFormat {
    Jsonl,
    Csv,
}

#[derive(Debug, Args)]
pub struct AuditQueryArgs {
    /// The log directories. Several (one per gateway instance, say) are merged in time order,
    /// and each record then says which log it is from.
    #[arg(required = true)]
    pub dirs: Vec<PathBuf>,
    /// From this time on (RFC 3339 UTC, or a date: 2026-11-23).
    #[arg(long)]
    pub since: Option<String>,
    /// Before this time.
    #[arg(long)]
    pub until: Option<String>,
    #[arg(long)]
    pub tenant: Option<String>,
    #[arg(long)]
    pub actor: Option<String>,
    /// allow, warn, tokenize, redact, block, scan, policy_change, key_issued, key_revoked, vault_read,
    /// vault_write, login.
    #[arg(long)]
    pub action: Option<String>,
    /// Events with findings of this detector.
    #[arg(long)]
    pub detector: Option<String>,
    #[arg(long, value_enum, default_value = "jsonl")]
    pub format: AuditFormat,
}

#[derive(Debug, Args)]
pub struct AuditCheckpointArgs {
    /// The log directory.
    pub dir: PathBuf,
    /// The signing key (written by `audit keygen`).
    #[arg(long)]
    pub key: PathBuf,
}

#[derive(Debug, Args)]
pub struct AuditKeygenArgs {
    /// Where to write the secret key; the public key goes to FILE.pub. Existing files are
    /// never overwritten.
    pub file: PathBuf,
}

/// Where the vault is and how to open it.
#[derive(Debug, Args)]
pub struct VaultStore {
    /// The vault's SQLite file, or a PostgreSQL database shared by several gateways
    /// (postgresql://user@host:port/db; the password from the URL or PGPASSWORD).
    #[arg(long, env = "DLPJET_VAULT", default_value = "dlpjet-vault.db", global = true)]
    pub store: PathBuf,
    /// A file holding the master key (64 hex digits); otherwise DLPJET_VAULT_MASTER_KEY.
    #[arg(long, global = true)]
    pub master_key_file: Option<PathBuf>,
    /// An audit log directory that records every change these commands make (keys issued and
    /// revoked, secrets written, revoked and read by lease, master key rotations), never a
    /// value. A log of its own, as each gateway instance has: one a running gateway holds is
    /// refused, and then nothing is changed.
    #[arg(long, env = "DLPJET_AUDIT_DIR", global = true)]
    pub audit_dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct VaultArgs {
    #[command(flatten)]
    pub store: VaultStore,
    #[command(subcommand)]
    pub command: VaultCommand,
}

#[derive(Debug, Subcommand)]
pub enum VaultCommand {
    /// Create the vault (--store) under a new random master key and print the key (once): keep
    /// it in DLPJET_VAULT_MASTER_KEY or a key file (0600), never beside the vault. The only
    /// command that creates a store; the others refuse a store that is not there.
    Init,
    /// Store a new version of a secret; the value is read from standard input.
    Put {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        id: String,
        /// The user the secret belongs to (default: the whole tenant).
        #[arg(long)]
        user: Option<String>,
        /// Released to sessions through leases (default: proxied, never released).
        #[arg(long)]
        injected: bool,
    },
    /// List the secrets a tenant (or one of its users) may see; never values.
    List {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        user: Option<String>,
    },
    /// Lease an injected secret to a holder for a time; prints the lease id.
    Lease {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        id: String,
        #[arg(long)]
        user: Option<String>,
        #[arg(long)]
        holder: String,
        /// Seconds.
        #[arg(long, default_value_t = 900)]
        ttl: u64,
    },
    /// Print the value a live lease releases.
    ReadLease { lease: String },
    /// Revoke a secret (--id: the tenant-wide one; with --user, that user's; with
    /// --every-scope, all of them), a lease (--lease), everything of a user (--user), or of a
    /// tenant (--all). `--id` alone is refused when users have their own secret of that id.
    Revoke {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        id: Option<String>,
        #[arg(long)]
        lease: Option<String>,
        #[arg(long)]
        user: Option<String>,
        /// With --id: revoke the secret in every scope, tenant-wide and every user's.
        #[arg(long, requires = "id")]
        every_scope: bool,
        #[arg(long)]
        all: bool,
    },
    /// Rotate the master key: rewrap every data key under the key in --new-key-file.
    /// Interrupted, it can be run again; readers holding both keys keep working.
    Rotate {
        #[arg(long)]
        new_key_file: PathBuf,
    },
}

#[derive(Debug, Args)]
pub struct KeysArgs {
    #[command(flatten)]
    pub store: VaultStore,
    #[command(subcommand)]
    pub command: KeysCommand,
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Issue a key; it is printed once and stored only as a hash.
    Create {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        user: String,
        /// owner, admin or member.
        #[arg(long, default_value = "member")]
        role: String,
        /// Seconds until it expires.
        #[arg(long)]
        ttl: Option<u64>,
        /// Requests per minute through the gateway (instead of its per-key default).
        #[arg(long)]
        rate: Option<u32>,
        /// Spending cap in the gateway's budget window (the tenant's cap still applies).
        #[arg(long)]
        budget: Option<f64>,
    },
    /// List a tenant's keys (ids, users, roles, limits, state); never secrets.
    List {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        user: Option<String>,
    },
    /// Check a key read from standard input: exit 0 and its owner, or exit 1.
    Verify,
    /// Revoke a key by id.
    Revoke {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        id: String,
    },
    /// Issue a replacement (printed once) and revoke the old key.
    Rotate {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        id: String,
    },
}

#[derive(Debug, Args)]
pub struct PolicyCheckArgs {
    /// The policy file.
    pub file: PathBuf,
    /// Print the summary as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Files or directories to scan; standard input when none is given or for `-`.
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Print the raw matched values (never printed otherwise).
    #[arg(long)]
    pub show_values: bool,
    #[command(flatten)]
    pub detect: DetectorArgs,
    /// Worker threads (default: all cores).
    #[arg(long, short = 'j', value_name = "N")]
    pub threads: Option<usize>,
    /// Skip files larger than this (bytes, or with K, M, G suffix).
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub max_filesize: Option<u64>,
    /// Also scan hidden files and directories.
    #[arg(long)]
    pub hidden: bool,
    /// Do not honour .gitignore, .ignore and git exclude files.
    #[arg(long)]
    pub no_ignore: bool,
    /// Also scan binary files (files with a NUL byte in their first 8 KiB).
    #[arg(long)]
    pub binary: bool,
    /// Name on stderr every file a directory walk skipped (binary, or over --max-filesize);
    /// inputs named on the command line are always named.
    #[arg(long)]
    pub report_skipped: bool,
    /// When to colour text output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Never show the progress bar and summary, even on a terminal.
    #[arg(long)]
    pub no_progress: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum StyleArg {
    /// `[CREDIT_CARD]`
    Label,
    /// Every character becomes `*`.
    Mask,
    /// Mask all but the last `--keep-last` letters and digits.
    Partial,
    /// A keyed HMAC pseudonym (key from `--pseudonym-key-env`).
    Pseudonym,
    /// Remove the value.
    Remove,
}

#[derive(Debug, Args)]
pub struct RedactArgs {
    /// The file to redact; standard input when absent or `-`.
    pub input: Option<PathBuf>,
    /// Write to this file (atomically: a temporary file renamed into place).
    #[arg(short = 'o', long, value_name = "FILE", conflicts_with = "in_place")]
    pub output: Option<PathBuf>,
    /// Rewrite the input file atomically (temporary file, fsync, rename).
    #[arg(long)]
    pub in_place: bool,
    /// How findings are rewritten.
    #[arg(long, value_enum, default_value_t = StyleArg::Label)]
    pub style: StyleArg,
    /// For `--style partial`: how many trailing letters or digits stay visible.
    #[arg(long, default_value_t = 4, value_name = "N")]
    pub keep_last: usize,
    /// For `--style pseudonym`: the environment variable holding the key (at least 16 bytes).
    #[arg(long, value_name = "VAR")]
    pub pseudonym_key_env: Option<String>,
    #[command(flatten)]
    pub detect: DetectorArgs,
}

#[derive(Debug, Args)]
pub struct DetectorsArgs {
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct EvalArgs {
    /// The ground-truth file (JSON lines: file, detector or negative, start, end).
    #[arg(long, value_name = "FILE")]
    pub truth: PathBuf,
    /// The directory the truth file's paths are relative to (default: the truth file's directory).
    pub path: Option<PathBuf>,
    /// Exit with 1 when any detector's F1 is below this.
    #[arg(long, value_name = "X")]
    pub min_f1: Option<f64>,
    /// Exit with 1 when any finding lands on a hard negative.
    #[arg(long)]
    pub no_negatives: bool,
}

/// Parses `1234`, `64K`, `10M`, `2G` (powers of 1024).
pub fn parse_size(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let (num, mult) = match s.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => {
            let m = match c.to_ascii_uppercase() {
                'K' => 1u64 << 10,
                'M' => 1 << 20,
                'G' => 1 << 30,
                _ => return Err(format!("{s:?}: unknown size suffix {c:?} (use K, M or G)")),
            };
            (&s[..i], m)
        }
        _ => (s, 1),
    };
    let n: u64 = num.parse().map_err(|_| format!("{s:?} is not a size (e.g. 1048576, 512K, 10M, 2G)"))?;
    n.checked_mul(mult).ok_or_else(|| format!("{s:?} is too large"))
}

#[cfg(test)]
mod tests {
    use super::parse_size;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("10"), Ok(10));
        assert_eq!(parse_size("64K"), Ok(65536));
        assert_eq!(parse_size("2m"), Ok(2 << 20));
        assert_eq!(parse_size("1G"), Ok(1 << 30));
        assert!(parse_size("1T").is_err());
        assert!(parse_size("x").is_err());
        assert!(parse_size("").is_err());
    }
}
