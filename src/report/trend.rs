//! The views of a forecast trend (`slipcast trend`): the terminal summary, CSV files,
//! Markdown, and `trend.html` with a fan chart per milestone.

use std::fmt::Write as _;

use askama::Template;

use super::html::Chart;
use super::{csv_bytes, long_date, share, svg};
use crate::error::{Error, Result};
use crate::history::trend::{self, BANDS, Move, Score, Series, Trend};

fn opt<T: ToString>(x: &Option<T>) -> String {
    x.as_ref().map(ToString::to_string).unwrap_or_default()
}

fn round(x: f64, decimals: i32) -> String {
    let f = 10f64.powi(decimals);
    format!("{}", (x * f).round() / f)
}

/// One row per recording: `plan, milestone, recorded_at, deterministic, p10_date,
/// p50_date, p80_date, p90_date, target, p_target, actual, p80_move_working_days,
/// p80_move_days, band, pit, p50_error_working_days, months_before, met_target`.
pub fn trend_csv(t: &Trend) -> String {
    let mut rows = vec![
        [
            "plan",
            "milestone",
            "recorded_at",
            "deterministic",
            "p10_date",
            "p50_date",
            "p80_date",
            "p90_date",
            "target",
            "p_target",
            "actual",
            "p80_move_working_days",
            "p80_move_days",
            "band",
            "pit",
            "p50_error_working_days",
            "months_before",
            "met_target",
        ]
        .map(String::from)
        .to_vec(),
    ];
    for s in &t.series {
        for p in &s.points {
            rows.push(vec![
                s.plan.clone(),
                s.milestone.clone(),
                p.recorded_at.clone(),
                p.deterministic.clone(),
                p.p10.clone(),
                p.p50.clone(),
                p.p80.clone(),
                p.p90.clone(),
                opt(&p.target),
                opt(&p.p_target),
                opt(&s.actual),
                opt(&p.p80_move),
                opt(&p.p80_move_days),
                p.band.map(|b| BANDS[b].0.to_string()).unwrap_or_default(),
                p.pit.map(|x| round(x, 4)).unwrap_or_default(),
                opt(&p.p50_error),
                opt(&p.months_before),
                opt(&p.met_target),
            ]);
        }
    }
    csv_bytes(rows)
}

/// The scores: `group, milestones, forecasts, before_p10, p10_p50, p50_p80, p80_p90,
/// after_p90, inside_p10_p90, inside_low_90, inside_high_90, by_p50, by_p80,
/// bias_working_days, mae_working_days, brier, brier_forecasts, target_met, verdict`.
pub fn scores_csv(t: &Trend) -> String {
    let mut rows = vec![
        [
            "group",
            "milestones",
            "forecasts",
            "before_p10",
            "p10_p50",
            "p50_p80",
            "p80_p90",
            "after_p90",
            "inside_p10_p90",
            "inside_low_90",
            "inside_high_90",
            "by_p50",
            "by_p80",
            "bias_working_days",
            "mae_working_days",
            "brier",
            "brier_forecasts",
            "target_met",
            "verdict",
        ]
        .map(String::from)
        .to_vec(),
    ];
    for s in &t.scores {
        let mut r = vec![
            s.group.clone(),
            s.milestones.to_string(),
            s.forecasts.to_string(),
        ];
        r.extend(s.bands.iter().map(|b| round(*b, 4)));
        r.extend(
            [
                s.inside,
                s.inside_interval.0,
                s.inside_interval.1,
                s.by_p50,
                s.by_p80,
            ]
            .map(|x| round(x, 4)),
        );
        r.push(round(s.bias, 2));
        r.push(round(s.mae, 2));
        r.push(s.brier.map(|b| round(b, 4)).unwrap_or_default());
        r.push(s.brier_forecasts.to_string());
        r.push(s.met.map(|b| round(b, 4)).unwrap_or_default());
        r.push(s.verdict.clone());
        rows.push(r);
    }
    csv_bytes(rows)
}

/// The error of P50 by months before the actual: `months_before, forecasts,
/// mae_working_days, bias_working_days`.
pub fn accuracy_csv(t: &Trend) -> String {
    let mut rows = vec![
        [
            "months_before",
            "forecasts",
            "mae_working_days",
            "bias_working_days",
        ]
        .map(String::from)
        .to_vec(),
    ];
    for a in &t.accuracy {
        rows.push(vec![
            a.months_before.to_string(),
            a.forecasts.to_string(),
            round(a.mae, 2),
            round(a.bias, 2),
        ]);
    }
    csv_bytes(rows)
}

