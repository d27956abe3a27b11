//! Primavera P6 XER: tab-separated tables (`%T` table, `%F` fields, `%R` rows).

use std::collections::HashMap;

use chrono::{Days, NaiveDate};

use super::{ImportedTask, Schedule, bad, clean_ids, clock_minutes};
use crate::error::Result;
use crate::plan::{LagCalendar, LinkKind, ProgressLogic, Workweek};

type Table = Vec<HashMap<String, String>>;

pub(super) fn tables(text: &str) -> HashMap<String, Table> {
    let mut out: HashMap<String, Table> = HashMap::new();
    let mut cur: Option<String> = None;
    let mut fields: Vec<String> = Vec::new();
    for line in text.lines() {
        let line = line.trim_end_matches('\r');
        if let Some(name) = line.strip_prefix("%T\t") {
            cur = Some(name.trim().to_string());
            out.entry(name.trim().to_string()).or_default();
            fields.clear();
        } else if let Some(f) = line.strip_prefix("%F\t") {
            fields = f.split('\t').map(|x| x.trim().to_string()).collect();
        } else if let Some(r) = line.strip_prefix("%R\t")
            && let Some(t) = &cur
        {
            let row = fields
                .iter()
                .cloned()
                .zip(r.split('\t').map(str::to_string))
                .collect();
            if let Some(v) = out.get_mut(t) {
                v.push(row);
            }
        }
    }
    out
}

fn date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.get(..10)?, "%Y-%m-%d").ok()
}

/// Working days and holidays from P6's `clndr_data`: `(0||N()(...))` per weekday N
/// (1 = Sunday) with `s|hh:mm|f|hh:mm` work intervals, and exceptions `(d|SERIAL)` (days
/// since 1899-12-30) without intervals as non-working days.
struct XerWeek {
    workweek: Workweek,
    holidays: Vec<(NaiveDate, NaiveDate)>,
    /// Exceptions that make a rest day a working day (slipcast's calendars cannot hold
    /// them).
    extra_working: usize,
    /// The working hours most working weekdays have (minutes after midnight).
    hours: Vec<(u16, u16)>,
    /// Working weekdays whose hours differ from those.
    other_hours: usize,
}

/// The working periods `(0||k(s|08:00|f|12:00)())` in a weekday's body, in order
/// (`s` and `f` in either order; a finish at 00:00 is midnight at the day's end).
fn periods(body: &str) -> Vec<(u16, u16)> {
    let mut out = Vec::new();
    let mut rest = body;
    while let Some(p) = rest.find("(0||") {
        rest = &rest[p + 4..];
        let Some(open) = rest.find('(') else { break };
        let Some(close) = rest[open..].find(')') else {
            break;
        };
        let inner = &rest[open + 1..open + close];
        let parts: Vec<&str> = inner.split('|').collect();
        let (mut a, mut b) = (None, None);
        for pair in parts.chunks(2) {
            match pair {
                ["s", t] => a = clock_minutes(t),
                ["f", t] => b = clock_minutes(t),
                _ => {}
            }
        }
        if let (Some(a), Some(b)) = (a, b) {
            let b = if b == 0 { 1440 } else { b };
            if b > a {
                out.push((a, b));
            }
        }
    }
    out.sort_unstable();
    super::merge_periods(out)
}

