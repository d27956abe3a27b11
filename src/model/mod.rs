//! [`Plan`] → [`Network`]: validated and compiled to flat arrays for the kernel.
//!
//! Compilation checks the plan's structure (unique ids, known predecessors, no cycles,
//! dates that need a start date have one), orders tasks topologically (petgraph), and lays
//! the network out as arrays indexed by topological position: CSR predecessor lists with
//! link type and lag, per-task sampler constants, random-stream keys and start floors.

pub mod backlog;
pub mod calendar;
pub mod clock;
pub mod correlation;
pub mod cost;
pub mod pert;
pub mod profile;
pub mod resource;
pub mod sampler;
pub mod scenario;

use std::collections::HashMap;

use chrono::NaiveDate;
use petgraph::graph::{DiGraph, NodeIndex};

pub use crate::plan::Distribution;
pub use calendar::Calendar;
pub use clock::{Clock, WorkTime};
pub use sampler::{DiscreteTables, Sampler};

use crate::error::{Diagnostic, Diags, Error, Result, Warning, WarningKind};
use crate::plan::sheet::{listing, plural};
use crate::plan::{DateOrDays, LinkKind, Plan, Unit};
pub use correlation::{CorrAmount, CorrGroup, Member};

/// A compiled predecessor link.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Link {
    /// Predecessor's topological index (always smaller than the successor's).
    pub pred: u32,
    /// Link type.
    pub kind: LinkKind,
    /// Lag in working days.
    pub lag: f32,
}

/// Static information about one task, for reports.
#[derive(Debug, Clone)]
pub struct TaskInfo {
    /// Id.
    pub id: String,
    /// Name.
    pub name: Option<String>,
    /// Group.
    pub group: Option<String>,
    /// Line in tasks.csv.
    pub line: u64,
    /// The estimate (`None` for a zero-duration milestone).
    pub estimate: Option<Distribution>,
}

/// A reported milestone.
#[derive(Debug, Clone)]
pub struct Milestone {
    /// Topological index of the task.
    pub task: u32,
    /// Target: t bound (finish ≤ days counts as on time) and how the user wrote it.
    pub target: Option<Target>,
    /// The milestone and all tasks with a path to it, ascending topological order.
    pub ancestors: Vec<u32>,
}

/// A committed date or working-day number for a milestone.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    /// The target in working days of the project calendar.
    pub days: f64,
    /// The target as a finish on the network's time axis: finishing at t ≤ `time` meets
    /// it (equal to `days` unless tasks work on several calendars).
    pub time: f64,
    /// The target date, when given as a date.
    pub date: Option<NaiveDate>,
}

/// A validated, compiled network. Invariants: tasks are in topological order (every
/// link's `pred` is smaller than its successor's index); `pred_start` has `n + 1`
/// ascending entries into `links`; every milestone's `ancestors` is closed under
/// predecessors and sorted; lags and sampler constants are finite. Only [`compile`] and
/// the crate's own transformations (scenarios, calibration, driver variants) build or
/// change one, so the fields are private to the crate; read it through the accessors.
#[derive(Debug, Clone)]
pub struct Network {
    /// Plan name.
    pub(crate) name: Option<String>,
    /// Per task, in topological order.
    pub(crate) tasks: Vec<TaskInfo>,
    /// Per task: seed-independent key of its id for the random streams.
    pub(crate) keys: Vec<u64>,
    /// Per task: sampler.
    pub(crate) samplers: Vec<Sampler>,
    /// Shared discrete tables.
    pub(crate) discrete: DiscreteTables,
    /// Per task: earliest allowed start (0 or the not-before constraint).
    pub(crate) floor: Vec<f32>,
    /// CSR offsets into `links`.
    pub(crate) pred_start: Vec<u32>,
    /// Predecessor links.
    pub(crate) links: Vec<Link>,
    /// Reported milestones, in order of deterministic finish (ties by id).
    pub(crate) milestones: Vec<Milestone>,
    /// Calendar, when the plan has a start date.
    pub(crate) calendar: Option<Calendar>,
    /// When tasks work on several calendars: the clock axis every time is on (else time
    /// is in working days of `calendar`).
    pub(crate) clock: Option<std::sync::Arc<Clock>>,
    /// Deterministic CPM early start per task.
    pub(crate) det_start: Vec<f64>,
    /// Deterministic CPM early finish per task.
    pub(crate) det_finish: Vec<f64>,
    /// Per task: chance the task happens (1 for most).
    pub(crate) occurrence: Vec<f32>,
    /// The risk register.
    pub(crate) risks: Vec<Risk>,
    /// CSR offsets into `hits`, per task.
    pub(crate) hit_start: Vec<u32>,
    /// Risks hitting each task.
    pub(crate) hits: Vec<Hit>,
    /// Groups of correlated tasks.
    pub(crate) groups: Vec<CorrGroup>,
    /// Every pair of correlations.csv: requested and achieved rank correlation.
    pub(crate) correlations: Vec<CorrelationPair>,
    /// Per task: whether its duration belongs to a correlation group.
    pub(crate) correlated: Vec<bool>,
    /// The cost amounts correlation groups reorder ([`Member::Amount`] indexes it).
    pub(crate) amounts: Vec<CorrAmount>,
    /// Notes on how the plan was compiled (repairs, caps), for the forecast's warnings.
    pub(crate) notes: Vec<Warning>,
    /// Per task: deterministic duration of the estimate (before scenario adjustments).
    pub(crate) det_duration: Vec<f64>,
    /// Per task: factor on the sampled duration (scenario `scale`; 1 by default).
    pub(crate) scale: Vec<f32>,
    /// Per task: working days added (scenario `delay`; 0 by default).
    pub(crate) extra: Vec<f32>,
    /// Per task: false when a scenario removed it (it then takes zero time).
    pub(crate) keep: Vec<bool>,
    /// Per task: progress at the status date.
    pub(crate) status: Vec<Status>,
    /// The status (data) date as working-day time, when the plan has one.
    pub(crate) status_time: Option<f64>,
    /// The status date.
    pub(crate) status_date: Option<NaiveDate>,
    /// A task in progress keeps its links for its remaining work (retained logic);
    /// false: the remaining work resumes at the status date (progress override).
    pub(crate) retained_logic: bool,
    /// Per task: index into `freeze_windows`, or [`NO_FREEZE`].
    pub(crate) freeze_of: Vec<u32>,
    /// Per task: (b, σ) of a calibration multiplier exp(b + σZ) on the sampled duration;
    /// (0, 0) when not calibrated.
    pub(crate) calibration: Vec<(f32, f32)>,
    /// The cost side, when the plan has any cost.
    pub(crate) cost: Option<cost::CostModel>,
    /// Per distinct set of freeze windows: the frozen 0-based working-day indices as
    /// sorted, disjoint, non-adjacent ranges `[a, b)`; a start on day d in a range moves
    /// to time `b`, the start of the first allowed day. Memory grows with the windows,
    /// never with the days they span.
    pub(crate) freeze_windows: Vec<Vec<(f32, f32)>>,
    /// Task id → topological index (for [`Network::index_of`]).
    id_index: std::collections::HashMap<String, usize>,
    /// Tasks placed as late as possible (tasks.csv `alap`, not started), in topological
    /// order.
    pub(crate) alap: Vec<u32>,
    /// Per task: whether it is in `alap`.
    pub(crate) is_alap: Vec<bool>,
    /// Per task: a start milestone (tasks.csv `milestone = start`): on the clock axis it
    /// finishes no earlier than it starts, so at zero length its finish is its start.
    pub(crate) start_milestone: Vec<bool>,
    /// CSR offsets into `alap_succs`, per entry of `alap`.
    pub(crate) alap_succ_start: Vec<u32>,
    /// The links out of each ALAP task (`Link::pred` holds the successor).
    pub(crate) alap_succs: Vec<Link>,
    /// Resources and what each task holds, when the plan has resources.csv; the tasks
    /// are then laid out in the levelling order ([`resource::sgs_order`]).
    pub(crate) levelling: Option<resource::Levelling>,
}

/// Progress of a task at the status date.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Status {
    /// Not started: it cannot start before the status date (when there is one).
    Open,
    /// Started, not finished: its start is fixed; its estimate (or `remaining`) is the
    /// work left from the status date. `elapsed` = status time − start.
    InProgress {
        /// Actual start (t).
        start: f32,
        /// Working days between the actual start and the status date.
        elapsed: f32,
    },
    /// Finished: its dates are fixed and it is not sampled.
    Done {
        /// Actual start (t).
        start: f32,
        /// Actual duration in working days (of its calendar).
        duration: f32,
        /// Actual finish (t): `start + duration` on a single calendar.
        finish: f32,
    },
}

