//! Files → [`Plan`]: reading a plan folder (or a single tasks CSV) into parsed rows.
//!
//! One module per file kind. Every problem becomes a positioned
//! [`Diagnostic`]; reading goes on after a problem so that all of them
//! are reported at once.

pub mod calendar;
pub mod correlations;
pub mod cost;
pub mod distribution;
pub mod resources;
pub mod risks;
pub mod scenarios;
pub mod settings;
pub(crate) mod sheet;
mod structure;
pub mod tasks;
pub mod throughput;
pub mod workitems;

use std::path::{Path, PathBuf};

pub use calendar::{CalendarHoliday, Freeze, Holiday};
pub use correlations::CorrelationRow;
pub use distribution::Distribution;
pub use resources::{Assignment, ResourceRow};
pub use risks::{RiskRow, Unit};
pub use scenarios::{Action, ScenarioRow, Scenarios};
pub use settings::{
    CalendarDef, LagCalendar, MAX_PERIODS, PROJECT_CALENDAR, ProgressLogic, Settings, Workweek,
};
pub(crate) use structure::check_structure;
pub use tasks::{DateOrDays, LinkKind, LinkSpec, TaskRow};

use crate::error::{Diagnostic, Diags, Error, Result};
use sheet::Sheet;

/// A plan as read from files: settings and rows, each row parsed and positioned.
#[derive(Debug, Clone)]
pub struct Plan {
    /// plan.toml settings (defaults when there is none).
    pub settings: Settings,
    /// tasks.csv rows in file order.
    pub tasks: Vec<TaskRow>,
    /// calendar.csv holidays.
    pub holidays: Vec<Holiday>,
    /// calendar.csv holidays of the named calendars.
    pub calendar_holidays: Vec<CalendarHoliday>,
    /// calendar.csv freeze windows.
    pub freezes: Vec<Freeze>,
    /// How calendar.csv is named in messages.
    pub calendar_file: String,
    /// risks.csv rows.
    pub risks: Vec<RiskRow>,
    /// correlations.csv rows.
    pub correlations: Vec<CorrelationRow>,
    /// How tasks.csv is named in messages.
    pub tasks_file: String,
    /// How risks.csv is named in messages.
    pub risks_file: String,
    /// How correlations.csv is named in messages.
    pub correlations_file: String,
    /// resources.csv rows (empty: the plan has no resources).
    pub resources: Vec<ResourceRow>,
    /// How resources.csv is named in messages.
    pub resources_file: String,
}

/// The files of a plan held in memory: (name shown in messages, contents).
#[derive(Debug, Clone, Copy, Default)]
pub struct PlanFiles<'a> {
    /// plan.toml.
    pub plan_toml: Option<(&'a str, &'a [u8])>,
    /// tasks.csv (required).
    pub tasks: Option<(&'a str, &'a [u8])>,
    /// calendar.csv.
    pub calendar: Option<(&'a str, &'a [u8])>,
    /// risks.csv.
    pub risks: Option<(&'a str, &'a [u8])>,
    /// correlations.csv.
    pub correlations: Option<(&'a str, &'a [u8])>,
    /// resources.csv.
    pub resources: Option<(&'a str, &'a [u8])>,
}

