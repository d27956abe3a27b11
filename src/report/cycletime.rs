//! The views of cycle time (`slipcast cycletime`): the terminal summary, CSV files,
//! Markdown, and `cycletime.html` with the scatter chart and the aging work in progress.

use std::fmt::Write as _;

use askama::Template;

use super::html::{Chart, md};
use super::{csv_bytes, long_date, share, svg};
use crate::error::{Error, Result};
use crate::history::cycletime::CycleTime;

/// Items in progress the terminal and the page list (aging.csv has all).
pub const MAX_AGING_SHOWN: usize = 15;

/// Most aging items on the page.
pub const MAX_AGING_PAGE: usize = 200;

fn pct_label(p: f64) -> String {
    format!("P{}", crate::stats::round4(p))
}

/// The summary line: items, span, as-of day.
fn summary(c: &CycleTime) -> String {
    let (a, b) = (
        c.finished.first().map(|f| f.done),
        c.finished.last().map(|f| f.done),
    );
    format!(
        "{} ({}): {} finished items from {} to {}; {} in progress as of {}",
        c.file,
        c.source,
        c.finished.len(),
        a.map(|d| long_date(&d.to_string())).unwrap_or_default(),
        b.map(|d| long_date(&d.to_string())).unwrap_or_default(),
        c.aging.len(),
        long_date(&c.as_of.to_string())
    )
}

/// `level, days, working_days` per percentile, then the SLE's interval.
pub fn levels_csv(c: &CycleTime) -> String {
    let mut rows = vec![
        [
            "level",
            "days",
            "working_days",
            "sle",
            "interval_low_days",
            "interval_high_days",
        ]
        .map(String::from)
        .to_vec(),
    ];
    for l in &c.levels {
        let sle = l.level == c.sle.level;
        let opt = |x: Option<u32>| x.map(|v| v.to_string()).unwrap_or_default();
        rows.push(vec![
            crate::stats::round4(l.level).to_string(),
            l.days.to_string(),
            l.working_days.to_string(),
            sle.to_string(),
            if sle {
                opt(c.sle.interval.0)
            } else {
                String::new()
            },
            if sle {
                opt(c.sle.interval.1)
            } else {
                String::new()
            },
        ]);
    }
    csv_bytes(rows)
}

/// One row per finished item: `id, title, type, started, done, days, working_days`.
pub fn items_csv(c: &CycleTime) -> String {
    let mut rows = vec![
        [
            "id",
            "title",
            "type",
            "started",
            "done",
            "days",
            "working_days",
        ]
        .map(String::from)
        .to_vec(),
    ];
    for f in &c.finished {
        rows.push(vec![
            f.id.clone(),
            f.title.clone(),
            f.kind.clone(),
            f.started.to_string(),
            f.done.to_string(),
            f.days.to_string(),
            f.working_days.to_string(),
        ]);
    }
    csv_bytes(rows)
}

/// One row per item in progress, oldest first: `id, title, status, started, age_days,
/// age_working_days, share_longer, over_sle`.
pub fn aging_csv(c: &CycleTime) -> String {
    let mut rows = vec![
        [
            "id",
            "title",
            "status",
            "started",
            "age_days",
            "age_working_days",
            "share_longer",
            "over_sle",
        ]
        .map(String::from)
        .to_vec(),
    ];
    for a in &c.aging {
        rows.push(vec![
            a.id.clone(),
            a.title.clone(),
            a.status.clone(),
            a.started.to_string(),
            a.age.to_string(),
            a.age_working.to_string(),
            crate::stats::round4(a.share_longer).to_string(),
            a.over_sle.to_string(),
        ]);
    }
    csv_bytes(rows)
}

fn item_label(id: &str, title: &str) -> String {
    if title.is_empty() {
        id.to_string()
    } else {
        format!("{id} {title}")
    }
}

/// The terminal view, within 100 columns.
pub fn cycletime_table(c: &CycleTime) -> String {
    let mut out = String::new();
    super::table::wrap_text(&mut out, "", &summary(c), 0, 100);
    out.push('\n');
    super::table::wrap_text(&mut out, "SLE:", &format!("{}.", c.sle.reading), 5, 100);
    out.push('\n');
    let head = ["Percentile", "Days", "Working days"]
        .map(String::from)
        .to_vec();
    let rows: Vec<Vec<String>> = c
        .levels
        .iter()
        .map(|l| {
            vec![
                format!(
                    "{}{}",
                    pct_label(l.level),
                    if l.level == c.sle.level { " (SLE)" } else { "" }
                ),
                l.days.to_string(),
                l.working_days.to_string(),
            ]
        })
        .collect();
    super::table::render(&mut out, &head, &rows);
    if c.aging.is_empty() {
        let _ = writeln!(out, "\nNo item is in progress.");
    } else {
        let over = c.aging.iter().filter(|a| a.over_sle).count();
        let _ = writeln!(
            out,
            "\nAging work in progress ({} item{}, {over} older than the SLE of {} days; oldest first):",
            c.aging.len(),
            if c.aging.len() == 1 { "" } else { "s" },
            c.sle.days
        );
        let head = ["Item", "Status", "Started", "Age", "Took longer", ""]
            .map(String::from)
            .to_vec();
        let rows: Vec<Vec<String>> = c
            .aging
            .iter()
            .take(MAX_AGING_SHOWN)
            .map(|a| {
                vec![
                    super::table::truncate(&item_label(&a.id, &a.title), 44),
                    super::table::truncate(&a.status, 14),
                    a.started.to_string(),
                    format!("{} d", a.age),
                    share(a.share_longer),
                    if a.over_sle {
                        "over SLE".into()
                    } else {
                        String::new()
                    },
                ]
            })
            .collect();
        super::table::render(&mut out, &head, &rows);
        if c.aging.len() > MAX_AGING_SHOWN {
            let _ = writeln!(
                out,
                "  … {} more (--out DIR writes aging.csv with every one)",
                c.aging.len() - MAX_AGING_SHOWN
            );
        }
        let _ = writeln!(
            out,
            "  Took longer: the share of finished items whose cycle time exceeded this age."
        );
    }
    for n in &c.notes {
        super::table::wrap_text(&mut out, "Note:", &format!("{n}."), 6, 100);
    }
    out
}

