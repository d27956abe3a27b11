//! Importing real schedules: Microsoft Project XML (MSPDI), MPX, and Primavera P6 XER
//! and P6 XML (PMXML).
//!
//! Every reader produces a [`Schedule`]: tasks in working days (using the file's hours
//! per day), links with lags, milestones, start-no-earlier-than constraints, actuals and
//! remaining work, the project calendar (working week and holidays), the project start
//! and data date, and the early dates the scheduling tool stored. [`write_plan`] turns it
//! into a plan folder `slipcast run` accepts, applying an uncertainty template to tasks
//! without three-point estimates, and [`fidelity`] compares slipcast's deterministic CPM
//! dates with the stored ones.
//!
//! The format is detected by content, not by extension. XML is read with quick-xml;
//! a document type declaration is refused outright, so no DTD or entity is ever
//! expanded.

mod mpx;
mod mspdi;
mod pmxml;
pub mod writeback;
mod xer;
mod xml;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::Serialize;

use crate::error::{Diagnostic, Error, Result};
use crate::plan::{LinkKind, Workweek};

/// A schedule read from another tool.
#[derive(Debug, Clone, Default)]
pub struct Schedule {
    /// Format name (for messages).
    pub format: &'static str,
    /// Project name.
    pub name: String,
    /// Project start date.
    pub start: Option<NaiveDate>,
    /// Data (status) date, when the schedule is progressed.
    pub status_date: Option<NaiveDate>,
    /// Project calendar's working week.
    pub workweek: Workweek,
    /// Project calendar's non-working days (ranges).
    pub holidays: Vec<(NaiveDate, NaiveDate)>,
    /// Hours in a working day.
    pub hours_per_day: f64,
    /// The project calendar's working hours (minutes after midnight), when the source
    /// says.
    pub hours: Vec<(u16, u16)>,
    /// Tasks (summaries already removed).
    pub tasks: Vec<ImportedTask>,
    /// Notes on what was dropped or approximated.
    pub notes: Vec<String>,
    /// The source's cost at completion over every activity (kept or dropped): (spent,
    /// still to come), when it has costs.
    pub source_cost: Option<(f64, f64)>,
    /// The currency its costs are in (a code such as GBP, or a symbol), when it says.
    pub currency: Option<String>,
    /// Calendars tasks use besides the project calendar (a task's
    /// [`ImportedTask::calendar`] indexes this list).
    pub calendars: Vec<ImportedCalendar>,
    /// The calendar lags are counted on, when the source says (`None`: the plan's
    /// default, the predecessor's).
    pub lag_calendar: Option<crate::plan::LagCalendar>,
    /// How the source schedules a task in progress (`None`: the plan's default, retained
    /// logic).
    pub progress_logic: Option<crate::plan::ProgressLogic>,
    /// The source file itself, for the formats the forecast can be written back into
    /// (Microsoft Project XML and P6 XER): [`write_plan`] keeps a copy in the plan
    /// folder, named in plan.toml's `source`.
    pub source: Option<SourceFile>,
}

/// A copy of the file a plan was imported from.
#[derive(Clone, Default)]
pub struct SourceFile {
    /// Its name in the plan folder: `source.xml` or `source.xer`.
    pub name: &'static str,
    /// Its bytes, unchanged.
    pub bytes: Vec<u8>,
}

impl std::fmt::Debug for SourceFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SourceFile({}, {} bytes)", self.name, self.bytes.len())
    }
}

/// A working calendar of an imported schedule other than its project calendar.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImportedCalendar {
    /// Its name in the plan (plan.toml `[calendars.NAME]`): the source's name made a
    /// plan name (letters, digits, `-` and `_`), unique.
    pub name: String,
    /// Its name in the source.
    pub source_name: String,
    /// Working week.
    pub workweek: Workweek,
    /// Non-working days (ranges).
    pub holidays: Vec<(NaiveDate, NaiveDate)>,
    /// Working hours (minutes after midnight), when the source says.
    pub hours: Vec<(u16, u16)>,
    /// Hours in its working day (durations and lags on it are converted with these).
    pub hours_per_day: f64,
}

