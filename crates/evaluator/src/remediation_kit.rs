//! The project's remediation kit (`deploy/remediation/`) as the recogniser's tests read it:
//! read from the repository when a test first asks, never embedded (the image is built
//! without `deploy/`).

use std::sync::LazyLock;

fn read(name: &str) -> String {
    let path = format!(
        "{}/../../deploy/remediation/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// `require-mfa-policy.json`: the identity policy that denies everything without MFA.
pub(crate) static REQUIRE_MFA_POLICY: LazyLock<String> =
    LazyLock::new(|| read("require-mfa-policy.json"));

/// `protect-mfa-scp.json`: the SCP that keeps MFA from being weakened.
pub(crate) static PROTECT_MFA_SCP: LazyLock<String> =
    LazyLock::new(|| read("protect-mfa-scp.json"));
