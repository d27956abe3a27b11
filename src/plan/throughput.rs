//! Weekly throughput history files: `week,done` rows, one row per finished item, any
//! two-column file read as week and count, or a Jira or Azure DevOps export (see
//! [`crate::plan::workitems`]). A backlog task of a plan and `slipcast throughput` read
//! them the same way.

use std::path::Path;

use chrono::{Datelike, Days, NaiveDate};

use crate::error::{Diagnostic, Diags, Error, Result};
use crate::plan::sheet::{Sheet, parse_date, parse_number};
use std::collections::HashMap;

use crate::plan::workitems::{self, Stage, WorkItem, WorkItems, monday};

/// Weeks beyond which a "when" forecast gives up (the history delivers almost nothing),
/// the longest "how many" horizon and the longest history read (about 192 years).
pub const MAX_WEEKS: usize = 10_000;

/// A weekly throughput history, oldest first, one entry per week (weeks without
/// completions are zeros).
#[derive(Debug, Clone, PartialEq)]
pub struct History {
    /// File name, for messages.
    pub file: String,
    /// Items done per week.
    pub weeks: Vec<f64>,
    /// First week (Monday), when the history has dates.
    pub first_week: Option<NaiveDate>,
    /// Items created per week, on the same weeks as `weeks`, when the file is an item
    /// export with creation dates (the history of scope growth).
    pub arrivals: Option<Vec<f64>>,
    /// How the file was read.
    pub notes: Vec<String>,
}

/// Whether a history of `n` weeks is within [`MAX_WEEKS`]; a diagnostic when not.
fn span_ok(n: usize, file: &str, diags: &mut Diags) -> bool {
    if n <= MAX_WEEKS {
        return true;
    }
    diags.push(
        Diagnostic::new(
            file,
            format!(
                "the history spans {n} weeks (about {} years); slipcast reads at most {MAX_WEEKS} weeks",
                n / 52
            ),
        )
        .fix("check the week column for a mistyped year, or keep the recent years"),
    );
    false
}

/// Reads a history: `week,done` rows (week a date or a week number; done a count), or one
/// row per item with its `done` date (counted per week), or any two-column file read as
/// week and count.
pub fn load(path: &Path) -> Result<History> {
    let file = path.display().to_string();
    let mut diags = Diags::default();
    match crate::plan::sheet::read_limited(path, &file, &mut diags)? {
        Some(bytes) => parse(&bytes, &file),
        None => Err(Error::Invalid(diags.0)),
    }
}

/// Reads a history, keeping of an item export the items `filter` keeps; with `by_parent`
/// also the kept items grouped by parent ([`tracks`]: [`open_features`] gives the
/// features to forecast). A filter or `by_parent` on a `week,done` history is refused: it has no items.
pub fn load_filtered(
    path: &Path,
    filter: &workitems::Filter,
    by_parent: bool,
) -> Result<(History, Vec<FeatureTrack>)> {
    let file = path.display().to_string();
    let mut diags = Diags::default();
    let Some(bytes) = crate::plan::sheet::read_limited(path, &file, &mut diags)? else {
        return Err(Error::Invalid(diags.0));
    };
    match workitems::parse(&bytes, &file)? {
        Some(items) => {
            let kept = items.select(filter)?;
            let h = from_items(&items, &kept, filter.since)?;
            let features = match (by_parent, h.first_week) {
                (true, Some(first)) => tracks(&kept, first),
                _ => Vec::new(),
            };
            Ok((h, features))
        }
        None if !filter.is_empty() || by_parent => Err(Error::Invalid(vec![
            Diagnostic::new(
                &file,
                "--type, --exclude-status, --since and --by-parent select items, and this file is a weekly history without items",
            )
            .line(1)
            .fix("give a Jira or Azure DevOps export, or an item list with columns id and done (and created, type, status, parent)"),
        ])),
        None => parse(&bytes, &file).map(|h| (h, Vec::new())),
    }
}