/// One imported task.
#[derive(Debug, Clone, Default)]
pub struct ImportedTask {
    /// Id used in the plan (the tool's activity id / task id, made unique).
    pub id: String,
    /// Name.
    pub name: String,
    /// Planned duration, working days.
    pub duration: f64,
    /// Remaining duration of a task in progress, working days.
    pub remaining: Option<f64>,
    /// Three-point estimate the file carries (min, likely, max), working days.
    pub three_point: Option<(f64, f64, f64)>,
    /// Milestone.
    pub milestone: bool,
    /// A start milestone (P6's): at the start of the working time after its predecessors,
    /// its finish there too.
    pub start_milestone: bool,
    /// Start-no-earlier-than date.
    pub not_before: Option<NaiveDate>,
    /// Its time of day (minutes after midnight) when later than the task's working day
    /// begins.
    pub not_before_minute: Option<u16>,
    /// As late as possible (within its free float).
    pub alap: bool,
    /// A constraint slipcast does not model (for the fidelity report).
    pub other_constraint: Option<String>,
    /// Its calendar, an index into [`Schedule::calendars`] (`None`: the project
    /// calendar).
    pub calendar: Option<usize>,
    /// Resource levelling delayed it (for the fidelity report).
    pub levelled: bool,
    /// A zero-length task standing for a summary's start or finish, made by the import
    /// (not in the source; left out of the fidelity check).
    pub connector: bool,
    /// Actual start.
    pub actual_start: Option<NaiveDate>,
    /// Actual finish.
    pub actual_finish: Option<NaiveDate>,
    /// Baseline finish (Microsoft Project's Baseline, number 0), for the health check's
    /// missed tasks and baseline execution index.
    pub baseline_finish: Option<NaiveDate>,
    /// Early start and finish dates stored by the tool.
    pub stored: Option<(NaiveDate, NaiveDate)>,
    /// The task's key in the source (Microsoft Project's UID, P6's task_id), by which
    /// the forecast is written back; `None` for tasks the import made.
    pub source_key: Option<String>,
    /// Predecessors: (task id, type, lag in working days).
    pub preds: Vec<(String, LinkKind, f64)>,
    /// Cost spent so far (resource assignments' actual costs).
    pub actual_cost: Option<f64>,
    /// Cost still to come (resource assignments' remaining costs).
    pub remaining_cost: Option<f64>,
    /// The part of `remaining_cost` that does not depend on the duration (expenses,
    /// material, a fixed cost not yet incurred).
    pub remaining_fixed: Option<f64>,
}

/// Options for writing a plan from a schedule.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// Uncertainty template: min, likely, max as percent of the planned duration.
    pub template: (f64, f64, f64),
    /// Distribution for templated and file-provided three-point estimates.
    pub distribution: String,
    /// Uncertainty template for the costs still to come (a task's fixed cost and its
    /// rate): min, likely, max as percent of the source's amount; `None` keeps them
    /// single amounts. Amounts already spent are never templated.
    pub cost_template: Option<(f64, f64, f64)>,
}

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions {
            template: (90.0, 100.0, 130.0),
            distribution: "triangular".into(),
            cost_template: Some((90.0, 100.0, 130.0)),
        }
    }
}

fn bad(file: &str, msg: impl Into<String>, fix: &str) -> Error {
    Error::Invalid(vec![Diagnostic::new(file, msg).fix(fix)])
}

/// Reads a schedule file, detecting its format by content.
pub fn read(path: &Path) -> Result<Schedule> {
    let file = path.display().to_string();
    let mut diags = crate::error::Diags::default();
    match crate::plan::sheet::read_limited(path, &file, &mut diags)? {
        Some(bytes) => read_bytes(&bytes, &file),
        None => Err(Error::Invalid(diags.0)),
    }
}

/// Parses a schedule held in memory (`file` names it in messages).
pub fn read_bytes(bytes: &[u8], file: &str) -> Result<Schedule> {
    let file = file.to_string();
    let head: String = bytes.iter().take(4096).map(|&b| b as char).collect();
    let trimmed = head.trim_start_matches("ï»¿").trim_start();
    let s = if trimmed.starts_with("ERMHDR") {
        let mut s = xer::read(bytes, &file)?;
        s.source = Some(SourceFile {
            name: "source.xer",
            bytes: bytes.to_vec(),
        });
        s
    } else if trimmed.starts_with("MPX,") {
        mpx::read(bytes, &file)?
    } else if trimmed.starts_with('<') {
        let root = xml::parse(bytes, &file)?;
        if root.name == "APIBusinessObjects" {
            pmxml::read(&root, &file)?
        } else {
            let mut s = mspdi::read(&root, &file)?;
            s.source = Some(SourceFile {
                name: "source.xml",
                bytes: bytes.to_vec(),
            });
            s
        }
    } else {
        return Err(bad(
            &file,
            "not a schedule slipcast can read",
            "export the schedule from Microsoft Project as XML (MSPDI) or MPX, or from Primavera P6 as XER",
        ));
    };
    if s.tasks.is_empty() {
        return Err(bad(
            &file,
            format!(
                "the {} file has no tasks (it may hold only calendars or resources)",
                s.format
            ),
            "export a schedule that contains tasks",
        ));
    }
    Ok(s)
}

