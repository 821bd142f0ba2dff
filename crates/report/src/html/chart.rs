//! MFA coverage as an SVG line chart: time on x (each sweep at its start), the share with MFA on
//! y from 0 to 100 %, the organization's line drawn bold with a marker per sweep whose tooltip
//! gives the date and the counts, and one thin line per top-level OU.
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

    fn y(share: f64) -> f64 {
        TOP + (HEIGHT - TOP - BOTTOM) * (1.0 - share)
    }

    /// Up to [`DATE_TICKS`] times evenly spread from the first sweep to the last.
    fn date_ticks(&self) -> Vec<DateTime<Utc>> {
        let span = self.to - self.from;
        if span.num_seconds() <= 0 {
            return vec![self.from];
        }
        let ticks = (span.num_days().max(1) as usize + 1).min(DATE_TICKS);
        (0..ticks)
            .map(|i| self.from + span * i as i32 / (ticks - 1).max(1) as i32)
            .collect()
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
            out.push_str(&format!("{:.1},{:.1}", scale.x(*at), Scale::y(share)));
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
pub(super) fn coverage_chart(control: &ControlCoverage) -> Markup {
    let organization = &control.organization;
    let (Some(first), Some(last)) = (organization.points.first(), organization.points.last())
    else {
        return html! {};
    };
    let scale = Scale {
        from: first.0,
        to: last.0,
    };
    let title = format!(
        "{}: share of in-scope identities with MFA per sweep, organization and top-level OUs",
        control.control_id.as_str()
    );
    html! {
        svg class="chart" viewBox=(format!("0 0 {WIDTH} {HEIGHT}")) role="img"
            aria-label=(title) data-check="chart" data-control=(control.control_id.as_str()) {
            title { (title) }
            @for share in [0.0, 0.25, 0.5, 0.75, 1.0] {
                line class="grid" x1=(LEFT) x2=(WIDTH - RIGHT) y1=(Scale::y(share))
                    y2=(Scale::y(share)) {}
                text class="axis" x=(LEFT - 6.0) y=(Scale::y(share) + 4.0) text-anchor="end" {
                    (format!("{:.0} %", share * 100.0))
                }
            }
            line class="axis-line" x1=(LEFT) x2=(WIDTH - RIGHT) y1=(HEIGHT - BOTTOM)
                y2=(HEIGHT - BOTTOM) {}
            @let date_format = if scale.to - scale.from >= chrono::Duration::days(2) {
                "%Y-%m-%d"
            } else {
                "%m-%d %H:%M"
            };
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
                        cy=(format!("{:.1}", Scale::y(share))) r="2.5" {
                        title data-check="point" data-control=(control.control_id.as_str())
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

    #[test]
    fn shares_map_onto_the_plot_and_dates_spread_from_first_to_last_sweep() {
        let from = Utc
            .with_ymd_and_hms(2026, 1, 1, 3, 0, 0)
            .single()
            .expect("a valid date");
        let scale = Scale {
            from,
            to: from + chrono::Duration::days(300),
        };
        assert_eq!(Scale::y(1.0), TOP);
        assert_eq!(Scale::y(0.0), HEIGHT - BOTTOM);
        assert_eq!(scale.x(from), LEFT);
        assert_eq!(scale.x(scale.to), WIDTH - RIGHT);
        let ticks = scale.date_ticks();
        assert_eq!(ticks.len(), DATE_TICKS);
        assert_eq!((ticks[0], ticks[DATE_TICKS - 1]), (from, scale.to));
        let one_sweep = Scale { from, to: from };
        assert_eq!(one_sweep.date_ticks(), vec![from]);
        assert_eq!(one_sweep.x(from), LEFT + (WIDTH - LEFT - RIGHT) / 2.0);
    }
}
