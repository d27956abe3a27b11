//! `plan.toml`: the plan's name, start date, working week and run defaults.

use chrono::{NaiveDate, Weekday};

use crate::error::{Diagnostic, Diags};
use crate::plan::sheet::closest;

/// The working days of the week. Invariant: at least one day is a working day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Workweek(pub [bool; 7]);

impl Default for Workweek {
    /// Monday to Friday.
    fn default() -> Self {
        Workweek([true, true, true, true, true, false, false])
    }
}

impl Workweek {
    /// Whether `day` is a working day.
    pub fn works(&self, day: Weekday) -> bool {
        self.0[day.num_days_from_monday() as usize]
    }

    /// Parses a list such as `["Mon", "Tue"]`; `Err` names the bad entry.
    pub fn parse<'a>(names: impl IntoIterator<Item = &'a str>) -> Result<Workweek, String> {
        let mut days = [false; 7];
        for n in names {
            let d: Weekday = n.trim().parse().map_err(|_| {
                format!("\"{n}\" is not a weekday (use Mon, Tue, Wed, Thu, Fri, Sat, Sun)")
            })?;
            days[d.num_days_from_monday() as usize] = true;
        }
        if !days.iter().any(|&d| d) {
            return Err("the working week has no working day".into());
        }
        Ok(Workweek(days))
    }
}

/// Settings from `plan.toml` (every key optional).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Settings {
    /// Plan name shown in outputs.
    pub name: Option<String>,
    /// First day of the project (t = 0 at the start of the first working day on or after it).
    pub start: Option<NaiveDate>,
    /// Working week.
    pub workweek: Workweek,
    /// Data date for re-forecasting a program in flight.
    pub status_date: Option<NaiveDate>,
    /// Default iteration count.
    pub iterations: Option<u64>,
    /// Default seed.
    pub seed: Option<u64>,
    /// Currency label of every amount (e.g. "EUR").
    pub currency: Option<String>,
    /// The committed budget, for P(cost ≤ budget) and the joint confidence level.
    pub budget: Option<f64>,
    /// Standing costs (`[[overhead]]` tables).
    pub overheads: Vec<crate::plan::cost::Overhead>,
    /// Named calendars besides the project calendar (`[calendars.NAME]` tables), in name
    /// order.
    pub calendars: Vec<CalendarDef>,
    /// The calendar a link's lag is counted on.
    pub lag_calendar: LagCalendar,
    /// How a task in progress schedules its remaining work (`progress_logic`).
    pub progress_logic: ProgressLogic,
    /// The project calendar's working hours (`hours = ["08:00-12:00", ...]`), periods in
    /// minutes after midnight; empty: the whole day.
    pub hours: Vec<(u16, u16)>,
    /// Whether tasks wait for the resources they hold (`levelling`; `None`: yes when the
    /// plan has resources.csv).
    pub levelling: Option<bool>,
    /// The schedule the plan was imported from (`source`, a path relative to the plan
    /// folder): `slipcast run --export mspdi|xer` writes the forecast into a copy of it.
    pub source: Option<String>,
}

/// A named working calendar: `[calendars.NAME]` in plan.toml with its working week; its
/// holidays are the calendar.csv rows that name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarDef {
    /// Its name, as tasks.csv's `calendar` column and calendar.csv's `calendar` column
    /// give it.
    pub name: String,
    /// 1-based line of its table in plan.toml.
    pub line: u64,
    /// Working week.
    pub workweek: Workweek,
    /// Working hours (periods in minutes after midnight); `None`: the project
    /// calendar's.
    pub hours: Option<Vec<(u16, u16)>>,
}

/// The calendar a link's lag is counted on (`lag_calendar` in plan.toml).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LagCalendar {
    /// The predecessor's calendar (Primavera P6's default).
    #[default]
    Predecessor,
    /// The successor's calendar.
    Successor,
    /// The project calendar.
    Project,
    /// Every day, around the clock: a lag of 2 days is 48 hours.
    Continuous,
}