/// Files written by [`write_plan`].
#[derive(Debug, Clone)]
pub struct Written {
    /// The plan folder.
    pub dir: PathBuf,
    /// Ids of tasks that got the uncertainty template.
    pub templated: Vec<String>,
    /// Id of the `Project finish` milestone added after the schedule's ends, when the
    /// source has no single flagged milestone at its end.
    pub project_finish: Option<String>,
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) || s.starts_with('#') {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn num(x: f64) -> String {
    let r = (x * 1e4).round() / 1e4;
    format!("{r}")
}

/// Writes `schedule` as a plan folder (plan.toml, tasks.csv, calendar.csv, and a copy of
/// the source file when it is one the forecast can be written back into), atomically
/// file by file.
pub fn write_plan(s: &Schedule, dir: &Path, opts: &ImportOptions) -> Result<Written> {
    crate::report::prepare_out_dir(dir)?;
    let mut toml = format!(
        "name = \"{}\"\n",
        s.name.replace('\\', "\\\\").replace('"', "\\\"")
    );
    // Task calendars need a start date (the clock's origin): the source's, or its
    // earliest stored date.
    let calendared = s.tasks.iter().any(|t| t.calendar.is_some());
    let start = s.start.or_else(|| {
        calendared
            .then(|| s.tasks.iter().filter_map(|t| t.stored.map(|x| x.0)).min())
            .flatten()
    });
    // Work that began before the project's planned start keeps its actual start: the
    // plan starts with it.
    let start = match (start, s.tasks.iter().filter_map(|t| t.actual_start).min()) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, _) => a,
    };
    if let Some(d) = start {
        let _ = writeln!(toml, "start = {d}");
    }
    if let Some(d) = s.status_date {
        let _ = writeln!(toml, "status_date = {d}");
    }
    if let Some(src) = &s.source {
        let _ = writeln!(
            toml,
            "# The imported schedule, which `slipcast run --export` writes the forecast into\nsource = \"{}\"",
            src.name
        );
    }
    let days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    let ww: Vec<String> = (0..7)
        .filter(|&i| s.workweek.0[i])
        .map(|i| format!("\"{}\"", days[i]))
        .collect();
    let _ = writeln!(toml, "workweek = [{}]", ww.join(", "));
    // Cost: the remaining cost over the remaining (likely) working days is the task's
    // rate, so that the deterministic plan costs exactly what the tool has left; with
    // no working days left it is a fixed cost; the actuals are its actual_cost.
    let costed = s
        .tasks
        .iter()
        .any(|t| t.actual_cost.is_some() || t.remaining_cost.is_some());
    let mut tasks = String::from(
        "id,name,distribution,min,likely,max,predecessors,milestone,not_before,actual_start,actual_finish,remaining",
    );
    tasks.push_str(if costed { ",cost,rate,actual_cost" } else { "" });
    let alap = s.tasks.iter().any(|t| t.alap);
    tasks.push_str(if calendared { ",calendar" } else { "" });
    tasks.push_str(if alap { ",alap" } else { "" });
    // Date constraints slipcast does not schedule by, for the health check to count.
    let dated = |t: &ImportedTask| {
        t.other_constraint
            .as_deref()
            .filter(|c| *c != AS_LATE_AS_POSSIBLE)
            .map(str::to_string)
    };
    let constrained = s.tasks.iter().any(|t| dated(t).is_some());
    tasks.push_str(if constrained { ",constraint" } else { "" });
    let baselined = s.tasks.iter().any(|t| t.baseline_finish.is_some());
    tasks.push_str(if baselined {
        ",baseline_finish\n"
    } else {
        "\n"
    });
    // How remaining work is scheduled matters only when some task is in progress.
    if s.tasks
        .iter()
        .any(|t| t.actual_start.is_some() && t.actual_finish.is_none())
    {
        let logic = s.progress_logic.unwrap_or_default();
        let _ = writeln!(toml, "progress_logic = \"{}\"", logic.as_str());
    }
    if calendared {
        let lag = s.lag_calendar.unwrap_or_default();
        let _ = writeln!(toml, "lag_calendar = \"{}\"", lag.as_str());
        if !s.hours.is_empty() {
            let _ = writeln!(toml, "hours = [{}]", hours_list(&s.hours));
        }
    }
    if let Some(c) = s.currency.as_ref().filter(|_| costed) {
        let _ = writeln!(
            toml,
            "currency = \"{}\"",
            c.replace('\\', "\\\\").replace('"', "\\\"")
        );
    }
    let mut templated = Vec::new();
    let (lo, mid, hi) = opts.template;
    for t in &s.tasks {
        let preds: Vec<String> = t
            .preds
            .iter()
            .map(|(p, k, lag)| {
                let kind = match k {
                    LinkKind::FS => "",
                    LinkKind::SS => " SS",
                    LinkKind::FF => " FF",
                    LinkKind::SF => " SF",
                };
                let lag = if *lag == 0.0 {
                    String::new()
                } else {
                    format!(
                        "{}{}d",
                        if kind.is_empty() { " " } else { "" },
                        if *lag > 0.0 {
                            format!("+{}", num(*lag))
                        } else {
                            num(*lag)
                        }
                    )
                };
                format!("{p}{kind}{lag}")
            })
            .collect();
        let done = t.actual_finish.is_some();
        let base = t.remaining.unwrap_or(t.duration);
        let (dist, min, likely, max) = if done || t.milestone && base == 0.0 {
            (String::new(), String::new(), String::new(), String::new())
        } else if let Some((a, c, b)) = t.three_point.filter(|_| t.remaining.is_none()) {
            (opts.distribution.clone(), num(a), num(c), num(b))
        } else if base == 0.0 {
            ("fixed".into(), String::new(), "0".into(), String::new())
        } else {
            templated.push(t.id.clone());
            (
                opts.distribution.clone(),
                num(base * lo / 100.0),
                num(base * mid / 100.0),
                num(base * hi / 100.0),
            )
        };
        let cost_cells = if costed {
            let remaining = t.remaining_cost.unwrap_or(0.0);
            let fixed_part = t.remaining_fixed.unwrap_or(0.0).min(remaining);
            let spent = t.actual_cost.unwrap_or(0.0);
            let work: f64 = if likely.is_empty() {
                0.0
            } else {
                likely.parse().unwrap_or(0.0)
            };
            let started = t.actual_start.is_some();
            let (mut fixed, mut rate, mut actual) = (0.0, 0.0, None);
            if done || started && work == 0.0 {
                actual = Some(spent + remaining);
            } else if started {
                // A task in progress pays its actual cost in place of a fixed cost: what
                // is still to come, fixed or not, is spread over the work left.
                actual = Some(spent);
                rate = remaining / work;
            } else if work > 0.0 && remaining > fixed_part {
                rate = (remaining - fixed_part) / work;
                fixed = fixed_part;
            } else {
                fixed = remaining;
            }
            let single = |x: f64| {
                if x == 0.0 {
                    String::new()
                } else {
                    format!("{x}")
                }
            };
            // What is still to come gets the cost template; what is spent stays exact.
            // An unstarted task's spend (costs booked ahead) is part of its price.
            let booked = if started || done { 0.0 } else { spent };
            let prefix = if opts.distribution == "pert" {
                "pert:"
            } else {
                ""
            };
            // The likely amount exactly (the deterministic plan's, to the cent), the
            // bounds to four decimals.
            let round = |v: f64| (v * 1e4).round() / 1e4;
            let cell = |x: f64, base: f64| match opts.cost_template {
                Some((lo, mid, hi)) if x > 0.0 => {
                    let likely = base + x * (mid / 100.0);
                    format!(
                        "{prefix}{}/{likely}/{}",
                        round(base + x * (lo / 100.0)).min(likely),
                        round(base + x * (hi / 100.0)).max(likely),
                    )
                }
                _ => single(base + x),
            };
            format!(
                ",{},{},{}",
                cell(fixed, booked),
                cell(rate, 0.0),
                actual.filter(|a| *a > 0.0).map(single).unwrap_or_default()
            )
        } else {
            String::new()
        };
        let calendar_cell = match (calendared, t.calendar) {
            (false, _) => String::new(),
            (true, None) => ",".into(),
            (true, Some(c)) => format!(",{}", s.calendars[c].name),
        };
        let alap_cell = match (alap, t.alap) {
            (false, _) => "",
            (true, false) => ",",
            (true, true) => ",true",
        };
        let constraint_cell = match (constrained, dated(t)) {
            (false, _) => String::new(),
            (true, None) => ",".into(),
            (true, Some(c)) => format!(",{}", csv_field(&c)),
        };
        let baseline_cell = match (baselined, t.baseline_finish) {
            (false, _) => String::new(),
            (true, None) => ",".into(),
            (true, Some(d)) => format!(",{d}"),
        };
        let _ = writeln!(
            tasks,
            "{},{},{},{},{},{},{},{},{},{},{},{}{}{}{}{}{}",
            csv_field(&t.id),
            csv_field(&t.name),
            dist,
            min,
            likely,
            max,
            csv_field(&preds.join(";")),
            match (t.milestone, t.start_milestone) {
                (true, true) => "start",
                (true, false) => "true",
                (false, _) => "",
            },
            match (t.not_before, t.not_before_minute) {
                (Some(d), Some(m)) => format!("{d}T{:02}:{:02}", m / 60, m % 60),
                (Some(d), None) => d.to_string(),
                (None, _) => String::new(),
            },
            t.actual_start.map(|d| d.to_string()).unwrap_or_default(),
            t.actual_finish.map(|d| d.to_string()).unwrap_or_default(),
            String::new(),
            cost_cells,
            calendar_cell,
            alap_cell,
            constraint_cell,
            baseline_cell,
        );
    }
    // The project finish: every task without successors leads to one zero-length
    // milestone, unless the source's single end, or the task it dates last, is a
    // milestone it flagged.
    let has_succ: std::collections::HashSet<&str> = s
        .tasks
        .iter()
        .flat_map(|t| t.preds.iter().map(|p| p.0.as_str()))
        .collect();
    let ends: Vec<&ImportedTask> = s
        .tasks
        .iter()
        .filter(|t| !has_succ.contains(t.id.as_str()))
        .collect();
    // A flagged milestone the source dates last is the project's end already.
    let latest = s.tasks.iter().filter_map(|t| t.stored.map(|x| x.1)).max();
    let flagged_last = latest.is_some()
        && s.tasks
            .iter()
            .any(|t| t.milestone && t.stored.map(|x| x.1) == latest);
    let finish_id = if flagged_last || ends.len() == 1 && ends[0].milestone {
        None
    } else {
        let ids: std::collections::HashSet<&str> = s.tasks.iter().map(|t| t.id.as_str()).collect();
        let mut id = PROJECT_FINISH.to_string();
        let mut k = 2;
        while ids.contains(id.as_str()) {
            id = format!("{PROJECT_FINISH}_{k}");
            k += 1;
        }
        let preds: Vec<&str> = ends.iter().map(|t| t.id.as_str()).collect();
        let _ = writeln!(
            tasks,
            "{},Project finish,,,,,{},true,,,,{}{}{}{}",
            csv_field(&id),
            csv_field(&preds.join(";")),
            if costed { ",,," } else { "" },
            if calendared { "," } else { "" },
            if alap { "," } else { "" },
            if constrained { "," } else { "" }
        );
        Some(id)
    };
    let used: Vec<&ImportedCalendar> = s
        .calendars
        .iter()
        .enumerate()
        .filter(|(i, _)| s.tasks.iter().any(|t| t.calendar == Some(*i)))
        .map(|(_, c)| c)
        .collect();
    let mut cal = String::new();
    if used.iter().all(|c| c.holidays.is_empty()) {
        cal.push_str("from,to,kind\n");
        for (a, b) in &s.holidays {
            let _ = writeln!(cal, "{a},{b},holiday");
        }
    } else {
        // One row per range, naming every calendar it is a holiday of.
        let mut rows: std::collections::BTreeMap<(NaiveDate, NaiveDate), Vec<&str>> =
            std::collections::BTreeMap::new();
        for &r in &s.holidays {
            rows.entry(r)
                .or_default()
                .push(crate::plan::PROJECT_CALENDAR);
        }
        for c in &used {
            for &r in &c.holidays {
                let names = rows.entry(r).or_default();
                if !names.contains(&c.name.as_str()) {
                    names.push(&c.name);
                }
            }
        }
        cal.push_str("from,to,kind,calendar\n");
        for ((a, b), names) in rows {
            let _ = writeln!(cal, "{a},{b},holiday,{}", names.join(";"));
        }
    }
    for c in &used {
        let ww: Vec<String> = (0..7)
            .filter(|&i| c.workweek.0[i])
            .map(|i| format!("\"{}\"", days[i]))
            .collect();
        let _ = write!(
            toml,
            "\n# {} in the source\n[calendars.{}]\nworkweek = [{}]\n",
            c.source_name.replace(['\n', '\r'], " "),
            c.name,
            ww.join(", ")
        );
        if c.hours != s.hours {
            let _ = writeln!(toml, "hours = [{}]", hours_list(&c.hours));
        }
    }
    for (name, body) in [
        ("plan.toml", toml),
        ("tasks.csv", tasks),
        ("calendar.csv", cal),
    ] {
        crate::report::write_atomic(&dir.join(name), body.as_bytes())?;
    }
    if let Some(src) = &s.source {
        crate::report::write_atomic(&dir.join(src.name), &src.bytes)?;
    }
    Ok(Written {
        dir: dir.to_path_buf(),
        templated,
        project_finish: finish_id,
    })
}

