//! MFA coverage as an SVG line chart: time on x (each sweep at its start), the share with MFA on
//! y up to 100 %, the organization's line drawn bold with a marker per sweep whose tooltip gives
//! the date and the counts, and one thin line per top-level OU.
//!
//! The y axis starts at the tens of percent below the lowest share drawn (0 % when a line goes
//! that low), and says so: coverage moves by a few percent, which a 0 to 100 % axis flattens.
//!
//! Inline SVG: no script, no font, nothing fetched; it prints as it shows.

use crate::coverage::{ControlCoverage, Coverage, Series};
use chrono::{DateTime, Utc};
use maud::{html, Markup};

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 240.0;
const LEFT: f64 = 48.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 12.0;
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
        TOP + (HEIGHT - TOP - BOTTOM) * (1.0 - share) / (1.0 - self.floor)
    }

    /// The floor for shares down to `lowest`: the tens of percent strictly below it (a line on
    /// the axis would hide in it), at most 90 %.
    fn floor_for(lowest: f64) -> f64 {
        (((lowest - 0.001) * 10.0).floor() / 10.0).clamp(0.0, 0.9)
    }

    /// Five shares evenly spread from the floor to 100 %, for the grid.
    fn share_ticks(&self) -> [f64; 5] {
        [0.0, 0.25, 0.5, 0.75, 1.0].map(|f| self.floor + (1.0 - self.floor) * f)
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

pub(super) fn percent(coverage: Coverage) -> String {
    match coverage.share() {
        Some(share) => format!("{:.1} %", share * 100.0),
        None => "–".to_string(),
    }
}

/// The chart of one control's coverage.
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

pub(super) fn coverage_chart(control: &ControlCoverage, measure: Measure) -> Markup {
    let organization = &control.organization;
    let (Some(first), Some(last)) = (organization.points.first(), organization.points.last())
    else {
        return html! {};
    };
    let lowest = std::iter::once(organization)
        .chain(&control.ous)
        .flat_map(|series| &series.points)
        .filter_map(|(_, coverage)| coverage.share())
        .fold(1.0, f64::min);
    let scale = Scale {
        from: first.0,
        to: last.0,
        floor: Scale::floor_for(lowest),
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
            @for share in scale.share_ticks() {
                line class="grid" x1=(LEFT) x2=(WIDTH - RIGHT) y1=(scale.y(share))
                    y2=(scale.y(share)) {}
                text class="axis" x=(LEFT - 6.0) y=(scale.y(share) + 4.0) text-anchor="end" {
                    @if (share * 1000.0).round() % 10.0 == 0.0 {
                        (format!("{:.0} %", share * 100.0))
                    } @else {
                        (format!("{:.1} %", share * 100.0))
                    }
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
