//! Writes a benchmark haystack as files of 1 MiB, so that two builds' `enginescan` can be
//! timed on the same bytes in one paired run (benches/paired.py).
//!
//!   cargo run --release -p dlpjet-benches --bin hay -- mixed|dense|encoded MIB OUT_DIR

use std::path::PathBuf;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [kind, mib, out] = &args[..] else {
        eprintln!("usage: hay mixed|dense|encoded MIB OUT_DIR");
        std::process::exit(2);
    };
    let Ok(mib) = mib.parse::<usize>() else {
        eprintln!("hay: MIB must be a whole number, not {mib:?}");
        std::process::exit(2);
    };
    let hay = match kind.as_str() {
        "mixed" => dlpjet_benches::mixed(mib << 20),
        "dense" => dlpjet_benches::dense(mib << 20),
        "encoded" => dlpjet_benches::encoded(mib << 20),
        other => {
            eprintln!("hay: unknown haystack {other:?} (mixed, dense or encoded)");
            std::process::exit(2);
        }
    };
    let out = PathBuf::from(out);
    if let Err(e) = std::fs::create_dir_all(&out) {
        eprintln!("hay: {}: {e}", out.display());
        std::process::exit(1);
    }
    for (i, part) in hay.chunks(1 << 20).enumerate() {
        let path = out.join(format!("{kind}-{i:04}.txt"));
        if let Err(e) = std::fs::write(&path, part) {
            eprintln!("hay: {}: {e}", path.display());
            std::process::exit(1);
        }
    }
    eprintln!("wrote {} bytes of {kind} to {}", hay.len(), out.display());
}
