//! Files → [`Plan`]: reading a plan folder (or a single tasks CSV) into parsed rows.
//!
//! One module per file kind. Every problem becomes a positioned
//! [`Diagnostic`](crate::Diagnostic); reading goes on after a problem so that all of them
//! are reported at once.

pub mod calendar;
pub mod correlations;
pub mod risks;
pub mod scenarios;
pub mod settings;
pub(crate) mod sheet;
pub mod tasks;

use std::path::{Path, PathBuf};

pub use calendar::{Freeze, Holiday};
pub use correlations::CorrelationRow;
pub use risks::{RiskRow, Unit};
pub use scenarios::{Action, ScenarioRow, Scenarios};
pub use settings::{Settings, Workweek};
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
}

/// Reads a plan folder, or a single tasks CSV file (settings then come from defaults).
///
/// Returns [`Error::Invalid`] with every problem found in any of the files.
pub fn load(path: &Path) -> Result<Plan> {
    let meta = std::fs::metadata(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let mut diags = Diags::default();
    let (dir, tasks_path): (Option<&Path>, PathBuf) = if meta.is_dir() {
        (Some(path), path.join("tasks.csv"))
    } else {
        (None, path.to_path_buf())
    };
    let show = |p: &Path| p.display().to_string();
    let mut settings = Settings::default();
    let mut holidays = Vec::new();
    let mut freezes = Vec::new();
    let mut calendar_file = "calendar.csv".to_string();
    let (mut risk_rows, mut correlation_rows) = (Vec::new(), Vec::new());
    let (mut risks_file, mut correlations_file) =
        ("risks.csv".to_string(), "correlations.csv".to_string());
    if let Some(dir) = dir {
        let toml_path = dir.join("plan.toml");
        if toml_path.exists() {
            let text = std::fs::read_to_string(&toml_path).map_err(|source| Error::Read {
                path: toml_path.clone(),
                source,
            })?;
            settings = settings::parse(&text, &show(&toml_path), &mut diags);
        }
        if !tasks_path.exists() {
            diags.push(
                Diagnostic::new(show(&tasks_path), "the plan folder has no tasks.csv")
                    .fix("add tasks.csv with columns id, min, likely, max, predecessors"),
            );
            return Err(Error::Invalid(diags.0));
        }
        let cal_path = dir.join("calendar.csv");
        calendar_file = show(&cal_path);
        if cal_path.exists()
            && let Some(sheet) = Sheet::read(
                &cal_path,
                &show(&cal_path),
                calendar::COLUMNS,
                &["from"],
                &mut diags,
            )?
        {
            (holidays, freezes) = calendar::parse(&sheet, &mut diags);
        }
        let risk_path = dir.join("risks.csv");
        risks_file = show(&risk_path);
        if risk_path.exists()
            && let Some(sheet) = Sheet::read(
                &risk_path,
                &risks_file,
                risks::COLUMNS,
                &["id", "probability", "tasks"],
                &mut diags,
            )?
        {
            risk_rows = risks::parse(&sheet, &mut diags);
        }
        let corr_path = dir.join("correlations.csv");
        correlations_file = show(&corr_path);
        if corr_path.exists()
            && let Some(sheet) = Sheet::read(
                &corr_path,
                &correlations_file,
                correlations::COLUMNS,
                &["a", "b", "rho"],
                &mut diags,
            )?
        {
            correlation_rows = correlations::parse(&sheet, &mut diags);
        }
    }
    if settings.name.is_none() {
        // Without a name in plan.toml, the folder's (or file's) name identifies the plan.
        let named = dir.map_or_else(|| path.file_stem(), |d| d.file_name());
        settings.name = named.map(|n| n.to_string_lossy().into_owned());
    }
    let tasks_file = show(&tasks_path);
    let mut tasks = Vec::new();
    if let Some(sheet) = Sheet::read(
        &tasks_path,
        &tasks_file,
        tasks::COLUMNS,
        &["id"],
        &mut diags,
    )? {
        tasks = tasks::parse(&sheet, &mut diags);
    }
    let base = dir.or(path.parent()).unwrap_or(Path::new("."));
    load_histories(&mut tasks, base, &tasks_file, &mut diags);
    let plan = Plan {
        settings,
        tasks,
        holidays,
        freezes,
        calendar_file,
        risks: risk_rows,
        correlations: correlation_rows,
        tasks_file,
        risks_file,
        correlations_file,
    };
    // Structural checks need the whole plan; run them even when rows had problems so the
    // user sees everything at once.
    crate::model::check_structure(&plan, &mut diags);
    diags.finish(plan)
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
        freezes: Vec::new(),
        calendar_file: "calendar.csv".into(),
        risks: Vec::new(),
        correlations: Vec::new(),
        tasks_file: file.to_string(),
        risks_file: "risks.csv".into(),
        correlations_file: "correlations.csv".into(),
    };
    crate::model::check_structure(&plan, &mut diags);
    diags.finish(plan)
}

/// Reads the throughput histories of backlog tasks (paths relative to the plan folder).
fn load_histories(tasks: &mut [TaskRow], dir: &Path, tasks_file: &str, diags: &mut Diags) {
    for t in tasks.iter_mut() {
        let Some(rel) = t.throughput.clone() else {
            continue;
        };
        let path = dir.join(&rel);
        match crate::throughput::load(&path) {
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
