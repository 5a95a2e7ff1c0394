//! The `gatehouse` binary.

use std::process::ExitCode;

fn main() -> ExitCode {
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
