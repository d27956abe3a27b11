//! Typed, positioned errors.
//!
//! Every problem with a user's input becomes a [`Diagnostic`] that names the file, the
//! line and the column, says what is wrong and how to fix it. Validation collects all
//! diagnostics it can find before giving up, so a user fixes a plan in one pass.

use std::fmt;
use std::path::PathBuf;

use serde::Serialize;

/// One problem found in a user's input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// The file, as the user named it (e.g. `scenarios/erp/tasks.csv`).
    pub file: String,
    /// 1-based line number in the file, when the problem has one.
    pub line: Option<u64>,
    /// The column (CSV header name) or key, when the problem has one.
    pub column: Option<String>,
    /// The id of the row's task (or risk), when the row has one.
    pub subject: Option<String>,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub fix: Option<String>,
}

impl Diagnostic {
    /// A diagnostic for `file` with a message; add position and fix with the builders.
    pub fn new(file: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic {
            file: file.into(),
            line: None,
            column: None,
            subject: None,
            message: message.into(),
            fix: None,
        }
    }

    /// Sets the 1-based line.
    pub fn line(mut self, line: u64) -> Self {
        self.line = Some(line);
        self
    }

    /// Sets the column (header name or key).
    pub fn column(mut self, column: impl Into<String>) -> Self {
        self.column = Some(column.into());
        self
    }

    /// Sets the id of the row's task or risk.
    pub fn subject(mut self, id: impl Into<String>) -> Self {
        self.subject = Some(id.into());
        self
    }

    /// Sets the suggested fix.
    pub fn fix(mut self, fix: impl Into<String>) -> Self {
        self.fix = Some(fix.into());
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, " line {line}")?;
        }
        if let Some(col) = &self.column {
            write!(f, ", column {col}")?;
        }
        if let Some(id) = &self.subject {
            write!(f, " ({id})")?;
        }
        write!(f, ": {}", self.message)?;
        if let Some(fix) = &self.fix {
            write!(f, " (fix: {fix})")?;
        }
        Ok(())
    }
}

/// A caveat or note on a result: the result stands, but the reader should know this.
/// `kind` says what it is about, for programs; `message` says it for people (and is what
/// the JSON holds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// What the warning is about.
    pub kind: WarningKind,
    /// The sentence shown to the user.
    pub message: String,
}

/// What a [`Warning`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum WarningKind {
    /// Fewer iterations than a decision needs.
    FewIterations,
    /// A reported percentile rests on few simulated outcomes beyond it.
    ThinTail,
    /// Some results lie after 9999-12-31 and have no date.
    BeyondDates,
    /// Tasks that reach no reported milestone change no milestone's date.
    UnreportedTasks,
    /// Estimates of tasks in progress were scaled to their remaining work.
    ScaledToRemaining,
    /// A freeze window applies to tags no task has.
    UnusedFreeze,
    /// Progress out of sequence: a finished task whose predecessor has not started.
    OutOfSequence,
    /// An inconsistent correlation matrix was repaired.
    CorrelationRepaired,
    /// A rank correlation was above what blocks of 64 iterations can reach.
    CorrelationCapped,
    /// Rank correlations that cannot all be reached; the nearest reachable are used.
    CorrelationUnreachable,
    /// The forecast was calibrated: which correction, from where.
    Calibrated,
    /// A plan group without a fit, or a fitted group no task has.
    CalibrationGroup,
    /// Too few past tasks for a reliable calibration.
    FewHistoryRows,
    /// Sensitivity was computed from a subsample of the iterations.
    SensitivitySubsample,
    /// Task uncertainty drivers were evaluated for only some milestones.
    PartialTaskDrivers,
    /// The outcome of `-n auto`: the precision reached (information, not a caveat).
    AutoIterations,
    /// `-n auto` stopped at `--max-iterations` before the precision was reached.
    PrecisionNotReached,
    /// The plan's spend spans too many periods for a cash flow.
    NoCashFlow,
    /// A task started before the plan's start date: its start is reported as the start.
    StartedBeforeStart,
    /// An as-late-as-possible task holds resources: it is levelled at its early dates.
    AlapHoldsResources,
    /// The plan spans too many weeks for a resource loading.
    NoLoading,
    /// Too many task-iterations for the per-task percentiles: left out.
    NoTaskPercentiles,
}

impl WarningKind {
    /// Information about the run rather than a caveat on its numbers (the calibration
    /// applied, the iterations `-n auto` chose): a front end shows it as a note.
    pub fn is_note(self) -> bool {
        matches!(self, WarningKind::Calibrated | WarningKind::AutoIterations)
    }
}

