//! Microsoft Project MPX (the older text exchange format): comma-separated records; the
//! record number comes first (30 project, 20/25/26 calendar, 60 task field names,
//! 70 task).

use std::collections::HashMap;

use chrono::NaiveDate;

use super::{ImportedTask, Schedule, bad, clean_ids};
use crate::error::Result;
use crate::plan::{LinkKind, Workweek};

fn split(line: &str, sep: char) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            c if c == sep && !quoted => out.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    out.push(cur);
    out
}

/// Duration text such as `3d`, `1.5w`, `16h`, `0d`, `2ed` in working days.
fn duration(s: &str, hpd: f64, hpw: f64) -> Option<f64> {
    let s = s.trim().trim_start_matches('~');
    let n: String = s
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == '-')
        .collect();
    let x: f64 = n.parse().ok()?;
    let unit = s[n.len()..]
        .trim()
        .trim_end_matches('?')
        .trim_start_matches('e');
    Some(match unit {
        "m" => x / 60.0 / hpd,
        "h" => x / hpd,
        "d" | "" => x,
        "w" => x * hpw / hpd,
        "mo" => x * 20.0,
        _ => return None,
    })
}

pub(super) fn read(bytes: &[u8], file: &str) -> Result<Schedule> {
    let text: String = bytes.iter().map(|&b| b as char).collect(); // ANSI / Latin-1
    let mut sep = ',';
    let (mut hpd, mut hpw) = (8.0, 40.0);
    let mut date_order = 0; // 0 = MDY, 1 = DMY, 2 = YMD
    let mut names: Vec<String> = Vec::new();
    let mut s = Schedule {
        format: "MPX",
        name: "MPX plan".into(),
        ..Schedule::default()
    };
    let mut calendars = 0;
    let mut rows: Vec<Vec<String>> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim_end_matches('\r');
        if i == 0 {
            if !line.starts_with("MPX") {
                return Err(bad(
                    file,
                    "not an MPX file",
                    "export the schedule as MPX from Microsoft Project",
                ));
            }
            continue;
        }
        let f = split(line, sep);
        match f[0].trim() {
            "10" => {
                if let Some(c) = f.get(4).and_then(|x| x.chars().next()) {
                    sep = c;
                }
            }
            "11" => {
                hpd = f.get(4).and_then(|x| x.parse().ok()).unwrap_or(8.0);
                hpw = f.get(5).and_then(|x| x.parse().ok()).unwrap_or(40.0);
            }
            "12" => date_order = f.get(1).and_then(|x| x.parse().ok()).unwrap_or(0),
            "20" if calendars == 0 => {
                calendars += 1;
                // Sunday … Saturday working flags (1 = working, 0 = not, 2 = default).
                let mut days = [false; 7];
                for (k, d) in (0..7).zip(f.iter().skip(2)) {
                    days[(k + 6) % 7] = d.trim() == "1";
                }
                if days.iter().any(|&d| d) {
                    s.workweek = Workweek(days);
                }
            }
            "20" => calendars += 1,
            "26" if calendars == 1 => {
                if let (Some(a), Some(b)) = (
                    f.get(1).and_then(|x| mpx_date(x, date_order)),
                    f.get(2).and_then(|x| mpx_date(x, date_order)),
                ) && f.get(3).map(|x| x.trim()) != Some("1")
                {
                    s.holidays.push((a, b));
                }
            }
            "30" => {
                if let Some(n) = f.get(1).filter(|x| !x.trim().is_empty()) {
                    s.name = n.trim().to_string();
                }
                s.start = f.get(5).and_then(|x| mpx_date(x, date_order));
            }
            "60" => names = f[1..].iter().map(|x| x.trim().to_string()).collect(),
            "70" => rows.push(f[1..].to_vec()),
            "21" | "22" | "23" | "24" | "25" => {}
            "40" | "41" | "50" | "51" | "61" | "62" | "63" | "71" | "72" | "73" | "74" | "75"
            | "76" => {}
            _ => {}
        }
    }
    if names.is_empty() {
        return Err(bad(
            file,
            "the MPX file has no task field names (record 60)",
            "export the MPX with the task table's field names",
        ));
    }
    let col = |n: &str| names.iter().position(|x| x.eq_ignore_ascii_case(n));
    let (id_c, name_c, dur_c, pred_c) =
        (col("ID"), col("Name"), col("Duration"), col("Predecessors"));
    let (Some(id_c), Some(dur_c)) = (id_c, dur_c) else {
        return Err(bad(
            file,
            "the MPX task records have no ID or Duration field",
            "export the MPX with ID and Duration in the task table",
        ));
    };
    let get = |r: &Vec<String>, c: Option<usize>| {
        c.and_then(|c| r.get(c))
            .map(|x| x.trim().to_string())
            .unwrap_or_default()
    };
    let yes = |x: String| x.eq_ignore_ascii_case("yes") || x == "1";
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut pending: Vec<(usize, String)> = Vec::new();
    let mut summaries = 0;
    for r in &rows {
        let id = get(r, Some(id_c));
        if id.is_empty() || id == "0" {
            continue;
        }
        if yes(get(r, col("Summary"))) {
            summaries += 1;
            continue;
        }
        let dur = duration(&get(r, Some(dur_c)), hpd, hpw).unwrap_or(0.0);
        let ctype = get(r, col("Constraint Type"));
        let cdate = mpx_date(&get(r, col("Constraint Date")), date_order);
        let (not_before, other) = match ctype.as_str() {
            "" | "As Soon As Possible" | "0" => (None, None),
            "Start No Earlier Than" | "Must Start On" | "4" | "2" => (cdate, None),
            c => (None, Some(c.to_string())),
        };
        let early = mpx_date(&get(r, col("Early Start")), date_order)
            .or(mpx_date(&get(r, col("Start")), date_order));
        let early_f = mpx_date(&get(r, col("Early Finish")), date_order)
            .or(mpx_date(&get(r, col("Finish")), date_order));
        index.insert(id.clone(), s.tasks.len());
        pending.push((s.tasks.len(), get(r, pred_c)));
        s.tasks.push(ImportedTask {
            id: format!("T{id}"),
            name: get(r, name_c),
            duration: dur.max(0.0),
            milestone: yes(get(r, col("Milestone"))),
            not_before,
            other_constraint: other,
            actual_start: mpx_date(&get(r, col("Actual Start")), date_order),
            actual_finish: mpx_date(&get(r, col("Actual Finish")), date_order),
            baseline_finish: mpx_date(&get(r, col("Baseline Finish")), date_order),
            stored: early.zip(early_f),
            ..ImportedTask::default()
        });
    }
    for (t, preds) in pending {
        for p in split(&preds, if sep == ',' { ',' } else { sep })
            .iter()
            .flat_map(|x| x.split(','))
            .map(str::trim)
            .filter(|x| !x.is_empty())
        {
            let digits: String = p.chars().take_while(char::is_ascii_digit).collect();
            let rest = &p[digits.len()..];
            let (kind, lag) = match rest.get(..2) {
                Some("FS") => (LinkKind::FS, &rest[2..]),
                Some("SS") => (LinkKind::SS, &rest[2..]),
                Some("FF") => (LinkKind::FF, &rest[2..]),
                Some("SF") => (LinkKind::SF, &rest[2..]),
                _ if rest.is_empty() => (LinkKind::FS, ""),
                _ => {
                    return Err(bad(
                        file,
                        format!("unknown link \"{p}\""),
                        "links are ID, IDFS+2d, IDSS, IDFF or IDSF",
                    ));
                }
            };
            let lag = if lag.is_empty() {
                0.0
            } else {
                duration(lag.trim_start_matches('+'), hpd, hpw).unwrap_or(0.0)
            };
            if let Some(&pi) = index.get(&digits) {
                let pid = s.tasks[pi].id.clone();
                s.tasks[t].preds.push((pid, kind, lag));
            }
        }
    }
    s.hours_per_day = hpd;
    if summaries > 0 {
        s.notes.push(match summaries {
            1 => "1 summary task was dropped".to_string(),
            n => format!("{n} summary tasks were dropped"),
        });
    }
    if s.tasks.iter().any(|t| t.actual_start.is_some()) {
        s.status_date = None;
        s.notes.push(
            "the MPX file carries progress but no status date; actual dates are ignored".into(),
        );
        for t in &mut s.tasks {
            t.actual_start = None;
            t.actual_finish = None;
        }
    }
    // Microsoft Project resumes a started task's remaining work from its actual start
    // and the status date, whatever its predecessors.
    s.progress_logic = Some(crate::plan::ProgressLogic::Override);
    clean_ids(&mut s.tasks);
    Ok(s)
}

/// MPX dates such as `Fri 17/10/14` or `17/10/14 08:00`, in the file's date order.
fn mpx_date(s: &str, order: u32) -> Option<NaiveDate> {
    let s = s.trim();
    if s.is_empty() || s == "NA" {
        return None;
    }
    let token = s
        .split_whitespace()
        .find(|t| t.contains('/') || t.contains('-') || t.contains('.'))?;
    let p: Vec<i32> = token
        .split(['/', '-', '.'])
        .map(|x| x.parse().ok())
        .collect::<Option<Vec<_>>>()?;
    if p.len() != 3 {
        return None;
    }
    let (y, m, d) = match order {
        1 => (p[2], p[1], p[0]),
        2 => (p[0], p[1], p[2]),
        _ => (p[2], p[0], p[1]),
    };
    let y = if y < 100 {
        2000 + y - if y > 70 { 100 } else { 0 }
    } else {
        y
    };
    NaiveDate::from_ymd_opt(y, m as u32, d as u32)
}