/// Writes the plan ([`write_plan`]) and its fidelity report ([`fidelity`]) into `dir`
/// as one set (see [`crate::report::out`]): both are made in a private working folder
/// first, so `dir` holds either its earlier contents or the complete import.
pub fn write_plan_set(
    s: &Schedule,
    dir: &Path,
    opts: &ImportOptions,
) -> Result<(Written, Vec<FidelityRow>)> {
    crate::report::prepare_out_dir(dir)?;
    let work = std::env::temp_dir().join(format!("slipcast-import-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    crate::report::track_temporary(&work);
    let result = (|| {
        let written = write_plan(s, &work, opts)?;
        let rows = fidelity(s, &written)?;
        let mut set = crate::report::out::OutSet::new();
        let source = s.source.as_ref().map(|f| f.name);
        for name in [
            "plan.toml",
            "tasks.csv",
            "calendar.csv",
            "import-report.csv",
        ]
        .into_iter()
        .chain(source)
        {
            let path = work.join(name);
            let bytes = std::fs::read(&path).map_err(|source| Error::Read { path, source })?;
            set.add(name, bytes);
        }
        set.commit(dir)?;
        Ok((
            Written {
                dir: dir.to_path_buf(),
                ..written
            },
            rows,
        ))
    })();
    let _ = std::fs::remove_dir_all(&work);
    crate::report::untrack_temporary(&work);
    result
}

/// One row of the fidelity check.
#[derive(Debug, Clone, Serialize)]
pub struct FidelityRow {
    /// Task id.
    pub task: String,
    /// Task name.
    pub name: String,
    /// Early start the tool stored.
    pub stored_start: Option<String>,
    /// Early finish the tool stored.
    pub stored_finish: Option<String>,
    /// slipcast's deterministic start date.
    pub slipcast_start: Option<String>,
    /// slipcast's deterministic finish date.
    pub slipcast_finish: Option<String>,
    /// Both dates equal.
    pub matches: bool,
    /// Likely reason when they differ.
    pub reason: String,
    /// A task that differs only because a predecessor does: the first task up its chain
    /// of differing predecessors, whose own reason explains it (empty otherwise).
    pub first_cause: String,
    /// Whether the task got the uncertainty template.
    pub templated: bool,
}

/// The generic reason of a task that differs with no cause of its own.
const UPSTREAM: &str = "a predecessor differs (see the tasks before it), or the source used scheduling options slipcast does not model";

/// Compares slipcast's deterministic dates for the written plan with the dates the
/// scheduling tool stored, and writes `import-report.csv` into the plan folder.
pub fn fidelity(s: &Schedule, written: &Written) -> Result<Vec<FidelityRow>> {
    let plan = crate::plan::load(&written.dir)?;
    let net = crate::model::compile(&plan)?;
    let mut rows = Vec::new();
    let table = net.calendar.as_ref().map(|_| {
        let last = net.det_finish.iter().copied().fold(0.0, f64::max);
        net.axis_dates(crate::model::calendar::finish_day(last) + 2)
    });
    let templated: std::collections::HashSet<&str> =
        written.templated.iter().map(String::as_str).collect();
    for t in s.tasks.iter().filter(|t| !t.connector) {
        let Some(i) = net.index_of(&t.id) else {
            continue;
        };
        let (ss, sf) = match t.stored {
            Some((a, b)) => (Some(a), Some(b)),
            None => (None, None),
        };
        let (start, finish) = match &table {
            Some(days) => {
                let sd = crate::model::calendar::start_day(net.det_start[i]) as usize;
                let fd = crate::model::calendar::finish_day(net.det_finish[i]) as usize;
                let (a, b) = (days.get(sd - 1).copied(), days.get(fd - 1).copied());
                // (On the clock axis such a task's finish, the end of the day before,
                // lies before its start.)
                if net.det_finish[i] <= net.det_start[i] {
                    // A zero-length task at a day boundary: a start milestone lies on the
                    // next day, a finish milestone on the day before; take the one the
                    // source chose.
                    if ss.is_some() && ss == b {
                        (b, b)
                    } else {
                        (a, a)
                    }
                } else {
                    (a, b)
                }
            }
            None => (None, None),
        };
        let matches = ss.is_some() && ss == start && sf == finish;
        let reason = if matches {
            String::new()
        } else if ss.is_none() {
            "the file stores no early dates for this task".into()
        } else if let Some(c) = &t.other_constraint {
            format!("constraint {c} is not modelled")
        } else if t.levelled {
            "resource levelling delayed it in the source schedule".into()
        } else if t.actual_start.is_some() && t.actual_finish.is_none() {
            "in progress: the source may schedule remaining work differently (e.g. retained logic or progress override)".into()
        } else if s.format == "MPX"
            && ss == start
            && let (Some(a), Some(b)) = (finish, sf)
            && b > a
            && (b - a).num_days() <= 3
        {
            "MPX keeps dates without their times: Microsoft Project's finish at the start of the next working day (08:00, after an SF link or a start constraint) reads as that day".into()
        } else if stored_span_differs(s, t) {
            "the source's dates do not span its duration (resource assignments with their own work and units, a partial-day start, an elapsed duration or a split task)".into()
        } else {
            UPSTREAM.into()
        };
        rows.push(FidelityRow {
            task: t.id.clone(),
            name: t.name.clone(),
            stored_start: ss.map(|d| d.to_string()),
            stored_finish: sf.map(|d| d.to_string()),
            slipcast_start: start.map(|d| d.to_string()),
            slipcast_finish: finish.map(|d| d.to_string()),
            matches,
            reason,
            first_cause: String::new(),
            templated: templated.contains(t.id.as_str()),
        });
    }
    trace_first_causes(s, &net, &mut rows);
    let mut csv = String::from(
        "task,name,stored_start,stored_finish,slipcast_start,slipcast_finish,match,likely_reason,first_cause,template_applied\n",
    );
    for r in &rows {
        let _ = writeln!(
            csv,
            "{},{},{},{},{},{},{},{},{},{}",
            csv_field(&r.task),
            csv_field(&r.name),
            r.stored_start.clone().unwrap_or_default(),
            r.stored_finish.clone().unwrap_or_default(),
            r.slipcast_start.clone().unwrap_or_default(),
            r.slipcast_finish.clone().unwrap_or_default(),
            r.matches,
            csv_field(&r.reason),
            csv_field(&r.first_cause),
            r.templated
        );
    }
    crate::report::write_atomic(&written.dir.join("import-report.csv"), csv.as_bytes())?;
    Ok(rows)
}

/// For each task that differs with no reason of its own: the first differing
/// predecessor (in the order the source lists them) names why, following the chain up to
/// a task with a reason of its own — its id goes into `first_cause` and its reason into
/// the task's. A task that differs while its predecessors match is a first cause itself. Tasks are visited in schedule (topological) order, so each chain is
/// followed once: linear in tasks and links.
fn trace_first_causes(s: &Schedule, net: &crate::model::Network, rows: &mut [FidelityRow]) {
    let row_of: std::collections::HashMap<String, usize> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| (r.task.clone(), i))
        .collect();
    let task_of: std::collections::HashMap<&str, &ImportedTask> =
        s.tasks.iter().map(|t| (t.id.as_str(), t)).collect();
    let mut order: Vec<(usize, usize)> = rows
        .iter()
        .enumerate()
        .filter_map(|(i, r)| Some((net.index_of(&r.task)?, i)))
        .collect();
    order.sort_unstable();
    for (_, i) in order {
        if rows[i].matches || rows[i].reason != UPSTREAM {
            continue;
        }
        let Some(t) = task_of.get(rows[i].task.as_str()) else {
            continue;
        };
        let cause = t.preds.iter().find_map(|(p, _, _)| {
            let &j = row_of.get(p.as_str())?;
            (!rows[j].matches).then_some(j)
        });
        let Some(j) = cause else {
            rows[i].reason = "its predecessors match: a lag counted on another calendar, a link the file does not hold, or a scheduling option slipcast does not model".into();
            continue;
        };
        // The root: the predecessor itself, or the root it was traced to.
        let root = if rows[j].first_cause.is_empty() {
            j
        } else {
            match row_of.get(&rows[j].first_cause) {
                Some(&r) => r,
                None => continue,
            }
        };
        rows[i].reason = format!(
            "its predecessor {} differs; first cause {}: {}",
            rows[j].task, rows[root].task, rows[root].reason
        );
        rows[i].first_cause = rows[root].task.clone();
    }
}

/// Whether the stored start–finish span disagrees with the task's duration by more than
/// a day (in the task's calendar: weekdays of the working week, holidays ignored).
fn stored_span_differs(s: &Schedule, t: &ImportedTask) -> bool {
    use chrono::Datelike;
    let Some((a, b)) = t.stored else { return false };
    let week = t.calendar.map_or(s.workweek, |c| s.calendars[c].workweek);
    let mut days = 0i64;
    let mut d = a;
    while d <= b && days < 100_000 {
        if week.works(d.weekday()) {
            days += 1;
        }
        match d.succ_opt() {
            Some(n) => d = n,
            None => break,
        }
    }
    let expected = t.duration.ceil().max(1.0) as i64;
    (days - expected).abs() > 1 && t.remaining.is_none() && t.actual_start.is_none()
}

/// Working periods as plan.toml writes them: `"08:00-12:00", "13:00-17:00"` (the whole
/// day when there are none).
fn hours_list(periods: &[(u16, u16)]) -> String {
    let whole = [(0u16, 1440u16)];
    let periods = if periods.is_empty() {
        &whole[..]
    } else {
        periods
    };
    periods
        .iter()
        .map(|&(a, b)| {
            format!(
                "\"{:02}:{:02}-{:02}:{:02}\"",
                a / 60,
                a % 60,
                b / 60,
                b % 60
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// `HH:MM` (seconds after it ignored) as minutes after midnight, 24:00 at most.
pub(crate) fn clock_minutes(t: &str) -> Option<u16> {
    let mut it = t.trim().split(':');
    let h = it.next()?.trim().parse::<u16>().ok()?;
    let m = it.next()?.trim().parse::<u16>().ok()?;
    (h <= 24 && m < 60).then_some((h * 60 + m).min(1440))
}

/// The working hours most of a calendar's working weekdays have (the first such on a
/// tie), and how many working weekdays have other hours.
pub(crate) fn common_hours(days: &[Vec<(u16, u16)>]) -> (Vec<(u16, u16)>, usize) {
    let count = |h: &Vec<(u16, u16)>| days.iter().filter(|x| *x == h).count();
    let hours = days
        .iter()
        .enumerate()
        .max_by_key(|(i, h)| (count(h), std::cmp::Reverse(*i)))
        .map(|(_, h)| h.clone())
        .unwrap_or_default();
    let other = days.iter().filter(|h| **h != hours).count();
    (hours, other)
}

/// Hours in a working day of a calendar with working `periods`: their total, or
/// `otherwise` when it has none.
pub(crate) fn day_hours(periods: &[(u16, u16)], otherwise: f64) -> f64 {
    let minutes: u32 = periods.iter().map(|&(a, b)| u32::from(b - a)).sum();
    if minutes > 0 {
        f64::from(minutes) / 60.0
    } else {
        otherwise
    }
}

impl ImportedCalendar {
    /// Same working week, holidays and hours.
    fn same_days(&self, other: &ImportedCalendar) -> bool {
        self.workweek == other.workweek
            && self.holidays == other.holidays
            && self.hours == other.hours
    }
}

/// Where a task calendar `c` goes: `None` when it works as the project calendar
/// (`project`), else its index in `named`, an identical calendar's or a new one.
pub(crate) fn place_calendar(
    named: &mut Vec<ImportedCalendar>,
    project: &ImportedCalendar,
    c: ImportedCalendar,
) -> Option<usize> {
    if c.same_days(project) {
        return None;
    }
    match named.iter().position(|n| n.same_days(&c)) {
        Some(i) => Some(i),
        None => {
            named.push(c);
            Some(named.len() - 1)
        }
    }
}

/// Working periods, sorted, with overlapping or touching ones made one.
pub(crate) fn merge_periods(sorted: Vec<(u16, u16)>) -> Vec<(u16, u16)> {
    let mut merged: Vec<(u16, u16)> = Vec::new();
    for (a, b) in sorted {
        match merged.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => merged.push((a, b)),
        }
    }
    merged
}

/// Gives each calendar its plan name: the source's name with every run of characters
/// other than ASCII letters and digits made one `-` (`HS2 - 8h x 7d` → `HS2-8h-x-7d`),
/// `calendar-N` when nothing is left, made unique with `-2`, `-3`, … and never the
/// project calendar's name.
pub(crate) fn name_calendars(calendars: &mut [ImportedCalendar]) {
    let mut used: std::collections::HashSet<String> = std::collections::HashSet::new();
    used.insert(crate::plan::PROJECT_CALENDAR.to_string());
    for (i, c) in calendars.iter_mut().enumerate() {
        let mut base = String::new();
        for ch in c.source_name.chars() {
            if ch.is_ascii_alphanumeric() {
                base.push(ch);
            } else if !base.is_empty() && !base.ends_with('-') {
                base.push('-');
            }
        }
        let mut base = base.trim_end_matches('-').to_string();
        base.truncate(60);
        let base = if base.is_empty() {
            format!("calendar-{}", i + 1)
        } else {
            base.trim_end_matches('-').to_string()
        };
        let mut name = base.clone();
        let mut k = 2;
        while used.contains(&name.to_ascii_lowercase()) {
            name = format!("{base}-{k}");
            k += 1;
        }
        used.insert(name.to_ascii_lowercase());
        c.name = name;
    }
}

/// Makes ids unique and free of spaces and ';' (the plan's id rules), keeping the
/// original where possible.
pub(crate) fn clean_ids(tasks: &mut [ImportedTask]) {
    use std::collections::HashMap;
    let mut map: HashMap<String, String> = HashMap::new();
    let mut used: std::collections::HashSet<String> = std::collections::HashSet::new();
    // Next suffix to try per base id: 40,000 copies of one id cost linear time, not a
    // scan from _2 for each copy.
    let mut next: HashMap<String, usize> = HashMap::new();
    for t in tasks.iter_mut() {
        let mut id: String =
            t.id.chars()
                .map(|c| {
                    if c.is_whitespace() || c == ';' || c == ',' {
                        '_'
                    } else {
                        c
                    }
                })
                .collect();
        if id.is_empty() {
            id = "task".into();
        }
        let mut unique = id.clone();
        if used.contains(&unique) {
            let k = next.entry(id.clone()).or_insert(2);
            loop {
                unique = format!("{id}_{k}");
                *k += 1;
                if !used.contains(&unique) {
                    break;
                }
            }
        }
        used.insert(unique.clone());
        map.insert(t.id.clone(), unique.clone());
        t.id = unique;
    }
    for t in tasks.iter_mut() {
        for p in &mut t.preds {
            if let Some(n) = map.get(&p.0) {
                p.0 = n.clone();
            }
        }
    }
}

/// A constraint that places a task within its float, not at a date: not written to
/// tasks.csv's `constraint` (the health check counts date constraints).
pub const AS_LATE_AS_POSSIBLE: &str = "As Late As Possible";

/// Id of the milestone an import adds at the end of a schedule whose single end is not
/// a flagged milestone (`PROJECT_FINISH_2`, … when the schedule has that id).
pub const PROJECT_FINISH: &str = "PROJECT_FINISH";
