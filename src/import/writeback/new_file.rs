//! A new Microsoft Project XML file of a plan.

use super::mspdi::{clock, date_fields, number_fields, value_element};
use super::*;

/// The Text field a new file keeps each task's plan id in, so that importing the file
/// again gives the same ids (risks, scenarios and correlations name tasks by id).
pub const ID_LABEL: &str = "slipcast id";

/// Microsoft Project's Text1 field.
const TEXT1: u32 = 188_743_731;

fn esc(s: &str) -> std::borrow::Cow<'_, str> {
    quick_xml::escape::escape(s)
}

/// A calendar of the new file: (UID, name, working week, hours, holidays).
struct NewCalendar<'a> {
    uid: usize,
    name: &'a str,
    workweek: crate::plan::Workweek,
    hours: Vec<(u16, u16)>,
    holidays: Vec<(NaiveDate, NaiveDate)>,
}

fn write_calendar(out: &mut String, c: &NewCalendar) {
    let _ = write!(
        out,
        "<Calendar><UID>{}</UID><Name>{}</Name><IsBaseCalendar>1</IsBaseCalendar><BaseCalendarUID>-1</BaseCalendarUID><WeekDays>",
        c.uid,
        esc(c.name)
    );
    // Microsoft Project numbers days from Sunday = 1; the working week from Monday.
    for day_type in 1..=7usize {
        let works = c.workweek.0[(day_type + 5) % 7];
        let _ = write!(
            out,
            "<WeekDay><DayType>{day_type}</DayType><DayWorking>{}</DayWorking>",
            u8::from(works)
        );
        if works {
            out.push_str("<WorkingTimes>");
            for &(a, b) in &c.hours {
                let _ = write!(
                    out,
                    "<WorkingTime><FromTime>{}</FromTime><ToTime>{}</ToTime></WorkingTime>",
                    clock(a),
                    clock(b)
                );
            }
            out.push_str("</WorkingTimes>");
        }
        out.push_str("</WeekDay>");
    }
    out.push_str("</WeekDays>");
    if !c.holidays.is_empty() {
        out.push_str("<Exceptions>");
        for (a, b) in &c.holidays {
            let _ = write!(
                out,
                "<Exception><EnteredByOccurrences>0</EnteredByOccurrences><TimePeriod><FromDate>{a}T00:00:00</FromDate><ToDate>{b}T23:59:00</ToDate></TimePeriod><Occurrences>1</Occurrences><Name>Holiday</Name><Type>1</Type><DayWorking>0</DayWorking></Exception>"
            );
        }
        out.push_str("</Exceptions>");
    }
    out.push_str("</Calendar>");
}