impl LagCalendar {
    /// The plan.toml spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            LagCalendar::Predecessor => "predecessor",
            LagCalendar::Successor => "successor",
            LagCalendar::Project => "project",
            LagCalendar::Continuous => "24h",
        }
    }
}

/// How a task in progress at the status date schedules its remaining work
/// (`progress_logic` in plan.toml; Primavera P6's "when scheduling progressed
/// activities use").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ProgressLogic {
    /// Its links still hold for the remaining work: it resumes at the status date or
    /// when its predecessors allow, whichever is later (P6's default).
    #[default]
    Retained,
    /// The remaining work resumes at the status date whatever its predecessors
    /// (Microsoft Project's behaviour).
    Override,
}

impl ProgressLogic {
    /// The plan.toml spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ProgressLogic::Retained => "retained",
            ProgressLogic::Override => "override",
        }
    }
}

/// Most working periods a calendar's day may have (`hours`).
pub const MAX_PERIODS: usize = 8;

/// The name calendar.csv and tasks.csv use for the project calendar.
pub const PROJECT_CALENDAR: &str = "project";

const KEYS: &[&str] = &[
    "name",
    "start",
    "workweek",
    "status_date",
    "iterations",
    "seed",
    "currency",
    "budget",
    "overhead",
    "calendars",
    "lag_calendar",
    "progress_logic",
    "hours",
    "levelling",
    "source",
];

/// Parses working hours such as `["08:00-12:00", "13:00-17:00"]`: periods in minutes
/// after midnight, in order, not overlapping, at most
/// [`MAX_PERIODS`].
pub(crate) fn parse_hours(value: &toml::Value) -> Result<Vec<(u16, u16)>, String> {
    let items = value
        .as_array()
        .ok_or_else(|| format!("hours must be a list of periods, found {value}"))?;
    let minute = |t: &str| -> Option<u16> {
        let (h, m) = t.trim().split_once(':')?;
        let (h, m) = (h.parse::<u16>().ok()?, m.parse::<u16>().ok()?);
        (m < 60 && (h < 24 || h == 24 && m == 0)).then_some(h * 60 + m)
    };
    let mut out: Vec<(u16, u16)> = Vec::new();
    for v in items {
        let text = v.as_str().unwrap_or_default();
        let period = text
            .split_once('-')
            .and_then(|(a, b)| Some((minute(a)?, minute(b)?)));
        let Some((a, b)) = period else {
            return Err(format!(
                "\"{text}\" is not a period such as \"08:00-12:00\""
            ));
        };
        if b <= a {
            return Err(format!("\"{text}\" ends before it starts"));
        }
        if out.last().is_some_and(|&(_, end)| a < end) {
            return Err(format!(
                "\"{text}\" starts before the period ahead of it ends (list periods in order, without overlaps)"
            ));
        }
        out.push((a, b));
    }
    if out.is_empty() {
        return Err("hours lists no period".into());
    }
    if out.len() > MAX_PERIODS {
        return Err(format!(
            "{} periods; a day may have at most {}",
            out.len(),
            MAX_PERIODS
        ));
    }
    Ok(out)
}

