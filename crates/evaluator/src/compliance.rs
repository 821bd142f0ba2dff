//! The compliance mapping: for each control, the framework requirements Security Hub relates it
//! to. Pure data, copied from AWS's Security Hub control reference ("Related requirements") and
//! checked line by line in `docs/compliance.md`, which says where each line comes from.

use crate::ControlId;
use std::fmt;

/// A framework version whose requirements a control is related to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Standard {
    CisV120,
    CisV140,
    CisV300,
    CisV500,
    PciDssV321,
    PciDssV401,
    Nist80053R5,
    Nist800171R2,
}

impl Standard {
    pub const ALL: [Standard; 8] = [
        Standard::CisV120,
        Standard::CisV140,
        Standard::CisV300,
        Standard::CisV500,
        Standard::PciDssV321,
        Standard::PciDssV401,
        Standard::Nist80053R5,
        Standard::Nist800171R2,
    ];

    /// The name Security Hub uses, the part of a related requirement before its item.
    pub fn name(self) -> &'static str {
        match self {
            Standard::CisV120 => "CIS AWS Foundations Benchmark v1.2.0",
            Standard::CisV140 => "CIS AWS Foundations Benchmark v1.4.0",
            Standard::CisV300 => "CIS AWS Foundations Benchmark v3.0.0",
            Standard::CisV500 => "CIS AWS Foundations Benchmark v5.0.0",
            Standard::PciDssV321 => "PCI DSS v3.2.1",
            Standard::PciDssV401 => "PCI DSS v4.0.1",
            Standard::Nist80053R5 => "NIST.800-53.r5",
            Standard::Nist800171R2 => "NIST.800-171.r2",
        }
    }

    /// Security Hub writes CIS and PCI items after a slash, NIST items after a space.
    fn separator(self) -> char {
        match self {
            Standard::Nist80053R5 | Standard::Nist800171R2 => ' ',
            _ => '/',
        }
    }

    /// Whether a user's `--framework` names this standard: a case-insensitive prefix of its
    /// name ("CIS", "pci dss v4", "NIST.800-53").
    pub fn matches(self, framework: &str) -> bool {
        let framework = framework.trim();
        !framework.is_empty()
            && self
                .name()
                .to_ascii_lowercase()
                .starts_with(&framework.to_ascii_lowercase())
    }
}

impl fmt::Display for Standard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One requirement of one standard, e.g. CIS AWS Foundations Benchmark v1.4.0 item 1.5.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Requirement {
    pub standard: Standard,
    pub item: &'static str,
}

impl fmt::Display for Requirement {
    /// Security Hub's spelling: `CIS AWS Foundations Benchmark v1.4.0/1.5`,
    /// `PCI DSS v3.2.1/8.3.1`, `NIST.800-53.r5 IA-2(1)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}{}{}",
            self.standard.name(),
            self.standard.separator(),
            self.item
        )
    }
}

const fn req(standard: Standard, item: &'static str) -> Requirement {
    Requirement { standard, item }
}

use Standard::*;

/// The NIST SP 800-53 r5 controls Security Hub relates to every MFA control on IAM.
const NIST_MFA: [Requirement; 6] = [
    req(Nist80053R5, "AC-2(1)"),
    req(Nist80053R5, "AC-3(15)"),
    req(Nist80053R5, "IA-2(1)"),
    req(Nist80053R5, "IA-2(2)"),
    req(Nist80053R5, "IA-2(6)"),
    req(Nist80053R5, "IA-2(8)"),
];

const IAM_9: [Requirement; 12] = [
    req(CisV120, "1.13"),
    req(CisV140, "1.5"),
    req(CisV300, "1.5"),
    req(CisV500, "1.4"),
    req(PciDssV321, "8.3.1"),
    req(PciDssV401, "8.4.2"),
    NIST_MFA[0],
    NIST_MFA[1],
    NIST_MFA[2],
    NIST_MFA[3],
    NIST_MFA[4],
    NIST_MFA[5],
];

