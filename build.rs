//! Build script: records the target triple (the C tests compile for it) and sets the shared
//! object's link options.

fn main() {
    let target = std::env::var("TARGET").unwrap_or_default();
    println!("cargo:rustc-env=CBSTATUS_BUILD_TARGET={target}");
    if target.contains("linux") {
        // A PBX that unloads a module (dlclose) must not unmap code that thread-local
        // destructors of threads still running will call.
        println!("cargo:rustc-cdylib-link-arg=-Wl,-z,nodelete");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