/// Parses the text of `plan.toml` (shown as `file`), collecting problems in `diags`.
pub(crate) fn parse(text: &str, file: &str, diags: &mut Diags) -> Settings {
    let mut s = Settings::default();
    let table: toml::Table = match text.parse() {
        Ok(t) => t,
        Err(e) => {
            let mut d = Diagnostic::new(file, format!("not valid TOML: {}", e.message()))
                .fix("write settings as key = value lines, e.g. start = 2027-01-04");
            if let Some(span) = e.span() {
                d.line = Some(1 + text[..span.start.min(text.len())].matches('\n').count() as u64);
            }
            diags.push(d);
            return s;
        }
    };
    let line_of = |key: &str| -> u64 {
        text.lines()
            .position(|l| {
                let l = l.trim_start();
                l.starts_with(key) && l[key.len()..].trim_start().starts_with('=')
            })
            .map_or(1, |i| i as u64 + 1)
    };
    let bad = |key: &str, msg: String, fix: &str| {
        Diagnostic::new(file, msg)
            .line(line_of(key))
            .column(key)
            .fix(fix)
    };
    for (key, value) in &table {
        match key.as_str() {
            "name" => match value.as_str() {
                Some(n) => s.name = Some(n.to_string()),
                None => diags.push(bad(
                    key,
                    "name must be a string".into(),
                    "name = \"Cloud migration\"",
                )),
            },
            "start" | "status_date" => {
                let text = match value {
                    toml::Value::Datetime(d) => Some(d.to_string()),
                    toml::Value::String(s) => Some(s.clone()),
                    _ => None,
                };
                match text.as_deref().and_then(crate::plan::sheet::parse_date) {
                    Some(d) if key == "start" => s.start = Some(d),
                    Some(d) => s.status_date = Some(d),
                    None => diags.push(bad(
                        key,
                        format!("{key} must be a date, found {value}"),
                        "write the date as YYYY-MM-DD, e.g. start = 2027-01-04",
                    )),
                }
            }
            "hours" => match parse_hours(value) {
                Ok(h) => s.hours = h,
                Err(why) => diags.push(bad(key, why, "hours = [\"08:00-12:00\", \"13:00-17:00\"]")),
            },
            "workweek" => {
                let names: Option<Vec<&str>> = value
                    .as_array()
                    .map(|a| a.iter().map(|v| v.as_str()).collect::<Option<Vec<_>>>())
                    .unwrap_or(None);
                match names.map(Workweek::parse) {
                    Some(Ok(w)) => s.workweek = w,
                    Some(Err(why)) => diags.push(bad(
                        key,
                        why,
                        "workweek = [\"Mon\", \"Tue\", \"Wed\", \"Thu\", \"Fri\"]",
                    )),
                    None => diags.push(bad(
                        key,
                        "workweek must be a list of weekday names".into(),
                        "workweek = [\"Mon\", \"Tue\", \"Wed\", \"Thu\", \"Fri\"]",
                    )),
                }
            }
            "iterations" | "seed" => match value.as_integer() {
                Some(v) if v > 0 || (key == "seed" && v == 0) => {
                    if key == "seed" {
                        s.seed = Some(v as u64);
                    } else {
                        s.iterations = Some(v as u64);
                    }
                }
                _ => diags.push(bad(
                    key,
                    format!("{key} must be a positive whole number, found {value}"),
                    if key == "seed" {
                        "seed = 1"
                    } else {
                        "iterations = 10000"
                    },
                )),
            },
            "currency" => match value.as_str() {
                Some(c) if !c.trim().is_empty() => s.currency = Some(c.trim().to_string()),
                _ => diags.push(bad(
                    key,
                    format!("currency must be a label, found {value}"),
                    "currency = \"EUR\"",
                )),
            },
            "budget" => match value.as_float().or(value.as_integer().map(|i| i as f64)) {
                Some(b) if b.is_finite() && b > 0.0 && b <= crate::plan::cost::MAX_AMOUNT => {
                    s.budget = Some(b)
                }
                _ => diags.push(bad(
                    key,
                    format!("budget must be a positive amount, found {value}"),
                    "budget = 2500000",
                )),
            },
            "overhead" => match value.as_array() {
                Some(items) => {
                    // The line of each [[overhead]] header, in order.
                    let headers: Vec<u64> = text
                        .lines()
                        .enumerate()
                        .filter(|(_, l)| l.trim().starts_with("[[overhead]]"))
                        .map(|(i, _)| i as u64 + 1)
                        .collect();
                    for (i, item) in items.iter().enumerate() {
                        let line = headers.get(i).copied().unwrap_or_else(|| line_of(key));
                        if let Some(o) = overhead(item, i, line, file, diags) {
                            s.overheads.push(o);
                        }
                    }
                }
                None => diags.push(bad(
                    key,
                    "overhead must be a list of [[overhead]] tables".into(),
                    "[[overhead]]\nname = \"Programme office\"\nrate = 4000\nuntil = \"M_GOLIVE\"",
                )),
            },
            "calendars" => calendars(value, text, file, diags, &mut s.calendars),
            "lag_calendar" => match value.as_str() {
                Some("predecessor") => s.lag_calendar = LagCalendar::Predecessor,
                Some("successor") => s.lag_calendar = LagCalendar::Successor,
                Some("project") => s.lag_calendar = LagCalendar::Project,
                Some("24h") => s.lag_calendar = LagCalendar::Continuous,
                _ => diags.push(bad(
                    key,
                    format!(
                        "lag_calendar must be predecessor, successor, project or 24h, found {value}"
                    ),
                    "lag_calendar = \"predecessor\"",
                )),
            },
            "levelling" | "leveling" => match value.as_bool() {
                Some(b) => s.levelling = Some(b),
                None => diags.push(bad(
                    key,
                    format!("levelling must be true or false, found {value}"),
                    "levelling = true",
                )),
            },
            "source" => match value.as_str() {
                Some(f) if !f.trim().is_empty() => s.source = Some(f.trim().to_string()),
                _ => diags.push(bad(
                    key,
                    format!("source must name a file in the plan folder, found {value}"),
                    "source = \"source.xml\"",
                )),
            },
            "progress_logic" => match value.as_str() {
                Some("retained") => s.progress_logic = ProgressLogic::Retained,
                Some("override") => s.progress_logic = ProgressLogic::Override,
                _ => diags.push(bad(
                    key,
                    format!("progress_logic must be retained or override, found {value}"),
                    "progress_logic = \"retained\"",
                )),
            },
            other => {
                let fix = match closest(other, KEYS) {
                    Some(k) => format!("did you mean {k}?"),
                    None => format!("known keys are {}", KEYS.join(", ")),
                };
                diags.push(bad(other, format!("unknown key \"{other}\""), &fix));
            }
        }
    }
    s
}

