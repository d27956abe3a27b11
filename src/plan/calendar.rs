//! `calendar.csv`: holidays (and, later, freeze windows).

use chrono::NaiveDate;

use crate::error::Diags;
use crate::plan::sheet::Sheet;

/// Every column calendar.csv may have.
pub(crate) const COLUMNS: &[&str] = &["from", "to", "kind", "tags", "name", "calendar"];

/// A range of non-working days, both ends included. Invariant: `from ≤ to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Holiday {
    /// First day off.
    pub from: NaiveDate,
    /// Last day off.
    pub to: NaiveDate,
}

/// A freeze (blackout) window: tasks whose `calendar_tags` intersect `tags` may not start
/// inside it. Invariant: `from ≤ to`, `tags` non-empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Freeze {
    /// 1-based line in calendar.csv.
    pub line: u64,
    /// First frozen day.
    pub from: NaiveDate,
    /// Last frozen day.
    pub to: NaiveDate,
    /// Tags it applies to.
    pub tags: Vec<String>,
}

/// A holiday of a named calendar (calendar.csv rows whose `calendar` column names it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarHoliday {
    /// The calendar's name.
    pub calendar: String,
    /// 1-based line in calendar.csv.
    pub line: u64,
    /// The days off.
    pub holiday: Holiday,
}

/// Parses calendar.csv rows into the project calendar's holidays, the named calendars'
/// holidays and freeze windows. A holiday row's `calendar` column lists the calendars it
/// belongs to (`project` is the project calendar; empty means the project calendar).
pub(crate) fn parse(
    sheet: &Sheet,
    diags: &mut Diags,
) -> (Vec<Holiday>, Vec<CalendarHoliday>, Vec<Freeze>) {
    let mut out = Vec::new();
    let mut named = Vec::new();
    let mut freezes = Vec::new();
    for row in &sheet.rows {
        let kind = sheet
            .get(row, "kind")
            .unwrap_or("holiday")
            .to_ascii_lowercase();
        let from = sheet.date(row, "from", diags);
        let to = sheet.date(row, "to", diags);
        let freeze = match kind.as_str() {
            "holiday" => false,
            "freeze" => true,
            other => {
                diags.push(
                    sheet
                        .diag(row, "kind", format!("unknown kind \"{other}\""))
                        .fix("use holiday or freeze"),
                );
                continue;
            }
        };
        let Some(from) = from else {
            if sheet.get(row, "from").is_none() {
                diags.push(
                    sheet
                        .diag(row, "from", "the row has no from date")
                        .fix("give the first day as YYYY-MM-DD"),
                );
            }
            continue;
        };
        let to = match (to, sheet.get(row, "to")) {
            (Some(t), _) => t,
            (None, None) => from,
            (None, Some(_)) => continue,
        };
        if to < from {
            diags.push(
                sheet
                    .diag(row, "to", format!("to ({to}) is before from ({from})"))
                    .fix("swap the two dates"),
            );
            continue;
        }
        if freeze {
            let tags: Vec<String> = sheet.list(row, "tags");
            if tags.is_empty() {
                diags.push(
                    sheet
                        .diag(row, "tags", "a freeze window needs the tags of the tasks it applies to")
                        .fix("list tags such as deploy;cutover, and give those tasks matching calendar_tags"),
                );
                continue;
            }
            if sheet.get(row, "calendar").is_some() {
                diags.push(
                    sheet
                        .diag(row, "calendar", "a freeze window applies to tasks by their tags, on whatever calendar they work")
                        .fix("leave the calendar column empty on freeze rows"),
                );
                continue;
            }
            freezes.push(Freeze {
                line: row.line,
                from,
                to,
                tags,
            });
        } else {
            let cals: Vec<String> = sheet.list(row, "calendar");
            let holiday = Holiday { from, to };
            if cals.is_empty() {
                out.push(holiday);
            }
            for c in cals {
                if c.eq_ignore_ascii_case(crate::plan::settings::PROJECT_CALENDAR) {
                    out.push(holiday);
                } else {
                    named.push(CalendarHoliday {
                        calendar: c,
                        line: row.line,
                        holiday,
                    });
                }
            }
        }
    }
    out.dedup();
    (out, named, freezes)
}