fn calendar(data: &str) -> XerWeek {
    let data = data.replace('\u{7f}', "|");
    let mut days = [false; 7];
    let mut day_hours: Vec<Vec<(u16, u16)>> = Vec::new();
    let mut holidays = Vec::new();
    let mut worked = Vec::new();
    if let Some(dow) = data.find("DaysOfWeek") {
        let rest = &data[dow..];
        let end = rest.find("Exceptions").unwrap_or(rest.len());
        let body = &rest[..end];
        for n in 1..=7u32 {
            let key = format!("(0||{n}()(");
            if let Some(p) = body.find(&key) {
                let after = &body[p + key.len()..];
                let next = (1..=7u32)
                    .filter(|&m| m != n)
                    .filter_map(|m| after.find(&format!("(0||{m}()(")))
                    .min()
                    .unwrap_or(after.len());
                let works = after[..next].contains("s|") || after[..next].contains("f|");
                // P6 numbers days from Sunday = 1; Workweek from Monday = 0.
                days[((n + 5) % 7) as usize] = works;
                if works {
                    day_hours.push(periods(&after[..next]));
                }
            }
        }
    }
    if let Some(ex) = data.find("Exceptions") {
        let rest = &data[ex..];
        let base = NaiveDate::from_ymd_opt(1899, 12, 30).unwrap_or_default();
        let mut i = 0;
        while let Some(p) = rest[i..].find("(d|") {
            let start = i + p + 3;
            let digits: String = rest[start..]
                .chars()
                .take_while(|c| c.is_ascii_digit())
                .collect();
            i = start + digits.len();
            let close = rest[i..].find(")(").map(|x| i + x + 2).unwrap_or(i);
            let body_end = rest[close..].find("))").map(|x| close + x).unwrap_or(close);
            let working = rest[close..body_end].contains("s|");
            if let Ok(serial) = digits.parse::<u64>()
                && let Some(d) = base.checked_add_days(Days::new(serial))
            {
                if working {
                    worked.push(d);
                } else {
                    holidays.push((d, d));
                }
            }
        }
    }
    if !days.iter().any(|&d| d) {
        days = Workweek::default().0;
    }
    let ww = Workweek(days);
    let extra_working = worked
        .iter()
        .filter(|d| !ww.works(chrono::Datelike::weekday(*d)))
        .count();
    // The hours most working weekdays have (the first such on a tie).
    let (hours, other_hours) = super::common_hours(&day_hours);
    XerWeek {
        workweek: ww,
        holidays,
        extra_working,
        hours,
        other_hours,
    }
}

/// The day on which work of `days` working days must start to finish at the end of `d`.
fn back_working_days(
    d: NaiveDate,
    days: f64,
    ww: &Workweek,
    holidays: &[(NaiveDate, NaiveDate)],
) -> NaiveDate {
    use chrono::Datelike;
    let working =
        |x: NaiveDate| ww.works(x.weekday()) && !holidays.iter().any(|(a, b)| *a <= x && x <= *b);
    let mut left = days.ceil().max(1.0) as i64 - 1;
    let mut x = d;
    while !working(x) {
        match x.pred_opt() {
            Some(p) => x = p,
            None => return d,
        }
    }
    while left > 0 {
        match x.pred_opt() {
            Some(p) => x = p,
            None => return d,
        }
        if working(x) {
            left -= 1;
        }
    }
    x
}