/// Marker for "no freeze table".
pub const NO_FREEZE: u32 = u32::MAX;

/// A compiled risk.
#[derive(Debug, Clone)]
pub struct Risk {
    /// Id.
    pub id: String,
    /// Name.
    pub name: Option<String>,
    /// Seed-independent key of its id.
    pub key: u64,
    /// Chance of occurring in an iteration.
    pub probability: f64,
    /// Impact distribution and its sampler.
    pub impact: Distribution,
    /// Sampler of the impact.
    pub sampler: Sampler,
    /// Unit of the impact.
    pub unit: Unit,
    /// Tasks hit (topological indices).
    pub tasks: Vec<u32>,
}

/// A pair of correlated tasks: the Spearman rank correlation asked for and the one the
/// block reordering achieves over all iterations (Moran's relation of the normal-score
/// correlation used; differs from the request when the request is capped, repaired, or
/// needs scores that are not jointly possible).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CorrelationPair {
    /// First task id.
    pub a: String,
    /// Second task id.
    pub b: String,
    /// The rank correlation in correlations.csv.
    pub requested: f64,
    /// The rank correlation achieved in expectation.
    pub achieved: f64,
}

/// One risk hitting one task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    /// Index into `Network::risks`.
    pub risk: u32,
    /// Whether the impact is a percentage of the task's sampled duration.
    pub percent: bool,
}

/// Options for [`compile_with`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CompileOptions {
    /// Replace an inconsistent correlation matrix by the nearest valid one instead of
    /// refusing the plan.
    pub repair_correlations: bool,
}

impl Network {
    /// The plan's name (plan.toml), if any.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// Every task, in topological order (the order of every per-task slice).
    pub fn tasks(&self) -> &[TaskInfo] {
        &self.tasks
    }

    /// The reported milestones, in order of deterministic finish.
    pub fn milestones(&self) -> &[Milestone] {
        &self.milestones
    }

    /// Every link, grouped by successor.
    pub fn links(&self) -> &[Link] {
        &self.links
    }

    /// The working calendar, when the plan has a start date.
    pub fn calendar(&self) -> Option<&Calendar> {
        self.calendar.as_ref()
    }

    /// The clock axis, when tasks work on several calendars (times are then calendar
    /// days from the project calendar's first working day).
    pub fn clock(&self) -> Option<&Clock> {
        self.clock.as_deref()
    }

    /// Working days of the project calendar at time `t` (what outputs report as days).
    pub fn days(&self, t: f64) -> f64 {
        match &self.clock {
            Some(c) => c.days(t),
            None => t,
        }
    }

    /// The date of day `k` of the time axis (1-based, as
    /// [`calendar::finish_day`] and [`calendar::start_day`] give it): a working day of the
    /// calendar, or on the clock axis a calendar day.
    pub fn date_of_day(&self, k: u64) -> Option<NaiveDate> {
        match (&self.clock, &self.calendar) {
            (Some(c), _) => c.date_of_day(k),
            (None, Some(c)) => c.working_day(k),
            (None, None) => None,
        }
    }

    /// The day (1-based, as [`calendar::finish_day`]) task `t` finishing at time `x` is
    /// dated by: the day its work ends, or for a start milestone the day it starts (at
    /// a day's boundary, the next day).
    pub fn finish_day_of(&self, t: usize, x: f64) -> u64 {
        if self.start_milestone[t] {
            calendar::start_day(x)
        } else {
            calendar::finish_day(x)
        }
    }

    /// The dates of the time axis's first `n` days (empty without a start date).
    pub fn axis_dates(&self, n: u64) -> Vec<NaiveDate> {
        match (&self.clock, &self.calendar) {
            (Some(c), _) => (1..=n.min(calendar::MAX_WORKING_DAY))
                .map_while(|k| c.date_of_day(k))
                .collect(),
            (None, Some(c)) => c.working_days(n),
            (None, None) => Vec::new(),
        }
    }

    /// Per task: the deterministic early start (every estimate at its most likely value).
    pub fn det_start(&self) -> &[f64] {
        &self.det_start
    }

    /// Per task: the deterministic early finish.
    pub fn det_finish(&self) -> &[f64] {
        &self.det_finish
    }

    /// The risk register, in file order.
    pub fn risks(&self) -> &[Risk] {
        &self.risks
    }

    /// The correlation groups (durations and cost amounts reordered together).
    pub fn groups(&self) -> &[CorrGroup] {
        &self.groups
    }

    /// Each pair of correlations.csv with the rank correlation asked for and achieved.
    pub fn correlations(&self) -> &[CorrelationPair] {
        &self.correlations
    }

    /// What compiling noticed (tasks that reach no milestone, repaired correlations, …).
    pub fn notes(&self) -> &[Warning] {
        &self.notes
    }

    /// Per task: total float of the deterministic schedule, in working days (a backward
    /// pass from the plan's latest deterministic finish).
    pub fn total_float(&self) -> Vec<f64> {
        let lf = resource::latest_finishes(self);
        (0..self.len())
            .map(|t| self.days(lf[t]) - self.days(self.det_finish[t]))
            .collect()
    }

    /// The deterministic critical path: the tasks not done whose total float is zero, in
    /// schedule order (early start, then early finish).
    pub fn critical_tasks(&self) -> Vec<usize> {
        let float = self.total_float();
        let mut on: Vec<usize> = (0..self.len())
            .filter(|&t| float[t].abs() < 1e-6 && !matches!(self.status[t], Status::Done { .. }))
            .collect();
        on.sort_by(|&a, &b| {
            self.det_start[a]
                .total_cmp(&self.det_start[b])
                .then(self.det_finish[a].total_cmp(&self.det_finish[b]))
                .then(a.cmp(&b))
        });
        on
    }

    /// Per task: done, in progress or open at the status date.
    pub fn status(&self) -> &[Status] {
        &self.status
    }

    /// The status date as working-day time, for a re-forecast.
    pub fn status_time(&self) -> Option<f64> {
        self.status_time
    }

    /// The status date, for a re-forecast.
    pub fn status_date(&self) -> Option<NaiveDate> {
        self.status_date
    }

    /// The cost side, when the plan has any cost.
    pub fn cost(&self) -> Option<&cost::CostModel> {
        self.cost.as_ref()
    }

    /// Number of tasks.
    pub fn len(&self) -> usize {
        self.tasks.len()
    }

    /// Whether the network has no task (never true for a compiled network).
    pub fn is_empty(&self) -> bool {
        self.tasks.is_empty()
    }

    /// Links into task `t`.
    pub fn preds(&self, t: usize) -> &[Link] {
        &self.links[self.pred_start[t] as usize..self.pred_start[t + 1] as usize]
    }