/// Parses a history held in memory (`file` names it in messages). An item export counts
/// every item it holds.
pub fn parse(bytes: &[u8], file: &str) -> Result<History> {
    if let Some(items) = workitems::parse(bytes, file)? {
        let kept = items.select(&workitems::Filter::default())?;
        return from_items(&items, &kept, None);
    }
    let file = file.to_string();
    let mut diags = Diags::default();
    let Some(sheet) = Sheet::parse(bytes, &file, &[], &[], &mut diags) else {
        return Err(Error::Invalid(diags.0));
    };
    if !diags.is_empty() {
        return Err(Error::Invalid(diags.0));
    }
    let mut notes = Vec::new();
    let has = |c: &str| sheet.names.iter().any(|n| n == c);
    let (week_col, done_col, per_item) = if has("week") && has("done") {
        ("week".to_string(), "done".to_string(), false)
    } else if has("done") && !has("week") {
        (String::new(), "done".to_string(), true)
    } else if sheet.names.len() == 2 {
        notes.push(format!(
            "{file}: read column {} as the week and {} as items done",
            sheet.names[0], sheet.names[1]
        ));
        (sheet.names[0].clone(), sheet.names[1].clone(), false)
    } else {
        return Err(Error::Invalid(vec![
            Diagnostic::new(&file, "cannot tell which columns hold the week and the items done")
                .line(1)
                .fix("use columns week,done (one row per week) or done (one row per item, with its completion date)"),
        ]));
    };
    let mut weeks: Vec<f64> = Vec::new();
    let mut first_week = None;
    if per_item {
        let mut dates = Vec::new();
        for row in &sheet.rows {
            match sheet.get(row, "done").map(|v| (v, parse_date(v))) {
                Some((_, Some(d))) => dates.push(monday(d)),
                Some((v, None)) => diags.push(
                    sheet
                        .diag(
                            row,
                            "done",
                            format!("expected the completion date, found \"{v}\""),
                        )
                        .fix("write dates as YYYY-MM-DD"),
                ),
                None => {}
            }
        }
        if let (Some(&lo), Some(&hi)) = (dates.iter().min(), dates.iter().max())
            && span_ok(((hi - lo).num_days() / 7 + 1) as usize, &file, &mut diags)
        {
            let n = ((hi - lo).num_days() / 7 + 1) as usize;
            weeks = vec![0.0; n];
            for d in dates {
                weeks[((d - lo).num_days() / 7) as usize] += 1.0;
            }
            first_week = Some(lo);
        }
    } else {
        let mut rows: Vec<(i64, f64, u64)> = Vec::new();
        let mut dated = None;
        for row in &sheet.rows {
            let w = sheet.get(row, &week_col);
            let key = match w {
                Some(v) => match parse_date(v) {
                    Some(d) if dated != Some(false) => {
                        dated = Some(true);
                        Some(monday(d).num_days_from_ce() as i64 / 7)
                    }
                    None if dated != Some(true) => match v.parse::<i64>() {
                        Ok(k) => {
                            dated = Some(false);
                            Some(k)
                        }
                        Err(_) => None,
                    },
                    _ => None,
                },
                None => None,
            };
            let Some(key) = key else {
                diags.push(
                    sheet
                        .diag(row, &week_col, format!("expected a week (a date or a week number), found \"{}\"", w.unwrap_or("")))
                        .fix("write the week as YYYY-MM-DD (any day of the week) or as a whole number, the same way on every row"),
                );
                continue;
            };
            match sheet.get(row, &done_col).map(parse_number) {
                Some(Ok(x)) if x >= 0.0 => rows.push((key, x, row.line)),
                _ => diags.push(
                    sheet
                        .diag(
                            row,
                            &done_col,
                            "expected the number of items done, 0 or more",
                        )
                        .fix("write a whole number such as 7"),
                ),
            }
        }
        rows.sort_by_key(|r| r.0);
        for w in rows.windows(2) {
            if w[0].0 == w[1].0 {
                diags.push(
                    Diagnostic::new(&file, format!("week given twice (also on line {})", w[0].2))
                        .line(w[1].2)
                        .column(week_col.clone())
                        .fix("give each week once"),
                );
            }
        }
        if let (Some(lo), Some(hi)) = (rows.first(), rows.last()) {
            let n = (hi.0 - lo.0 + 1) as usize;
            if span_ok(n, &file, &mut diags) {
                weeks = vec![0.0; n];
                for r in &rows {
                    weeks[(r.0 - lo.0) as usize] = r.1;
                }
                if rows.len() < n {
                    notes.push(format!(
                        "{file}: {} weeks missing from the history were counted as 0",
                        n - rows.len()
                    ));
                }
                if dated == Some(true) {
                    first_week = NaiveDate::from_num_days_from_ce_opt((lo.0 * 7) as i32);
                }
            }
        }
    }
    if weeks.is_empty() && diags.is_empty() {
        diags.push(
            Diagnostic::new(&file, "the history is empty").fix("add one row per week: week,done"),
        );
    }
    diags.finish(History {
        file,
        weeks,
        first_week,
        arrivals: None,
        notes,
    })
}

