//! The `kaowu` binary: parses the command line and hands over to [`kaowu::cli`].
#![forbid(unsafe_code)]

/// mimalloc rather than glibc's malloc: under a closed loop of saves glibc's allocator was a sixth
/// of the server's CPU and kept freed memory resident (docs/performance.md, issue 16).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    kaowu::cli::main()
}
