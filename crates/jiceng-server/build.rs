//! The binary carries `web/dist`: build again when the UI's build changes,
//! new files included (each build names its assets by their hashes).

fn main() {
    let dist = std::path::Path::new("../../web/dist");
    if dist.is_dir() {
        println!("cargo:rerun-if-changed=../../web/dist");
    } else {
        // No UI built yet: watch `web/` for the build to appear.
        println!("cargo:rerun-if-changed=../../web");
    }
}
