//! Test-only exports (cargo feature `test-panic`), never in a release build.

use super::boundary::boundary_code;

/// TEST ONLY (built with the `test-panic` feature): panics inside the library. Proves the panic
/// boundary: returns `CB_E_PANIC` and sets the last error instead of unwinding into C.
#[no_mangle]
pub extern "C" fn cb_test_panic() -> i32 {
    boundary_code(|| panic!("cb_test_panic: deliberate panic to test the C boundary"))
}
