//! Microsoft Project XML (MSPDI, "Save as XML").

use std::collections::HashMap;

use chrono::NaiveDate;

use super::xml::Node;
use super::{AS_LATE_AS_POSSIBLE, ImportedTask, Schedule, bad, clean_ids};
use crate::error::Result;
use crate::plan::{LinkKind, Workweek};

fn date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.get(..10)?, "%Y-%m-%d").ok()
}

/// `HH:MM` of an ISO date-time, as minutes.
fn minutes(s: &str) -> Option<u32> {
    let t = s.get(11..16)?;
    let (h, m) = t.split_once(':')?;
    Some(h.parse::<u32>().ok()? * 60 + m.parse::<u32>().ok()?)
}

/// ISO 8601 duration `PT8H0M0S` (also `P1DT2H`) in hours.
fn hours(s: &str) -> Option<f64> {
    let s = s.trim();
    let body = s.strip_prefix('P')?;
    let (days, time) = match body.split_once('T') {
        Some((d, t)) => (d, t),
        None => (body, ""),
    };
    let mut h = 0.0;
    let mut num = String::new();
    for c in days.chars() {
        match c {
            'D' => {
                h += num.parse::<f64>().ok()? * 24.0;
                num.clear();
            }
            'Y' | 'M' | 'W' => return None,
            _ => num.push(c),
        }
    }
    for c in time.chars() {
        match c {
            'H' => h += std::mem::take(&mut num).parse::<f64>().ok()?,
            'M' => h += std::mem::take(&mut num).parse::<f64>().ok()? / 60.0,
            'S' => h += std::mem::take(&mut num).parse::<f64>().ok()? / 3600.0,
            _ => num.push(c),
        }
    }
    Some(h)
}

/// A calendar of the file: its working week, non-working exceptions and working hours
/// (the most common working weekday's), a derived calendar taking what it does not say
/// from its base (`BaseCalendarUID`).
fn read_calendar(cal: &Node, by_uid: &HashMap<&str, &Node>) -> super::ImportedCalendar {
    let mut out = super::ImportedCalendar {
        source_name: cal.text_of("Name").unwrap_or("").to_string(),
        ..Default::default()
    };
    let mut days: [Option<bool>; 7] = [None; 7];
    let mut day_hours: [Vec<(u16, u16)>; 7] = Default::default();
    // From the calendar itself, then up its bases (at most ten, against cycles).
    let mut chain = vec![cal];
    while chain.len() < 10
        && let Some(base) = chain
            .last()
            .and_then(|c| c.text_of("BaseCalendarUID"))
            .filter(|b| *b != "-1")
            .and_then(|b| by_uid.get(b))
    {
        chain.push(base);
    }
    for c in &chain {
        if let Some(wd) = c.child("WeekDays") {
            for d in wd.all("WeekDay") {
                let working = d.text_of("DayWorking") == Some("1");
                match d.text_of("DayType").and_then(|t| t.parse::<usize>().ok()) {
                    // 1 = Sunday … 7 = Saturday.
                    Some(n @ 1..=7) if days[(n + 5) % 7].is_none() => {
                        days[(n + 5) % 7] = Some(working);
                        day_hours[(n + 5) % 7] = periods(d);
                    }
                    // Day type 0: an exception period in older files.
                    Some(0) if !working => {
                        if let Some(tp) = d.child("TimePeriod")
                            && let (Some(a), Some(b)) = (
                                tp.text_of("FromDate").and_then(date),
                                tp.text_of("ToDate").and_then(date),
                            )
                        {
                            out.holidays.push((a, b));
                        }
                    }
                    _ => {}
                }
            }
        }
        if let Some(ex) = c.child("Exceptions") {
            for e in ex.all("Exception") {
                if e.text_of("DayWorking") == Some("1") {
                    continue;
                }
                if let Some(tp) = e.child("TimePeriod")
                    && let (Some(a), Some(b)) = (
                        tp.text_of("FromDate").and_then(date),
                        tp.text_of("ToDate").and_then(date),
                    )
                {
                    out.holidays.push((a, b));
                }
            }
        }
    }
    let mut week = Workweek::default().0;
    for (i, d) in days.iter().enumerate() {
        if let Some(w) = d {
            week[i] = *w;
        }
    }
    if week.iter().any(|&d| d) {
        out.workweek = Workweek(week);
    }
    out.holidays.sort_unstable();
    out.holidays.dedup();
    // The hours most working weekdays have.
    let working: Vec<Vec<(u16, u16)>> = (0..7)
        .filter(|&i| out.workweek.0[i] && !day_hours[i].is_empty())
        .map(|i| day_hours[i].clone())
        .collect();
    out.hours = super::common_hours(&working).0;
    out.hours_per_day = super::day_hours(&out.hours, 8.0);
    out
}

