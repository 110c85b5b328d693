use dlpjet::policy::PolicySet;
fn main() {
    for path in std::env::args().skip(1) {
        match PolicySet::load(&path) {
            Ok(p) => {
                println!("{path}: ok, {} tenants", p.tenants().count());
                for r in p.imports() {
                    println!(
                        "  import {}: {} rules, {} loaded, {} skipped",
                        r.path.display(),
                        r.rules,
                        r.loaded.len(),
                        r.skipped.len()
                    );
                    for (id, why) in &r.skipped {
                        println!("    skip {id}: {why}");
                    }
                    for n in &r.notes {
                        println!("    note {n}");
                    }
                }
            }
            Err(e) => println!("{e}  [{}]", e.kind()),
        }
    }
}