/// Parses a plan from files held in memory. `base` is the folder that backlog tasks'
/// throughput paths are relative to; `name` names the plan when plan.toml does not.
pub fn parse_files(files: &PlanFiles, base: &Path, name: Option<String>) -> Result<Plan> {
    let mut diags = Diags::default();
    let mut settings = Settings::default();
    if let Some((file, bytes)) = files.plan_toml {
        match std::str::from_utf8(bytes) {
            Ok(text) => settings = settings::parse(text, file, &mut diags),
            Err(_) => diags.push(
                Diagnostic::new(file, "the file is not UTF-8 text").fix("save plan.toml as UTF-8"),
            ),
        }
    }
    if settings.name.is_none() {
        settings.name = name;
    }
    let (mut holidays, mut calendar_holidays, mut freezes) = (Vec::new(), Vec::new(), Vec::new());
    if let Some((file, bytes)) = files.calendar
        && let Some(sheet) = Sheet::parse(bytes, file, calendar::COLUMNS, &["from"], &mut diags)
    {
        (holidays, calendar_holidays, freezes) = calendar::parse(&sheet, &mut diags);
    }
    let mut risk_rows = Vec::new();
    if let Some((file, bytes)) = files.risks
        && let Some(sheet) = Sheet::parse(
            bytes,
            file,
            risks::COLUMNS,
            &["id", "probability", "tasks"],
            &mut diags,
        )
    {
        risk_rows = risks::parse(&sheet, &mut diags);
    }
    let mut correlation_rows = Vec::new();
    if let Some((file, bytes)) = files.correlations
        && let Some(sheet) = Sheet::parse(
            bytes,
            file,
            correlations::COLUMNS,
            &["a", "b", "rho"],
            &mut diags,
        )
    {
        correlation_rows = correlations::parse(&sheet, &mut diags);
    }
    let mut resource_rows = Vec::new();
    if let Some((file, bytes)) = files.resources
        && let Some(sheet) = Sheet::parse(
            bytes,
            file,
            resources::COLUMNS,
            &["id", "capacity"],
            &mut diags,
        )
    {
        resource_rows = resources::parse(&sheet, &mut diags);
    }
    let (tasks_file, tasks_bytes) = files.tasks.unwrap_or(("tasks.csv", b""));
    let mut tasks = Vec::new();
    if let Some(sheet) = Sheet::parse(tasks_bytes, tasks_file, tasks::COLUMNS, &["id"], &mut diags)
    {
        tasks = tasks::parse(&sheet, &mut diags);
    }
    load_histories(&mut tasks, base, tasks_file, &mut diags);
    let name_of = |f: Option<(&str, &[u8])>, d: &str| f.map_or(d.to_string(), |x| x.0.to_string());
    let plan = Plan {
        settings,
        tasks,
        holidays,
        calendar_holidays,
        freezes,
        calendar_file: name_of(files.calendar, "calendar.csv"),
        risks: risk_rows,
        correlations: correlation_rows,
        tasks_file: tasks_file.to_string(),
        risks_file: name_of(files.risks, "risks.csv"),
        correlations_file: name_of(files.correlations, "correlations.csv"),
        resources: resource_rows,
        resources_file: name_of(files.resources, "resources.csv"),
    };
    // Structural checks need the whole plan; run them even when rows had problems so the
    // user sees everything at once.
    check_structure(&plan, &mut diags);
    diags.finish(plan)
}