/// Markdown: the SLE, the percentiles and the oldest items in progress.
pub fn cycletime_markdown(c: &CycleTime) -> String {
    let mut s = format!(
        "{}\n\n**SLE:** {}.\n\n",
        md(&summary(c)),
        md(&c.sle.reading)
    );
    s.push_str("| Percentile | Days | Working days |\n|---|---:|---:|\n");
    for l in &c.levels {
        let _ = writeln!(
            s,
            "| {} | {} | {} |",
            pct_label(l.level),
            l.days,
            l.working_days
        );
    }
    if !c.aging.is_empty() {
        s.push_str("\n| Item in progress | Status | Started | Age (days) | Took longer |\n|---|---|---|---:|---:|\n");
        for a in c.aging.iter().take(MAX_AGING_SHOWN) {
            let item = md(&item_label(&a.id, &a.title));
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {} |",
                if a.over_sle {
                    format!("**{item}**")
                } else {
                    item
                },
                md(&a.status),
                a.started,
                a.age,
                share(a.share_longer)
            );
        }
    }
    s
}

struct AgingRow {
    item: String,
    status: String,
    started: String,
    age: u32,
    working: u32,
    longer: String,
    over: bool,
}

#[derive(Template)]
#[template(path = "cycletime.html")]
struct Page {
    title: String,
    subtitle: String,
    file: String,
    notes: Vec<String>,
    sle: String,
    levels: Vec<Vec<String>>,
    scatter: Chart,
    aging: Vec<AgingRow>,
    max_aging: usize,
    as_of: String,
    version: String,
}

/// `cycletime.html`: one self-contained page (inline CSS and SVG, no script).
pub fn cycletime_html(c: &CycleTime) -> Result<String> {
    let drawn = c.finished.len().min(svg::MAX_SCATTER);
    let page = Page {
        title: "Cycle time".into(),
        subtitle: summary(c),
        file: c.file.clone(),
        notes: c.notes.clone(),
        sle: c.sle.reading.clone(),
        levels: c
            .levels
            .iter()
            .map(|l| {
                vec![
                    format!(
                        "{}{}",
                        pct_label(l.level),
                        if l.level == c.sle.level { " (SLE)" } else { "" }
                    ),
                    l.days.to_string(),
                    l.working_days.to_string(),
                ]
            })
            .collect(),
        scatter: Chart {
            svg: svg::cycle_scatter(c),
            caption: if drawn < c.finished.len() {
                format!(
                    "The {drawn} most recent of {} finished items; the dashed lines are the percentiles, the SLE's in red.",
                    c.finished.len()
                )
            } else {
                "Each dot is a finished item; the dashed lines are the percentiles, the SLE's in red.".into()
            },
        },
        aging: c
            .aging
            .iter()
            .take(MAX_AGING_PAGE)
            .map(|a| AgingRow {
                item: item_label(&a.id, &a.title),
                status: a.status.clone(),
                started: long_date(&a.started.to_string()),
                age: a.age,
                working: a.age_working,
                longer: share(a.share_longer),
                over: a.over_sle,
            })
            .collect(),
        max_aging: MAX_AGING_PAGE,
        as_of: long_date(&c.as_of.to_string()),
        version: env!("CARGO_PKG_VERSION").into(),
    };
    page.render()
        .map_err(|e| Error::Usage(format!("cycletime.html: {e}")))
}

/// The files of `--out`: cycletime.csv (items), levels.csv, aging.csv, cycletime.html,
/// cycletime.svg.
pub fn add_cycletime_files(set: &mut super::out::OutSet, c: &CycleTime, html: &str) {
    set.add("cycletime.csv", items_csv(c));
    set.add("levels.csv", levels_csv(c));
    set.add("aging.csv", aging_csv(c));
    set.add("cycletime.html", html);
    set.add(
        "cycletime.svg",
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{}\n",
            svg::cycle_scatter(c)
        ),
    );
}
