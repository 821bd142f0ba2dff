//! `sqlx::migrate!` embeds `migrations/` when the crate compiles; without this, a migration added
//! or changed later would not be in the next build.
fn main() {
    println!("cargo:rerun-if-changed=../../migrations");
}
