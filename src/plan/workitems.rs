//! Work-item exports: a Jira CSV export, an Azure DevOps query export, or a plain list of
//! items (`id, created, start, done`, …), read by content into one shape — each item's
//! type, status, dates and parent — from which throughput, arrivals, open features and
//! cycle times are drawn.
//!
//! Columns are matched by name, case-insensitively, in any order; repeated columns (Jira's
//! `Sprint`, `Labels`) are allowed and the first non-empty value is read. Dates may carry
//! a time, which is dropped: slipcast counts days.

use std::collections::HashMap;

use chrono::{Datelike, Days, NaiveDate};

use crate::error::{Diagnostic, Diags, Error, Result};
use crate::plan::sheet::{Row, Sheet};

/// Where an export came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// A Jira CSV export (`Issue key`, `Created`, `Resolved`, …).
    Jira,
    /// An Azure DevOps query export (`ID`, `Work Item Type`, `State`, `Closed Date`, …).
    AzureDevOps,
    /// A plain list: `id` with any of `type, status, created, start, done, parent`.
    Plain,
}

impl Source {
    /// The name users know it by.
    pub fn name(self) -> &'static str {
        match self {
            Source::Jira => "Jira export",
            Source::AzureDevOps => "Azure DevOps export",
            Source::Plain => "item list",
        }
    }
}

/// How far along an item is (Jira's status categories).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Not started.
    ToDo,
    /// Started, not finished.
    InProgress,
    /// Finished.
    Done,
    /// Not finished; whether it started, the export does not say.
    Open,
}

/// One work item.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkItem {
    /// Its key or id (`PROJ-12`, `4711`).
    pub id: String,
    /// Its title, when the export has one.
    pub title: String,
    /// Its type (`Story`, `Bug`), empty when the export has none.
    pub kind: String,
    /// Its status (`In Review`, `Won't Do`), empty when the export has none.
    pub status: String,
    /// How far along it is.
    pub stage: Stage,
    /// When it was created.
    pub created: Option<NaiveDate>,
    /// When work on it started.
    pub started: Option<NaiveDate>,
    /// When it was finished (done items only).
    pub done: Option<NaiveDate>,
    /// Its parent (feature, epic): the parent's summary when the export has it, else its
    /// key or id.
    pub parent: Option<String>,
    /// Whether other items of the file name it as their parent (an epic, a feature).
    pub container: bool,
    /// The line it starts on.
    pub line: u64,
}

/// The items of one export.
#[derive(Debug, Clone)]
pub struct WorkItems {
    /// File name, for messages.
    pub file: String,
    /// What the file is.
    pub source: Source,
    /// The items, in file order (the query's order: rank or priority).
    pub items: Vec<WorkItem>,
    /// The latest date in the file: the export was taken on or after it.
    pub latest: Option<NaiveDate>,
    /// How the file was read.
    pub notes: Vec<String>,
}

/// Which items count: `--type`, `--exclude-status`, `--since`.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Item types kept (case-insensitive); empty keeps every type.
    pub types: Vec<String>,
    /// Statuses left out (case-insensitive): cancelled items are not throughput.
    pub exclude_status: Vec<String>,
    /// Only items finished (for throughput) or created (for arrivals) on or after this day.
    pub since: Option<NaiveDate>,
}

impl Filter {
    /// Whether the filter keeps every item.
    pub fn is_empty(&self) -> bool {
        self.types.is_empty() && self.exclude_status.is_empty() && self.since.is_none()
    }
}

/// Statuses that usually mean "closed without doing it".
const CANCELLED: &[&str] = &[
    "removed",
    "cancelled",
    "canceled",
    "won't do",
    "wont do",
    "won't fix",
    "duplicate",
    "rejected",
    "obsolete",
    "abandoned",
];

/// Columns, lower case, by role; the first present wins.
struct Columns {
    id: &'static [&'static str],
    title: &'static [&'static str],
    kind: &'static [&'static str],
    status: &'static [&'static str],
    category: &'static [&'static str],
    created: &'static [&'static str],
    started: &'static [&'static str],
    done: &'static [&'static str],
    parent: &'static [&'static str],
    /// The parent's key or id, when `parent` is its summary.
    parent_ref: &'static [&'static str],
    /// A second id other items may name as parent (Jira's numeric `Issue id`).
    other_id: &'static [&'static str],
    category_changed: &'static [&'static str],
}

