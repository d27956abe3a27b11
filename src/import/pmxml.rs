//! Primavera P6 XML (PMXML, `<APIBusinessObjects>`).

use std::collections::HashMap;

use chrono::NaiveDate;

use super::xml::Node;
use super::{ImportedTask, Schedule, bad, clean_ids};
use crate::error::Result;
use crate::plan::{LinkKind, Workweek};

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
    let hpd = cal
        .and_then(|c| c.text_of("HoursPerDay"))
        .and_then(|h| h.parse::<f64>().ok())
        .filter(|h| *h > 0.0)
        .unwrap_or(8.0);
    let mut workweek = Workweek::default();
    let mut holidays = Vec::new();
    if let Some(c) = cal {
        if let Some(w) = c.child("StandardWorkWeek") {
            let mut days = [false; 7];
            for d in w.all("StandardWorkHours") {
                if let Some(i) = d.text_of("DayOfWeek").and_then(weekday) {
                    days[i] = d.all("WorkTime").any(|t| t.child("Start").is_some());
                }
            }
            if days.iter().any(|&d| d) {
                workweek = Workweek(days);
            }
        }
        if let Some(h) = c.child("HolidayOrExceptions") {
            for e in h.all("HolidayOrException") {
                let working = e.all("WorkTime").any(|t| t.child("Start").is_some());
                if let (false, Some(d)) = (working, e.text_of("Date").and_then(date)) {
                    holidays.push((d, d));
                }
            }
        }
    }
    let mut s = Schedule {
        format: "Primavera P6 XML",
        name: project.text_of("Name").unwrap_or("P6 project").to_string(),
        start: project.text_of("PlannedStartDate").and_then(date),
        workweek,
        holidays,
        hours_per_day: hpd,
        ..Schedule::default()
    };
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut progressed = false;
    for a in project.all("Activity") {
        let kind = a.text_of("Type").unwrap_or("Task Dependent");
        if kind.contains("WBS") || kind.contains("Level of Effort") {
            continue;
        }
        let h = |k: &str| {
            a.text_of(k)
                .and_then(|x| x.parse::<f64>().ok())
                .map(|x| (x / hpd).max(0.0))
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
            not_before,
            other_constraint: other,
            own_calendar: a
                .text_of("CalendarObjectId")
                .is_some_and(|c| c != cal_id && !cal_id.is_empty()),
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
        let lag = r
            .text_of("Lag")
            .and_then(|x| x.parse::<f64>().ok())
            .unwrap_or(0.0)
            / hpd;
        let pid = s.tasks[pi].id.clone();
        s.tasks[si].preds.push((pid, kind, lag));
    }
    if progressed {
        s.status_date = project.text_of("DataDate").and_then(date);
    }
    clean_ids(&mut s.tasks);
    Ok(s)
}