pub(super) fn read(bytes: &[u8], file: &str) -> Result<Schedule> {
    let text: String = match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => bytes.iter().map(|&b| b as char).collect(), // Windows-1252 / Latin-1
    };
    let t = tables(&text);
    let need = |name: &str| {
        t.get(name).filter(|v| !v.is_empty()).ok_or_else(|| {
            bad(
                file,
                format!("the XER file has no {name} table (or it is empty)"),
                "export the whole project from P6 (File > Export > XER)",
            )
        })
    };
    let project = &need("PROJECT")?[0];
    let tasks = need("TASK")?;
    let preds = t.get("TASKPRED").cloned().unwrap_or_default();
    // Resource assignments (labour, equipment, material) and expenses: per activity, the
    // cost spent, the cost still to come and the part of it that does not depend on the
    // duration (material and expenses; labour and equipment are paid by the day).
    let mut costs: HashMap<String, (f64, f64, f64)> = HashMap::new();
    let money = |r: &HashMap<String, String>, k: &str| {
        r.get(k)
            .and_then(|s| s.trim().parse::<f64>().ok())
            .filter(|x| x.is_finite())
            .unwrap_or(0.0)
    };
    for r in t.get("TASKRSRC").into_iter().flatten() {
        let e = costs
            .entry(r.get("task_id").cloned().unwrap_or_default())
            .or_default();
        let remain = money(r, "remain_cost");
        e.0 += money(r, "act_reg_cost") + money(r, "act_ot_cost");
        e.1 += remain;
        if r.get("rsrc_type").is_some_and(|x| x == "RT_Mat") {
            e.2 += remain;
        }
    }
    for r in t.get("PROJCOST").into_iter().flatten() {
        let e = costs
            .entry(r.get("task_id").cloned().unwrap_or_default())
            .or_default();
        let remain = money(r, "remain_cost");
        e.0 += money(r, "act_cost");
        e.1 += remain;
        e.2 += remain;
    }
    let source_cost = (!costs.is_empty()).then(|| {
        costs
            .values()
            .fold((0.0, 0.0), |(a, b), (x, y, _)| (a + x, b + y))
    });
    // The base currency (exchange rate 1).
    let currency = t.get("CURRTYPE").and_then(|rows| {
        rows.iter()
            .find(|r| {
                r.get("base_exch_rate")
                    .and_then(|x| x.trim().parse::<f64>().ok())
                    == Some(1.0)
            })
            .and_then(|r| r.get("curr_short_name"))
            .map(|c| c.trim().to_string())
            .filter(|c| !c.is_empty() && c.chars().all(|ch| ch.is_ascii_alphanumeric()))
    });
    for (k, f) in [
        ("TASK", "task_id"),
        ("TASK", "target_drtn_hr_cnt"),
        ("TASK", "task_type"),
    ] {
        if !tasks[0].contains_key(f) {
            return Err(bad(
                file,
                format!("table {k} has no field {f}"),
                "export a complete XER",
            ));
        }
    }
    let get = |r: &HashMap<String, String>, k: &str| {
        r.get(k).map(|s| s.trim().to_string()).unwrap_or_default()
    };
    // Every calendar of the file: its working week, holidays and hours a day.
    struct XerCalendar {
        name: String,
        week: XerWeek,
        hours_per_day: f64,
    }
    let mut cals: HashMap<String, XerCalendar> = HashMap::new();
    for c in t.get("CALENDAR").into_iter().flatten() {
        let week = calendar(&get(c, "clndr_data"));
        // Durations are hours of work: a day is the working periods' hours (P6's
        // day_hr_cnt when the calendar has none).
        let hours_per_day = super::day_hours(
            &week.hours,
            get(c, "day_hr_cnt")
                .parse::<f64>()
                .ok()
                .filter(|h| h.is_finite() && *h > 0.0)
                .unwrap_or(8.0),
        );
        cals.insert(
            get(c, "clndr_id"),
            XerCalendar {
                name: get(c, "clndr_name"),
                week,
                hours_per_day,
            },
        );
    }
    let lag_calendar = t
        .get("SCHEDOPTIONS")
        .and_then(|rows| rows.first())
        .and_then(
            |r| match get(r, "sched_calendar_on_relationship_lag").as_str() {
                "rcal_Predecessor" => Some(LagCalendar::Predecessor),
                "rcal_Successor" => Some(LagCalendar::Successor),
                "rcal_ProjDefault" => Some(LagCalendar::Project),
                "rcal_24Hour" => Some(LagCalendar::Continuous),
                _ => None,
            },
        );
    // P6's "when scheduling progressed activities use": progress override when it says
    // so, else retained logic (its default; "actual dates" keeps the links as well).
    let progress_logic = t
        .get("SCHEDOPTIONS")
        .and_then(|rows| rows.first())
        .map(|r| {
            let on = |k: &str| get(r, k) == "Y";
            if !on("sched_retained_logic") && on("sched_progress_override") {
                ProgressLogic::Override
            } else {
                ProgressLogic::Retained
            }
        });
    let kept = |r: &HashMap<String, String>| {
        let kind = get(r, "task_type");
        kind != "TT_WBS" && kind != "TT_LOE"
    };
    // The plan's project calendar: the one most activities use (so a schedule on one
    // calendar, whatever the project's default, is a plan on one calendar), or P6's
    // project calendar when lags are counted on it.
    let p6_default = get(project, "clndr_id");
    let mut usage: HashMap<String, usize> = HashMap::new();
    for r in tasks.iter().filter(|r| kept(r)) {
        let c = get(r, "clndr_id");
        if cals.contains_key(&c) {
            *usage.entry(c).or_default() += 1;
        }
    }
    let mut ranked: Vec<(usize, String)> = usage.into_iter().map(|(k, v)| (v, k)).collect();
    ranked.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let proj_cal = if lag_calendar == Some(LagCalendar::Project) && cals.contains_key(&p6_default) {
        p6_default.clone()
    } else {
        ranked
            .first()
            .map(|x| x.1.clone())
            .unwrap_or_else(|| p6_default.clone())
    };
    let (workweek, holidays, hours_per_day, project_hours) = match cals.get(&proj_cal) {
        Some(c) => (
            c.week.workweek,
            c.week.holidays.clone(),
            c.hours_per_day,
            c.week.hours.clone(),
        ),
        None => (Workweek::default(), Vec::new(), 8.0, Vec::new()),
    };
    // The other calendars activities use, in the order of their ids; one the same as the
    // project calendar (or as another) is that calendar.
    let mut others: Vec<String> = ranked.into_iter().map(|x| x.1).collect();
    others.sort();
    let mut named: Vec<super::ImportedCalendar> = Vec::new();
    let mut calendar_of: HashMap<String, Option<usize>> = HashMap::new();
    let mut extra_working = cals.get(&proj_cal).map_or(0, |c| c.week.extra_working);
    let mut other_hours = cals.get(&proj_cal).map_or(0, |c| c.week.other_hours);
    let project_days = super::ImportedCalendar {
        workweek,
        holidays: holidays.clone(),
        hours: project_hours.clone(),
        ..Default::default()
    };
    for id in others {
        let c = &cals[&id];
        let w = &c.week;
        let before = named.len();
        let index = if id == proj_cal {
            None
        } else {
            super::place_calendar(
                &mut named,
                &project_days,
                super::ImportedCalendar {
                    name: String::new(),
                    source_name: c.name.clone(),
                    workweek: w.workweek,
                    holidays: w.holidays.clone(),
                    hours: w.hours.clone(),
                    hours_per_day: c.hours_per_day,
                },
            )
        };
        if named.len() > before {
            extra_working += w.extra_working;
            other_hours += w.other_hours;
        }
        calendar_of.insert(id, index);
    }
    super::name_calendars(&mut named);
    // Hours a day of an activity's calendar (its durations are in those hours).
    let hours_of = |clndr: &str| {
        cals.get(clndr)
            .map(|c| c.hours_per_day)
            .unwrap_or(hours_per_day)
    };
    let mut notes = Vec::new();
    let mut s = Schedule {
        format: "Primavera P6 XER",
        name: [get(project, "proj_short_name"), get(project, "proj_name")]
            .into_iter()
            .find(|x| !x.is_empty())
            .unwrap_or_else(|| "P6 project".into()),
        start: date(&get(project, "plan_start_date")),
        workweek,
        holidays: holidays.clone(),
        hours_per_day,
        hours: project_hours.clone(),
        calendars: named.clone(),
        lag_calendar,
        progress_logic,
        source_cost,
        currency: source_cost.and(currency),
        ..Schedule::default()
    };
    let mut by_id: HashMap<String, usize> = HashMap::new();
    let mut task_hours: Vec<f64> = Vec::new();
    let mut dropped = 0usize;
    let mut progressed = false;
    for r in tasks {
        let kind = get(r, "task_type");
        if kind == "TT_WBS" || kind == "TT_LOE" {
            dropped += 1;
            continue;
        }
        let clndr = get(r, "clndr_id");
        let own = calendar_of.get(&clndr).copied().flatten();
        let own_hours = hours_of(&clndr);
        let hours = |k: &str| get(r, k).parse::<f64>().ok().map(|h| h / own_hours);
        let (own_week, own_holidays, own_periods) = match own {
            Some(i) => (
                &named[i].workweek,
                named[i].holidays.as_slice(),
                named[i].hours.as_slice(),
            ),
            None => (&workweek, holidays.as_slice(), project_hours.as_slice()),
        };
        let status = get(r, "status_code");
        let (astart, afinish) = (
            date(&get(r, "act_start_date")),
            date(&get(r, "act_end_date")),
        );
        progressed |= astart.is_some();
        let cstr = get(r, "cstr_type");
        let cdate = date(&get(r, "cstr_date"));
        let duration = hours("target_drtn_hr_cnt").unwrap_or(0.0).max(0.0);
        let (not_before, other) = match cstr.as_str() {
            "" | "CS_ASAP" => (None, None),
            "CS_MSO" | "CS_MSOA" => (cdate, None),
            "CS_ALAP" => (None, None),
            // Finish on / on or after: the start that finishes at the end of that day.
            "CS_MEO" | "CS_MEOA" => (
                cdate.map(|d| back_working_days(d, duration, own_week, own_holidays)),
                None,
            ),
            c => (None, Some(c.to_string())),
        };
        // A secondary constraint (P6 allows two) is not scheduled by either: it joins
        // the constraints the health check counts.
        let second = get(r, "cstr_type2");
        let other = match (other, second.as_str()) {
            (o, "" | "CS_ASAP" | "CS_ALAP") => o,
            (Some(o), c) => Some(format!("{o}; {c}")),
            (None, c) => Some(c.to_string()),
        };
        // P6 keeps early dates for the work still to do: a finished activity's are the
        // data date, an activity in progress starts there; their actual dates stand.
        let early = match status.as_str() {
            "TK_Complete" | "TK_Active" => astart.or(date(&get(r, "early_start_date"))),
            _ => date(&get(r, "early_start_date")).or(astart),
        };
        let late = match status.as_str() {
            "TK_Complete" => afinish.or(astart).or(date(&get(r, "early_end_date"))),
            _ => date(&get(r, "early_end_date")).or(afinish),
        };
        let task = ImportedTask {
            id: [get(r, "task_code"), get(r, "task_id")]
                .into_iter()
                .find(|x| !x.is_empty())
                .unwrap_or_default(),
            name: get(r, "task_name"),
            duration,
            remaining: if status == "TK_Active" {
                hours("remain_drtn_hr_cnt").map(|x| x.max(0.0))
            } else {
                None
            },
            milestone: kind == "TT_Mile" || kind == "TT_FinMile",
            start_milestone: kind == "TT_Mile",
            not_before,
            other_constraint: other,
            // A start constraint later in the day than work begins on its calendar.
            not_before_minute: get(r, "cstr_date")
                .get(11..)
                .and_then(clock_minutes)
                .filter(|&m| {
                    matches!(cstr.as_str(), "CS_MSO" | "CS_MSOA")
                        && m > own_periods.first().map_or(0, |p| p.0)
                }),
            calendar: own,
            alap: cstr == "CS_ALAP",
            actual_start: astart,
            actual_finish: if status == "TK_Complete" {
                afinish.or(astart)
            } else {
                None
            },
            stored: early.zip(late),
            actual_cost: costs.get(&get(r, "task_id")).map(|c| c.0),
            remaining_cost: costs.get(&get(r, "task_id")).map(|c| c.1),
            remaining_fixed: costs.get(&get(r, "task_id")).map(|c| c.2),
            source_key: Some(get(r, "task_id")),
            ..ImportedTask::default()
        };
        by_id.insert(get(r, "task_id"), s.tasks.len());
        task_hours.push(own_hours);
        s.tasks.push(task);
    }
    let mut unknown = 0usize;
    for p in &preds {
        let (Some(&succ), Some(&pred)) = (
            by_id.get(&get(p, "task_id")),
            by_id.get(&get(p, "pred_task_id")),
        ) else {
            unknown += 1;
            continue;
        };
        let kind = match get(p, "pred_type").as_str() {
            "PR_FS" => LinkKind::FS,
            "PR_SS" => LinkKind::SS,
            "PR_FF" => LinkKind::FF,
            "PR_SF" => LinkKind::SF,
            other => {
                return Err(bad(
                    file,
                    format!("unknown link type \"{other}\" in TASKPRED"),
                    "links must be PR_FS, PR_SS, PR_FF or PR_SF",
                ));
            }
        };
        // The lag's hours in days of the calendar it is counted on.
        let lag_hours = match lag_calendar.unwrap_or_default() {
            LagCalendar::Predecessor => task_hours[pred],
            LagCalendar::Successor => task_hours[succ],
            LagCalendar::Project => hours_per_day,
            LagCalendar::Continuous => 24.0,
        };
        let lag = get(p, "lag_hr_cnt").parse::<f64>().unwrap_or(0.0) / lag_hours;
        let pid = s.tasks[pred].id.clone();
        s.tasks[succ].preds.push((pid, kind, lag));
    }
    if progressed {
        s.status_date = date(&get(project, "last_recalc_date"));
    }
    if dropped > 0 {
        notes.push(format!("{dropped} WBS summary and level-of-effort activities were left out (they do not drive dates)"));
    }
    if unknown > 0 {
        notes.push(format!(
            "{unknown} links to activities outside this project or left out were dropped"
        ));
    }
    if other_hours > 0 {
        notes.push(format!("{other_hours} working weekdays have hours other than the rest of their calendar's week; slipcast gives every working day of a calendar the same hours (the most common)"));
    }
    if extra_working > 0 {
        notes.push(format!("{extra_working} calendar exceptions that make a rest day a working day (a worked Saturday) were left out: a slipcast calendar is a working week and its holidays"));
    }
    s.notes = notes;
    clean_ids(&mut s.tasks);
    Ok(s)
}