/// The weekly history of the items `kept` of an export: items finished per week (the
/// throughput) and items created per week (the arrivals), from the Monday of `since` (or
/// of the first finish) to the last whole week of the export. The export's last week is
/// left out when the latest date in the file falls before its Friday: a week still
/// running would read as a slow one.
pub fn from_items(
    all: &WorkItems,
    kept: &[&WorkItem],
    since: Option<NaiveDate>,
) -> Result<History> {
    let file = all.file.clone();
    let mut notes = all.notes.clone();
    notes.extend(all.cancelled_note(kept));
    notes.extend(all.containers_note(kept));
    let finished: Vec<NaiveDate> = kept
        .iter()
        .filter_map(|i| i.done)
        .filter(|d| since.is_none_or(|s| *d >= s))
        .collect();
    let no_finish = || {
        Error::Invalid(vec![
            Diagnostic::new(
                &file,
                match since {
                    Some(s) => format!(
                        "none of the {} items selected was finished on or after {s}",
                        kept.len()
                    ),
                    None => format!("none of the {} items selected is finished", kept.len()),
                },
            )
            .fix("check --type, --exclude-status and --since, or export the finished items too"),
        ])
    };
    let Some(&first_done) = finished.iter().min() else {
        return Err(no_finish());
    };
    let lo = monday(since.unwrap_or(first_done));
    let latest = all.latest.unwrap_or(first_done).max(first_done);
    let mut hi = monday(latest);
    // A week whose Friday is in the file is taken as whole (a team's week ends with its
    // Friday); one the file stops earlier in is still running.
    if latest.weekday().num_days_from_monday() < 4 && hi > lo {
        notes.push(format!(
            "{file}: the week of {hi} is left out as still running: the latest date in the file is {latest}"
        ));
        hi = hi - Days::new(7);
    }
    let n = ((hi - lo).num_days() / 7 + 1) as usize;
    let mut diags = Diags::default();
    if !span_ok(n, &file, &mut diags) {
        return Err(Error::Invalid(diags.0));
    }
    let week_of = |d: NaiveDate| -> Option<usize> {
        (d >= lo && d < hi + Days::new(7)).then(|| ((d - lo).num_days() / 7) as usize)
    };
    let mut weeks = vec![0.0; n];
    for d in &finished {
        if let Some(w) = week_of(*d) {
            weeks[w] += 1.0;
        }
    }
    if weeks.iter().all(|&x| x == 0.0) {
        return Err(no_finish());
    }
    let arrivals = kept.iter().any(|i| i.created.is_some()).then(|| {
        let mut a = vec![0.0; n];
        for d in kept.iter().filter_map(|i| i.created) {
            if let Some(w) = week_of(d) {
                a[w] += 1.0;
            }
        }
        a
    });
    Ok(History {
        file,
        weeks,
        first_week: Some(lo),
        arrivals,
        notes,
    })
}