/// A weekday's `WorkingTimes` as periods in minutes after midnight (a `ToTime` of
/// 00:00 is midnight at the day's end).
fn periods(day: &Node) -> Vec<(u16, u16)> {
    let mut out: Vec<(u16, u16)> = day
        .child("WorkingTimes")
        .map(|w| {
            w.all("WorkingTime")
                .filter_map(|p| {
                    let a = super::clock_minutes(p.text_of("FromTime")?)?;
                    let b = super::clock_minutes(p.text_of("ToTime")?)?;
                    let b = if b == 0 { 1440 } else { b };
                    (b > a).then_some((a, b))
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort_unstable();
    super::merge_periods(out)
}

pub(super) fn read(root: &Node, file: &str) -> Result<Schedule> {
    if root.name != "Project" {
        return Err(bad(
            file,
            format!(
                "the XML root is <{}>, not a Microsoft Project <Project>",
                root.name
            ),
            "export the schedule from Microsoft Project as XML (MSPDI)",
        ));
    }
    let minutes_per_day = root
        .text_of("MinutesPerDay")
        .and_then(|m| m.parse::<f64>().ok())
        .filter(|m| *m > 0.0)
        .unwrap_or(480.0);
    let hpd = minutes_per_day / 60.0;
    let cal_uid = root.text_of("CalendarUID").unwrap_or("1").to_string();
    let day_start = root
        .text_of("DefaultStartTime")
        .and_then(|t| minutes(&format!("0000-00-00T{t}")))
        .unwrap_or(8 * 60);
    let calendars: Vec<&Node> = root
        .child("Calendars")
        .map(|c| c.all("Calendar").collect())
        .unwrap_or_default();
    let by_uid: HashMap<&str, &Node> = calendars
        .iter()
        .filter_map(|c| Some((c.text_of("UID")?, *c)))
        .collect();
    let project_cal = by_uid
        .get(cal_uid.as_str())
        .map(|c| read_calendar(c, &by_uid))
        .unwrap_or_default();
    let (workweek, holidays) = (project_cal.workweek, project_cal.holidays.clone());
    let tasks_node = root.child("Tasks").ok_or_else(|| {
        bad(
            file,
            "the project has no <Tasks>",
            "export a schedule that has tasks",
        )
    })?;
    // Summary tasks: their children follow them with a deeper outline level.
    let raw: Vec<&Node> = tasks_node
        .all("Task")
        .filter(|t| t.text_of("IsNull") != Some("1"))
        .collect();
    let uid = |t: &Node| t.text_of("UID").unwrap_or("").to_string();
    let level = |t: &Node| {
        t.text_of("OutlineLevel")
            .and_then(|l| l.parse::<usize>().ok())
            .unwrap_or(1)
    };
    let is_summary = |t: &Node| t.text_of("Summary") == Some("1");
    // Each task's direct children (document order; each task is some summary's child at
    // most once, so this is linear whatever the nesting depth).
    let mut kids: HashMap<String, Vec<String>> = HashMap::new();
    let mut parent_of: HashMap<String, String> = HashMap::new();
    let mut stack: Vec<(usize, String)> = Vec::new();
    for t in &raw {
        let l = level(t);
        while stack.last().is_some_and(|(sl, _)| *sl >= l) {
            stack.pop();
        }
        if let Some((_, s)) = stack.last() {
            kids.entry(s.clone()).or_default().push(uid(t));
            parent_of.insert(uid(t), s.clone());
        }
        if is_summary(t) {
            stack.push((l, uid(t)));
        }
    }
    let summaries: std::collections::HashSet<String> = raw
        .iter()
        .filter(|t| is_summary(t))
        .map(|t| uid(t))
        .collect();
    let summary_name: HashMap<String, String> = raw
        .iter()
        .filter(|t| is_summary(t))
        .map(|t| (uid(t), t.text_of("Name").unwrap_or("").to_string()))
        .collect();
    let status = root.text_of("StatusDate").and_then(date);
    let mut s = Schedule {
        format: "Microsoft Project XML",
        name: root
            .text_of("Title")
            .or(root.text_of("Name"))
            .unwrap_or("Microsoft Project plan")
            .to_string(),
        start: root.text_of("StartDate").and_then(date),
        workweek,
        holidays: holidays.clone(),
        hours_per_day: hpd,
        hours: project_cal.hours.clone(),
        ..Schedule::default()
    };
    // Task calendars: each one tasks name, the same as the project's being the project's.
    let mut task_cals: HashMap<String, Option<usize>> = HashMap::new();
    let mut calendar_of = |uid: &str, s: &mut Schedule| -> Option<usize> {
        if uid == "-1" || uid == cal_uid {
            return None;
        }
        if let Some(&c) = task_cals.get(uid) {
            return c;
        }
        let c = by_uid.get(uid).map(|c| read_calendar(c, &by_uid));
        let index = c.and_then(|c| super::place_calendar(&mut s.calendars, &project_cal, c));
        task_cals.insert(uid.to_string(), index);
        index
    };
    // A file slipcast wrote keeps each task's plan id in a Text field ("slipcast id").
    let id_field = root
        .child("ExtendedAttributes")
        .into_iter()
        .flat_map(|e| e.all("ExtendedAttribute"))
        .find(|e| e.text_of("Alias") == Some(super::writeback::ID_LABEL))
        .and_then(|e| e.text_of("FieldID"));
    let plan_id = |t: &Node| {
        let f = id_field?;
        t.all("ExtendedAttribute")
            .find(|e| e.text_of("FieldID") == Some(f))
            .and_then(|e| e.text_of("Value"))
            .map(str::to_string)
    };
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut links: Vec<(String, String, LinkKind, f64)> = Vec::new();
    let mut progressed = false;
    // Costs of the tasks kept: spent and still to come.
    let mut leaf_cost = (0.0f64, 0.0f64);
    for t in &raw {
        let u = uid(t);
        let own = t
            .text_of("CalendarUID")
            .and_then(|c| calendar_of(c, &mut s));
        // Work is in hours: days of its own calendar's working hours.
        let hpd_own = own.map_or(hpd, |c| s.calendars[c].hours_per_day);
        for l in t.all("PredecessorLink") {
            let Some(p) = l.text_of("PredecessorUID") else {
                continue;
            };
            let kind = match l.text_of("Type").unwrap_or("1") {
                "0" => LinkKind::FF,
                "1" => LinkKind::FS,
                "2" => LinkKind::SF,
                "3" => LinkKind::SS,
                other => {
                    return Err(bad(
                        file,
                        format!("task {u} has a link of unknown type {other}"),
                        "link types are 0 (FF), 1 (FS), 2 (SF) and 3 (SS)",
                    ));
                }
            };
            // LinkLag is in tenths of a minute; LagFormat 19/20 (elapsed percent) are not
            // modelled and fall back to working time.
            let lag_min = l
                .text_of("LinkLag")
                .and_then(|x| x.parse::<f64>().ok())
                .unwrap_or(0.0)
                / 10.0;
            // Microsoft Project counts a lag on the successor's calendar.
            links.push((p.to_string(), u.clone(), kind, lag_min / (hpd_own * 60.0)));
        }
        if is_summary(t) || u == "0" {
            continue;
        }
        let dur = t.text_of("Duration").and_then(hours).unwrap_or(0.0) / hpd_own;
        let hpd = hpd_own;
        let (astart, afinish) = (
            t.text_of("ActualStart").and_then(date),
            t.text_of("ActualFinish").and_then(date),
        );
        progressed |= astart.is_some();
        let remaining = if astart.is_some() && afinish.is_none() {
            t.text_of("RemainingDuration")
                .and_then(hours)
                .map(|h| h / hpd)
        } else {
            None
        };
        let three = match (
            t.text_of("OptimisticDuration").and_then(hours),
            t.text_of("PessimisticDuration").and_then(hours),
        ) {
            (Some(a), Some(b)) if a <= dur * hpd && dur * hpd <= b => Some((a / hpd, dur, b / hpd)),
            _ => None,
        };
        let ctype = t.text_of("ConstraintType").unwrap_or("0");
        let cdate = t.text_of("ConstraintDate").and_then(date);
        let (not_before, other) = match ctype {
            "0" => (None, None),
            // 2 = Must Start On, 4 = Start No Earlier Than.
            "2" | "4" => (cdate, None),
            // Microsoft Project's other constraint types, as it names them.
            "1" => (None, Some(AS_LATE_AS_POSSIBLE.to_string())),
            "3" => (None, Some("Must Finish On".to_string())),
            "5" => (None, Some("Start No Later Than".to_string())),
            "6" => (None, Some("Finish No Earlier Than".to_string())),
            "7" => (None, Some("Finish No Later Than".to_string())),
            c => (None, Some(format!("type {c}"))),
        };
        // Microsoft Project stores a finish at the start of the next working day (08:00)
        // for work that ends at the close of the previous one: move such a date back.
        let working = |d: NaiveDate| {
            use chrono::Datelike;
            workweek.works(d.weekday()) && !holidays.iter().any(|(a, b)| *a <= d && d <= *b)
        };
        let back = |mut d: NaiveDate| {
            for _ in 0..400 {
                match d.pred_opt() {
                    Some(p) => d = p,
                    None => break,
                }
                if working(d) {
                    break;
                }
            }
            d
        };
        let early = t
            .text_of("EarlyStart")
            .or(t.text_of("Start"))
            .and_then(date);
        let finish_day = |f: &str, start: Option<NaiveDate>| {
            let d = date(f)?;
            let at_day_start = minutes(f).is_some_and(|m| m <= day_start);
            Some(if at_day_start && start.is_some_and(|e| e < d) {
                back(d)
            } else {
                d
            })
        };
        let early_f = t
            .text_of("EarlyFinish")
            .or(t.text_of("Finish"))
            .and_then(|f| finish_day(f, early));
        // The baseline (Microsoft Project's "Baseline", number 0; baselines 1 to 10 are
        // other snapshots), its finish moved back like the early finish.
        let baseline_finish = t
            .all("Baseline")
            .find(|b| b.text_of("Number") == Some("0"))
            .and_then(|b| finish_day(b.text_of("Finish")?, b.text_of("Start").and_then(date)));
        index.insert(u.clone(), s.tasks.len());
        s.tasks.push(ImportedTask {
            id: plan_id(t).unwrap_or_else(|| {
                t.text_of("ID")
                    .map(|i| format!("T{i}"))
                    .unwrap_or_else(|| format!("U{u}"))
            }),
            name: t.text_of("Name").unwrap_or("").to_string(),
            duration: dur.max(0.0),
            remaining,
            three_point: three,
            milestone: t.text_of("Milestone") == Some("1"),
            not_before,
            other_constraint: other,
            calendar: own,
            levelled: t
                .text_of("LevelingDelay")
                .and_then(|x| x.parse::<f64>().ok())
                .is_some_and(|x| x > 0.0),
            actual_start: astart,
            actual_finish: afinish,
            baseline_finish,
            stored: early.zip(early_f),
            source_key: Some(u.clone()),
            ..ImportedTask::default()
        });
        if let Some(c) = task_cost(t, dur, remaining)
            && let Some(task) = s.tasks.last_mut()
        {
            leaf_cost.0 += c.spent;
            leaf_cost.1 += c.to_come;
            task.actual_cost = Some(c.spent);
            task.remaining_cost = Some(c.to_come);
            task.remaining_fixed = Some(c.fixed_to_come);
        }
    }
    // A link to or from a summary goes through zero-length connector tasks, so links
    // grow with the tasks, never with the product of two summaries' sizes (the dates are
    // those of linking every task under them).
    let mut conn = Connectors {
        kids: &kids,
        parent_of: &parent_of,
        summaries: &summaries,
        names: &summary_name,
        made: HashMap::new(),
        index: &mut index,
        tasks: &mut s.tasks,
    };
    let mut dropped = 0;
    let mut resolved = Vec::with_capacity(links.len());
    for (p, succ, kind, lag) in links {
        let (pred, kind_in) = if summaries.contains(&p) {
            match kind {
                LinkKind::FS | LinkKind::FF => (conn.get(&p, End::OutFinish), kind),
                LinkKind::SS | LinkKind::SF => (conn.get(&p, End::OutStart), kind),
            }
        } else {
            (index_of(conn.index, &p), kind)
        };
        let (succ_i, kind) = if summaries.contains(&succ) {
            match kind_in {
                LinkKind::FS => (conn.get(&succ, End::InStart), LinkKind::FS),
                LinkKind::SS => (conn.get(&succ, End::InStart), LinkKind::SS),
                LinkKind::FF => (conn.get(&succ, End::InFinish), LinkKind::FS),
                LinkKind::SF => (conn.get(&succ, End::InFinish), LinkKind::SS),
            }
        } else {
            (index_of(conn.index, &succ), kind_in)
        };
        match (succ_i, pred) {
            (Some(si), Some(pi)) if si != pi => resolved.push((si, pi, kind, lag)),
            _ => dropped += 1,
        }
    }
    let connectors = conn.made.len();
    let mut seen: std::collections::HashSet<(usize, usize, LinkKind)> =
        std::collections::HashSet::new();
    for (si, pi, kind, lag) in resolved {
        if seen.insert((si, pi, kind)) {
            let pid = s.tasks[pi].id.clone();
            s.tasks[si].preds.push((pid, kind, lag));
        }
    }
    if !summaries.is_empty() {
        s.notes.push(format!(
            "{} dropped; links to or from them go through {}",
            match summaries.len() {
                1 => "1 summary task was".to_string(),
                n => format!("{n} summary tasks were"),
            },
            crate::num::count(
                connectors,
                "zero-length connector task",
                "zero-length connector tasks"
            )
        ));
    }
    if dropped > 0 {
        s.notes.push(format!(
            "{dropped} links to tasks outside the file were dropped"
        ));
    }
    if progressed {
        s.status_date = status.or_else(|| root.text_of("CurrentDate").and_then(date));
    }
    if s.tasks.iter().any(|t| t.remaining_cost.is_some()) {
        // Microsoft Project's own total is the project summary task's (UID 0), which
        // includes summaries' own fixed costs; without it, the tasks' sum.
        let project = raw.iter().find(|t| uid(t) == "0");
        s.source_cost = Some(
            project
                .and_then(|p| Some((money(p, "ActualCost")?, money(p, "RemainingCost")?)))
                .unwrap_or(leaf_cost),
        );
        s.currency = root
            .text_of("CurrencyCode")
            .or(root.text_of("CurrencySymbol"))
            .map(|c| c.trim().to_string())
            .filter(|c| !c.is_empty());
    }
    super::name_calendars(&mut s.calendars);
    if s.tasks.iter().any(|t| t.calendar.is_some()) {
        s.lag_calendar = Some(crate::plan::LagCalendar::Successor);
    }
    // Microsoft Project resumes a started task's remaining work from its actual start
    // and the status date, whatever its predecessors.
    s.progress_logic = Some(crate::plan::ProgressLogic::Override);
    clean_ids(&mut s.tasks);
    Ok(s)
}

/// A currency field: MSPDI stores hundredths of the currency unit.
fn money(t: &Node, field: &str) -> Option<f64> {
    t.text_of(field)
        .and_then(|x| x.trim().parse::<f64>().ok())
        .filter(|x| x.is_finite())
        .map(|x| x / 100.0)
}

/// A task's cost as slipcast splits it.
struct TaskCost {
    /// Spent (ActualCost).
    spent: f64,
    /// Still to come (RemainingCost).
    to_come: f64,
    /// The part of `to_come` that is the task's fixed cost not yet accrued; the rest is
    /// its resources' cost, paid by the day.
    fixed_to_come: f64,
}

/// The cost of one task (`dur` its duration, `remaining` its remaining duration when in
/// progress), None when it has none. A fixed cost accrues at the start
/// (FixedCostAccrual 1), at the end (3) or prorated over the duration (2, the default).
fn task_cost(t: &Node, dur: f64, remaining: Option<f64>) -> Option<TaskCost> {
    let total = money(t, "Cost").unwrap_or(0.0);
    let spent = money(t, "ActualCost").unwrap_or(0.0);
    let to_come = money(t, "RemainingCost").unwrap_or((total - spent).max(0.0));
    if total == 0.0 && spent == 0.0 && to_come == 0.0 {
        return None;
    }
    let fixed = money(t, "FixedCost").unwrap_or(0.0).max(0.0);
    let started = t.text_of("ActualStart").is_some();
    let done = t.text_of("ActualFinish").is_some();
    let fixed_left = if done {
        0.0
    } else if !started {
        fixed
    } else {
        match t.text_of("FixedCostAccrual").unwrap_or("2") {
            "1" => 0.0,
            "3" => fixed,
            _ => match remaining {
                Some(r) if dur > 0.0 => fixed * (r / dur).clamp(0.0, 1.0),
                _ => fixed,
            },
        }
    };
    Some(TaskCost {
        spent,
        to_come,
        fixed_to_come: fixed_left.min(to_come),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_durations() {
        assert_eq!(hours("PT8H0M0S"), Some(8.0));
        assert_eq!(hours("PT7H30M0S"), Some(7.5));
        assert_eq!(hours("P1DT2H"), Some(26.0));
        assert_eq!(hours("8h"), None);
    }
}

/// Which end of a summary a connector stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum End {
    /// Starts when every task under the summary has finished (its finish, as links from
    /// it see it).
    OutFinish,
    /// Starts when every task under it has started (its start, for start-based links).
    OutStart,
    /// Every task under the summary starts after it (links into the summary's start).
    InStart,
    /// Every task under the summary finishes after it (links into its finish).
    InFinish,
}

/// Zero-length tasks standing for summaries' ends, made on first use: each connector
/// links to the summary's direct children (or their own connectors), so every task is
/// linked once per end kind.
struct Connectors<'a> {
    kids: &'a HashMap<String, Vec<String>>,
    parent_of: &'a HashMap<String, String>,
    summaries: &'a std::collections::HashSet<String>,
    names: &'a HashMap<String, String>,
    made: HashMap<(String, End), usize>,
    index: &'a mut HashMap<String, usize>,
    tasks: &'a mut Vec<ImportedTask>,
}

fn index_of(index: &HashMap<String, usize>, uid: &str) -> Option<usize> {
    index.get(uid).copied()
}

impl Connectors<'_> {
    /// The connector for `end` of summary `uid` (made, with its links, if new). Without
    /// recursion: a summary nested thousands deep is walked with an explicit stack.
    fn get(&mut self, uid: &str, end: End) -> Option<usize> {
        if let Some(&i) = self.made.get(&(uid.to_string(), end)) {
            return Some(i);
        }
        // Make the connectors of `uid` and of every summary below it, children first
        // for the out-connectors (they read their children's), parents first for the
        // in-connectors (children link from their parent's).
        let mut order = Vec::new();
        let mut todo = vec![uid.to_string()];
        while let Some(u) = todo.pop() {
            if self.made.contains_key(&(u.clone(), end)) {
                continue;
            }
            for k in self.kids.get(&u).into_iter().flatten() {
                if self.summaries.contains(k) {
                    todo.push(k.clone());
                }
            }
            order.push(u);
        }
        if matches!(end, End::OutFinish | End::OutStart) {
            order.reverse();
        }
        for u in order {
            let i = self.tasks.len();
            let (suffix, label) = match end {
                End::OutFinish => ("finish", "finish"),
                End::OutStart => ("start", "start"),
                End::InStart => ("in_start", "start of the work under it"),
                End::InFinish => ("in_finish", "finish of the work under it"),
            };
            self.tasks.push(ImportedTask {
                id: format!("S{u}_{suffix}"),
                name: format!(
                    "{} ({label})",
                    self.names.get(&u).map_or("summary", String::as_str)
                ),
                connector: true,
                ..ImportedTask::default()
            });
            self.made.insert((u.clone(), end), i);
            for k in self.kids.get(&u).into_iter().flatten() {
                let child = if self.summaries.contains(k) {
                    self.made.get(&(k.clone(), end)).copied()
                } else {
                    self.index.get(k).copied()
                };
                let Some(c) = child else { continue };
                // (from, to, kind): `to` gets `from` as its predecessor.
                let (from, to, kind) = match end {
                    End::OutFinish => (c, i, LinkKind::FS),
                    End::OutStart => (c, i, LinkKind::SS),
                    // A child summary's connector made before this one follows it from
                    // here; one made after links to this one itself.
                    End::InStart | End::InFinish if self.summaries.contains(k) => {
                        if c >= i {
                            continue;
                        }
                        (i, c, LinkKind::FS)
                    }
                    End::InStart => (i, c, LinkKind::FS),
                    End::InFinish => (i, c, LinkKind::FF),
                };
                let id = self.tasks[from].id.clone();
                self.tasks[to].preds.push((id, kind, 0.0));
            }
            // An in-connector of a child summary follows its parent's.
            if matches!(end, End::InStart | End::InFinish)
                && let Some(parent) = self.parent_of.get(&u)
                && let Some(&pi) = self.made.get(&(parent.clone(), end))
                && pi < i
            {
                let id = self.tasks[pi].id.clone();
                self.tasks[i].preds.push((id, LinkKind::FS, 0.0));
            }
        }
        self.made.get(&(uid.to_string(), end)).copied()
    }
}
