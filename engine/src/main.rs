//! The `kaowu` binary: parses the command line and hands over to [`kaowu::cli`].
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    kaowu::cli::main()
}
