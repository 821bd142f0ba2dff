//! MFA coverage over time, as the `mfa_coverage` view keeps it: per sweep, control and top-level
//! OU, the identities a control assesses (root users, IAM users, console users, user pools) and
//! how many of them have MFA. The organization is the sum over its top-level OUs.

use chrono::{DateTime, Utc};
use mfa_evaluator::ControlId;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One `mfa_coverage` row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoveragePoint {
    pub sweep_id: String,
    pub sweep_started_at: DateTime<Utc>,
    pub control_id: ControlId,
    pub top_level_ou: String,
    pub accounts_assessed: u32,
    pub in_scope: u32,
    pub with_mfa: u32,
    /// Of `in_scope`, those with a phishing-resistant device (the `mfa_strength` view); `None`
    /// where it was not read (sweeps from before, `[audit] mfa_devices` off, controls it does
    /// not apply to).
    #[serde(default)]
    pub phishing_resistant: Option<u32>,
}

/// Identities in scope of a control, and how many have MFA.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Coverage {
    pub in_scope: u64,
    pub with_mfa: u64,
}

impl Coverage {
    /// The share with MFA, from 0 to 1; `None` when nothing is in scope.
    pub fn share(self) -> Option<f64> {
        (self.in_scope > 0).then(|| self.with_mfa as f64 / self.in_scope as f64)
    }

    fn add(&mut self, point: &CoveragePoint) {
        self.in_scope += u64::from(point.in_scope);
        self.with_mfa += u64::from(point.with_mfa);
    }
}

/// One line of a chart: a coverage per sweep, in time order.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub label: String,
    pub points: Vec<(DateTime<Utc>, Coverage)>,
}

impl Series {
    pub fn latest(&self) -> Option<Coverage> {
        self.points.last().map(|(_, coverage)| *coverage)
    }

    pub fn first(&self) -> Option<Coverage> {
        self.points.first().map(|(_, coverage)| *coverage)
    }
}

/// A control's coverage: the organization's line, then one per top-level OU by name.
#[derive(Debug, Clone, PartialEq)]
pub struct ControlCoverage {
    pub control_id: ControlId,
    pub organization: Series,
    pub ous: Vec<Series>,
}

/// Groups `mfa_coverage` rows into each control's lines, in the catalogue's control order.
/// An OU absent from a sweep (no account of it assessed then) has no point for that sweep.
pub fn by_control(points: &[CoveragePoint]) -> Vec<ControlCoverage> {
    ControlId::ALL
        .iter()
        .filter_map(|&control_id| {
            let mut organization: BTreeMap<(DateTime<Utc>, &str), Coverage> = BTreeMap::new();
            let mut ous: BTreeMap<&str, BTreeMap<(DateTime<Utc>, &str), Coverage>> =
                BTreeMap::new();
            for point in points.iter().filter(|p| p.control_id == control_id) {
                let sweep = (point.sweep_started_at, point.sweep_id.as_str());
                organization.entry(sweep).or_default().add(point);
                ous.entry(point.top_level_ou.as_str())
                    .or_default()
                    .entry(sweep)
                    .or_default()
                    .add(point);
            }
            if organization.is_empty() {
                return None;
            }
            let series = |label: &str, sweeps: BTreeMap<(DateTime<Utc>, &str), Coverage>| Series {
                label: label.to_string(),
                points: sweeps
                    .into_iter()
                    .map(|((at, _), coverage)| (at, coverage))
                    .collect(),
            };
            Some(ControlCoverage {
                control_id,
                organization: series("Organization", organization),
                ous: ous
                    .into_iter()
                    .map(|(label, sweeps)| series(label, sweeps))
                    .collect(),
            })
        })
        .collect()
}

/// Phishing-resistant coverage, as [`by_control`] groups MFA coverage: for IAM.5 and IAM.19,
/// the identities in scope and those with a FIDO security key or passkey (in `with_mfa`), at the
/// sweeps where every OU read the devices. A sweep where any OU did not is left out whole: its
/// organization line would be a partial sum, invented.
pub fn phishing_resistant_by_control(points: &[CoveragePoint]) -> Vec<ControlCoverage> {
    let unread: std::collections::HashSet<(&str, ControlId)> = points
        .iter()
        .filter(|p| p.phishing_resistant.is_none())
        .map(|p| (p.sweep_id.as_str(), p.control_id))
        .collect();
    let read: Vec<CoveragePoint> = points
        .iter()
        .filter(|p| matches!(p.control_id, ControlId::Iam5 | ControlId::Iam19))
        .filter(|p| !unread.contains(&(p.sweep_id.as_str(), p.control_id)))
        .filter_map(|p| {
            Some(CoveragePoint {
                with_mfa: p.phishing_resistant?,
                ..p.clone()
            })
        })
        .collect();
    by_control(&read)
}

