//! MFA coverage as an SVG line chart: time on x (each sweep at its start), the share with MFA on
//! y up to 100 %, the organization's line drawn bold with a marker per sweep whose tooltip gives
//! the date and the counts, and one thin line per top-level OU.
//!
//! MFA coverage's y axis starts at the tens of percent below the lowest share drawn (0 % when a
//! line goes that low) and ends at 100 %: coverage moves by a few percent, which a 0 to 100 %
//! axis flattens. Phishing-resistant coverage starts low (a few percent), so its axis runs from
//! 0 % to the highest share drawn rounded up, or its lines would lie on the axis. Each chart
//! says its axis's range.
//!
//! Inline SVG: no script, no font, nothing fetched; it prints as it shows.

use crate::coverage::{ControlCoverage, Coverage, Series};
use chrono::{DateTime, Utc};
use maud::{html, Markup};

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 240.0;
const LEFT: f64 = 48.0;
const RIGHT: f64 = 16.0;
/// Room above the plot for the line that says the axis's range.
const TOP: f64 = 20.0;
const BOTTOM: f64 = 28.0;
/// Date labels along the time axis, at most.
const DATE_TICKS: usize = 6;

/// The colours of OU lines, in turn; the organization is drawn in [`ORGANIZATION_COLOUR`].
pub(super) const OU_COLOURS: [&str; 8] = [
    "#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#1f78b4",
];
pub(super) const ORGANIZATION_COLOUR: &str = "#111111";

/// Maps sweep times and shares onto the plot area.
struct Scale {
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    /// The share at the bottom of the y axis, below every share drawn.
    floor: f64,
    /// The share at the top of the y axis, at or above every share drawn.
    ceiling: f64,
}

impl Scale {
    fn x(&self, at: DateTime<Utc>) -> f64 {
        let span = (self.to - self.from).num_seconds() as f64;
        let width = WIDTH - LEFT - RIGHT;
        if span <= 0.0 {
            return LEFT + width / 2.0;
        }
        LEFT + width * (at - self.from).num_seconds() as f64 / span
    }

    fn y(&self, share: f64) -> f64 {
        TOP + (HEIGHT - TOP - BOTTOM) * (self.ceiling - share) / (self.ceiling - self.floor)
    }

    /// The axis of a measure, for shares from `lowest` to `highest`: MFA coverage from below
    /// the lowest to 100 %; phishing-resistant coverage from 0 % to above the highest.
    fn shares(measure: Measure, lowest: f64, highest: f64) -> (f64, f64) {
        match measure {
            Measure::Mfa => (Scale::floor_for(lowest), 1.0),
            Measure::PhishingResistant => (0.0, Scale::ceiling_for(highest)),
        }
    }

    /// The floor for shares down to `lowest`: the tens of percent strictly below it (a line on
    /// the axis would hide in it), at most 90 %.
    fn floor_for(lowest: f64) -> f64 {
        (((lowest - 0.001) * 10.0).floor() / 10.0).clamp(0.0, 0.9)
    }

    /// The ceiling for shares up to `highest`: the first of 1, 2, 5, 10, 20, 50 and 100 %
    /// strictly above it (a line on the top grid line would read as the axis's end), 100 % at
    /// most.
    fn ceiling_for(highest: f64) -> f64 {
        [0.01, 0.02, 0.05, 0.1, 0.2, 0.5]
            .into_iter()
            .find(|&ceiling| highest < ceiling)
            .unwrap_or(1.0)
    }

    /// Five shares evenly spread from the floor to the ceiling, for the grid.
    fn share_ticks(&self) -> [f64; 5] {
        [0.0, 0.25, 0.5, 0.75, 1.0].map(|f| self.floor + (self.ceiling - self.floor) * f)
    }

    /// Up to [`DATE_TICKS`] times evenly spread from the first sweep to the last; no more
    /// than one a day over days.
    fn date_ticks(&self) -> Vec<DateTime<Utc>> {
        let span = self.to - self.from;
        if span.num_seconds() <= 0 {
            return vec![self.from];
        }
        let ticks = match span.num_days() {
            0 | 1 => DATE_TICKS,
            days => (days as usize + 1).min(DATE_TICKS),
        };
        (0..ticks)
            .map(|i| self.from + span * i as i32 / (ticks - 1) as i32)
            .collect()
    }

    /// How a time on the axis reads: the day over days, the time of day over hours.
    fn date_format(&self) -> &'static str {
        let span = self.to - self.from;
        if span >= chrono::Duration::days(2) {
            "%Y-%m-%d"
        } else if span >= chrono::Duration::hours(1) {
            "%m-%d %H:%M"
        } else {
            "%H:%M:%S"
        }
    }
}