    /// Topological index of the task with id `id`.
    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.id_index.get(id).copied()
    }

    /// The links out of the `i`-th ALAP task (`Link::pred` holds the successor).
    pub(crate) fn alap_links(&self, i: usize) -> &[Link] {
        &self.alap_succs[self.alap_succ_start[i] as usize..self.alap_succ_start[i + 1] as usize]
    }

    /// Moves each ALAP task as late as its successors allow (latest first, so an ALAP
    /// successor has moved already), never before its early start: FS and FF links bound
    /// its finish, SS and SF its start; a task without successors finishes with the
    /// latest task. A start that would fall in a freeze window stays early.
    pub fn alap_shift(&self, es: &mut [f64], ef: &mut [f64], durations: &[f64]) {
        if self.alap.is_empty() {
            return;
        }
        let end = ef.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        for (i, &t) in self.alap.iter().enumerate().rev() {
            let t = t as usize;
            let d = durations[t];
            let links = self.alap_links(i);
            match &self.clock {
                None => {
                    let mut latest = if links.is_empty() {
                        end - d
                    } else {
                        f64::INFINITY
                    };
                    for l in links {
                        let (s, lag) = (l.pred as usize, l.lag as f64);
                        latest = latest.min(match l.kind {
                            LinkKind::FS => es[s] - lag - d,
                            LinkKind::SS => es[s] - lag,
                            LinkKind::FF => ef[s] - lag - d,
                            LinkKind::SF => ef[s] - lag,
                        });
                    }
                    if latest > es[t] && self.freeze_start(t, latest) == latest {
                        es[t] = latest;
                        ef[t] = latest + d;
                    }
                }
                Some(clock) => {
                    let c = clock.of(t);
                    // The latest working start, and the latest clock start SS and SF
                    // links allow.
                    let mut ws = if links.is_empty() {
                        c.w(end) - d
                    } else {
                        f64::INFINITY
                    };
                    let mut by_start = f64::INFINITY;
                    for l in links {
                        let (s, lag) = (l.pred as usize, l.lag as f64);
                        let x = match l.kind {
                            LinkKind::FS | LinkKind::SS => clock.before_lag(es[s], lag, t, s),
                            LinkKind::FF | LinkKind::SF => clock.before_lag(ef[s], lag, t, s),
                        };
                        match l.kind {
                            LinkKind::FS | LinkKind::FF => ws = ws.min(c.w(x) - d),
                            LinkKind::SS | LinkKind::SF => {
                                ws = ws.min(c.w(x));
                                by_start = by_start.min(x);
                            }
                        }
                    }
                    if ws > c.w(es[t]) {
                        let start = c.start(ws).min(by_start).max(es[t]);
                        if self.freeze_start(t, start) == start {
                            es[t] = start;
                            ef[t] = c.finish(ws + d);
                        }
                    }
                }
            }
        }
    }

    /// Recomputes the deterministic schedule from `det_duration` and the scenario
    /// adjustments (`scale`, `extra`, `keep`).
    pub fn reschedule(&mut self) {
        let d = self.det_durations();
        let (mut es, mut ef) = self.cpm(&d);
        self.alap_shift(&mut es, &mut ef, &d);
        self.det_start = es;
        self.det_finish = ef;
    }

    /// Per task: the deterministic duration with the scenario adjustments (`scale`,
    /// `extra`; zero for a task a scenario removed) — what the deterministic schedule is
    /// computed from.
    pub(crate) fn det_durations(&self) -> Vec<f64> {
        (0..self.len())
            .map(|t| {
                if self.keep[t] {
                    self.det_duration[t] * self.scale[t] as f64 + self.extra[t] as f64
                } else {
                    0.0
                }
            })
            .collect()
    }

    /// Whether task `t`'s links constrain it, and so its predecessors' latest dates: a
    /// task not started, or one in progress under retained logic (its remaining work).
    #[inline]
    pub(crate) fn links_enforced(&self, t: usize) -> bool {
        match self.status[t] {
            Status::Open => true,
            Status::InProgress { .. } => self.retained_logic,
            Status::Done { .. } => false,
        }
    }

    /// Forward CPM pass in f64 with the given durations: (early starts, early finishes).
    /// The kernel does the same arithmetic in f32 lanes. With resources to level, the
    /// serial scheme of `resource::level_deterministic`.
    pub fn cpm(&self, durations: &[f64]) -> (Vec<f64>, Vec<f64>) {
        let place = |t: usize, es: &[f64], ef: &[f64], lift: f64| {
            self.place_det(t, es, ef, durations[t], lift)
        };
        if let Some(lev) = self.levelling.as_ref().filter(|l| l.on) {
            return resource::level_deterministic(self, lev, durations, place);
        }
        let n = self.len();
        let (mut es, mut ef) = (vec![0.0; n], vec![0.0; n]);
        for t in 0..n {
            (es[t], ef[t]) = place(t, &es, &ef, f64::NEG_INFINITY);
        }
        (es, ef)
    }

    /// Early start and finish of task `t` with duration `d` given its predecessors' early
    /// dates, starting no earlier than `lift` when it is not started (a resource's
    /// release; `-∞` for none).
    fn place_det(&self, t: usize, es: &[f64], ef: &[f64], d: f64, lift: f64) -> (f64, f64) {
        if let Some(clock) = &self.clock {
            return self.place_clock(clock, t, es, ef, d, lift);
        }
        match self.status[t] {
            Status::Done {
                start, duration, ..
            } => (start as f64, start as f64 + duration as f64),
            Status::InProgress { start, elapsed } => {
                let mut f = start as f64 + elapsed as f64 + d;
                if self.retained_logic {
                    // The remaining work resumes when its links allow, if that is after
                    // the status date.
                    let resume = start as f64 + elapsed as f64;
                    let s = self.links_start(t, es, ef, d, resume);
                    if s > resume {
                        f = s + d;
                    }
                }
                (start as f64, f)
            }
            Status::Open => {
                let s = self.links_start(t, es, ef, d, (self.floor[t] as f64).max(lift));
                let s = self.freeze_start(t, s);
                (s, s + d)
            }
        }
    }

    /// The latest of `floor` and the constraints of task `t`'s links (of duration `d`) on
    /// one calendar, given its predecessors' early starts and finishes.
    fn links_start(&self, t: usize, es: &[f64], ef: &[f64], d: f64, floor: f64) -> f64 {
        let mut s = floor;
        for l in self.preds(t) {
            let p = l.pred as usize;
            let lag = l.lag as f64;
            let c = match l.kind {
                LinkKind::FS => ef[p] + lag,
                LinkKind::SS => es[p] + lag,
                LinkKind::FF => ef[p] + lag - d,
                LinkKind::SF => es[p] + lag - d,
            };
            if c > s {
                s = c;
            }
        }
        s
    }

    /// On the clock axis: tabulates each calendar over three times the deterministic
    /// plan's span plus three years (the kernel reads the tables; times beyond them take
    /// the exact, slower functions).
    pub(crate) fn tabulate_clock(&mut self) {
        let last = self.det_finish.iter().copied().fold(0.0f64, f64::max);
        if let Some(k) = self.clock.as_mut() {
            let horizon = (3.0 * last + 3.0 * 366.0).min(1e6) as usize;
            for c in &mut std::sync::Arc::make_mut(k).calendars {
                c.tabulate(horizon);
            }
        }
    }

    /// [`Network::cpm`] on the clock axis: each task placed on its own calendar, each lag
    /// counted on the lag calendar.
    fn place_clock(
        &self,
        clock: &Clock,
        t: usize,
        es: &[f64],
        ef: &[f64],
        d: f64,
        lift: f64,
    ) -> (f64, f64) {
        let c = clock.of(t);
        match self.status[t] {
            Status::Done { start, finish, .. } => (start as f64, finish as f64),
            Status::InProgress { start, elapsed } => {
                let resume = c.w(start as f64) + elapsed as f64;
                let mut wr = resume;
                if self.retained_logic {
                    // The remaining work resumes when its links allow, if that is after
                    // the status date.
                    let (s, f) = self.clock_links(clock, t, es, ef, f64::NEG_INFINITY);
                    if s > f64::NEG_INFINITY {
                        wr = wr.max(c.w(s));
                    }
                    if f > f64::NEG_INFINITY {
                        wr = wr.max(c.w(f) - d);
                    }
                }
                // Where its calendar next works: with no work left it finishes there.
                (start as f64, c.finish(wr + d).max(c.start(wr)))
            }
            Status::Open => {
                let floor = (self.floor[t] as f64).max(lift);
                let (s, f) = self.clock_links(clock, t, es, ef, floor);
                let mut ws = c.w(s);
                if f > f64::NEG_INFINITY {
                    ws = ws.max(c.w(f) - d);
                }
                let mut start = c.start(ws);
                let moved = self.freeze_start(t, start);
                if moved != start {
                    ws = c.w(moved);
                    start = c.start(ws);
                }
                let mut finish = c.finish(ws + d);
                if self.start_milestone[t] {
                    finish = finish.max(start);
                }
                (start, finish)
            }
        }
    }

    /// The latest start (at least `floor`) and finish task `t`'s links allow on the
    /// clock axis (`-∞` where no link constrains).
    fn clock_links(
        &self,
        clock: &Clock,
        t: usize,
        es: &[f64],
        ef: &[f64],
        floor: f64,
    ) -> (f64, f64) {
        let (mut s, mut f) = (floor, f64::NEG_INFINITY);
        for l in self.preds(t) {
            let p = l.pred as usize;
            let lag = l.lag as f64;
            match l.kind {
                LinkKind::FS => s = s.max(clock.after_lag(ef[p], lag, p, t)),
                LinkKind::SS => s = s.max(clock.after_lag(es[p], lag, p, t)),
                LinkKind::FF => f = f.max(clock.after_lag(ef[p], lag, p, t)),
                LinkKind::SF => f = f.max(clock.after_lag(es[p], lag, p, t)),
            }
        }
        (s, f)
    }

    /// The freeze window `[a, b)` of task `t` holding the working day a start at `s`
    /// would fall on, if any (a binary search over the task's few windows).
    #[inline]
    fn frozen_window(&self, t: usize, s: f64) -> Option<(f32, f32)> {
        let f = self.freeze_of[t];
        if f == NO_FREEZE {
            return None;
        }
        let wins = &self.freeze_windows[f as usize];
        let d = (s + calendar::SNAP).floor().max(0.0) as f32;
        let i = wins.partition_point(|w| w.1 <= d);
        wins.get(i).copied().filter(|w| w.0 <= d)
    }

    /// The start of task `t` at time `s` moved out of its freeze windows: when the working
    /// day it would start on is frozen, the start of the first working day after.
    #[inline]
    pub fn freeze_start(&self, t: usize, s: f64) -> f64 {
        self.frozen_window(t, s).map_or(s, |(_, b)| s.max(b as f64))
    }

    /// The latest start at or before `s` that no freeze window of task `t` forbids: when
    /// `s` falls in a window, its first day (a start just before it; windows never
    /// touch, so that is allowed). The backward pass's counterpart of
    /// [`Network::freeze_start`].
    #[inline]
    pub fn latest_unfrozen(&self, t: usize, s: f64) -> f64 {
        self.frozen_window(t, s).map_or(s, |(a, _)| s.min(a as f64))
    }
}

