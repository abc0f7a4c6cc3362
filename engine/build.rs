//! Rebuilds when a migration is added: `sqlx::migrate!` embeds the folders' files at build time,
//! and the compiler watches only the files that existed then.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