/// `x,y` pairs for a polyline; sweeps where nothing was in scope leave the line out.
fn points(scale: &Scale, series: &Series) -> String {
    let mut out = String::with_capacity(series.points.len() * 12);
    for (at, coverage) in &series.points {
        if let Some(share) = coverage.share() {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(&format!("{:.1},{:.1}", scale.x(*at), scale.y(share)));
        }
    }
    out
}

/// A share on the axis: `5 %`, `62.5 %`, `0.25 %` (no more decimals than it has, at most two).
fn axis_label(share: f64) -> String {
    let text = format!("{:.2}", share * 100.0);
    let text = text.trim_end_matches('0').trim_end_matches('.');
    format!("{text} %")
}

pub(super) fn percent(coverage: Coverage) -> String {
    match coverage.share() {
        Some(share) => format!("{:.1} %", share * 100.0),
        None => "–".to_string(),
    }
}

/// The axis's range, said on the chart: `Axis 0 % to 5 % (the highest share, rounded up)`.
fn scale_note(measure: Measure, scale: &Scale) -> String {
    let why = match measure {
        Measure::Mfa => "from below the lowest share",
        Measure::PhishingResistant => "the highest share, rounded up; not to 100 %",
    };
    format!(
        "Axis {} to {} ({why})",
        axis_label(scale.floor),
        axis_label(scale.ceiling)
    )
}

/// What a chart's share measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Measure {
    /// MFA as the control requires it (`mfa_coverage`).
    Mfa,
    /// A phishing-resistant device: a FIDO security key or passkey (`mfa_strength`).
    PhishingResistant,
}

impl Measure {
    fn noun(self) -> &'static str {
        match self {
            Measure::Mfa => "with MFA",
            Measure::PhishingResistant => "with a phishing-resistant device",
        }
    }

    /// The `data-check` name of a chart's part, which the rendering test reads.
    pub(super) fn check(self, part: &str) -> String {
        match self {
            Measure::Mfa => part.to_string(),
            Measure::PhishingResistant => format!("phishing_resistant_{part}"),
        }
    }
}

