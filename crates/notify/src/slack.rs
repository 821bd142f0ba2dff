//! `format = "slack"`: the digest as a Slack message for an incoming webhook: the counts first,
//! then one line per item, at most [`SLACK_MAX_LINES`], the rest summed up. Plain text only:
//! names come from AWS accounts and IAM users, so `&`, `<` and `>` are escaped (no injected
//! link or @-mention), and links are not unfurled.

use crate::critical::stakes_line;
use crate::{ChangeKind, Digest};
use mfa_report::SweepReport;
use serde_json::{json, Value};

pub const SLACK_MAX_LINES: usize = 20;

pub fn render_slack(report: &SweepReport, digest: &Digest) -> Value {
    let mut lines: Vec<String> = Vec::new();
    // The most urgent first: they are what the message is cut after.
    for identity in &digest.critical {
        let stakes = identity
            .stakes
            .as_ref()
            .map(|s| format!(": {}", stakes_line(s)))
            .unwrap_or_default();
        lines.push(format!(
            "Critical: {} ({}) {}{stakes}",
            identity.account_name, identity.account_id, identity.resource_id
        ));
    }
    for change in &digest.changes {
        let what = match (change.change, &change.exception) {
            (ChangeKind::NewFailure, None) => "New failure".to_string(),
            (ChangeKind::NewFailure, Some(id)) => format!("New failure (accepted: exception {id})"),
            (ChangeKind::Resolved, _) => "Resolved".to_string(),
        };
        lines.push(format!(
            "{what}: {} ({}) {} {}",
            change.account_name, change.account_id, change.control_id, change.resource_id
        ));
    }
    for error in &digest.account_errors {
        lines.push(format!(
            "Account error: {} ({}) {} in {}: {}",
            error.account_name,
            error.account_id,
            error.operation,
            error.region,
            error.code.as_deref().unwrap_or("no error code")
        ));
    }
    for exception in &digest.exceptions {
        lines.push(format!(
            "Exception {}: {} (owner {}, last day {})",
            exception.state.as_str(),
            exception.id,
            exception.owner,
            exception.expires
        ));
    }
    let mut text = format!(
        "MFA audit{}: {} new failures, {} resolved, {} accounts now erroring, {} exceptions expiring or expired, {} identities now critical",
        report
            .sweep
            .organization_id
            .as_deref()
            .map(|org| format!(" of {org}"))
            .unwrap_or_default(),
        digest.new_failures(),
        digest.resolved(),
        digest.account_errors.len(),
        digest.exceptions.len(),
        digest.critical.len(),
    );
    let total = lines.len();
    for line in lines.iter().take(SLACK_MAX_LINES) {
        text.push_str("\n• ");
        text.push_str(line);
    }
    if total > SLACK_MAX_LINES {
        text.push_str(&format!(
            "\n…and {} more: mfa-auditor report --sweep {}",
            total - SLACK_MAX_LINES,
            report.sweep.id
        ));
    }
    json!({
        "text": escape(&text),
        "unfurl_links": false,
        "unfurl_media": false,
    })
}

/// Slack's three control characters, as its message formatting asks.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::Change;
    use chrono::{TimeZone, Utc};
    use mfa_evaluator::ControlId;
    use mfa_report::fixtures;

    fn digest(changes: usize, name: &str) -> Digest {
        Digest {
            changes: (0..changes)
                .map(|i| Change {
                    account_id: "222222222222".into(),
                    account_name: name.into(),
                    ou_path: "Root".into(),
                    control_id: ControlId::Iam5,
                    resource_id: format!("arn:aws:iam::222222222222:user/u{i}"),
                    change: ChangeKind::NewFailure,
                    exception: None,
                })
                .collect(),
            account_errors: Vec::new(),
            critical: Vec::new(),
            exceptions: Vec::new(),
        }
    }

    fn report() -> SweepReport {
        let started = Utc
            .with_ymd_and_hms(2026, 11, 30, 3, 0, 0)
            .single()
            .unwrap();
        SweepReport {
            schema_version: 1,
            sweep: fixtures::sweep_info("sweep-2", started),
            accounts: Vec::new(),
            as_of: None,
            control_counts: Vec::new(),
            changes_since_previous_sweep: Vec::new(),
            standards: Vec::new(),
        }
    }

    #[test]
    fn counts_first_then_at_most_twenty_lines_and_the_rest_summed_up() {
        let message = render_slack(&report(), &digest(23, "prod"));
        let text = message["text"].as_str().unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].contains("23 new failures, 0 resolved"), "{text}");
        assert_eq!(
            lines.iter().filter(|l| l.starts_with("• ")).count(),
            SLACK_MAX_LINES
        );
        assert!(lines[1]
            .contains("New failure: prod (222222222222) IAM.5 arn:aws:iam::222222222222:user/u0"));
        assert!(
            text.ends_with("…and 3 more: mfa-auditor report --sweep sweep-2"),
            "{text}"
        );
        assert_eq!(message["unfurl_links"], false);
    }

    #[test]
    fn names_cannot_inject_links_or_mentions() {
        let message = render_slack(
            &report(),
            &digest(1, "<!channel> <https://evil.example|login> & co"),
        );
        let text = message["text"].as_str().unwrap();
        assert!(!text.contains('<') && !text.contains('>'), "{text}");
        assert!(
            text.contains("&lt;!channel&gt; &lt;https://evil.example|login&gt; &amp; co"),
            "{text}"
        );
    }

    #[test]
    fn hostile_ou_and_account_names_are_escaped_for_slack() {
        use mfa_report::fixtures::{FORMULA_NAMES, HOSTILE_OU};
        let name = format!("<@U123>{}", FORMULA_NAMES[0]);
        let mut digest = digest(1, &name);
        digest.changes[0].ou_path = format!("Root/<!here>{HOSTILE_OU}");
        digest.account_errors = vec![crate::AccountError {
            account_id: "333333333333".into(),
            account_name: format!("{}<#C1>", FORMULA_NAMES[1]),
            ou_path: format!("Root/{HOSTILE_OU}"),
            operation: "sts:AssumeRole".into(),
            region: "us-east-1".into(),
            code: Some("AccessDenied".into()),
            message: "denied".into(),
        }];
        let message = render_slack(&report(), &digest);
        let text = message["text"].as_str().unwrap();
        assert!(!text.contains('<') && !text.contains('>'), "{text}");
        for shown in [
            "New failure: &lt;@U123&gt;=HYPERLINK(\"http://x\",\"y\") (222222222222)",
            "Account error: @SUM(1+1)&lt;#C1&gt; (333333333333)",
        ] {
            assert!(text.contains(shown), "{shown} in {text}");
        }
    }
}