/// Every move of P80 between consecutive recordings: `plan, milestone, from, to,
/// p80_before, p80_after, working_days, days, largest`.
pub fn slippage_csv(t: &Trend) -> String {
    let mut rows = vec![
        [
            "plan",
            "milestone",
            "from",
            "to",
            "p80_before",
            "p80_after",
            "working_days",
            "days",
            "largest",
        ]
        .map(String::from)
        .to_vec(),
    ];
    for m in &t.moves {
        rows.push(vec![
            m.plan.clone(),
            m.milestone.clone(),
            m.from.clone(),
            m.to.clone(),
            m.p80_before.clone(),
            m.p80_after.clone(),
            m.working_days.to_string(),
            m.days.to_string(),
            m.largest.to_string(),
        ]);
    }
    csv_bytes(rows)
}

/// A move in words: "15 working days later (21 days)".
pub fn move_words(m: &Move) -> String {
    let n = m.working_days.unsigned_abs();
    let unit = if n == 1 {
        "working day"
    } else {
        "working days"
    };
    let way = if m.working_days > 0 {
        "later"
    } else {
        "earlier"
    };
    format!("{n} {unit} {way} ({} days)", m.days.unsigned_abs())
}

/// "1 Feb → 1 Mar 2027": the dates of a move's recordings.
fn between(m: &Move) -> String {
    span(&m.from, &m.to)
}

/// "1 Feb → 1 Mar 2027", or with both years when they differ.
fn span(from: &str, to: &str) -> String {
    let (a, b) = (long_date(from), long_date(to));
    match (a.rsplit_once(' '), b.rsplit_once(' ')) {
        (Some((da, ya)), Some((_, yb))) if ya == yb => format!("{da} → {b}"),
        _ => format!("{a} → {b}"),
    }
}

/// A label within `max` characters: a "plan: milestone" label cuts the plan's name
/// first, so rows of one plan stay apart.
fn short(label: &str, max: usize) -> String {
    match label.rsplit_once(": ") {
        Some((plan, m)) if label.chars().count() > max && m.chars().count() + 4 <= max => {
            let room = max - m.chars().count() - 2;
            format!("{}: {m}", super::table::truncate(plan, room))
        }
        _ => super::table::truncate(label, max),
    }
}

fn pct(x: f64) -> String {
    format!("{:.0} %", x * 100.0)
}

/// What the record holds, in one line.
pub fn summary(t: &Trend, file: &str) -> String {
    let plans = {
        let mut p: Vec<&str> = t.series.iter().map(|s| s.plan.as_str()).collect();
        p.sort_unstable();
        p.dedup();
        p.len()
    };
    let recordings: usize = t.series.iter().map(|s| s.points.len()).sum();
    let dates = t
        .series
        .iter()
        .flat_map(|s| &s.points)
        .map(|p| &p.recorded_at);
    let first = dates
        .clone()
        .min()
        .map(|d| long_date(d))
        .unwrap_or_default();
    let last = dates.max().map(|d| long_date(d)).unwrap_or_default();
    format!(
        "{file}: {} {}, {} {}, {recordings} recordings from {first} to {last}",
        plans,
        if plans == 1 { "plan" } else { "plans" },
        t.series.len(),
        if t.series.len() == 1 {
            "milestone"
        } else {
            "milestones"
        },
    )
}

/// Notes on what was left out: actuals that match nothing, replaced recordings,
/// recordings on or after the actual.
pub fn notes(t: &Trend) -> Vec<String> {
    let mut out = Vec::new();
    if !t.unmatched_actuals.is_empty() {
        let n = t.unmatched_actuals.len();
        let shown: Vec<&str> = t
            .unmatched_actuals
            .iter()
            .take(5)
            .map(String::as_str)
            .collect();
        out.push(format!(
            "{n} {} no recorded milestone: {}{}",
            if n == 1 {
                "actual matches"
            } else {
                "actuals match"
            },
            shown.join(", "),
            if n > 5 { ", …" } else { "" }
        ));
    }
    let replaced: usize = t.series.iter().map(|s| s.replaced).sum();
    if replaced > 0 {
        out.push(format!(
            "{replaced} {} replaced by a later run on the same status date (the last run of a day counts)",
            if replaced == 1 { "recording was" } else { "recordings were" }
        ));
    }
    if t.series.len() > MAX_FANS {
        out.push(format!(
            "fan charts are drawn for the first {MAX_FANS} of {} milestones; --milestones ID,ID chooses which",
            t.series.len()
        ));
    }
    let after: usize = t.series.iter().map(|s| s.after_actual).sum();
    if after > 0 {
        out.push(format!(
            "{after} {} made on or after the milestone's actual finish: not forecasts, not scored",
            if after == 1 {
                "recording was"
            } else {
                "recordings were"
            }
        ));
    }
    out
}

