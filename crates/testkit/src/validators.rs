//! The command-line validators the suite checks shipped files with: `hadolint` and
//! `kubernetes-validate` from the test environment's Python packages
//! (tests/validators/requirements.txt), `promtool` from Debian's `prometheus`.
//!
//! A tool that is missing makes its test say it skipped and how to get the tool, so that a
//! developer's `cargo test` without them still runs the rest; under CI (`CI` set, as CI runs
//! `.ci/run`, which installs them all) a missing tool fails the test instead.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The tool `name`, from the test environment's virtualenv or the `PATH`; `None` after saying
/// it skipped (`install` says how to get it), except under CI, where it panics.
pub fn validator(name: &str, install: &str) -> Option<PathBuf> {
    let python = crate::python();
    let in_venv = Path::new(&python).parent().map(|bin| bin.join(name));
    let candidates = in_venv.into_iter().chain([PathBuf::from(name)]);
    for candidate in candidates {
        let runs = Command::new(&candidate)
            .arg("--version")
            .output()
            .is_ok_and(|output| output.status.success());
        if runs {
            return Some(candidate);
        }
    }
    let message = format!("`{name}` cannot run: {install}");
    assert!(
        std::env::var_os("CI").is_none(),
        "{message}. CI runs every validator: .ci/run installs it"
    );
    eprintln!("skipped: {message}");
    None
}
