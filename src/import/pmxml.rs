//! Primavera P6 XML (PMXML, `<APIBusinessObjects>`).

use std::collections::HashMap;

use chrono::NaiveDate;

use super::xml::Node;
use super::{ImportedTask, Schedule, bad, clean_ids};
use crate::error::Result;
use crate::plan::{LagCalendar, LinkKind, Workweek};

fn date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.get(..10)?, "%Y-%m-%d").ok()
}

fn weekday(name: &str) -> Option<usize> {
    [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ]
    .iter()
    .position(|d| d.eq_ignore_ascii_case(name))
}

/// A calendar: its standard work week, holidays and exceptions without work, and the
/// hours most working weekdays have (a `Finish` of `15:59` is the end of 15:59).
fn read_calendar(c: &Node) -> super::ImportedCalendar {
    let minute = super::clock_minutes;
    let mut out = super::ImportedCalendar {
        source_name: c.text_of("Name").unwrap_or("").to_string(),
        ..Default::default()
    };
    let mut day_hours: Vec<Vec<(u16, u16)>> = Vec::new();
    if let Some(w) = c.child("StandardWorkWeek") {
        let mut days = [false; 7];
        for d in w.all("StandardWorkHours") {
            if let Some(i) = d.text_of("DayOfWeek").and_then(weekday) {
                let mut periods: Vec<(u16, u16)> = d
                    .all("WorkTime")
                    .filter_map(|t| {
                        let a = minute(t.text_of("Start")?)?;
                        let b = minute(t.text_of("Finish")?)?;
                        let b = if b % 60 == 59 { b + 1 } else { b };
                        let b = if b == 0 { 1440 } else { b };
                        (b > a).then_some((a, b))
                    })
                    .collect();
                days[i] = d.all("WorkTime").any(|t| t.child("Start").is_some());
                if days[i] {
                    periods.sort_unstable();
                    day_hours.push(super::merge_periods(periods));
                }
            }
        }
        if days.iter().any(|&d| d) {
            out.workweek = Workweek(days);
        }
    }
    if let Some(h) = c.child("HolidayOrExceptions") {
        for e in h.all("HolidayOrException") {
            let working = e.all("WorkTime").any(|t| t.child("Start").is_some());
            if let (false, Some(d)) = (working, e.text_of("Date").and_then(date)) {
                out.holidays.push((d, d));
            }
        }
    }
    out.hours = super::common_hours(&day_hours).0;
    // Work is in hours: a day is the working periods' hours (HoursPerDay without them).
    out.hours_per_day = super::day_hours(
        &out.hours,
        c.text_of("HoursPerDay")
            .and_then(|h| h.parse::<f64>().ok())
            .filter(|h| h.is_finite() && *h > 0.0)
            .unwrap_or(8.0),
    );
    out
}