const JIRA: Columns = Columns {
    id: &["issue key"],
    title: &["summary"],
    kind: &["issue type"],
    status: &["status"],
    category: &["status category"],
    created: &["created"],
    started: &[
        "start date",
        "custom field (start date)",
        "started",
        "custom field (started)",
    ],
    done: &["resolved", "resolution date"],
    parent: &[
        "parent summary",
        "parent",
        "custom field (epic link)",
        "epic link",
        "custom field (parent link)",
        "parent link",
    ],
    parent_ref: &[
        "parent",
        "custom field (epic link)",
        "epic link",
        "custom field (parent link)",
        "parent link",
    ],
    other_id: &["issue id"],
    category_changed: &["status category changed"],
};

const AZURE: Columns = Columns {
    id: &["id"],
    title: &["title"],
    kind: &["work item type"],
    status: &["state"],
    category: &["state category"],
    created: &["created date"],
    started: &["activated date"],
    done: &["closed date"],
    parent: &["parent"],
    parent_ref: &["parent"],
    other_id: &[],
    category_changed: &["state change date"],
};

const PLAIN: Columns = Columns {
    id: &["id", "key"],
    title: &["title", "name", "summary"],
    kind: &["type"],
    status: &["status", "state"],
    category: &[],
    created: &["created"],
    started: &["start", "started"],
    done: &["done", "finished", "resolved", "closed"],
    parent: &["parent", "feature", "epic"],
    parent_ref: &["parent", "feature", "epic"],
    other_id: &[],
    category_changed: &[],
};

/// What the header says the file is; `None` for a file that is no item export.
pub fn detect(names: &[String]) -> Option<Source> {
    let has = |c: &str| names.iter().any(|n| n == c);
    if has("issue key") && (has("created") || has("resolved")) {
        Some(Source::Jira)
    } else if has("work item type") && has("id") {
        Some(Source::AzureDevOps)
    } else if (has("id") || has("key"))
        && !has("week")
        && PLAIN
            .done
            .iter()
            .chain(PLAIN.started)
            .chain(PLAIN.created)
            .any(|c| has(c))
    {
        Some(Source::Plain)
    } else {
        None
    }
}

/// The order of a numeric date's first two fields (`3/4/2024`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Order {
    MonthFirst,
    DayFirst,
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

/// A date in a format the trackers write, its time (if any) dropped:
/// `2024-03-12`, `2024-03-12T15:15:00.000+0000`, `2024-03-12 15:15`, `12/Mar/24 3:15 PM`,
/// `12-Mar-2024`, `12.03.2024 15:15` (day first), `3/12/2024 3:15:42 PM` (numeric, in
/// `order`), `2024/03/12`.
fn parse_when(v: &str, order: Order) -> Option<NaiveDate> {
    let v = v.trim();
    // The time follows a space, or a `T` right after an ISO date.
    let split = v
        .find(' ')
        .or_else(|| (v.len() > 10 && v.as_bytes()[10] == b'T').then_some(10));
    let (date, time) = match split {
        Some(i) => (&v[..i], v[i + 1..].trim()),
        None => (v, ""),
    };
    if !time_ok(time) {
        return None;
    }
    let year = |y: &str| -> Option<i32> {
        let n: i32 = y.parse().ok()?;
        match y.len() {
            2 => Some(if n < 70 { 2000 + n } else { 1900 + n }),
            4 => Some(n),
            _ => None,
        }
    };
    let num = |s: &str| -> Option<u32> {
        if s.is_empty() || s.len() > 2 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        s.parse().ok()
    };
    let sep = date.chars().find(|c| matches!(c, '-' | '/' | '.'))?;
    let parts: Vec<&str> = date.split(sep).collect();
    let [a, b, c] = parts[..] else { return None };
    if a.len() == 4 {
        // Year first: 2024-03-12, 2024/03/12.
        return NaiveDate::from_ymd_opt(year(a)?, num(b)?, num(c)?);
    }
    if let Some(m) = MONTHS
        .iter()
        .position(|m| b.len() >= 3 && b.to_ascii_lowercase().starts_with(m))
    {
        // Day, month name, year: 12/Mar/24, 12-Mar-2024.
        return NaiveDate::from_ymd_opt(year(c)?, m as u32 + 1, num(a)?);
    }
    let (x, y, z) = (num(a)?, num(b)?, year(c)?);
    match (sep, order) {
        ('.', _) | (_, Order::DayFirst) => NaiveDate::from_ymd_opt(z, y, x),
        (_, Order::MonthFirst) => NaiveDate::from_ymd_opt(z, x, y),
    }
}