/// The latest recording of each milestone: label, latest status date, P50, P80, P90,
/// P80's last move, target, P(target), actual.
fn latest_rows(t: &Trend) -> Vec<Vec<String>> {
    t.series
        .iter()
        .map(|s| {
            let p = &s.points[s.points.len() - 1];
            vec![
                t.label(s),
                p.recorded_at.clone(),
                p.p50.clone(),
                p.p80.clone(),
                p.p90.clone(),
                p.p80_move
                    .map_or_else(|| "–".into(), |m| super::signed(m as f64, 0)),
                p.target.clone().unwrap_or_else(|| "–".into()),
                p.p_target.map_or_else(|| "–".into(), share),
                s.actual.clone().unwrap_or_else(|| "–".into()),
            ]
        })
        .collect()
}

fn score_rows(t: &Trend) -> Vec<Vec<String>> {
    t.scores
        .iter()
        .map(|s| {
            vec![
                s.group.clone(),
                s.milestones.to_string(),
                s.forecasts.to_string(),
                pct(s.bands[0]),
                format!(
                    "{} ({}–{})",
                    pct(s.inside),
                    pct(s.inside_interval.0),
                    pct(s.inside_interval.1)
                ),
                pct(s.bands[4]),
                pct(s.by_p50),
                pct(s.by_p80),
                super::signed(s.bias, 1),
                format!("{:.1}", s.mae),
                s.brier
                    .map(|b| format!("{b:.3}"))
                    .unwrap_or_else(|| "–".into()),
            ]
        })
        .collect()
}

const LATEST_HEAD: [&str; 9] = [
    "Milestone",
    "Latest run",
    "P50",
    "P80",
    "P90",
    "P80 moved",
    "Target",
    "P(target)",
    "Actual",
];

const SCORE_HEAD: [&str; 11] = [
    "Group",
    "Milestones",
    "Forecasts",
    "<P10",
    "P10–P90 (90 % CI)",
    ">P90",
    "≤P50",
    "≤P80",
    "Bias",
    "MAE",
    "Brier",
];

/// The terminal view: the latest forecast of each milestone, the largest P80 moves, the
/// scores and the error by months before the actual.
pub fn trend_table(t: &Trend, file: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}.", summary(t, file));
    for n in notes(t) {
        super::wrap_text(&mut out, "note:", &format!("{n}."), 6, 100);
    }
    let head = |h: &[&str]| h.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let _ = writeln!(
        out,
        "\nLatest forecast of each milestone (P80 moved: working days since the run before):"
    );
    // Within 100 columns: the label cut, P90 left to the files.
    let rows: Vec<Vec<String>> = latest_rows(t)
        .into_iter()
        .map(|mut r| {
            r.remove(4);
            r[0] = short(&r[0], 18);
            r
        })
        .collect();
    let mut h = head(&LATEST_HEAD);
    h.remove(4);
    h[4] = "Moved".into();
    super::table::render(&mut out, &h, &rows);
    let largest = t.largest_moves(5);
    if !largest.is_empty() {
        let _ = writeln!(out, "\nLargest P80 moves between consecutive recordings:");
        let rows: Vec<Vec<String>> = largest
            .iter()
            .map(|m| {
                vec![
                    short(&t.label_of(&m.plan, &m.milestone), 22),
                    between(m),
                    span(&m.p80_before, &m.p80_after),
                    move_words(m),
                ]
            })
            .collect();
        super::table::render(
            &mut out,
            &head(&["Milestone", "Between", "P80", "Move"]),
            &rows,
        );
    }
    if t.scores.is_empty() {
        let _ = writeln!(
            out,
            "\nNo scores yet: no recorded milestone has an actual finish. Give --actuals FILE (milestone,actual_finish) or --plan PLAN."
        );
        return out;
    }
    let _ = writeln!(
        out,
        "\nHow honest were the forecasts? Each forecast recorded before its milestone's actual finish,"
    );
    let _ = writeln!(
        out,
        "scored against it (calibrated: 10 % before P10, 80 % inside, 10 % after P90; 50 % by P50)."
    );
    let rows: Vec<Vec<String>> = score_rows(t)
        .into_iter()
        .map(|mut r| {
            r[0] = short(&r[0], 18);
            r
        })
        .collect();
    super::table::render(&mut out, &head(&SCORE_HEAD), &rows);
    for s in judged(t) {
        super::wrap_text(
            &mut out,
            &format!("{}:", s.group),
            &format!("{}.", s.verdict),
            4,
            100,
        );
    }
    let _ = writeln!(
        out,
        "Bias: mean of actual minus P50 in working days (positive: later than P50). The 90 % CI counts"
    );
    let _ = writeln!(
        out,
        "milestones, not forecasts: forecasts of one milestone share one actual."
    );
    if !t.accuracy.is_empty() {
        let _ = writeln!(
            out,
            "\nError of P50 by months before the actual (working days):"
        );
        let rows: Vec<Vec<String>> = t
            .accuracy
            .iter()
            .map(|a| {
                vec![
                    a.months_before.to_string(),
                    a.forecasts.to_string(),
                    format!("{:.1}", a.mae),
                    super::signed(a.bias, 1),
                ]
            })
            .collect();
        super::table::render(
            &mut out,
            &head(&["Months before", "Forecasts", "MAE", "Bias"]),
            &rows,
        );
    }
    out
}