/// The chart of one control's coverage.
pub(super) fn coverage_chart(control: &ControlCoverage, measure: Measure) -> Markup {
    let organization = &control.organization;
    let (Some(first), Some(last)) = (organization.points.first(), organization.points.last())
    else {
        return html! {};
    };
    let shares = || {
        std::iter::once(organization)
            .chain(&control.ous)
            .flat_map(|series| &series.points)
            .filter_map(|(_, coverage)| coverage.share())
    };
    let lowest = shares().fold(1.0, f64::min);
    let highest = shares().fold(0.0, f64::max);
    let (floor, ceiling) = Scale::shares(measure, lowest, highest);
    let scale = Scale {
        from: first.0,
        to: last.0,
        floor,
        ceiling,
    };
    let title = format!(
        "{}: share of in-scope identities {} per sweep, organization and top-level OUs",
        control.control_id.as_str(),
        measure.noun()
    );
    html! {
        svg class="chart" viewBox=(format!("0 0 {WIDTH} {HEIGHT}")) role="img"
            aria-label=(title) data-check=(measure.check("chart"))
            data-control=(control.control_id.as_str()) {
            title { (title) }
            text class="axis" x=(LEFT) y=(TOP - 8.0) data-check=(measure.check("scale"))
                data-control=(control.control_id.as_str()) {
                (scale_note(measure, &scale))
            }
            @for share in scale.share_ticks() {
                line class="grid" x1=(LEFT) x2=(WIDTH - RIGHT) y1=(scale.y(share))
                    y2=(scale.y(share)) {}
                text class="axis" x=(LEFT - 6.0) y=(scale.y(share) + 4.0) text-anchor="end" {
                    (axis_label(share))
                }
            }
            line class="axis-line" x1=(LEFT) x2=(WIDTH - RIGHT) y1=(HEIGHT - BOTTOM)
                y2=(HEIGHT - BOTTOM) {}
            @let date_format = scale.date_format();
            @for at in scale.date_ticks() {
                line class="axis-line" x1=(scale.x(at)) x2=(scale.x(at)) y1=(HEIGHT - BOTTOM)
                    y2=(HEIGHT - BOTTOM + 4.0) {}
                text class="axis" x=(scale.x(at)) y=(HEIGHT - 8.0) text-anchor="middle" {
                    (at.format(date_format))
                }
            }
            @for (index, ou) in control.ous.iter().enumerate() {
                polyline class="ou" fill="none" stroke=(OU_COLOURS[index % OU_COLOURS.len()])
                    points=(points(&scale, ou)) {
                    title { (ou.label) }
                }
            }
            polyline class="organization" fill="none" stroke=(ORGANIZATION_COLOUR)
                points=(points(&scale, organization)) {}
            @for (at, coverage) in &organization.points {
                @if let Some(share) = coverage.share() {
                    circle class="point" cx=(format!("{:.1}", scale.x(*at)))
                        cy=(format!("{:.1}", scale.y(share))) r="2.5" {
                        title data-check=(measure.check("point"))
                            data-control=(control.control_id.as_str())
                            data-at=(at.to_rfc3339()) {
                            (format!("{}: {} ({} of {})", at.format("%Y-%m-%d %H:%M UTC"),
                                percent(*coverage), coverage.with_mfa, coverage.in_scope))
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn scale(days: i64, floor: f64) -> Scale {
        let from = Utc
            .with_ymd_and_hms(2026, 1, 1, 3, 0, 0)
            .single()
            .expect("a valid date");
        Scale {
            from,
            to: from + chrono::Duration::days(days),
            floor,
            ceiling: 1.0,
        }
    }

    #[test]
    fn shares_map_onto_the_plot_from_the_floor_to_100_percent() {
        let zero = scale(300, 0.0);
        assert_eq!(zero.y(1.0), TOP);
        assert_eq!(zero.y(0.0), HEIGHT - BOTTOM);
        assert_eq!(zero.x(zero.from), LEFT);
        assert_eq!(zero.x(zero.to), WIDTH - RIGHT);
        let high = scale(300, Scale::floor_for(0.57));
        assert_eq!(high.floor, 0.5);
        assert_eq!(high.y(0.5), HEIGHT - BOTTOM);
        assert_eq!(high.y(1.0), TOP);
        assert_eq!(high.share_ticks(), [0.5, 0.625, 0.75, 0.875, 1.0]);
        // Every line at 100 %: the axis still has a height.
        assert_eq!(Scale::floor_for(1.0), 0.9);
        assert_eq!(Scale::floor_for(0.04), 0.0);
        assert_eq!(
            Scale::floor_for(0.6),
            0.5,
            "a line at 60 % is above the axis"
        );
    }

    #[test]
    fn phishing_resistant_shares_run_from_zero_to_above_the_highest() {
        let axis = |lowest, highest| Scale::shares(Measure::PhishingResistant, lowest, highest);
        assert_eq!(axis(0.01, 0.02), (0.0, 0.05));
        assert_eq!(axis(0.0, 0.0), (0.0, 0.01));
        assert_eq!(axis(0.0, 0.01), (0.0, 0.02), "strictly above");
        assert_eq!(axis(0.3, 0.45), (0.0, 0.5));
        assert_eq!(axis(0.3, 0.97), (0.0, 1.0));
        assert_eq!(Scale::shares(Measure::Mfa, 0.57, 0.9), (0.5, 1.0));
        let low = Scale {
            floor: 0.0,
            ceiling: 0.05,
            ..scale(300, 0.0)
        };
        assert_eq!(low.y(0.05), TOP);
        assert!((low.y(0.0) - (HEIGHT - BOTTOM)).abs() < 1e-9);
        // 2 % stands 40 % of the plot's height above the axis (2 % of it on a 0 to 100 % axis).
        let plot = HEIGHT - TOP - BOTTOM;
        assert!((HEIGHT - BOTTOM - low.y(0.02) - 0.4 * plot).abs() < 1e-9);
        let labels: Vec<String> = low.share_ticks().into_iter().map(axis_label).collect();
        assert_eq!(labels, ["0 %", "1.25 %", "2.5 %", "3.75 %", "5 %"]);
    }

    #[test]
    fn time_labels_spread_from_the_first_sweep_to_the_last_and_read_at_the_right_grain() {
        let year = scale(300, 0.0);
        let ticks = year.date_ticks();
        assert_eq!(ticks.len(), DATE_TICKS);
        assert_eq!((ticks[0], ticks[DATE_TICKS - 1]), (year.from, year.to));
        assert_eq!(year.date_format(), "%Y-%m-%d");
        assert_eq!(scale(3, 0.0).date_ticks().len(), 4, "one a day over days");
        let minutes = Scale {
            to: year.from + chrono::Duration::minutes(2),
            ..scale(0, 0.0)
        };
        assert_eq!(minutes.date_ticks().len(), DATE_TICKS);
        assert_eq!(minutes.date_format(), "%H:%M:%S");
        let one_sweep = scale(0, 0.0);
        assert_eq!(one_sweep.date_ticks(), vec![one_sweep.from]);
        assert_eq!(
            one_sweep.x(one_sweep.from),
            LEFT + (WIDTH - LEFT - RIGHT) / 2.0
        );
    }
}