/// FNV-1a hash of a task or risk id: the seed-independent part of its random-stream key.
pub fn id_key(id: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in id.as_bytes() {
        h ^= *b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// Validates `plan` and compiles it to a [`Network`] with default options.
pub fn compile(plan: &Plan) -> Result<Network> {
    compile_with(plan, &CompileOptions::default())
}

/// Validates `plan` and compiles it to a [`Network`]. A plan whose tasks hold resources
/// is compiled twice: once in the default order for the resource-free deterministic
/// schedule its levelling priorities come from, then in the levelling order.
pub fn compile_with(plan: &Plan, opts: &CompileOptions) -> Result<Network> {
    let mut net = compile_ordered(plan, opts, None)?;
    if !resource::has_assignments(plan) {
        return Ok(net);
    }
    if let Some(l) = net.levelling.as_mut() {
        l.on = false;
    }
    net.reschedule();
    let order = resource::sgs_order(plan, &net);
    compile_ordered(plan, opts, Some(&order))
}

/// [`compile_with`], with the tasks laid out in `order` (plan rows; a topological
/// order) instead of the default one.
fn compile_ordered(plan: &Plan, opts: &CompileOptions, order: Option<&[usize]>) -> Result<Network> {
    let mut diags = Diags::default();
    crate::plan::check_structure(plan, &mut diags);
    if !diags.is_empty() {
        return Err(Error::Invalid(diags.0));
    }
    let file = plan.tasks_file.as_str();
    let calendar = plan
        .settings
        .start
        .map(|s| Calendar::new(s, plan.settings.workweek, &plan.holidays));
    // Tasks on named calendars put the network on the clock axis.
    let (mut clock, cal_of_row) = match compile_calendars(plan, &calendar, &mut diags) {
        Some((k, rows)) => (Some(k), rows),
        None => (None, Vec::new()),
    };
    if !diags.is_empty() {
        return Err(Error::Invalid(diags.0));
    }

    // Topological order; ties broken by file order so the layout is stable.
    let index: HashMap<&str, usize> = plan
        .tasks
        .iter()
        .enumerate()
        .map(|(i, t)| (t.id.as_str(), i))
        .collect();
    let mut graph: DiGraph<usize, ()> = DiGraph::with_capacity(plan.tasks.len(), 0);
    let nodes: Vec<NodeIndex> = (0..plan.tasks.len()).map(|i| graph.add_node(i)).collect();
    for (i, t) in plan.tasks.iter().enumerate() {
        for l in &t.predecessors {
            graph.add_edge(nodes[index[l.pred.as_str()]], nodes[i], ());
        }
    }
    let order = match order {
        Some(rows) => rows.iter().map(|&r| nodes[r]).collect(),
        None => match petgraph::algo::toposort(&graph, None) {
            Ok(o) => o,
            Err(_) => return Err(Error::Invalid(diags.0)),
        },
    };
    let mut topo_of = vec![0u32; plan.tasks.len()];
    for (k, n) in order.iter().enumerate() {
        topo_of[graph[*n]] = k as u32;
    }

    let days_of = |v: &DateOrDays,
                   row: u64,
                   col: &str,
                   diags: &mut Diags,
                   as_start: bool|
     -> Option<(f64, Option<NaiveDate>)> {
        match (v, &calendar) {
            (DateOrDays::Days(x), _) => Some((
                match &clock {
                    Some(k) if as_start => k.project().start(*x),
                    Some(k) => k.project().finish(*x),
                    None => *x,
                },
                None,
            )),
            (DateOrDays::Date(d), Some(c)) => Some((
                match (&clock, as_start) {
                    (Some(k), true) => k.start_of_date(*d),
                    (Some(k), false) => k.end_of_date(*d),
                    (None, true) => c.start_time_of(*d),
                    (None, false) => c.working_days_through(*d) as f64,
                },
                Some(*d),
            )),
            (DateOrDays::At(d, m), Some(c)) => Some((
                match &clock {
                    Some(k) => k.start_of_date(*d) + f64::from(*m) / 1440.0,
                    None if c.is_working(*d) => {
                        c.start_time_of(*d) + day_share(&plan.settings.hours, *m)
                    }
                    None => c.start_time_of(*d),
                },
                Some(*d),
            )),
            (DateOrDays::Date(_) | DateOrDays::At(..), None) => {
                diags.push(
                    Diagnostic::new(file, format!("{col} is a date but the plan has no start date"))
                        .line(row)
                        .column(col)
                        .fix("set start = YYYY-MM-DD in plan.toml (or --start), or give a working-day number"),
                );
                None
            }
        }
    };

    let n = plan.tasks.len();
    let mut tasks = Vec::with_capacity(n);
    let mut keys = Vec::with_capacity(n);
    let mut samplers = Vec::with_capacity(n);
    let mut discrete = DiscreteTables::default();
    let mut floor = Vec::with_capacity(n);
    let mut pred_start = Vec::with_capacity(n + 1);
    let mut links = Vec::new();
    let mut targets: Vec<Option<Target>> = Vec::with_capacity(n);
    let mut has_succ = vec![false; n];
    let mut durations = Vec::with_capacity(n);
    let mut occurrence = Vec::with_capacity(n);
    let mut status = Vec::with_capacity(n);
    let status_time = match (plan.settings.status_date, &calendar) {
        (Some(d), Some(_)) if clock.is_some() => clock.as_ref().map(|k| k.start_of_date(d)),
        (Some(d), Some(c)) => Some(c.start_time_of(d)),
        (Some(_), None) => {
            diags.push(
                Diagnostic::new("plan.toml", "status_date needs a start date")
                    .column("status_date")
                    .fix("set start = YYYY-MM-DD in plan.toml"),
            );
            None
        }
        (None, _) => None,
    };
    pred_start.push(0u32);
    let mut task_cal: Vec<u32> = Vec::with_capacity(n);
    let mut rescaled: Vec<String> = Vec::new();
    for node in &order {
        let row = &plan.tasks[graph[*node]];
        // Work in progress with both an estimate and `remaining`: `remaining` is the work
        // left, and the estimate keeps its shape scaled so that its single-point value
        // equals it (min/likely/max × remaining/likely).
        let estimate = match (&row.estimate, row.remaining) {
            (None, Some(r)) => Some(Distribution::Fixed { likely: r }),
            (Some(e), Some(r)) => {
                let point = e.deterministic();
                let scaled = if point > 0.0 {
                    e.scaled(r / point)
                } else {
                    Distribution::Fixed { likely: r }
                };
                rescaled.push(format!(
                    "{} {} → {}",
                    row.id,
                    crate::num::round4(point),
                    crate::num::round4(r)
                ));
                Some(scaled)
            }
            (e, None) => e.clone(),
        };
        tasks.push(TaskInfo {
            id: row.id.clone(),
            name: row.name.clone(),
            group: row.group.clone(),
            line: row.line,
            estimate: estimate.clone(),
        });
        keys.push(id_key(&row.id));
        occurrence.push(row.probability as f32);
        let dist = estimate.unwrap_or(Distribution::Fixed { likely: 0.0 });
        if let (Some(items), Some(h)) = (row.items, &row.history) {
            // A backlog: the time to finish its items by bootstrap over the team's recent
            // weekly throughput (4,096 trials keyed by the task id), in working days.
            let per_week = plan.settings.workweek.0.iter().filter(|&&w| w).count() as f64;
            let pool = h.pool(backlog::DEFAULT_WINDOW);
            let trials = if pool.iter().all(|&x| x == 0.0) {
                Vec::new()
            } else {
                backlog::weeks_to_finish(pool, items, 4096, id_key(&row.id))
            };
            if trials.is_empty() || trials.iter().any(Option::is_none) {
                diags.push(
                    Diagnostic::new(
                        file,
                        format!("the throughput in {} cannot finish {items} items", h.file),
                    )
                    .line(row.line)
                    .column("items")
                    .fix("check the history: its recent weeks deliver (almost) nothing"),
                );
                durations.push(0.0);
                samplers.push(Sampler::Fixed(0.0));
            } else {
                let days: Vec<f64> = trials.iter().map(|w| w.unwrap_or(0.0) * per_week).collect();
                durations.push(days.iter().sum::<f64>() / days.len() as f64);
                samplers.push(Sampler::table(&days, &mut discrete));
            }
        } else {
            durations.push(dist.deterministic());
            samplers.push(Sampler::new(&dist, &mut discrete));
        }
        let cal_index = cal_of_row.get(graph[*node]).map_or(0, |&c| c as usize);
        task_cal.push(cal_index as u32);
        status.push(task_status(
            row,
            &calendar,
            clock.as_ref().map(|k| &k.calendars[cal_index]),
            status_time,
            plan.settings.status_date,
            file,
            &mut diags,
        ));
        let nb = row
            .not_before
            .as_ref()
            .and_then(|v| days_of(v, row.line, "not_before", &mut diags, true))
            .map_or(0.0, |(d, _)| d);
        floor.push(nb.max(status_time.unwrap_or(0.0)) as f32);
        targets.push(
            row.target
                .as_ref()
                .and_then(|v| days_of(v, row.line, "target", &mut diags, false))
                .map(|(time, date)| Target {
                    days: clock.as_ref().map_or(time, |k| k.days(time)),
                    time,
                    date,
                }),
        );
        let mut ls: Vec<Link> = row
            .predecessors
            .iter()
            .map(|l| {
                let p = index[l.pred.as_str()];
                has_succ[p] = true;
                Link {
                    pred: topo_of[p],
                    kind: l.kind,
                    lag: l.lag as f32,
                }
            })
            .collect();
        ls.sort_by_key(|l| l.pred);
        links.extend(ls);
        pred_start.push(links.len() as u32);
    }
    if let Some(k) = &mut clock {
        k.of_task = task_cal;
    }
    let task_of = |id: &str| index.get(id).map(|&i| topo_of[i]);
    let (freeze_of, freeze_windows) = compile_freezes(
        plan,
        &order.iter().map(|n| graph[*n]).collect::<Vec<_>>(),
        &calendar,
        clock.as_ref(),
        &mut diags,
    );
    let (risks, hit_start, hits) = compile_risks(plan, &task_of, n, &mut discrete, &mut diags);
    let mut notes = Vec::new();
    if !rescaled.is_empty() {
        rescaled.sort_unstable();
        notes.push(Warning::new(
            WarningKind::ScaledToRemaining,
            format!(
                "{} in progress {} an estimate and remaining work: each estimate is scaled so that its most likely value equals the work left ({})",
                plural(rescaled.len(), "task", "tasks"),
                if rescaled.len() == 1 { "gives" } else { "give" },
                listing(&rescaled, 10)
            ),
        ));
    }
    out_of_sequence(plan, &mut notes);
    let (groups, correlated, correlations, amounts) =
        compile_correlations(plan, &task_of, n, opts, &mut notes, &mut diags);
    if !diags.is_empty() {
        return Err(Error::Invalid(diags.0));
    }

    let id_index = tasks
        .iter()
        .enumerate()
        .map(|(i, t)| (t.id.clone(), i))
        .collect();
    let mut net = Network {
        name: plan.settings.name.clone(),
        tasks,
        keys,
        samplers,
        discrete,
        floor,
        pred_start,
        links,
        milestones: Vec::new(),
        calendar,
        clock: clock.map(std::sync::Arc::new),
        det_start: Vec::new(),
        det_finish: Vec::new(),
        occurrence,
        risks,
        hit_start,
        hits,
        groups,
        correlations,
        correlated,
        amounts,
        notes,
        scale: vec![1.0; n],
        extra: vec![0.0; n],
        keep: vec![true; n],
        det_duration: durations,
        status,
        status_time,
        status_date: plan.settings.status_date,
        retained_logic: plan.settings.progress_logic == crate::plan::ProgressLogic::Retained,
        freeze_of,
        freeze_windows,
        id_index,
        calibration: vec![(0.0, 0.0); n],
        cost: None,
        alap: Vec::new(),
        is_alap: vec![false; n],
        start_milestone: Vec::new(),
        alap_succ_start: vec![0],
        alap_succs: Vec::new(),
        levelling: resource::compile(plan, &topo_of),
    };
    // ALAP tasks not started, and the links out of each.
    let row_of: Vec<usize> = order.iter().map(|node| graph[*node]).collect();
    net.start_milestone = row_of
        .iter()
        .map(|&r| plan.tasks[r].start_milestone)
        .collect();
    let mut alap_index = vec![u32::MAX; n];
    for t in 0..n {
        let holds = net
            .levelling
            .as_ref()
            .is_some_and(|l| !l.holds(t).is_empty());
        if plan.tasks[row_of[t]].alap && net.status[t] == Status::Open && holds {
            net.notes.push(Warning::new(
                WarningKind::AlapHoldsResources,
                format!(
                    "task {} is as late as possible but holds resources: it is levelled at its early dates, like every task that holds resources",
                    net.tasks[t].id
                ),
            ));
        } else if plan.tasks[row_of[t]].alap && net.status[t] == Status::Open {
            alap_index[t] = net.alap.len() as u32;
            net.alap.push(t as u32);
            net.is_alap[t] = true;
        }
    }
    if !net.alap.is_empty() {
        let mut out: Vec<Vec<Link>> = vec![Vec::new(); net.alap.len()];
        for s in 0..n {
            for l in net.preds(s) {
                let i = alap_index[l.pred as usize];
                if i != u32::MAX {
                    out[i as usize].push(Link {
                        pred: s as u32,
                        kind: l.kind,
                        lag: l.lag,
                    });
                }
            }
        }
        for links in out {
            net.alap_succs.extend(links);
            net.alap_succ_start.push(net.alap_succs.len() as u32);
        }
    }
    let task_tags: std::collections::HashSet<&str> = plan
        .tasks
        .iter()
        .flat_map(|t| t.calendar_tags.iter().map(String::as_str))
        .collect();
    for f in &plan.freezes {
        if !f.tags.iter().any(|g| task_tags.contains(g.as_str())) {
            net.notes.push(Warning::new(
                WarningKind::UnusedFreeze,
                format!(
                    "the freeze window {} – {} (calendar.csv line {}) applies to tags {} that no task has",
                    f.from,
                    f.to,
                    f.line,
                    f.tags.join(";")
                ),
            ));
        }
    }
    net.reschedule();
    net.tabulate_clock();

    // Reported: flagged milestones (or, when none is flagged, every task without
    // successors), plus every task that has a target.
    let any_flagged = plan.tasks.iter().any(|t| t.milestone);
    let reported: Vec<usize> = order
        .iter()
        .enumerate()
        .filter(|(k, node)| {
            let row = &plan.tasks[graph[**node]];
            let base = if any_flagged {
                row.milestone
            } else {
                !has_succ[graph[**node]]
            };
            base || targets[*k].is_some()
        })
        .map(|(k, _)| k)
        .collect();
    let mut ms: Vec<Milestone> = reported
        .into_iter()
        .map(|t| Milestone {
            task: t as u32,
            target: targets[t].clone(),
            ancestors: ancestors(&net, t),
        })
        .collect();
    ms.sort_by(|a, b| {
        net.det_finish[a.task as usize]
            .total_cmp(&net.det_finish[b.task as usize])
            .then_with(|| {
                net.tasks[a.task as usize]
                    .id
                    .cmp(&net.tasks[b.task as usize].id)
            })
    });
    // Work that reaches no reported milestone changes no forecast: say so.
    let mut reached = vec![false; n];
    for m in &ms {
        for &a in &m.ancestors {
            reached[a as usize] = true;
        }
    }
    // In schedule order (as the task outputs), whatever the row order.
    let mut loose: Vec<usize> = (0..n).filter(|&t| !reached[t]).collect();
    loose.sort_by(|&a, &b| {
        net.det_start[a]
            .total_cmp(&net.det_start[b])
            .then(net.det_finish[a].total_cmp(&net.det_finish[b]))
            .then_with(|| net.tasks[a].id.cmp(&net.tasks[b].id))
    });
    // Their cost still counts in the total: say so when they have any.
    let costed = plan
        .tasks
        .iter()
        .zip(&topo_of)
        .any(|(p, &t)| !reached[t as usize] && (p.cost.is_some() || p.rate.is_some()));
    let loose: Vec<&str> = loose.iter().map(|&t| net.tasks[t].id.as_str()).collect();
    if !loose.is_empty() {
        net.notes.push(Warning::new(
            WarningKind::UnreportedTasks,
            format!(
                "{} reach{} no reported milestone and change no milestone's date{}: {} (link {} to a milestone, or flag {} milestone = true)",
                plural(loose.len(), "task", "tasks"),
                if loose.len() == 1 { "es" } else { "" },
                if costed { " (their cost is in the total)" } else { "" },
                listing(&loose, 10),
                if loose.len() == 1 { "it" } else { "them" },
                if loose.len() == 1 { "it" } else { "the last of them" },
            ),
        ));
    }
    net.milestones = ms;
    let mut diags = Diags::default();
    net.cost = cost::compile(plan, &net, &mut diags);
    if !diags.is_empty() {
        return Err(Error::Invalid(diags.0));
    }
    Ok(net)
}

/// The clock axis, when some task works on a named calendar (`[calendars.NAME]` in
/// plan.toml): the project calendar first, then each named calendar a task uses, with its
/// holidays; and each plan row's calendar index (0: the project calendar). Unknown
/// calendar names are reported in `diags`. Linear in tasks, holidays and calendars.
fn compile_calendars(
    plan: &Plan,
    calendar: &Option<Calendar>,
    diags: &mut Diags,
) -> Option<(Clock, Vec<u32>)> {
    let defs = &plan.settings.calendars;
    let def_of: HashMap<&str, usize> = defs
        .iter()
        .enumerate()
        .map(|(i, c)| (c.name.as_str(), i))
        .collect();
    let mut suggest = crate::plan::sheet::Suggester::new(def_of.keys().copied());
    let mut fix = |name: &str| {
        suggest.fix(
            name,
            &format!(
                "define [calendars.{name}] with its workweek in plan.toml, or leave the column empty for the project calendar"
            ),
        )
    };
    for h in &plan.calendar_holidays {
        if !def_of.contains_key(h.calendar.as_str()) {
            diags.push(
                Diagnostic::new(
                    &plan.calendar_file,
                    format!("calendar \"{}\" is not defined", h.calendar),
                )
                .line(h.line)
                .column("calendar")
                .fix(fix(&h.calendar)),
            );
        }
    }
    // Named calendars in plan.toml's order, numbered from 1 as tasks first use them.
    let mut index: Vec<u32> = vec![0; defs.len()];
    let mut of_row = vec![0u32; plan.tasks.len()];
    for (r, t) in plan.tasks.iter().enumerate() {
        let Some(name) = &t.calendar else { continue };
        match def_of.get(name.as_str()) {
            Some(&d) => {
                index[d] = 1;
                of_row[r] = d as u32;
            }
            None => diags.push(
                Diagnostic::new(
                    &plan.tasks_file,
                    format!(
                        "task {} names calendar \"{name}\", which is not defined",
                        t.id
                    ),
                )
                .line(t.line)
                .column("calendar")
                .fix(fix(name)),
            ),
        }
    }
    if !index.contains(&1) || !diags.is_empty() {
        return None;
    }
    let Some(cal) = calendar else {
        let first = plan.tasks.iter().find(|t| t.calendar.is_some());
        let mut d = Diagnostic::new(
            &plan.tasks_file,
            "task calendars need the plan's start date",
        )
        .column("calendar")
        .fix("set start = YYYY-MM-DD in plan.toml (or --start)");
        if let Some(t) = first {
            d = d.line(t.line);
        }
        diags.push(d);
        return None;
    };
    let origin = cal.first_day();
    let mut holidays: Vec<Vec<crate::plan::Holiday>> = vec![Vec::new(); defs.len()];
    for h in &plan.calendar_holidays {
        holidays[def_of[h.calendar.as_str()]].push(h.holiday);
    }
    let mut calendars = vec![WorkTime::new(
        crate::plan::PROJECT_CALENDAR,
        origin,
        plan.settings.workweek,
        &plan.holidays,
        &plan.settings.hours,
        0,
    )];
    for (d, def) in defs.iter().enumerate() {
        if index[d] == 1 {
            index[d] = calendars.len() as u32;
            calendars.push(WorkTime::new(
                &def.name,
                origin,
                def.workweek,
                &holidays[d],
                def.hours.as_deref().unwrap_or(&plan.settings.hours),
                0,
            ));
        }
    }
    for (r, t) in plan.tasks.iter().enumerate() {
        if t.calendar.is_some() {
            of_row[r] = index[of_row[r] as usize];
        }
    }
    Some((
        Clock {
            origin,
            calendars,
            of_task: Vec::new(),
            lag: plan.settings.lag_calendar,
        },
        of_row,
    ))
}

/// The share of a working day's work done by `minute` after midnight, with working
/// `hours` (the whole day when there are none).
fn day_share(hours: &[(u16, u16)], minute: u16) -> f64 {
    if hours.is_empty() {
        return f64::from(minute) / 1440.0;
    }
    let total: f64 = hours.iter().map(|&(a, b)| f64::from(b - a)).sum();
    let done: f64 = hours
        .iter()
        .map(|&(a, b)| f64::from(minute.clamp(a, b) - a))
        .sum();
    done / total
}

/// Task `t` and every task with a path to it, ascending.
fn ancestors(net: &Network, t: usize) -> Vec<u32> {
    let mut mark = vec![false; net.len()];
    mark[t] = true;
    let mut stack = vec![t];
    while let Some(s) = stack.pop() {
        for l in net.preds(s) {
            let p = l.pred as usize;
            if !mark[p] {
                mark[p] = true;
                stack.push(p);
            }
        }
    }
    (0..=t).filter(|&i| mark[i]).map(|i| i as u32).collect()
}

type TaskOf<'a> = dyn Fn(&str) -> Option<u32> + 'a;

/// Compiles the risk register: risks and the per-task CSR of hits.
fn compile_risks(
    plan: &Plan,
    task_of: &TaskOf,
    n: usize,
    discrete: &mut DiscreteTables,
    diags: &mut Diags,
) -> (Vec<Risk>, Vec<u32>, Vec<Hit>) {
    let file = plan.risks_file.as_str();
    let mut risks = Vec::new();
    let mut per_task: Vec<Vec<Hit>> = vec![Vec::new(); n];
    let mut seen: HashMap<&str, u64> = HashMap::new();
    let mut suggest = crate::plan::sheet::Suggester::new(plan.tasks.iter().map(|x| x.id.as_str()));
    // Which risk (by position) last listed each task: a task listed twice is found in
    // O(1).
    let mut listed_by = vec![usize::MAX; n];
    for (row, r) in plan.risks.iter().enumerate() {
        if let Some(first) = seen.insert(r.id.as_str(), r.line) {
            diags.push(
                Diagnostic::new(
                    file,
                    format!(
                        "duplicate risk id \"{}\" (first used on line {first})",
                        r.id
                    ),
                )
                .line(r.line)
                .column("id")
                .fix("give every risk a unique id"),
            );
            continue;
        }
        let mut tasks = Vec::new();
        for t in &r.tasks {
            match task_of(t) {
                Some(i) if listed_by[i as usize] == row => diags.push(
                    Diagnostic::new(file, format!("task {t} is listed twice for risk {}", r.id))
                        .line(r.line)
                        .column("tasks")
                        .fix("list each task once"),
                ),
                Some(i) => {
                    listed_by[i as usize] = row;
                    tasks.push(i);
                }
                None => diags.push(
                    Diagnostic::new(
                        file,
                        format!("risk {} hits \"{t}\", which is not a task id", r.id),
                    )
                    .line(r.line)
                    .column("tasks")
                    .fix(suggest.fix(t, "use ids from tasks.csv")),
                ),
            }
        }
        let ri = risks.len() as u32;
        for &t in &tasks {
            per_task[t as usize].push(Hit {
                risk: ri,
                percent: r.unit == Unit::Percent,
            });
        }
        risks.push(Risk {
            id: r.id.clone(),
            name: r.name.clone(),
            key: id_key(&r.id),
            probability: r.probability,
            impact: r.impact.clone(),
            sampler: Sampler::new(&r.impact, discrete),
            unit: r.unit,
            tasks,
        });
    }
    let mut hit_start = Vec::with_capacity(n + 1);
    let mut hits = Vec::new();
    hit_start.push(0);
    for h in per_task {
        hits.extend(h);
        hit_start.push(hits.len() as u32);
    }
    (risks, hit_start, hits)
}

/// Compiles correlations.csv into groups (connected components of the pairs), checking
/// that each group's matrix is a valid correlation matrix. A name is a task's duration
/// (its id), or one of its uncertain cost amounts (`ID.cost`, `ID.rate`), which gets a
/// slot in the returned amounts.
#[allow(clippy::type_complexity)]
fn compile_correlations(
    plan: &Plan,
    task_of: &TaskOf,
    n: usize,
    opts: &CompileOptions,
    notes: &mut Vec<Warning>,
    diags: &mut Diags,
) -> (
    Vec<CorrGroup>,
    Vec<bool>,
    Vec<CorrelationPair>,
    Vec<CorrAmount>,
) {
    use nalgebra::DMatrix;
    let file = plan.correlations_file.as_str();
    let mut pairs = Vec::new();
    let mut suggest = crate::plan::sheet::Suggester::new(plan.tasks.iter().map(|x| x.id.as_str()));
    let rows: std::collections::HashMap<&str, &crate::plan::TaskRow> =
        plan.tasks.iter().map(|t| (t.id.as_str(), t)).collect();
    // Quantities: a task's duration is its index; amounts follow the tasks, numbered in
    // order of first mention.
    let mut amounts: Vec<CorrAmount> = Vec::new();
    let mut amount_names: Vec<String> = Vec::new();
    let mut slot_of: std::collections::HashMap<(u32, bool), u32> = std::collections::HashMap::new();
    for c in &plan.correlations {
        let mut ends = [0u32; 2];
        let mut ok = true;
        for (k, (col, id)) in [("a", &c.a), ("b", &c.b)].into_iter().enumerate() {
            if let Some(t) = task_of(id) {
                ends[k] = t;
                continue;
            }
            let amount = crate::plan::correlations::amount_of(id)
                .and_then(|(base, rate)| Some((base, task_of(base)?, rate)));
            let Some((base, t, rate)) = amount else {
                ok = false;
                diags.push(
                    Diagnostic::new(file, format!("\"{id}\" is not a task id"))
                        .line(c.line)
                        .column(col)
                        .fix(suggest.fix(
                            crate::plan::correlations::amount_of(id).map_or(id, |(base, _)| base),
                            "use ids from tasks.csv, or ID.cost / ID.rate for a task's uncertain cost",
                        )),
                );
                continue;
            };
            let (what, column) = if rate {
                ("rate", "rate")
            } else {
                ("fixed cost", "cost")
            };
            let given = rows.get(base).and_then(|r| {
                if rate {
                    r.rate.as_ref()
                } else {
                    r.cost.as_ref()
                }
            });
            if !given.is_some_and(|d| !matches!(d, Distribution::Fixed { .. })) {
                ok = false;
                diags.push(
                    Diagnostic::new(
                        file,
                        format!(
                            "\"{id}\": task {base} has no uncertain {what} to correlate ({})",
                            if given.is_some() { "its tasks.csv value is a single amount" } else { "its tasks.csv value is empty" }
                        ),
                    )
                    .line(c.line)
                    .column(col)
                    .fix(format!(
                        "give {base} a range in tasks.csv column {column} (min/likely/max), or remove the row"
                    )),
                );
                continue;
            }
            let next = amounts.len() as u32;
            let slot = *slot_of.entry((t, rate)).or_insert_with(|| {
                amounts.push(CorrAmount { task: t, rate });
                amount_names.push(id.to_string());
                next
            });
            ends[k] = n as u32 + slot;
        }
        if ok {
            pairs.push((ends[0], ends[1], c.rho, c.line));
        }
    }
    let vars = n + amounts.len();
    // Union-find over the pairs.
    let mut parent: Vec<u32> = (0..vars as u32).collect();
    fn root(p: &mut [u32], mut x: u32) -> u32 {
        while p[x as usize] != x {
            p[x as usize] = p[p[x as usize] as usize];
            x = p[x as usize];
        }
        x
    }
    for &(a, b, _, _) in &pairs {
        let (ra, rb) = (root(&mut parent, a), root(&mut parent, b));
        if ra != rb {
            parent[ra.max(rb) as usize] = ra.min(rb);
        }
    }
    let mut members: std::collections::BTreeMap<u32, Vec<u32>> = std::collections::BTreeMap::new();
    let mut in_pair = vec![false; vars];
    for &(a, b, _, _) in &pairs {
        in_pair[a as usize] = true;
        in_pair[b as usize] = true;
    }
    for v in 0..vars as u32 {
        if in_pair[v as usize] {
            let r = root(&mut parent, v);
            members.entry(r).or_default().push(v);
        }
    }
    let correlated = in_pair[..n].to_vec();
    let mut groups = Vec::new();
    let mut reports = Vec::new();
    let mut id_of = vec!["?"; n];
    for x in &plan.tasks {
        if let Some(t) = task_of(&x.id) {
            id_of[t as usize] = x.id.as_str();
        }
    }
    let name = |v: u32| match v.checked_sub(n as u32) {
        None => id_of[v as usize],
        Some(a) => amount_names[a as usize].as_str(),
    };
    // Each pair to its group, and each member to its place in the group: linear.
    let mut pos_in_group = vec![0usize; vars];
    for tasks in members.values() {
        for (i, &t) in tasks.iter().enumerate() {
            pos_in_group[t as usize] = i;
        }
    }
    let mut pairs_of: std::collections::BTreeMap<u32, Vec<(u32, u32, f64, u64)>> =
        std::collections::BTreeMap::new();
    for &(a, b, rho, line) in &pairs {
        pairs_of
            .entry(root(&mut parent, a))
            .or_default()
            .push((a, b, rho, line));
    }
    for (group_root, tasks) in members {
        let k = tasks.len();
        let pos = |t: u32| pos_in_group[t as usize];
        let group_pairs = pairs_of.remove(&group_root).unwrap_or_default();
        let mut m = DMatrix::<f64>::identity(k, k);
        let mut first_line = u64::MAX;
        for &(a, b, rho, line) in &group_pairs {
            let (i, j) = (pos(a), pos(b));
            m[(i, j)] = rho;
            m[(j, i)] = rho;
            first_line = first_line.min(line);
        }
        let requested = m.clone();
        let (lmin, vec) = correlation::min_eigen(&m);
        if lmin < -1e-9 {
            let big = vec.iter().fold(0.0f64, |a, v| a.max(v.abs()));
            let mut involved: Vec<&str> = tasks
                .iter()
                .zip(&vec)
                .filter(|(_, v)| v.abs() >= 0.25 * big)
                .map(|(&t, _)| name(t))
                .collect();
            involved.sort_unstable();
            if opts.repair_correlations {
                let fixed = correlation::nearest_correlation(&m);
                let mut worst = (0.0f64, 0, 0);
                for i in 0..k {
                    for j in i + 1..k {
                        let d = (fixed[(i, j)] - m[(i, j)]).abs();
                        if d > worst.0 {
                            worst = (d, i, j);
                        }
                    }
                }
                notes.push(Warning::new(WarningKind::CorrelationRepaired, format!(
                    "correlations among {} were inconsistent and were repaired to the nearest valid matrix; largest change {:.3} ({} ~ {}: {} → {:.3})",
                    involved.join(", "),
                    worst.0,
                    name(tasks[worst.1]),
                    name(tasks[worst.2]),
                    m[(worst.1, worst.2)],
                    fixed[(worst.1, worst.2)]
                )));
                m = fixed;
            } else {
                diags.push(
                    Diagnostic::new(
                        file,
                        format!(
                            "the correlations among {} are inconsistent: no set of durations can have them all (the matrix is not positive semi-definite; smallest eigenvalue {lmin:.3})",
                            involved.join(", ")
                        ),
                    )
                    .line(first_line)
                    .column("rho")
                    .fix("weaken one of these correlations, or run with --repair-correlations to use the nearest valid matrix"),
                );
                continue;
            }
        }
        let mut c = DMatrix::<f64>::identity(k, k);
        for i in 0..k {
            for j in 0..k {
                if i != j {
                    let rho = m[(i, j)];
                    if i < j && rho.abs() > correlation::max_spearman() + 1e-9 {
                        notes.push(Warning::new(WarningKind::CorrelationCapped, format!(
                            "rank correlation {rho} between {} and {} is above what 64-iteration blocks can reach; {:.3} is used",
                            name(tasks[i]),
                            name(tasks[j]),
                            correlation::max_spearman()
                        )));
                    }
                    c[(i, j)] = correlation::score_target(rho);
                }
            }
        }
        if correlation::min_eigen(&c).0 < 0.0 {
            c = correlation::nearest_correlation(&c);
        }
        let a = correlation::sqrt_psd(&c);
        // What the reordering achieves: Moran's relation of the score correlations
        // really used (a·aᵀ), per requested pair.
        let used = &a * a.transpose();
        let mut short = Vec::new();
        for &(x, y, _, _) in &group_pairs {
            let (i, j) = (pos(x), pos(y));
            let achieved =
                correlation::pooled_spearman(used[(i, j)].clamp(-1.0, 1.0), crate::lanes::LANES);
            let asked = requested[(i, j)];
            if (achieved - asked).abs() > 0.005 {
                short.push(format!(
                    "{} ~ {}: {asked} → {achieved:.3}",
                    name(x),
                    name(y)
                ));
            }
            reports.push(CorrelationPair {
                a: name(x).to_string(),
                b: name(y).to_string(),
                requested: asked,
                achieved: crate::num::round4(achieved),
            });
        }
        if !short.is_empty() {
            notes.push(Warning::new(WarningKind::CorrelationUnreachable, format!(
                "the rank correlations among {} cannot all be reached by reordering blocks of 64 iterations (the normal scores they need are not jointly possible); the nearest reachable ones are used: {}",
                {
                    let mut ids: Vec<&str> = tasks.iter().map(|&t| name(t)).collect();
                    ids.sort_unstable();
                    ids.join(", ")
                },
                short.join("; ")
            )));
        }
        let root: Vec<f32> = (0..k * k).map(|x| a[(x / k, x % k)] as f32).collect();
        let members = tasks
            .iter()
            .map(|&v| match v.checked_sub(n as u32) {
                None => Member::Duration(v),
                Some(a) => Member::Amount(a),
            })
            .collect();
        groups.push(CorrGroup { members, root });
    }
    notes.dedup();
    (groups, correlated, reports, amounts)
}

/// Progress of one task at the status date, with the checks that need the status date.
fn task_status(
    row: &crate::plan::TaskRow,
    calendar: &Option<Calendar>,
    clock: Option<&WorkTime>,
    status_time: Option<f64>,
    status_date: Option<NaiveDate>,
    file: &str,
    diags: &mut Diags,
) -> Status {
    let (Some(started), Some(cal)) = (row.actual_start, calendar) else {
        if row.actual_start.is_some() {
            diags.push(
                Diagnostic::new(file, "actual dates need a start date and a status date")
                    .line(row.line)
                    .column("actual_start")
                    .fix("set start and status_date in plan.toml"),
            );
        }
        return Status::Open;
    };
    let (Some(sd), Some(ts)) = (status_date, status_time) else {
        diags.push(
            Diagnostic::new(
                file,
                format!(
                    "task {} has actual dates but the plan has no status date",
                    row.id
                ),
            )
            .line(row.line)
            .column("actual_start")
            .fix("set status_date = YYYY-MM-DD in plan.toml (the first day of remaining work)"),
        );
        return Status::Open;
    };
    if started > sd {
        diags.push(
            Diagnostic::new(
                file,
                format!("actual_start {started} is after the status date {sd}"),
            )
            .line(row.line)
            .column("actual_start")
            .fix("actuals describe the past: correct the date or move the status date"),
        );
        return Status::Open;
    }
    // On the clock axis: calendar days from the project calendar's first working day.
    let axis = |d: NaiveDate| (d - cal.first_day()).num_days() as f64;
    let start = match clock {
        Some(_) => axis(started).max(0.0),
        None => cal.start_time_of(started),
    };
    // Working days of the task's own calendar between two times.
    let span = |a: f64, b: f64| match clock {
        Some(c) => c.w(b) - c.w(a),
        None => b - a,
    };
    match row.actual_finish {
        Some(f) if f >= sd => {
            diags.push(
                Diagnostic::new(file, format!("actual_finish {f} is not before the status date {sd}"))
                    .line(row.line)
                    .column("actual_finish")
                    .fix("the status date is the first day of remaining work: finished work ends before it"),
            );
            Status::Open
        }
        Some(f) => {
            let end = match clock {
                Some(_) => (axis(f) + 1.0).max(0.0),
                None => cal.working_days_through(f) as f64,
            };
            let (start, duration) = (start as f32, span(start, end).max(0.0) as f32);
            Status::Done {
                start,
                duration,
                finish: match clock {
                    Some(_) => (end as f32).max(start),
                    None => start + duration,
                },
            }
        }
        None => Status::InProgress {
            start: start as f32,
            elapsed: span(start, ts).max(0.0) as f32,
        },
    }
}

/// Notes on finished tasks whose predecessors have not started (out-of-sequence progress).
fn out_of_sequence(plan: &Plan, notes: &mut Vec<Warning>) {
    // By id once (a scan per link made this quadratic).
    let by_id: std::collections::HashMap<&str, &crate::plan::TaskRow> =
        plan.tasks.iter().map(|t| (t.id.as_str(), t)).collect();
    // Work that started before the plan's start: the time axis begins at the start, so
    // such a start is reported as the start (the finish and the work left are exact).
    if let Some(start) = plan.settings.start {
        let early: Vec<String> = plan
            .tasks
            .iter()
            .filter(|t| t.actual_start.is_some_and(|a| a < start))
            .map(|t| t.id.clone())
            .collect();
        if !early.is_empty() {
            notes.push(Warning::new(
                WarningKind::StartedBeforeStart,
                format!(
                    "{} started before the plan's start {start}: {} reported as {start} (set start to the earliest actual start to keep it)",
                    listing(&early, 10),
                    if early.len() == 1 { "its start is" } else { "their starts are" }
                ),
            ));
        }
    }
    for t in plan.tasks.iter().filter(|t| t.actual_finish.is_some()) {
        for l in &t.predecessors {
            if let Some(p) = by_id.get(l.pred.as_str())
                && p.actual_start.is_none()
            {
                notes.push(Warning::new(
                    WarningKind::OutOfSequence,
                    format!(
                        "{} is finished but its predecessor {} has not started (out-of-sequence progress): {} keeps its actual dates, {} is scheduled from the status date, and the link between them is not enforced",
                        t.id, p.id, t.id, p.id
                    ),
                ));
            }
        }
    }
}

/// Freeze tables: for every distinct set of windows that applies to some task, the first
/// allowed start for each frozen working day. Returns the table index per task (in
/// topological order, `rows[k]` is the plan row of task k) and the tables.
fn compile_freezes(
    plan: &Plan,
    rows: &[usize],
    calendar: &Option<Calendar>,
    clock: Option<&Clock>,
    diags: &mut Diags,
) -> (Vec<u32>, Vec<Vec<(f32, f32)>>) {
    let n = rows.len();
    let mut of = vec![NO_FREEZE; n];
    if plan.freezes.is_empty() {
        return (of, Vec::new());
    }
    let Some(cal) = calendar else {
        diags.push(
            Diagnostic::new(&plan.calendar_file, "freeze windows need a start date")
                .line(plan.freezes[0].line)
                .column("kind")
                .fix("set start = YYYY-MM-DD in plan.toml (or --start)"),
        );
        return (of, Vec::new());
    };
    // Each window as a range of 0-based working-day indices [a, b): a = working days
    // before its first day, b = working days through its last (O(log holidays) each).
    let range: Vec<(u64, u64)> = plan
        .freezes
        .iter()
        .map(|f| match clock {
            // On the clock axis: the window's calendar days.
            Some(k) => (k.start_of_date(f.from) as u64, k.end_of_date(f.to) as u64),
            None => {
                let a = f.from.pred_opt().map_or(0, |d| cal.working_days_through(d));
                (a, cal.working_days_through(f.to))
            }
        })
        .collect();
    let mut by_tag: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, f) in plan.freezes.iter().enumerate() {
        for g in &f.tags {
            by_tag.entry(g.as_str()).or_default().push(i);
        }
    }
    let mut set_index: HashMap<Vec<usize>, u32> = HashMap::new();
    let mut windows = Vec::new();
    for (k, &r) in rows.iter().enumerate() {
        let mut set: Vec<usize> = plan.tasks[r]
            .calendar_tags
            .iter()
            .filter_map(|g| by_tag.get(g.as_str()))
            .flatten()
            .copied()
            .collect();
        if set.is_empty() {
            continue;
        }
        set.sort_unstable();
        set.dedup();
        let next = windows.len() as u32;
        let idx = *set_index.entry(set).or_insert_with_key(|set| {
            let mut rs: Vec<(u64, u64)> = set
                .iter()
                .map(|&i| range[i])
                .filter(|(a, b)| a < b)
                .collect();
            rs.sort_unstable();
            let mut merged: Vec<(u64, u64)> = Vec::with_capacity(rs.len());
            for (a, b) in rs {
                match merged.last_mut() {
                    Some(last) if a <= last.1 => last.1 = last.1.max(b),
                    _ => merged.push((a, b)),
                }
            }
            windows.push(
                merged
                    .into_iter()
                    .map(|(a, b)| (a as f32, b as f32))
                    .collect(),
            );
            next
        });
        of[k] = idx;
    }
    (of, windows)
}
