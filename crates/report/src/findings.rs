//! The per-resource findings the interchange formats (OCSF, ASFF) carry: one per resource ×
//! control, with where it lives and an identity that does not change from sweep to sweep.

use crate::{AccountReport, ControlReport, ResourceReport, SweepReport};
use mfa_evaluator::{ControlId, Standard};

/// One resource under one control of one account, with the sweep it was read in.
pub(crate) struct Finding<'a> {
    pub report: &'a SweepReport,
    pub account: &'a AccountReport,
    pub control: &'a ControlReport,
    pub resource: &'a ResourceReport,
}

impl Finding<'_> {
    /// Stable across sweeps: made only of the account, the control and the resource, so a
    /// SIEM or Security Hub updates the same finding night after night.
    pub fn uid(&self) -> String {
        format!(
            "mfa-auditor/{}/{}/{}",
            self.account.account_id, self.control.control_id, self.resource.resource_id
        )
    }

    /// The partition, from the resource's ARN (`arn:<partition>:…`).
    pub fn partition(&self) -> &str {
        arn_field(&self.resource.resource_id, 1).unwrap_or("aws")
    }

    /// A user pool's region from its ARN; IAM is global, so its resources take the region
    /// findings are imported into.
    pub fn region(&self) -> &str {
        arn_field(&self.resource.resource_id, 3)
            .filter(|region| !region.is_empty())
            .unwrap_or_else(|| self.report.sweep.import_region())
    }

    /// The standards of the control's related requirements, by name.
    pub fn standards(&self) -> Vec<&'static str> {
        self.control
            .control_id
            .standards()
            .into_iter()
            .map(Standard::name)
            .collect()
    }

    pub fn control_id(&self) -> ControlId {
        self.control.control_id
    }
}

fn arn_field(arn: &str, index: usize) -> Option<&str> {
    let mut fields = arn.split(':');
    (fields.next() == Some("arn"))
        .then(|| fields.nth(index - 1))
        .flatten()
}

/// Every resource finding of the report, account by account, control by control.
pub(crate) fn findings(report: &SweepReport) -> impl Iterator<Item = Finding<'_>> {
    report.accounts.iter().flat_map(move |account| {
        account.controls.iter().flat_map(move |control| {
            control.resources.iter().map(move |resource| Finding {
                report,
                account,
                control,
                resource,
            })
        })
    })
}

#[cfg(test)]
mod tests {
    use super::arn_field;

    #[test]
    fn arn_fields_are_read_by_position() {
        let pool = "arn:aws-cn:cognito-idp:cn-north-1:111111111111:userpool/cn-north-1_a";
        assert_eq!(arn_field(pool, 1), Some("aws-cn"));
        assert_eq!(arn_field(pool, 3), Some("cn-north-1"));
        assert_eq!(arn_field("arn:aws:iam::111111111111:root", 3), Some(""));
        assert_eq!(arn_field("not-an-arn", 1), None);
    }
}