pub(super) fn read(root: &Node, file: &str) -> Result<Schedule> {
    let project = root.child("Project").ok_or_else(|| {
        bad(
            file,
            "the P6 XML has no <Project>",
            "export a project from P6 as XML",
        )
    })?;
    let cal_id = project
        .text_of("ActivityDefaultCalendarObjectId")
        .unwrap_or("");
    let calendars: Vec<&Node> = root
        .all("Calendar")
        .chain(project.all("Calendar"))
        .collect();
    let cal = calendars
        .iter()
        .find(|c| c.text_of("ObjectId") == Some(cal_id))
        .or_else(|| {
            calendars
                .iter()
                .find(|c| c.text_of("IsDefault") == Some("1"))
        });
    let project_cal = cal.map(|c| read_calendar(c)).unwrap_or_default();
    let (workweek, holidays, hpd) = (
        project_cal.workweek,
        project_cal.holidays.clone(),
        project_cal.hours_per_day,
    );
    let by_id: HashMap<&str, &Node> = calendars
        .iter()
        .filter_map(|c| Some((c.text_of("ObjectId")?, *c)))
        .collect();
    let mut named: Vec<super::ImportedCalendar> = Vec::new();
    let mut calendar_of: HashMap<String, Option<usize>> = HashMap::new();
    let mut own_calendar = |id: &str, named: &mut Vec<super::ImportedCalendar>| -> Option<usize> {
        if id == cal_id || id.is_empty() {
            return None;
        }
        if let Some(&c) = calendar_of.get(id) {
            return c;
        }
        let index = by_id
            .get(id)
            .map(|c| read_calendar(c))
            .and_then(|c| super::place_calendar(named, &project_cal, c));
        calendar_of.insert(id.to_string(), index);
        index
    };
    let lag_calendar = match project.text_of("RelationshipLagCalendar") {
        Some("Predecessor Activity Calendar") => Some(LagCalendar::Predecessor),
        Some("Successor Activity Calendar") => Some(LagCalendar::Successor),
        Some("Project Default Calendar") => Some(LagCalendar::Project),
        Some("24 Hour Calendar") => Some(LagCalendar::Continuous),
        _ => None,
    };
    let mut s = Schedule {
        format: "Primavera P6 XML",
        name: project.text_of("Name").unwrap_or("P6 project").to_string(),
        start: project.text_of("PlannedStartDate").and_then(date),
        workweek,
        holidays,
        hours_per_day: hpd,
        hours: project_cal.hours.clone(),
        lag_calendar,
        ..Schedule::default()
    };
    let mut task_hours: Vec<f64> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut progressed = false;
    for a in project.all("Activity") {
        let kind = a.text_of("Type").unwrap_or("Task Dependent");
        if kind.contains("WBS") || kind.contains("Level of Effort") {
            continue;
        }
        let own = own_calendar(a.text_of("CalendarObjectId").unwrap_or(""), &mut named);
        let own_hours = own.map_or(hpd, |c| named[c].hours_per_day);
        let h = |k: &str| {
            a.text_of(k)
                .and_then(|x| x.parse::<f64>().ok())
                .map(|x| (x / own_hours).max(0.0))
        };
        let status = a.text_of("Status").unwrap_or("");
        let (astart, afinish) = (
            a.text_of("ActualStartDate").and_then(date),
            a.text_of("ActualFinishDate").and_then(date),
        );
        progressed |= astart.is_some();
        let ctype = a.text_of("PrimaryConstraintType").unwrap_or("");
        let cdate = a.text_of("PrimaryConstraintDate").and_then(date);
        let (not_before, other) = match ctype {
            "" => (None, None),
            "Start On" | "Start On or After" => (cdate, None),
            c => (None, Some(c.to_string())),
        };
        index.insert(
            a.text_of("ObjectId").unwrap_or("").to_string(),
            s.tasks.len(),
        );
        task_hours.push(own_hours);
        s.tasks.push(ImportedTask {
            id: a.text_of("Id").unwrap_or("").to_string(),
            name: a.text_of("Name").unwrap_or("").to_string(),
            duration: h("PlannedDuration").unwrap_or(0.0),
            remaining: if status == "In Progress" {
                h("RemainingDuration")
            } else {
                None
            },
            milestone: kind.contains("Milestone"),
            start_milestone: kind == "Start Milestone",
            not_before,
            other_constraint: other,
            calendar: own,
            actual_start: astart,
            actual_finish: if status == "Completed" {
                afinish.or(astart)
            } else {
                None
            },
            stored: a
                .text_of("StartDate")
                .and_then(date)
                .zip(a.text_of("FinishDate").and_then(date)),
            ..ImportedTask::default()
        });
    }
    for r in root.all("Relationship").chain(project.all("Relationship")) {
        let (Some(&si), Some(&pi)) = (
            r.text_of("SuccessorActivityObjectId")
                .and_then(|x| index.get(x)),
            r.text_of("PredecessorActivityObjectId")
                .and_then(|x| index.get(x)),
        ) else {
            continue;
        };
        let kind = match r.text_of("Type").unwrap_or("Finish to Start") {
            "Finish to Start" => LinkKind::FS,
            "Start to Start" => LinkKind::SS,
            "Finish to Finish" => LinkKind::FF,
            "Start to Finish" => LinkKind::SF,
            other => {
                return Err(bad(
                    file,
                    format!("unknown relationship type \"{other}\""),
                    "relationships are Finish to Start, Start to Start, Finish to Finish or Start to Finish",
                ));
            }
        };
        // Hours of lag in days of the calendar it is counted on.
        let lag_hours = match lag_calendar.unwrap_or_default() {
            LagCalendar::Predecessor => task_hours[pi],
            LagCalendar::Successor => task_hours[si],
            LagCalendar::Project => hpd,
            LagCalendar::Continuous => 24.0,
        };
        let lag = r
            .text_of("Lag")
            .and_then(|x| x.parse::<f64>().ok())
            .unwrap_or(0.0)
            / lag_hours;
        let pid = s.tasks[pi].id.clone();
        s.tasks[si].preds.push((pid, kind, lag));
    }
    if progressed {
        s.status_date = project.text_of("DataDate").and_then(date);
    }
    super::name_calendars(&mut named);
    s.calendars = named;
    clean_ids(&mut s.tasks);
    Ok(s)
}