/// The scores whose verdicts are shown: those with enough milestones to judge, and
/// always the last (over all).
fn judged(t: &Trend) -> impl Iterator<Item = &Score> {
    let n = t.scores.len();
    t.scores
        .iter()
        .enumerate()
        .filter(move |(i, s)| i + 1 == n || s.milestones >= trend::MIN_MILESTONES)
        .map(|(_, s)| s)
}

fn md_table(out: &mut String, head: &[&str], rows: &[Vec<String>]) {
    let _ = writeln!(out, "| {} |", head.join(" | "));
    let _ = writeln!(out, "|{}", "---|".repeat(head.len()));
    for r in rows {
        let cells: Vec<String> = r.iter().map(|c| super::html::md(c)).collect();
        let _ = writeln!(out, "| {} |", cells.join(" | "));
    }
}

/// Markdown: the latest forecasts, the largest moves and the scores.
pub fn trend_markdown(t: &Trend) -> String {
    let mut out = String::new();
    md_table(&mut out, &LATEST_HEAD, &latest_rows(t));
    let largest = t.largest_moves(5);
    if !largest.is_empty() {
        out.push('\n');
        let rows: Vec<Vec<String>> = largest
            .iter()
            .map(|m| vec![t.label_of(&m.plan, &m.milestone), between(m), move_words(m)])
            .collect();
        md_table(&mut out, &["Milestone", "Between", "P80 moved"], &rows);
    }
    if !t.scores.is_empty() {
        out.push('\n');
        md_table(&mut out, &SCORE_HEAD, &score_rows(t));
    }
    out
}

struct LatestRow {
    label: String,
    /// "as of 1 Mar 2027": the latest recording's status date.
    as_of: String,
    cells: Vec<String>,
}

struct MoveRow {
    milestone: String,
    between: String,
    p80: String,
    moved: String,
    largest: bool,
}

#[derive(Template)]
#[template(path = "trend.html")]
struct Page {
    title: String,
    subtitle: String,
    notes: Vec<String>,
    headlines: Vec<String>,
    latest: Vec<LatestRow>,
    scores: Vec<Vec<String>>,
    verdicts: Vec<(String, String)>,
    pit: Option<Chart>,
    accuracy: Vec<Vec<String>>,
    moves: Vec<MoveRow>,
    max_moves: usize,
    fans: Vec<Chart>,
    version: String,
}

/// The headline sentences: each milestone's latest P80 and its last move, and the
/// overall verdict.
fn headlines(t: &Trend) -> Vec<String> {
    let mut out = Vec::new();
    for s in t.series.iter().take(8) {
        let p = &s.points[s.points.len() - 1];
        let first = &s.points[0];
        let mut h = match &s.actual {
            // Finished: when, against the target and the first recorded P80.
            Some(a) => {
                let mut h = format!("{} finished on {}", t.label(s), long_date(a));
                if let Some(tg) = &p.target {
                    let _ = write!(h, " (target {})", long_date(tg));
                }
                let _ = write!(
                    h,
                    "; the first recorded P80, on {}, was {}",
                    long_date(&first.recorded_at),
                    long_date(&first.p80)
                );
                h
            }
            None => {
                let mut h = format!(
                    "{}: P80 {} as of {}",
                    t.label(s),
                    long_date(&p.p80),
                    long_date(&p.recorded_at)
                );
                if let Some(m) = t
                    .moves
                    .iter()
                    .rev()
                    .find(|m| m.plan == s.plan && m.milestone == s.milestone)
                {
                    if m.working_days == 0 {
                        let _ = write!(h, ", unchanged since {}", long_date(&m.from));
                    } else {
                        let _ = write!(h, ", {} since {}", move_words(m), long_date(&m.from));
                    }
                }
                h
            }
        };
        h.push('.');
        out.push(h);
    }
    if let Some(s) = t.scores.last() {
        out.push(format!("Scored forecasts ({}): {}.", s.group, s.verdict));
    }
    out
}

