//! Gives the shared library its soname, so that programs linked against `libdlpjet.so` load
//! `libdlpjet.so.0` at run time (the name `make install` puts in place).

fn main() {
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libdlpjet.so.0");
    println!("cargo:rerun-if-changed=build.rs");
}