/// Reads a plan folder, or a single tasks CSV file (settings then come from defaults).
///
/// Returns [`Error::Invalid`] with every problem found in any of the files.
pub fn load(path: &Path) -> Result<Plan> {
    let meta = std::fs::metadata(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    // A file of a plan folder other than tasks.csv: plan.toml stands for its folder;
    // the others are parts of a plan, not a tasks file.
    if meta.is_file()
        && let (Some(name), Some(parent)) =
            (path.file_name().and_then(|n| n.to_str()), path.parent())
    {
        let parent = if parent.as_os_str().is_empty() {
            Path::new(".")
        } else {
            parent
        };
        let lower = name.to_ascii_lowercase();
        if lower == "plan.toml" {
            return load(parent);
        }
        if [
            "calendar.csv",
            "risks.csv",
            "correlations.csv",
            "scenarios.csv",
            "resources.csv",
        ]
        .contains(&lower.as_str())
            && parent.join("tasks.csv").is_file()
        {
            return Err(Error::Invalid(vec![
                Diagnostic::new(
                    path.display().to_string(),
                    format!(
                        "{name} is a part of the plan in {}, not a tasks file",
                        parent.display()
                    ),
                )
                .fix(format!(
                    "give the plan folder: slipcast run {}",
                    parent.display()
                )),
            ]));
        }
    }
    let show = |p: &Path| p.display().to_string();
    let (dir, tasks_path): (Option<&Path>, PathBuf) = if meta.is_dir() {
        (Some(path), path.join("tasks.csv"))
    } else {
        (None, path.to_path_buf())
    };
    if !tasks_path.exists() {
        return Err(Error::Invalid(vec![
            Diagnostic::new(show(&tasks_path), "the plan folder has no tasks.csv")
                .fix("add tasks.csv with columns id, min, likely, max, predecessors"),
        ]));
    }
    let mut diags = Diags::default();
    let read = |p: &Path, diags: &mut Diags| -> Result<Option<(String, Vec<u8>)>> {
        if !p.exists() {
            return Ok(None);
        }
        Ok(sheet::read_limited(p, &show(p), diags)?.map(|b| (show(p), b)))
    };
    let folder = |f: &str, diags: &mut Diags| match dir {
        Some(d) => read(&d.join(f), diags),
        None => Ok(None),
    };
    let toml = folder("plan.toml", &mut diags)?;
    let cal = folder("calendar.csv", &mut diags)?;
    let risks = folder("risks.csv", &mut diags)?;
    let corr = folder("correlations.csv", &mut diags)?;
    let res = folder("resources.csv", &mut diags)?;
    let tasks = read(&tasks_path, &mut diags)?;
    if !diags.is_empty() {
        return Err(Error::Invalid(diags.0));
    }
    fn view(x: &Option<(String, Vec<u8>)>) -> Option<(&str, &[u8])> {
        x.as_ref().map(|(n, b)| (n.as_str(), b.as_slice()))
    }
    let files = PlanFiles {
        plan_toml: view(&toml),
        tasks: view(&tasks),
        calendar: view(&cal),
        risks: view(&risks),
        correlations: view(&corr),
        resources: view(&res),
    };
    // Without a name in plan.toml, the folder's (or file's) name identifies the plan.
    let name = dir
        .map_or_else(|| path.file_stem(), |d| d.file_name())
        .map(|n| n.to_string_lossy().into_owned());
    let base = dir.or(path.parent()).unwrap_or(Path::new("."));
    parse_files(&files, base, name)
}

/// Parses tasks.csv text held in memory (for tests and tools), with default settings.
pub fn from_tasks_csv(text: &str, file: &str) -> Result<Plan> {
    let mut diags = Diags::default();
    let mut tasks = Vec::new();
    if let Some(sheet) = Sheet::parse(text.as_bytes(), file, tasks::COLUMNS, &["id"], &mut diags) {
        tasks = tasks::parse(&sheet, &mut diags);
    }
    load_histories(&mut tasks, Path::new("."), file, &mut diags);
    let plan = Plan {
        settings: Settings::default(),
        tasks,
        holidays: Vec::new(),
        calendar_holidays: Vec::new(),
        freezes: Vec::new(),
        calendar_file: "calendar.csv".into(),
        risks: Vec::new(),
        correlations: Vec::new(),
        tasks_file: file.to_string(),
        risks_file: "risks.csv".into(),
        correlations_file: "correlations.csv".into(),
        resources: Vec::new(),
        resources_file: "resources.csv".into(),
    };
    check_structure(&plan, &mut diags);
    diags.finish(plan)
}

/// Reads the throughput histories of backlog tasks (paths relative to the plan folder).
fn load_histories(tasks: &mut [TaskRow], dir: &Path, tasks_file: &str, diags: &mut Diags) {
    for t in tasks.iter_mut() {
        let Some(rel) = t.throughput.clone() else {
            continue;
        };
        let path = dir.join(&rel);
        match throughput::load(&path) {
            Ok(h) => t.history = Some(h),
            Err(Error::Invalid(d)) => diags.0.extend(d),
            Err(e) => diags.push(
                Diagnostic::new(
                    tasks_file,
                    format!("cannot read the throughput history of task {}: {e}", t.id),
                )
                .line(t.line)
                .column("throughput")
                .fix("give a path relative to the plan folder"),
            ),
        }
    }
}