/// Whether `t` reads as a time of day: `15:15`, `3:15 PM`, `15:15:42.123Z`,
/// `15:15:00.000+0000`, or nothing.
fn time_ok(t: &str) -> bool {
    if t.is_empty() {
        return true;
    }
    let t = t.to_ascii_uppercase();
    let t = t
        .strip_suffix("AM")
        .or_else(|| t.strip_suffix("PM"))
        .unwrap_or(&t)
        .trim_end();
    let t = t.strip_suffix('Z').unwrap_or(t);
    // A zone: +0000, +00:00, -05:00.
    let t = match t.rfind(['+', '-']) {
        Some(i) if i > 0 => &t[..i],
        _ => t,
    };
    let mut parts = t.split(':');
    let ok_num = |s: Option<&str>, max: u32| {
        s.and_then(|s| {
            let s = s.split('.').next()?;
            (s.len() <= 2 && !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
                .then(|| s.parse::<u32>().ok())
                .flatten()
        })
        .is_some_and(|x| x <= max)
    };
    let (h, m, s) = (parts.next(), parts.next(), parts.next());
    ok_num(h, 23) && ok_num(m, 59) && (s.is_none() || ok_num(s, 60)) && parts.next().is_none()
}

/// The numeric-date order a file uses: day first if some date's first field is above 12,
/// month first if some date's second field is; `None` (with a diagnostic) if both happen.
fn numeric_order(values: &[(&str, u64, &str)], file: &str, diags: &mut Diags) -> (Order, bool) {
    let (mut day_first, mut month_first) = (None, None);
    for &(v, line, col) in values {
        let date = v.trim().split([' ', 'T']).next().unwrap_or("");
        let parts: Vec<&str> = date.split('/').collect();
        let [a, b, _] = parts[..] else { continue };
        let (Ok(a), Ok(b)) = (a.parse::<u32>(), b.parse::<u32>()) else {
            continue;
        };
        if a > 12 && day_first.is_none() {
            day_first = Some((v, line, col));
        }
        if b > 12 && month_first.is_none() {
            month_first = Some((v, line, col));
        }
    }
    match (day_first, month_first) {
        (Some(d), Some(m)) => {
            diags.push(
                Diagnostic::new(
                    file,
                    format!(
                        "dates are written both day first (\"{}\", line {}) and month first (\"{}\")",
                        d.0, d.1, m.0
                    ),
                )
                .line(m.1)
                .column(m.2)
                .fix("export again with one date format, or write dates as YYYY-MM-DD"),
            );
            (Order::MonthFirst, false)
        }
        (Some(_), None) => (Order::DayFirst, false),
        (None, Some(_)) => (Order::MonthFirst, false),
        // No day above 12 tells: month first, as Azure DevOps and US Jira write them.
        (None, None) => (Order::MonthFirst, true),
    }
}

/// Reads an export held in memory (`file` names it in messages); `Ok(None)` when the file
/// is no item export (a `week,done` history, say).
pub fn parse(bytes: &[u8], file: &str) -> Result<Option<WorkItems>> {
    let mut diags = Diags::default();
    let Some(sheet) = Sheet::parse_export(bytes, file, &mut diags) else {
        return Err(Error::Invalid(diags.0));
    };
    if !diags.is_empty() {
        return Err(Error::Invalid(diags.0));
    }
    let Some(source) = detect(&sheet.names) else {
        return Ok(None);
    };
    let cols = match source {
        Source::Jira => &JIRA,
        Source::AzureDevOps => &AZURE,
        Source::Plain => &PLAIN,
    };
    let pick = |names: &[&str]| -> Option<String> {
        names
            .iter()
            .find(|c| sheet.names.iter().any(|n| n == *c))
            .map(|c| c.to_string())
    };
    // Detection asked for an id column; were it absent, the file is no export.
    let Some(id) = pick(cols.id) else {
        return Ok(None);
    };
    let title = pick(cols.title);
    let kind = pick(cols.kind);
    let status = pick(cols.status);
    let category = pick(cols.category);
    let created = pick(cols.created);
    let started = pick(cols.started);
    let done = pick(cols.done);
    let parent = pick(cols.parent);
    let changed = pick(cols.category_changed);
    let parent_ref = pick(cols.parent_ref);
    let other_id = pick(cols.other_id);
    // Every key or id some item names as its parent.
    let parents: std::collections::HashSet<&str> = parent_ref
        .iter()
        .flat_map(|p| sheet.rows.iter().filter_map(|r| sheet.get(r, p)))
        .collect();
    if done.is_none() && started.is_none() {
        let want = match source {
            Source::Jira => "Resolved",
            Source::AzureDevOps => "Closed Date",
            Source::Plain => "done",
        };
        return Err(Error::Invalid(vec![
            Diagnostic::new(
                file,
                format!(
                    "this {} has no column of finish dates ({want})",
                    source.name()
                ),
            )
            .line(1)
            .column(want)
            .fix(format!("add the {want} column to the export")),
        ]));
    }
    let date_cols: Vec<&String> = [&created, &started, &done, &changed]
        .into_iter()
        .flatten()
        .collect();
    // Plain lists write dates as everywhere in slipcast; exports in their tracker's format.
    let (order, assumed) = if source == Source::Plain {
        (Order::MonthFirst, false)
    } else {
        let values: Vec<(&str, u64, &str)> = sheet
            .rows
            .iter()
            .flat_map(|r| {
                date_cols
                    .iter()
                    .filter_map(|c| sheet.get(r, c).map(|v| (v, r.line, c.as_str())))
            })
            .collect();
        let (o, assumed) = numeric_order(&values, file, &mut diags);
        let numeric = values.iter().any(|(v, ..)| {
            v.split([' ', 'T']).next().unwrap_or("").split('/').count() == 3
                && !v
                    .chars()
                    .any(|c| c.is_ascii_alphabetic() && !"APMapm".contains(c))
        });
        (o, assumed && numeric)
    };
    let mut notes = Vec::new();
    if assumed {
        notes.push(format!(
            "{file}: numeric dates such as 3/4/2024 were read month first (4 March); no date in the file has a day above 12 to tell"
        ));
    }
    let date = |row: &Row, col: &Option<String>, diags: &mut Diags| -> Option<NaiveDate> {
        let c = col.as_ref()?;
        let v = sheet.get(row, c)?;
        let parsed = if source == Source::Plain {
            crate::plan::sheet::parse_date(v)
        } else {
            parse_when(v, order)
        };
        if parsed.is_none() {
            diags.push(
                sheet
                    .diag(row, c, format!("cannot read the date \"{v}\""))
                    .subject(sheet.get(row, &id).unwrap_or(""))
                    .fix(if source == Source::Plain {
                        "write dates as YYYY-MM-DD"
                    } else {
                        "export dates as YYYY-MM-DD, 12/Mar/24 3:15 PM or 3/12/2024 3:15 PM"
                    }),
            );
        }
        parsed
    };
    let text = |row: &Row, col: &Option<String>| -> String {
        col.as_ref()
            .and_then(|c| sheet.get(row, c))
            .unwrap_or("")
            .to_string()
    };
    let mut items = Vec::with_capacity(sheet.rows.len());
    let mut latest: Option<NaiveDate> = None;
    let mut no_done_date = 0usize;
    let mut first_no_done = 0u64;
    for row in &sheet.rows {
        let Some(key) = sheet.get(row, &id) else {
            diags.push(
                sheet
                    .diag(row, &id, "the item has no id")
                    .fix("export the key or ID column for every item"),
            );
            continue;
        };
        let c = date(row, &created, &mut diags);
        let mut s = date(row, &started, &mut diags);
        let mut d = date(row, &done, &mut diags);
        let ch = date(row, &changed, &mut diags);
        let status_v = text(row, &status);
        let cat = text(row, &category).to_ascii_lowercase();
        let stage = match (source, cat.as_str()) {
            (_, "done" | "completed") => Stage::Done,
            (_, "in progress" | "inprogress" | "resolved") => Stage::InProgress,
            (_, "to do" | "todo" | "new" | "proposed") => Stage::ToDo,
            _ if d.is_some() => Stage::Done,
            (Source::AzureDevOps, _) => {
                let st = status_v.to_ascii_lowercase();
                if ["new", "proposed", "to do", "approved"].contains(&st.as_str()) {
                    Stage::ToDo
                } else if s.is_some()
                    || ["active", "committed", "doing", "in progress", "resolved"]
                        .contains(&st.as_str())
                {
                    Stage::InProgress
                } else {
                    Stage::Open
                }
            }
            _ if s.is_some() => Stage::InProgress,
            _ => Stage::Open,
        };
        match stage {
            // A reopened Jira issue may keep its Resolved date: not done, not a finish.
            Stage::Done if d.is_none() => {
                d = ch;
                if d.is_none() {
                    no_done_date += 1;
                    if first_no_done == 0 {
                        first_no_done = row.line;
                    }
                }
            }
            Stage::Done => {}
            _ => d = None,
        }
        // An item in progress entered its category on the day the category changed.
        if stage == Stage::InProgress && s.is_none() {
            s = ch;
        }
        for x in [c, s, d].into_iter().flatten() {
            latest = Some(latest.map_or(x, |l: NaiveDate| l.max(x)));
        }
        items.push(WorkItem {
            id: key.to_string(),
            title: text(row, &title),
            kind: text(row, &kind),
            status: status_v,
            stage,
            created: c,
            started: s,
            done: d,
            parent: parent
                .as_ref()
                .and_then(|p| sheet.get(row, p))
                .map(str::to_string),
            container: parents.contains(key)
                || other_id
                    .as_ref()
                    .and_then(|c| sheet.get(row, c))
                    .is_some_and(|x| parents.contains(x)),
            line: row.line,
        });
    }
    if no_done_date > 0 {
        notes.push(format!(
            "{file}: {no_done_date} finished items have no finish date and count as no week's throughput (the first on line {first_no_done})"
        ));
    }
    // Parents named by id get the parent's title when the parent is in the file too.
    if source != Source::Jira || parent.as_deref() != Some("parent summary") {
        let titles: HashMap<&str, &str> = items
            .iter()
            .filter(|i| !i.title.is_empty())
            .map(|i| (i.id.as_str(), i.title.as_str()))
            .collect();
        let named: Vec<Option<String>> = items
            .iter()
            .map(|i| {
                let p = i.parent.as_deref()?;
                titles.get(p).map(|t| format!("{p} {t}"))
            })
            .collect();
        for (i, n) in items.iter_mut().zip(named) {
            if n.is_some() {
                i.parent = n;
            }
        }
    }
    diags
        .finish(WorkItems {
            file: file.to_string(),
            source,
            items,
            latest,
            notes,
        })
        .map(Some)
}

/// Reads an item export from a file; a file that is no export (a `week,done` history)
/// exits 2 saying what is needed.
pub fn load(path: &std::path::Path) -> Result<WorkItems> {
    let file = path.display().to_string();
    let mut diags = Diags::default();
    let Some(bytes) = crate::plan::sheet::read_limited(path, &file, &mut diags)? else {
        return Err(Error::Invalid(diags.0));
    };
    parse(&bytes, &file)?.ok_or_else(|| {
        Error::Invalid(vec![
            Diagnostic::new(&file, "this file has no items with dates: it is no Jira or Azure DevOps export or item list")
                .line(1)
                .fix("give a Jira export (Issue key, Created, Resolved, a start column), an Azure DevOps export (ID, Work Item Type, Activated Date, Closed Date) or a CSV with id,start,done"),
        ])
    })
}

/// The Monday of `d`'s week.
pub fn monday(d: NaiveDate) -> NaiveDate {
    d - Days::new(d.weekday().num_days_from_monday() as u64)
}

impl WorkItems {
    /// The items `f` keeps (type and status; `since` applies per use), in file order;
    /// an error naming the filter when none is left.
    pub fn select(&self, f: &Filter) -> Result<Vec<&WorkItem>> {
        let lower =
            |v: &[String]| -> Vec<String> { v.iter().map(|s| s.trim().to_lowercase()).collect() };
        let (types, gone) = (lower(&f.types), lower(&f.exclude_status));
        let kept: Vec<&WorkItem> = self
            .items
            .iter()
            .filter(|i| types.is_empty() || types.contains(&i.kind.to_lowercase()))
            .filter(|i| !gone.contains(&i.status.to_lowercase()))
            .collect();
        if kept.is_empty() {
            let mut seen: Vec<&str> = self.items.iter().map(|i| i.kind.as_str()).collect();
            seen.sort_unstable();
            seen.dedup();
            seen.retain(|s| !s.is_empty());
            return Err(Error::Invalid(vec![
                Diagnostic::new(
                    &self.file,
                    format!(
                        "no item is left after the filters ({} items in the file)",
                        self.items.len()
                    ),
                )
                .fix(if seen.is_empty() {
                    "check --type and --exclude-status".to_string()
                } else {
                    format!(
                        "check --type and --exclude-status; the file's types are {}",
                        seen.join(", ")
                    )
                }),
            ]));
        }
        Ok(kept)
    }

    /// A note when finished items carry statuses that usually mean "cancelled" and the
    /// filter keeps them.
    pub fn cancelled_note(&self, kept: &[&WorkItem]) -> Option<String> {
        let mut counts: Vec<(String, usize)> = Vec::new();
        for i in kept.iter().filter(|i| i.done.is_some()) {
            if CANCELLED.contains(&i.status.to_lowercase().as_str()) {
                match counts.iter_mut().find(|c| c.0 == i.status) {
                    Some(c) => c.1 += 1,
                    None => counts.push((i.status.clone(), 1)),
                }
            }
        }
        if counts.is_empty() {
            return None;
        }
        let list: Vec<String> = counts.iter().map(|(s, n)| format!("{n} {s}")).collect();
        // (Containers are reported by `containers_note`.)
        let names: Vec<&str> = counts.iter().map(|(s, _)| s.as_str()).collect();
        Some(format!(
            "{}: finished items include {}; they count as throughput unless you add --exclude-status \"{}\"",
            self.file,
            list.join(", "),
            names.join(",")
        ))
    }
}

impl WorkItems {
    /// A note when items that are other items' parents (epics, features) are kept: they
    /// count as throughput like any item unless `--type` leaves them out.
    pub fn containers_note(&self, kept: &[&WorkItem]) -> Option<String> {
        let mut kinds: Vec<&str> = kept
            .iter()
            .filter(|i| i.container)
            .map(|i| i.kind.as_str())
            .collect();
        let n = kinds.len();
        if n == 0 {
            return None;
        }
        kinds.sort_unstable();
        kinds.dedup();
        Some(format!(
            "{}: {n} items are parents of other items ({}); finished ones count as throughput unless --type leaves them out",
            self.file,
            kinds.join(", ")
        ))
    }
}

/// Reads a features file: `feature, items` rows in priority order (highest first).
pub fn parse_features(bytes: &[u8], file: &str) -> Result<Vec<(String, f64)>> {
    let mut diags = Diags::default();
    let Some(sheet) = Sheet::parse(
        bytes,
        file,
        &["feature", "items"],
        &["feature", "items"],
        &mut diags,
    ) else {
        return Err(Error::Invalid(diags.0));
    };
    let mut out: Vec<(String, f64)> = Vec::new();
    let mut seen: HashMap<String, u64> = HashMap::new();
    for row in &sheet.rows {
        let Some(name) = sheet.get(row, "feature") else {
            diags.push(
                sheet
                    .diag(row, "feature", "the feature has no name")
                    .fix("name every feature"),
            );
            continue;
        };
        if let Some(first) = seen.insert(name.to_string(), row.line) {
            diags.push(
                sheet
                    .diag(
                        row,
                        "feature",
                        format!("feature \"{name}\" is listed twice (also on line {first})"),
                    )
                    .fix("list each feature once, in priority order"),
            );
            continue;
        }
        match sheet.non_negative(row, "items", &mut diags) {
            Some(x) => out.push((name.to_string(), x)),
            None if sheet.get(row, "items").is_none() => diags.push(
                sheet
                    .diag(
                        row,
                        "items",
                        format!("feature \"{name}\" has no item count"),
                    )
                    .fix("give the number of items left, e.g. 12"),
            ),
            None => {}
        }
    }
    if out.is_empty() && diags.is_empty() {
        diags.push(
            Diagnostic::new(file, "no feature is listed")
                .fix("add one row per feature: feature,items, highest priority first"),
        );
    }
    diags.finish(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, day)
    }

    #[test]
    fn tracker_dates_are_read_with_their_times_dropped() {
        let m = Order::MonthFirst;
        assert_eq!(parse_when("12/Mar/24 3:15 PM", m), d(2024, 3, 12));
        assert_eq!(parse_when("01/Dec/2023 11:59 AM", m), d(2023, 12, 1));
        assert_eq!(
            parse_when("2024-03-12T15:15:00.000+0000", m),
            d(2024, 3, 12)
        );
        assert_eq!(parse_when("2024-03-12T15:15:42.123Z", m), d(2024, 3, 12));
        assert_eq!(parse_when("2024-03-12 15:15", m), d(2024, 3, 12));
        assert_eq!(parse_when("2024-03-12", m), d(2024, 3, 12));
        assert_eq!(parse_when("3/12/2024 3:15:42 PM", m), d(2024, 3, 12));
        assert_eq!(
            parse_when("3/12/2024 15:15", Order::DayFirst),
            d(2024, 12, 3)
        );
        assert_eq!(parse_when("12.03.2024 15:15", m), d(2024, 3, 12));
        assert_eq!(parse_when("12-Mar-2024", m), d(2024, 3, 12));
        assert_eq!(parse_when("12/OCT/24 3:15 PM", m), d(2024, 10, 12));
        assert_eq!(parse_when("2024/03/12", m), d(2024, 3, 12));
        for bad in [
            "",
            "soon",
            "13/13/2024",
            "31/Feb/24",
            "12/Mar/24 25:00",
            "12/Mar/24 3:15 XM",
            "2024-03-12X15:15",
            "12/Mar",
            "1/2/3/4",
        ] {
            assert_eq!(parse_when(bad, m), None, "{bad}");
        }
    }

    #[test]
    fn numeric_order_follows_the_file() {
        let mut diags = Diags::default();
        let v = [("3/4/2024", 2, "created"), ("13/4/2024", 3, "created")];
        assert_eq!(numeric_order(&v, "f", &mut diags), (Order::DayFirst, false));
        let v = [("3/4/2024", 2, "created"), ("4/13/2024", 3, "created")];
        assert_eq!(
            numeric_order(&v, "f", &mut diags),
            (Order::MonthFirst, false)
        );
        let v = [("3/4/2024", 2, "created")];
        assert_eq!(
            numeric_order(&v, "f", &mut diags),
            (Order::MonthFirst, true)
        );
        assert!(diags.is_empty());
        let v = [("13/4/2024", 2, "created"), ("4/13/2024", 7, "resolved")];
        numeric_order(&v, "f", &mut diags);
        assert_eq!(diags.0.len(), 1);
        assert_eq!(diags.0[0].line, Some(7));
    }
}
