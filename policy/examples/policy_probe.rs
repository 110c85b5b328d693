//! Loads policy files and reports what each compiled to, or the first error; with `--time`
//! also scans a file with each tenant and prints the rate; with `--stream BYTES` as well, also
//! the rate of a streamed decision pushed in chunks of that size.
use dlpjet_policy::{Direction, PolicySet};
use std::time::Instant;

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let sample = args.iter().position(|a| a == "--time").map(|i| {
        args.remove(i);
        std::fs::read(args.remove(i)).expect("readable sample")
    });
    let chunk: Option<usize> = args.iter().position(|a| a == "--stream").map(|i| {
        args.remove(i);
        args.remove(i).parse().expect("a chunk size in bytes")
    });
    for path in args {
        let t = Instant::now();
        match PolicySet::load(&path) {
            Ok(p) => {
                println!("{path}: ok, {} tenants, loaded in {:?}", p.tenants().count(), t.elapsed());
                for r in p.imports() {
                    println!(
                        "  import {}: {} rules, {} loaded, {} skipped",
                        r.path.display(),
                        r.rules,
                        r.loaded.len(),
                        r.skipped.len()
                    );
                }
                if let Some(s) = &sample {
                    for tenant in p.tenants() {
                        let t = Instant::now();
                        let d = tenant.evaluate(Direction::Both, s);
                        let secs = t.elapsed().as_secs_f64();
                        println!(
                            "  {}: {} findings, {:.3} MiB/s ({secs:.3} s)",
                            tenant.name(),
                            d.findings.len(),
                            s.len() as f64 / secs / 1048576.0
                        );
                        if let Some(n) = chunk {
                            let t = Instant::now();
                            let mut st = tenant.stream(Direction::Both);
                            let mut out = Vec::with_capacity(s.len());
                            for part in s.chunks(n) {
                                let _ = st.push(part, &mut out);
                            }
                            let streamed = st.finish(&mut out);
                            let ssecs = t.elapsed().as_secs_f64();
                            println!(
                                "  {} streamed in {n}-byte chunks: {} findings, {:.3} MiB/s ({ssecs:.3} s), {:.2} of one-shot",
                                tenant.name(),
                                streamed.findings.len(),
                                s.len() as f64 / ssecs / 1048576.0,
                                secs / ssecs
                            );
                        }
                    }
                }
            }
            Err(e) => println!("{e}  [{}]", e.kind()),
        }
    }
}