/// The `[calendars.NAME]` tables: each a working week (`workweek = [...]`).
fn calendars(
    value: &toml::Value,
    text: &str,
    file: &str,
    diags: &mut Diags,
    out: &mut Vec<CalendarDef>,
) {
    let example =
        "[calendars.site]\nworkweek = [\"Mon\", \"Tue\", \"Wed\", \"Thu\", \"Fri\", \"Sat\"]";
    let Some(table) = value.as_table() else {
        diags.push(
            Diagnostic::new(file, "calendars must be tables such as [calendars.site]")
                .column("calendars")
                .fix(example),
        );
        return;
    };
    for (name, def) in table {
        // The line of its [calendars.NAME] header.
        let header = format!("[calendars.{name}]");
        let quoted = format!("[calendars.\"{name}\"]");
        let line = text
            .lines()
            .position(|l| {
                let l = l.trim().replace(' ', "");
                l == header || l == quoted
            })
            .map_or(1, |i| i as u64 + 1);
        let bad = |msg: String| {
            Diagnostic::new(file, format!("calendar {name}: {msg}"))
                .line(line)
                .column("calendars")
                .fix(example)
        };
        if name.trim().is_empty()
            || name.contains(';')
            || name.eq_ignore_ascii_case(PROJECT_CALENDAR)
        {
            diags.push(bad(format!(
                "\"{name}\" cannot name a calendar (\"{PROJECT_CALENDAR}\" is the project calendar; names have no ';')"
            )));
            continue;
        }
        let Some(t) = def.as_table() else {
            diags.push(bad("must be a table".into()));
            continue;
        };
        for k in t
            .keys()
            .filter(|k| k.as_str() != "workweek" && k.as_str() != "hours")
        {
            diags.push(bad(format!("unknown key \"{k}\" (known: workweek, hours)")));
        }
        let hours = match t.get("hours").map(parse_hours) {
            None => None,
            Some(Ok(h)) => Some(h),
            Some(Err(why)) => {
                diags.push(bad(why));
                continue;
            }
        };
        let names: Option<Vec<&str>> = t
            .get("workweek")
            .and_then(|v| v.as_array())
            .and_then(|a| a.iter().map(|v| v.as_str()).collect());
        match names.map(Workweek::parse) {
            Some(Ok(workweek)) => out.push(CalendarDef {
                name: name.clone(),
                line,
                workweek,
                hours,
            }),
            Some(Err(why)) => diags.push(bad(why)),
            None => diags.push(bad("needs workweek, a list of weekday names".into())),
        }
    }
}

