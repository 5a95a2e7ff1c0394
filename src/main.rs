//! The `gatehouse` binary.

use std::process::ExitCode;

fn main() -> ExitCode {
    match gatehouse::cli::main() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("gatehouse: {message}");
            ExitCode::FAILURE
        }
    }
}