const IAM_6: [Requirement; 12] = [
    req(CisV120, "1.14"),
    req(CisV140, "1.6"),
    req(CisV300, "1.6"),
    req(CisV500, "1.5"),
    req(PciDssV321, "8.3.1"),
    req(PciDssV401, "8.4.2"),
    NIST_MFA[0],
    NIST_MFA[1],
    NIST_MFA[2],
    NIST_MFA[3],
    NIST_MFA[4],
    NIST_MFA[5],
];

const IAM_5: [Requirement; 11] = [
    req(CisV120, "1.2"),
    req(CisV140, "1.10"),
    req(CisV300, "1.10"),
    req(CisV500, "1.9"),
    req(PciDssV401, "8.4.2"),
    NIST_MFA[0],
    NIST_MFA[1],
    NIST_MFA[2],
    NIST_MFA[3],
    NIST_MFA[4],
    NIST_MFA[5],
];

const IAM_19: [Requirement; 12] = [
    req(PciDssV321, "8.3.1"),
    req(PciDssV401, "8.4.2"),
    NIST_MFA[0],
    NIST_MFA[1],
    NIST_MFA[2],
    NIST_MFA[3],
    NIST_MFA[4],
    NIST_MFA[5],
    req(Nist800171R2, "3.3.8"),
    req(Nist800171R2, "3.5.3"),
    req(Nist800171R2, "3.5.4"),
    req(Nist800171R2, "3.7.5"),
];

impl ControlId {
    /// The requirements Security Hub relates the control to, in standard order. Cognito.5 has
    /// none in Security Hub's reference.
    pub fn related_requirements(self) -> &'static [Requirement] {
        match self {
            ControlId::Iam9 => &IAM_9,
            ControlId::Iam6 => &IAM_6,
            ControlId::Iam5 => &IAM_5,
            ControlId::Iam19 => &IAM_19,
            ControlId::Cognito5 => &[],
        }
    }

    /// The standards among its related requirements, each once, in order.
    pub fn standards(self) -> Vec<Standard> {
        let mut standards: Vec<Standard> = self
            .related_requirements()
            .iter()
            .map(|r| r.standard)
            .collect();
        standards.sort();
        standards.dedup();
        standards
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requirements_are_spelled_as_security_hub_spells_them() {
        let iam9: Vec<String> = ControlId::Iam9
            .related_requirements()
            .iter()
            .map(ToString::to_string)
            .collect();
        for expected in [
            "CIS AWS Foundations Benchmark v1.2.0/1.13",
            "CIS AWS Foundations Benchmark v1.4.0/1.5",
            "CIS AWS Foundations Benchmark v3.0.0/1.5",
            "CIS AWS Foundations Benchmark v5.0.0/1.4",
            "PCI DSS v3.2.1/8.3.1",
            "NIST.800-53.r5 IA-2(1)",
        ] {
            assert!(iam9.iter().any(|r| r == expected), "{expected} in {iam9:?}");
        }
    }

    #[test]
    fn each_control_lists_each_requirement_once_in_standard_order() {
        for control in ControlId::ALL {
            let requirements = control.related_requirements();
            let mut sorted = requirements.to_vec();
            sorted.sort();
            sorted.dedup();
            assert_eq!(sorted, requirements, "{control}");
        }
    }

    #[test]
    fn a_framework_names_standards_by_case_insensitive_prefix() {
        let cis: Vec<Standard> = Standard::ALL
            .into_iter()
            .filter(|s| s.matches("cis"))
            .collect();
        assert_eq!(cis, [CisV120, CisV140, CisV300, CisV500]);
        assert!(PciDssV401.matches("PCI DSS v4"));
        assert!(!PciDssV321.matches("PCI DSS v4"));
        assert!(!Nist80053R5.matches(" "));
    }
}