/// A new Microsoft Project XML file of `plan`: its tasks (UID and ID in tasks.csv's
/// order), links with their types and lags, milestones, start-no-earlier-than dates,
/// targets as deadlines, actuals, the project and named calendars, the deterministic
/// dates as each task's start and finish, and the forecast in the custom fields
/// [`into_source`] uses (the plan id in Text1, "slipcast id").
///
/// Single-point durations only: Microsoft Project has no three-point estimate, so the
/// estimates, risks and the rest of the model stay in the plan folder.
pub fn new_mspdi(
    plan: &crate::plan::Plan,
    f: &Forecast,
    values: &HashMap<String, TaskValues>,
) -> Result<(String, Written)> {
    use crate::plan::{DateOrDays, LinkKind};
    let s = &plan.settings;
    let default_hours = vec![(8 * 60, 12 * 60), (13 * 60, 17 * 60)];
    let hours = if s.hours.is_empty() {
        default_hours.clone()
    } else {
        s.hours.clone()
    };
    let minutes_per_day =
        |h: &[(u16, u16)]| -> u32 { h.iter().map(|&(a, b)| u32::from(b - a)).sum() };
    let (day_start, day_end) = day_times(&hours);
    let mut calendars = vec![NewCalendar {
        uid: 1,
        name: "Standard",
        workweek: s.workweek,
        hours: hours.clone(),
        holidays: plan.holidays.iter().map(|h| (h.from, h.to)).collect(),
    }];
    for (k, c) in s.calendars.iter().enumerate() {
        calendars.push(NewCalendar {
            uid: k + 2,
            name: &c.name,
            workweek: c.workweek,
            hours: c.hours.clone().unwrap_or_else(|| hours.clone()),
            holidays: plan
                .calendar_holidays
                .iter()
                .filter(|h| h.calendar == c.name)
                .map(|h| (h.holiday.from, h.holiday.to))
                .collect(),
        });
    }
    let calendar_of = |name: Option<&str>| {
        name.and_then(|n| calendars.iter().find(|c| c.name == n))
            .unwrap_or(&calendars[0])
    };
    let name = s.name.clone().unwrap_or_else(|| "slipcast plan".into());
    let mut x = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<Project xmlns=\"http://schemas.microsoft.com/project\">\n",
    );
    let mpd = minutes_per_day(&hours);
    let _ = write!(
        x,
        "<SaveVersion>14</SaveVersion><Name>{0}.xml</Name><Title>{0}</Title><ScheduleFromStart>1</ScheduleFromStart>",
        esc(&name)
    );
    if let Some(d) = f.start.as_deref() {
        let _ = write!(x, "<StartDate>{d}T{}</StartDate>", clock(day_start));
    }
    let _ = write!(
        x,
        "<CalendarUID>1</CalendarUID><DefaultStartTime>{}</DefaultStartTime><DefaultFinishTime>{}</DefaultFinishTime><MinutesPerDay>{mpd}</MinutesPerDay><MinutesPerWeek>{}</MinutesPerWeek><DaysPerMonth>20</DaysPerMonth>",
        clock(day_start),
        clock(day_end),
        mpd * s.workweek.0.iter().filter(|&&d| d).count() as u32
    );
    if let Some(d) = s.status_date {
        let _ = write!(x, "<StatusDate>{d}T{}</StatusDate>", clock(day_end));
    }
    x.push('\n');
    // Custom fields: the plan id, then the forecast's.
    let date_ids: Vec<(u32, String)> = date_fields().collect();
    let number_ids: Vec<(u32, String)> = number_fields().collect();
    let mut chosen: Vec<(Field, u32, String)> = Vec::new();
    let (mut d, mut n) = (0, 0);
    for field in Field::ALL {
        let (id, fname) = if field.is_date() {
            d += 1;
            date_ids[d - 1].clone()
        } else {
            n += 1;
            number_ids[n - 1].clone()
        };
        chosen.push((field, id, fname));
    }
    let _ = write!(
        x,
        "<ExtendedAttributes><ExtendedAttribute><FieldID>{TEXT1}</FieldID><FieldName>Text1</FieldName><Alias>{ID_LABEL}</Alias></ExtendedAttribute>"
    );
    for (field, id, fname) in &chosen {
        let _ = write!(
            x,
            "<ExtendedAttribute><FieldID>{id}</FieldID><FieldName>{fname}</FieldName><Alias>{}</Alias></ExtendedAttribute>",
            field.label()
        );
    }
    x.push_str("</ExtendedAttributes>\n<Calendars>");
    for c in &calendars {
        write_calendar(&mut x, c);
    }
    x.push_str("</Calendars>\n<Tasks>\n");
    let uid_of: HashMap<&str, usize> = plan
        .tasks
        .iter()
        .enumerate()
        .map(|(i, t)| (t.id.as_str(), i + 1))
        .collect();
    let forecast_of: HashMap<&str, &crate::stats::TaskForecast> =
        f.tasks.iter().map(|t| (t.id.as_str(), t)).collect();
    let duration = |days: f64, mpd: u32| {
        let minutes = (days * f64::from(mpd)).round().max(0.0) as u64;
        format!("PT{}H{}M0S", minutes / 60, minutes % 60)
    };
    let mut written = Written {
        fields: std::iter::once(("Text1".to_string(), ID_LABEL))
            .chain(chosen.iter().map(|c| (c.2.clone(), c.0.label())))
            .collect(),
        ..Written::default()
    };
    for (i, t) in plan.tasks.iter().enumerate() {
        let uid = i + 1;
        let cal = calendar_of(t.calendar.as_deref());
        let cal_mpd = minutes_per_day(&cal.hours);
        let (cs, ce) = day_times(&cal.hours);
        let tf = forecast_of.get(t.id.as_str());
        // The single-point duration in the task's own calendar's working days (the
        // forecast's axis counts the project calendar's).
        let days = match &t.estimate {
            Some(e) => e.deterministic(),
            None => tf.map_or(0.0, |tf| tf.deterministic_finish - tf.deterministic_start),
        };
        let zero = days <= 0.0;
        let _ = write!(
            x,
            "<Task><UID>{uid}</UID><ID>{uid}</ID><Name>{}</Name><Type>0</Type><IsNull>0</IsNull><OutlineNumber>{uid}</OutlineNumber><OutlineLevel>1</OutlineLevel>",
            esc(t.name.as_deref().unwrap_or(&t.id))
        );
        if let Some(tf) = tf
            && let (Some(a), Some(b)) = (
                tf.deterministic_start_date.as_deref(),
                tf.deterministic_finish_date.as_deref(),
            )
        {
            // A zero-length task sits at the end of the day its predecessors finish.
            let start = if zero { ce } else { cs };
            let _ = write!(
                x,
                "<Start>{a}T{}</Start><Finish>{b}T{}</Finish>",
                clock(start),
                clock(ce)
            );
        }
        let _ = write!(
            x,
            "<Duration>{}</Duration><DurationFormat>7</DurationFormat><Milestone>{}</Milestone><Summary>0</Summary>",
            duration(days, cal_mpd),
            u8::from(t.milestone)
        );
        if let Some(a) = t.actual_start {
            let _ = write!(x, "<ActualStart>{a}T{}</ActualStart>", clock(cs));
        }
        if let Some(b) = t.actual_finish {
            let _ = write!(x, "<ActualFinish>{b}T{}</ActualFinish>", clock(ce));
        }
        if let (Some(r), Some(_), None) = (t.remaining, t.actual_start, t.actual_finish) {
            let _ = write!(
                x,
                "<RemainingDuration>{}</RemainingDuration>",
                duration(r, cal_mpd)
            );
        }
        let constraint = match t.not_before {
            Some(DateOrDays::Date(d)) => Some(format!("{d}T{}", clock(cs))),
            Some(DateOrDays::At(d, m)) => Some(format!("{d}T{}", clock(m))),
            _ => None,
        };
        let _ = write!(
            x,
            "<ConstraintType>{}</ConstraintType>",
            if constraint.is_some() { 4 } else { 0 }
        );
        if cal.uid != 1 {
            let _ = write!(x, "<CalendarUID>{}</CalendarUID>", cal.uid);
        }
        if let Some(c) = constraint {
            let _ = write!(x, "<ConstraintDate>{c}</ConstraintDate>");
        }
        if let Some(DateOrDays::Date(d)) = t.target {
            let _ = write!(x, "<Deadline>{d}T{}</Deadline>", clock(ce));
        }
        for l in &t.predecessors {
            let Some(p) = uid_of.get(l.pred.as_str()) else {
                continue;
            };
            let kind = match l.kind {
                LinkKind::FF => 0,
                LinkKind::FS => 1,
                LinkKind::SF => 2,
                LinkKind::SS => 3,
            };
            // Tenths of a minute of the successor's working day.
            let lag = (l.lag * f64::from(cal_mpd) * 10.0).round() as i64;
            let _ = write!(
                x,
                "<PredecessorLink><PredecessorUID>{p}</PredecessorUID><Type>{kind}</Type><CrossProject>0</CrossProject><LinkLag>{lag}</LinkLag><LagFormat>7</LagFormat></PredecessorLink>"
            );
        }
        let _ = write!(
            x,
            "<ExtendedAttribute><FieldID>{TEXT1}</FieldID><Value>{}</Value></ExtendedAttribute>",
            esc(&t.id)
        );
        if let Some(v) = values.get(&t.id) {
            written.tasks += 1;
            for (field, id, _) in &chosen {
                value_element(&mut x, *id, v.cell(*field), (cs, ce));
            }
        }
        x.push_str("</Task>\n");
    }
    x.push_str("</Tasks>\n</Project>\n");
    Ok((x, written))
}