impl Warning {
    /// A warning of `kind` saying `message`.
    pub fn new(kind: WarningKind, message: impl Into<String>) -> Warning {
        Warning {
            kind,
            message: message.into(),
        }
    }
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl Serialize for Warning {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.message)
    }
}

/// Everything that can go wrong in slipcast's library.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input has one or more problems; each is positioned.
    #[error("{}", DiagList(.0))]
    Invalid(Vec<Diagnostic>),
    /// A file could not be read.
    #[error("cannot read {}: {source}", .path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// An output file or folder could not be written.
    #[error("cannot write {}: {source}", .path.display())]
    Write {
        /// The file or folder.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A request cannot be carried out as asked (too few rows to fit, too many
    /// iterations for this machine, …).
    #[error("{0}")]
    Usage(String),
    /// One argument of a request is not usable (a bad percentile list, a gate naming no
    /// milestone, …). `message` is the rest of the sentence after the argument's name,
    /// separator included, so that a front end can put its own name for the argument
    /// first (the command line its flag: `--gate 'M:p80<=…': …`).
    #[error("{}{message}", .arg.name())]
    Argument {
        /// Which argument.
        arg: Arg,
        /// What is wrong with it, after its name.
        message: String,
    },
}

/// The arguments of the library's requests that an [`Error::Argument`] can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Arg {
    /// A gate expression.
    Gate,
    /// The reported percentiles.
    Percentiles,
    /// The precision of an automatic iteration count.
    Precision,
    /// An iteration count.
    Iterations,
    /// The milestones to show.
    Milestones,
    /// The focus milestone.
    Milestone,
    /// The output folder.
    Out,
    /// A throughput forecast's backlog.
    Items,
    /// A throughput forecast's horizon in weeks.
    Weeks,
    /// A throughput forecast's end date.
    Until,
    /// How many weeks a throughput forecast looks ahead at most.
    Horizon,
    /// The share of new items that land in a backlog.
    GrowthShare,
    /// The split factor of a backlog's items.
    Split,
    /// How many features a team works on at once.
    Wip,
    /// A joint confidence level.
    Jcl,
    /// The confidence a schedule margin is sized for.
    MarginLevel,
}

impl Arg {
    /// The argument's name in the library's messages.
    pub fn name(self) -> &'static str {
        match self {
            Arg::Gate => "gate",
            Arg::Percentiles => "percentiles",
            Arg::Precision => "precision",
            Arg::Iterations => "iterations",
            Arg::Milestones => "milestones",
            Arg::Milestone => "milestone",
            Arg::Jcl => "joint confidence level",
            Arg::MarginLevel => "margin level",
            Arg::Out => "output folder",
            Arg::Items => "items",
            Arg::Weeks => "weeks",
            Arg::Until => "until",
            Arg::Horizon => "horizon",
            Arg::GrowthShare => "growth share",
            Arg::Split => "split",
            Arg::Wip => "wip",
        }
    }
}

impl Error {
    /// The diagnostics when the error is [`Error::Invalid`], else an empty slice.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        match self {
            Error::Invalid(d) => d,
            _ => &[],
        }
    }
}

struct DiagList<'a>(&'a [Diagnostic]);

impl fmt::Display for DiagList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0.len();
        write!(f, "{n} problem{} found", if n == 1 { "" } else { "s" })?;
        // In file and line order: the plan's files in the order a plan is read, then
        // any other file by name; problems without a line first within their file.
        let rank = |file: &str| {
            let name = file.rsplit(['/', '\\']).next().unwrap_or(file);
            [
                "plan.toml",
                "tasks.csv",
                "calendar.csv",
                "risks.csv",
                "correlations.csv",
                "scenarios.csv",
            ]
            .iter()
            .position(|x| *x == name)
            .unwrap_or(6)
        };
        let mut sorted: Vec<&Diagnostic> = self.0.iter().collect();
        sorted.sort_by(|a, b| {
            rank(&a.file)
                .cmp(&rank(&b.file))
                .then_with(|| a.file.cmp(&b.file))
                .then(a.line.cmp(&b.line))
        });
        for d in sorted {
            write!(f, "\n  {d}")?;
        }
        Ok(())
    }
}

/// A collector of diagnostics, used while reading and validating.
#[derive(Debug, Default)]
pub(crate) struct Diags(pub Vec<Diagnostic>);

impl Diags {
    pub fn push(&mut self, d: Diagnostic) {
        self.0.push(d);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(value)` when nothing was collected, else the collected diagnostics.
    pub fn finish<T>(self, value: T) -> Result<T, Error> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            Err(Error::Invalid(self.0))
        }
    }
}

/// Result alias for the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;
