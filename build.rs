//! Build script: records the target triple (the C tests compile for it) and sets the shared
//! object's link options.

fn main() {
    let target = std::env::var("TARGET").unwrap_or_default();
    println!("cargo:rustc-env=CBSTATUS_BUILD_TARGET={target}");
    if target.contains("linux") {
        // A PBX that unloads a module (dlclose) must not unmap code that thread-local
        // destructors of threads still running will call.
        println!("cargo:rustc-cdylib-link-arg=-Wl,-z,nodelete");
        // A versioned shared object: programs record libcbstatus.so.0 and keep working when
        // a compatible release replaces the file. Bump with the ABI (0 while at 0.x); keep it
        // equal to `version_suffix_components` in [package.metadata.capi.library] (cargo-c
        // passes the same -soname; tests/packaging.rs checks both).
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libcbstatus.so.0");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
