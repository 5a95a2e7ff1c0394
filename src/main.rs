//! The `gatehouse` binary.

use std::process::ExitCode;

fn main() -> ExitCode {
    few_malloc_arenas();
    let outcome = gatehouse::cli::main();
    gatehouse::logging::flush();
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("gatehouse: {message}");
            ExitCode::FAILURE
        }
    }
}

/// glibc gives each thread that allocates an arena of its own (up to eight per core) and keeps
/// what was freed in each: with a few dozen threads answering requests, resident memory grew
/// to three times what was in use. Two arenas serve two cores well enough.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn few_malloc_arenas() {
    const M_ARENA_MAX: std::ffi::c_int = -8;
    extern "C" {
        fn mallopt(param: std::ffi::c_int, value: std::ffi::c_int) -> std::ffi::c_int;
    }
    // SAFETY: mallopt only sets a tunable of glibc's allocator, before any thread is started.
    unsafe {
        mallopt(M_ARENA_MAX, 2);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn few_malloc_arenas() {}