/// `trend.html`: one self-contained page (inline CSS and SVG, no script).
pub fn trend_html(t: &Trend, file: &str) -> Result<String> {
    let fans = fan_charts(t).into_iter().map(|(_, c)| c).collect();
    let page = Page {
        title: "Forecast trend".into(),
        subtitle: summary(t, file),
        notes: notes(t),
        headlines: headlines(t),
        latest: latest_rows(t)
            .into_iter()
            .map(|mut r| LatestRow {
                label: r.remove(0),
                as_of: format!("as of {}", long_date(&r.remove(0))),
                cells: r,
            })
            .collect(),
        scores: score_rows(t),
        verdicts: judged(t)
            .map(|s| (s.group.clone(), s.verdict.clone()))
            .collect(),
        pit: t.scores.last().map(|s| Chart {
            svg: svg::pit_bars(s),
            caption: format!(
                "Where the actuals fell ({}): each bar's height is the share of actuals in the band divided by the band's width, so a calibrated forecaster's bars are level with the dashed line.",
                s.group
            ),
        }),
        accuracy: t
            .accuracy
            .iter()
            .map(|a| {
                vec![
                    a.months_before.to_string(),
                    a.forecasts.to_string(),
                    format!("{:.1}", a.mae),
                    super::signed(a.bias, 1),
                ]
            })
            .collect(),
        moves: t
            .largest_moves(MAX_MOVES_SHOWN)
            .into_iter()
            .map(|m| MoveRow {
                milestone: t.label_of(&m.plan, &m.milestone),
                between: between(m),
                p80: format!("{} → {}", long_date(&m.p80_before), long_date(&m.p80_after)),
                moved: move_words(m),
                largest: m.largest,
            })
            .collect(),
        max_moves: MAX_MOVES_SHOWN,
        fans,
        version: env!("CARGO_PKG_VERSION").into(),
    };
    page.render()
        .map_err(|e| Error::Usage(format!("cannot render the trend page: {e}")))
}

/// Fan charts drawn, at most: a record of many milestones gets the first ones' (in the
/// order first recorded) and a note; `--milestones` chooses others.
pub const MAX_FANS: usize = 50;

/// Moves listed on the page, at most (the largest; slippage.csv has every one).
pub const MAX_MOVES_SHOWN: usize = 25;

/// One fan chart per milestone (the first [`MAX_FANS`]), with its file name.
pub fn fan_charts(t: &Trend) -> Vec<(String, Chart)> {
    let mut taken = std::collections::HashSet::new();
    t.series
        .iter()
        .take(MAX_FANS)
        .map(|s: &Series| {
            let label = t.label(s);
            // Two labels that differ only in characters a file name cannot hold get
            // numbered names.
            let mut file = super::html::chart_file(&label, "trend");
            let mut k = 2;
            while !taken.insert(file.clone()) {
                file = super::html::chart_file(&format!("{label}-{k}"), "trend");
                k += 1;
            }
            (
                file,
                Chart {
                    svg: svg::fan(s, &label),
                    caption: format!(
                        "{label}: the shaded band runs from P10 to P90 of each recorded forecast; the solid line is P50, the dashed line P80{}.",
                        match (&s.actual, s.points.last().and_then(|p| p.target.as_ref())) {
                            (Some(_), Some(_)) => "; red: the target, green: the actual finish",
                            (Some(_), None) => "; green: the actual finish",
                            (None, Some(_)) => "; red: the target",
                            (None, None) => "",
                        }
                    ),
                },
            )
        })
        .collect()
}

/// Adds the trend's files to an output set: trend.csv, scores.csv, accuracy.csv,
/// slippage.csv, trend.html and each fan chart as an SVG.
pub fn add_trend_files(set: &mut super::out::OutSet, t: &Trend, html: &str) {
    set.add("trend.csv", trend_csv(t));
    set.add("slippage.csv", slippage_csv(t));
    if !t.scores.is_empty() {
        set.add("scores.csv", scores_csv(t));
        set.add("accuracy.csv", accuracy_csv(t));
    }
    set.add("trend.html", html);
    for (file, c) in fan_charts(t) {
        set.add(
            file,
            format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{}\n", c.svg),
        );
    }
}