/// One parent's items through time: what a feature held and when each item was created
/// and finished, for forecasting the open features and backtesting those forecasts.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureTrack {
    /// The parent (its summary or id), or `(no parent)`.
    pub name: String,
    /// Whether this is the group of items without a parent (forecast last, never scored
    /// in a backtest: it is not a feature that finishes).
    pub orphans: bool,
    /// Its items, in the export's order.
    pub items: Vec<TrackedItem>,
}

/// One item of a [`FeatureTrack`]; weeks count from the history's first week (week 0),
/// negative before it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrackedItem {
    /// Its position in the export (the query's order: rank or priority).
    pub order: usize,
    /// The week it was created, when known.
    pub created: Option<i64>,
    /// The week it was finished, when it is finished and the date is known.
    pub done: Option<i64>,
    /// Whether it is finished (a finished item without a date has `done` empty).
    pub finished: bool,
}

/// The items of `kept` grouped by parent, in the order each parent first appears;
/// items without a parent last, as `(no parent)`. Parents themselves (epics, features)
/// are not items of a feature. Weeks count from `first_week`.
pub fn tracks(kept: &[&WorkItem], first_week: NaiveDate) -> Vec<FeatureTrack> {
    let week = |d: NaiveDate| (d - first_week).num_days().div_euclid(7);
    let mut out: Vec<FeatureTrack> = Vec::new();
    let mut at: HashMap<&str, usize> = HashMap::new();
    let mut orphans = FeatureTrack {
        name: "(no parent)".into(),
        orphans: true,
        items: Vec::new(),
    };
    for (order, i) in kept.iter().enumerate().filter(|(_, i)| !i.container) {
        let item = TrackedItem {
            order,
            created: i.created.map(week),
            done: i.done.map(week),
            finished: i.stage == Stage::Done,
        };
        match i.parent.as_deref() {
            Some(p) => {
                let k = *at.entry(p).or_insert_with(|| {
                    out.push(FeatureTrack {
                        name: p.to_string(),
                        orphans: false,
                        items: Vec::new(),
                    });
                    out.len() - 1
                });
                out[k].items.push(item);
            }
            None => orphans.items.push(item),
        }
    }
    if !orphans.items.is_empty() {
        out.push(orphans);
    }
    out
}

/// The features to forecast: each track's unfinished items, in the order each
/// feature's first unfinished item appears in the export (the query's order), items
/// without a parent last; features with nothing open are left out.
pub fn open_features(tracks: &[FeatureTrack]) -> Vec<(String, f64)> {
    open_at(tracks, i64::MAX)
        .into_iter()
        .map(|(k, n)| (tracks[k].name.clone(), n))
        .collect()
}

/// The features open at the start of `week` (as [`open_features`] orders them today):
/// `(track, items)` for the items created before it and not finished before it.
pub fn open_at(tracks: &[FeatureTrack], week: i64) -> Vec<(usize, f64)> {
    let mut v: Vec<(bool, usize, usize, f64)> = tracks
        .iter()
        .enumerate()
        .filter_map(|(k, t)| {
            let left = t.items.iter().filter(|i| {
                i.created.is_none_or(|c| c < week)
                    && !(i.finished && i.done.is_none_or(|d| d < week))
            });
            let first = left.clone().map(|i| i.order).min()?;
            Some((t.orphans, first, k, left.count() as f64))
        })
        .collect();
    v.sort_by_key(|x| (x.0, x.1));
    v.into_iter().map(|x| (x.2, x.3)).collect()
}

impl History {
    /// The most recent `window` weeks (all when 0 or longer than the history).
    pub fn pool(&self, window: usize) -> &[f64] {
        if window == 0 || window >= self.weeks.len() {
            &self.weeks
        } else {
            &self.weeks[self.weeks.len() - window..]
        }
    }
}