/// One `[[overhead]]` table (the `index`-th, at `line`).
fn overhead(
    item: &toml::Value,
    index: usize,
    line: u64,
    file: &str,
    diags: &mut Diags,
) -> Option<crate::plan::cost::Overhead> {
    let example = "[[overhead]]\nname = \"Programme office\"\nrate = 4000\nuntil = \"M_GOLIVE\"";
    let bad = |msg: String| {
        Diagnostic::new(file, format!("overhead {}: {msg}", index + 1))
            .line(line)
            .column("overhead")
            .fix(example)
    };
    let Some(t) = item.as_table() else {
        diags.push(bad("must be a table".into()));
        return None;
    };
    for k in t.keys() {
        if !["name", "rate", "until", "from"].contains(&k.as_str()) {
            diags.push(bad(format!(
                "unknown key \"{k}\" (known: name, rate, until, from)"
            )));
        }
    }
    let name = t.get("name").and_then(|v| v.as_str()).map(str::to_string);
    let until = t.get("until").and_then(|v| v.as_str()).map(str::to_string);
    let rate = match t.get("rate") {
        Some(toml::Value::Integer(i)) => crate::plan::cost::parse_amount(&i.to_string(), false),
        Some(toml::Value::Float(f)) => crate::plan::cost::parse_amount(&f.to_string(), false),
        Some(toml::Value::String(s)) => crate::plan::cost::parse_amount(s, false),
        _ => Err("needs a rate per working day (a number or \"min/likely/max\")".into()),
    };
    let from = match t.get("from") {
        None => Some(0.0),
        Some(toml::Value::Integer(i)) if *i >= 0 => Some(*i as f64),
        Some(toml::Value::Float(f)) if *f >= 0.0 && f.is_finite() => Some(*f),
        Some(_) => None,
    };
    let mut ok = true;
    if name.is_none() {
        diags.push(bad("needs a name".into()));
        ok = false;
    }
    if until.is_none() {
        diags.push(bad("needs until: the milestone whose finish ends it".into()));
        ok = false;
    }
    if from.is_none() {
        diags.push(bad(
            "from must be a working-day number (0 = the start)".into()
        ));
        ok = false;
    }
    let rate = match rate {
        Ok(r) => Some(r),
        Err(why) => {
            diags.push(bad(format!("rate: {why}")));
            None
        }
    };
    if !ok {
        return None;
    }
    Some(crate::plan::cost::Overhead {
        name: name?,
        rate: rate?,
        until: until?,
        from: from?,
        line,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_all_keys() {
        let mut d = Diags::default();
        let s = parse(
            "name = \"X\"\nstart = 2027-01-04\nworkweek = [\"Sun\",\"Mon\",\"Tue\",\"Wed\",\"Thu\"]\niterations = 500\nseed = 7\n",
            "plan.toml",
            &mut d,
        );
        assert!(d.is_empty(), "{:?}", d.0);
        assert_eq!(s.name.as_deref(), Some("X"));
        assert_eq!(s.start, NaiveDate::from_ymd_opt(2027, 1, 4));
        assert_eq!(s.workweek.0, [true, true, true, true, false, false, true]);
        assert_eq!((s.iterations, s.seed), (Some(500), Some(7)));
    }

    #[test]
    fn unknown_key_names_closest_and_line() {
        let mut d = Diags::default();
        parse("name = \"X\"\nstrat = 2027-01-04\n", "plan.toml", &mut d);
        assert_eq!(d.0.len(), 1);
        assert_eq!(d.0[0].line, Some(2));
        assert!(d.0[0].fix.as_deref().unwrap().contains("start"));
    }
}