/// Whether the sweep `sweep_id` read phishing resistance for `control` (IAM.5 or IAM.19):
/// `Some(false)` when a row of it did not, so [`phishing_resistant_by_control`] leaves it out
/// and a chart of it shows other sweeps only; `None` when the sweep has no row of the control
/// (coverage is counted when a sweep ends).
pub fn phishing_resistant_read_in(
    points: &[CoveragePoint],
    sweep_id: &str,
    control: ControlId,
) -> Option<bool> {
    let mut rows = points
        .iter()
        .filter(|p| p.sweep_id == sweep_id && p.control_id == control)
        .peekable();
    rows.peek()?;
    Some(rows.all(|p| p.phishing_resistant.is_some()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn point(
        day: u32,
        control: ControlId,
        ou: &str,
        in_scope: u32,
        with_mfa: u32,
    ) -> CoveragePoint {
        CoveragePoint {
            sweep_id: format!("sweep-{day}"),
            sweep_started_at: Utc
                .with_ymd_and_hms(2026, 6, day, 3, 0, 0)
                .single()
                .expect("a valid date"),
            control_id: control,
            top_level_ou: ou.to_string(),
            accounts_assessed: 1,
            in_scope,
            with_mfa,
            phishing_resistant: None,
        }
    }

    #[test]
    fn the_organization_is_the_sum_of_its_ous_per_sweep_and_ous_keep_their_own_lines() {
        let points = vec![
            point(2, ControlId::Iam5, "Workloads", 4, 1),
            point(1, ControlId::Iam5, "Workloads", 4, 2),
            point(1, ControlId::Iam5, "Sandbox", 6, 6),
            point(2, ControlId::Iam5, "Sandbox", 6, 3),
            point(2, ControlId::Iam9, "Sandbox", 1, 0),
        ];
        let controls = by_control(&points);
        assert_eq!(
            controls.iter().map(|c| c.control_id).collect::<Vec<_>>(),
            vec![ControlId::Iam9, ControlId::Iam5]
        );
        let iam5 = &controls[1];
        let org: Vec<_> = iam5.organization.points.iter().map(|(_, c)| *c).collect();
        assert_eq!(
            org,
            vec![
                Coverage {
                    in_scope: 10,
                    with_mfa: 8
                },
                Coverage {
                    in_scope: 10,
                    with_mfa: 4
                }
            ]
        );
        assert_eq!(iam5.ous[0].label, "Sandbox");
        assert_eq!(
            iam5.ous[1].latest(),
            Some(Coverage {
                in_scope: 4,
                with_mfa: 1
            })
        );
        assert_eq!(iam5.ous[1].first().and_then(Coverage::share), Some(0.5));
        assert_eq!(Coverage::default().share(), None);
    }

    #[test]
    fn phishing_resistance_is_drawn_for_iam_users_at_the_sweeps_every_ou_read_it() {
        let read = |mut p: CoveragePoint, strong: Option<u32>| {
            p.phishing_resistant = strong;
            p
        };
        let points = vec![
            // Day 1: read nowhere (a version from before). Day 2: everywhere. Day 3: one OU
            // did not read it, so the organization's sum would be partial.
            read(point(1, ControlId::Iam19, "Sandbox", 4, 2), None),
            read(point(1, ControlId::Iam19, "Workloads", 6, 3), None),
            read(point(2, ControlId::Iam19, "Sandbox", 4, 2), Some(1)),
            read(point(2, ControlId::Iam19, "Workloads", 6, 3), Some(2)),
            read(point(3, ControlId::Iam19, "Sandbox", 4, 2), Some(1)),
            read(point(3, ControlId::Iam19, "Workloads", 6, 3), None),
            // Root users: never drawn, whatever a row says.
            read(point(2, ControlId::Iam9, "Sandbox", 1, 1), Some(0)),
        ];
        let controls = phishing_resistant_by_control(&points);
        assert_eq!(
            controls.iter().map(|c| c.control_id).collect::<Vec<_>>(),
            vec![ControlId::Iam19]
        );
        let read_in = |day: u32| {
            phishing_resistant_read_in(&points, &format!("sweep-{day}"), ControlId::Iam19)
        };
        assert_eq!(
            (read_in(1), read_in(2), read_in(3), read_in(4)),
            (Some(false), Some(true), Some(false), None)
        );
        let org: Vec<_> = controls[0]
            .organization
            .points
            .iter()
            .map(|(_, c)| *c)
            .collect();
        assert_eq!(
            org,
            vec![Coverage {
                in_scope: 10,
                with_mfa: 3
            }]
        );
    }
}
