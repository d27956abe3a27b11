//! Several working calendars on one time axis.
//!
//! A plan whose tasks all work on the project calendar is scheduled in working days of
//! that calendar, as [`crate::model::calendar`] describes. Once a task works on another
//! calendar, the network's time axis is the clock instead: `t` counts calendar days from
//! the start of the project calendar's first working day (t = 0), every day of the week
//! included. Each calendar then maps axis time to its own working time and back:
//!
//! - `W(t)`: the working days of the calendar in `[0, t)` (a fraction of a working day
//!   counts as that fraction of the day; time on a non-working day counts nothing);
//! - `start(w)`: the latest axis time whose working time is `w` (where work resumes: a
//!   whole `w` is the start of the next working day);
//! - `finish(w)`: the earliest axis time whose working time is `w` (where work stops: a
//!   whole `w` is the end of the working day it completes).
//!
//! A task on calendar `c` whose constraints allow it to start at axis time `s` starts at
//! `start(W(s))` and finishes at `finish(W(s) + d)` for a duration of `d` working days of
//! `c`. Exact `f64` functions serve the deterministic schedule; the kernel reads `f32`
//! tables of the same functions over a horizon and the exact functions beyond it.

use chrono::{Days, NaiveDate};

use crate::model::calendar::{Calendar, SNAP};
use crate::plan::{Holiday, LagCalendar, Workweek};

/// Days of axis time the kernel's tables cover at most (about 110 years); beyond them
/// the exact functions answer.
const MAX_TABLE_DAYS: usize = 40_000;

/// A whole number when `x` is within [`SNAP`] of one (so that float noise never moves
/// a date by a weekend).
#[inline(always)]
fn snap(x: f64) -> f64 {
    let r = x.round();
    if (x - r).abs() < SNAP { r } else { x }
}

/// [`snap`] in single precision.
#[inline(always)]
fn snap32(x: f32) -> f32 {
    let r = x.round();
    if (x - r).abs() < SNAP as f32 { r } else { x }
}

/// One calendar on the clock axis.
#[derive(Debug, Clone)]
pub struct WorkTime {
    /// Its name (`project` for the project calendar).
    pub name: String,
    cal: Calendar,
    origin: NaiveDate,
    /// Every day works and none is a holiday: W is the identity.
    continuous: bool,
    /// `cum[d]`: working days in axis days `[0, d)`, for `d` in `0..=horizon`.
    cum: Vec<f32>,
    /// `day_of[k]`: the axis day of the `k`-th working day (0-based) within the horizon.
    day_of: Vec<f32>,
}

impl WorkTime {
    /// The calendar with working week `workweek` and `holidays`, on the axis starting at
    /// `origin`, with tables over `horizon` days.
    pub fn new(
        name: &str,
        origin: NaiveDate,
        workweek: Workweek,
        holidays: &[Holiday],
        horizon: usize,
    ) -> WorkTime {
        let cal = Calendar::new(origin, workweek, holidays);
        let continuous = workweek.0.iter().all(|&w| w) && holidays.is_empty();
        let mut w = WorkTime {
            name: name.to_string(),
            cal,
            origin,
            continuous,
            cum: Vec::new(),
            day_of: Vec::new(),
        };
        w.tabulate(horizon);
        w
    }

    /// Rebuilds the kernel's tables over `horizon` days of axis time (at most
    /// 40,000 days).
    pub fn tabulate(&mut self, horizon: usize) {
        let w = self;
        let horizon = horizon.min(MAX_TABLE_DAYS);
        let mut cum = Vec::with_capacity(horizon + 1);
        let mut day_of = Vec::new();
        let mut n = 0u32;
        cum.push(0.0);
        for d in 0..horizon {
            if w.works(d as i64) {
                day_of.push(d as f32);
                n += 1;
            }
            cum.push(n as f32);
        }
        w.cum = cum;
        w.day_of = day_of;
    }

    /// Whether W is the identity (every day works, no holiday): such a task needs no
    /// conversion.
    pub fn is_continuous(&self) -> bool {
        self.continuous
    }

    fn date(&self, d: i64) -> Option<NaiveDate> {
        if d < 0 {
            return None;
        }
        self.origin.checked_add_days(Days::new(d as u64))
    }

    /// Whether axis day `d` is a working day.
    pub fn works(&self, d: i64) -> bool {
        self.date(d).is_some_and(|x| self.cal.is_working(x))
    }

    /// Working days in axis days `[0, d)`.
    fn cum_before(&self, d: i64) -> f64 {
        if d <= 0 {
            return 0.0;
        }
        match self.date(d - 1) {
            Some(x) => self.cal.working_days_through(x) as f64,
            None => f64::INFINITY,
        }
    }

    /// The axis day of working day `k` (0-based).
    fn day_of_exact(&self, k: u64) -> f64 {
        match self.cal.working_day(k + 1) {
            Some(x) => (x - self.origin).num_days() as f64,
            None => f64::INFINITY,
        }
    }

    /// W(t): working time at axis time `t` (exact).
    pub fn w(&self, t: f64) -> f64 {
        if self.continuous || !t.is_finite() {
            return t.max(0.0);
        }
        // W is continuous: no snapping needed.
        let t = t.max(0.0);
        let d = t.floor();
        let base = self.cum_before(d as i64);
        if self.works(d as i64) {
            base + (t - d)
        } else {
            base
        }
    }

    /// start(w): the latest axis time whose working time is `w` (exact).
    pub fn start(&self, w: f64) -> f64 {
        if self.continuous || !w.is_finite() {
            return w.max(0.0);
        }
        let w = snap(w.max(0.0));
        let k = w.floor();
        self.day_of_exact(k as u64) + (w - k)
    }

    /// finish(w): the earliest axis time whose working time is `w` (exact).
    pub fn finish(&self, w: f64) -> f64 {
        if self.continuous || !w.is_finite() {
            return w.max(0.0);
        }
        let w = snap(w.max(0.0));
        let k = (w.ceil() - 1.0).max(0.0);
        self.day_of_exact(k as u64) + (w - k)
    }

    /// [`WorkTime::w32`] of every lane, branch-free over the tables (so that the loop
    /// vectorises, its reads gathered); lanes beyond the tables take the exact function
    /// afterwards.
    #[inline(always)]
    pub(crate) fn w_lanes<const N: usize>(&self, t: &[f32; N]) -> [f32; N] {
        let mut out = [0f32; N];
        if self.continuous || self.cum.len() < 2 {
            for l in 0..N {
                out[l] = self.w32(t[l]);
            }
            return out;
        }
        // Days d with d + 1 inside the tables (the table has at least two entries).
        let last = (self.cum.len().max(2) - 2) as f32;
        let cum = &self.cum[..];
        let mut beyond = false;
        for l in 0..N {
            let x = t[l].max(0.0);
            beyond |= x >= last; // x is never NaN (max drops it)
            let d = x.min(last) as u32 as usize;
            // SAFETY: d ≤ last, so d + 1 < cum.len().
            let (c0, c1) = unsafe { (*cum.get_unchecked(d), *cum.get_unchecked(d + 1)) };
            out[l] = (c0 + (x.min(last + 1.0) - d as f32)).min(c1);
        }
        if beyond {
            for l in 0..N {
                if t[l].max(0.0) >= last {
                    out[l] = self.w(t[l] as f64) as f32;
                }
            }
        }
        out
    }

    /// [`WorkTime::start32`] (`FINISH` false) or [`WorkTime::finish32`] (true) of every
    /// lane, branch-free over the tables as [`WorkTime::w_lanes`].
    #[inline(always)]
    pub(crate) fn at_lanes<const N: usize, const FINISH: bool>(&self, w: &[f32; N]) -> [f32; N] {
        let mut out = [0f32; N];
        if self.continuous || self.day_of.is_empty() {
            for l in 0..N {
                out[l] = if FINISH {
                    self.finish32(w[l])
                } else {
                    self.start32(w[l])
                };
            }
            return out;
        }
        let last = (self.day_of.len() - 1) as f32;
        let days = &self.day_of[..];
        let snap = SNAP as f32;
        let mut beyond = false;
        for l in 0..N {
            let x = w[l].max(0.0);
            let r = x.round();
            let x = if (x - r).abs() < snap { r } else { x };
            let k = if FINISH {
                (x.ceil() - 1.0).max(0.0)
            } else {
                x.floor()
            };
            beyond |= k > last;
            let k = k.min(last);
            // SAFETY: 0 ≤ k ≤ last < days.len().
            let d = unsafe { *days.get_unchecked(k as u32 as usize) };
            out[l] = d + (x - k);
        }
        if beyond {
            for l in 0..N {
                out[l] = if FINISH {
                    self.finish32(w[l])
                } else {
                    self.start32(w[l])
                };
            }
        }
        out
    }

    /// W(t) from the tables (the exact function beyond them).
    #[inline(always)]
    pub(crate) fn w32(&self, t: f32) -> f32 {
        if self.continuous {
            return t.max(0.0);
        }
        let t = t.max(0.0);
        let d = t as usize;
        match (self.cum.get(d), self.cum.get(d + 1)) {
            (Some(&c0), Some(&c1)) => (c0 + (t - d as f32)).min(c1),
            _ => self.w(t as f64) as f32,
        }
    }

    /// start(w) from the tables.
    #[inline(always)]
    pub(crate) fn start32(&self, w: f32) -> f32 {
        if self.continuous {
            return w.max(0.0);
        }
        let w = snap32(w.max(0.0));
        let k = w as usize;
        match self.day_of.get(k) {
            Some(&d) => d + (w - k as f32),
            None => self.start(w as f64) as f32,
        }
    }

    /// finish(w) from the tables.
    #[inline(always)]
    pub(crate) fn finish32(&self, w: f32) -> f32 {
        if self.continuous {
            return w.max(0.0);
        }
        let w = snap32(w.max(0.0));
        let k = (w.ceil() - 1.0).max(0.0);
        match self.day_of.get(k as usize) {
            Some(&d) => d + (w - k),
            None => self.finish(w as f64) as f32,
        }
    }
}

/// The clock axis of a network with several calendars.
#[derive(Debug, Clone)]
pub struct Clock {
    /// The date of axis day 0 (the project calendar's first working day).
    pub origin: NaiveDate,
    /// The calendars; index 0 is the project calendar.
    pub calendars: Vec<WorkTime>,
    /// Per task (topological order): the index of its calendar.
    pub of_task: Vec<u32>,
    /// The calendar lags are counted on.
    pub lag: LagCalendar,
}

impl Clock {
    /// The project calendar.
    pub fn project(&self) -> &WorkTime {
        &self.calendars[0]
    }

    /// Task `t`'s calendar.
    #[inline(always)]
    pub fn of(&self, t: usize) -> &WorkTime {
        &self.calendars[self.of_task[t] as usize]
    }

    /// Working days of the project calendar at axis time `t` (what outputs report as
    /// days).
    pub fn days(&self, t: f64) -> f64 {
        self.project().w(t)
    }

    /// Axis time at which a duration of `days` working days of the project calendar from
    /// t = 0 ends.
    pub fn time_of_days(&self, days: f64) -> f64 {
        self.project().finish(days)
    }

    /// Axis time of the start of date `d` (0 before the origin).
    pub fn start_of_date(&self, d: NaiveDate) -> f64 {
        ((d - self.origin).num_days() as f64).max(0.0)
    }

    /// Axis time of the end of date `d`.
    pub fn end_of_date(&self, d: NaiveDate) -> f64 {
        ((d - self.origin).num_days() as f64 + 1.0).max(0.0)
    }

    /// The date of axis day `k` (1-based, as [`crate::model::calendar::finish_day`] and
    /// [`crate::model::calendar::start_day`] give it).
    pub fn date_of_day(&self, k: u64) -> Option<NaiveDate> {
        self.origin.checked_add_days(Days::new(k.max(1) - 1))
    }

    /// The calendar a lag from task `pred` to task `succ` is counted on (None: around
    /// the clock).
    #[inline(always)]
    pub fn lag_calendar(&self, pred: usize, succ: usize) -> Option<&WorkTime> {
        let c = match self.lag {
            LagCalendar::Predecessor => self.of(pred),
            LagCalendar::Successor => self.of(succ),
            LagCalendar::Project => self.project(),
            LagCalendar::Continuous => return None,
        };
        (!c.continuous).then_some(c)
    }

    /// Axis time `x` plus `lag` working days of the lag calendar of a link from `pred`
    /// to `succ` (a lead when negative).
    pub fn after_lag(&self, x: f64, lag: f64, pred: usize, succ: usize) -> f64 {
        if lag == 0.0 {
            return x;
        }
        match self.lag_calendar(pred, succ) {
            Some(c) => c.finish(c.w(x) + lag),
            None => x + lag,
        }
    }

    /// The latest axis time `y` with `after_lag(y, lag) ≤ x`, from the tables (the
    /// backward pass's step over a lag).
    #[inline(always)]
    pub(crate) fn before_lag32(&self, x: f32, lag: f32, pred: usize, succ: usize) -> f32 {
        if lag == 0.0 || !x.is_finite() {
            return x;
        }
        match self.lag_calendar(pred, succ) {
            Some(c) => c.start32(c.w32(x) - lag),
            None => x - lag,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn tables_agree_with_the_exact_functions() {
        let hol = [Holiday {
            from: d(2027, 1, 6),
            to: d(2027, 1, 7),
        }];
        let origin = d(2027, 1, 4); // a Monday
        for ww in [
            Workweek::default(),
            Workweek([true; 7]),
            Workweek::parse(["Sun", "Mon", "Tue", "Wed", "Thu"]).unwrap(),
        ] {
            let c = WorkTime::new("x", origin, ww, &hol, 40);
            for i in 0..400 {
                let t = i as f64 * 0.125;
                assert_eq!(c.w32(t as f32) as f64, c.w(t), "W({t})");
                assert_eq!(c.start32(t as f32) as f64, c.start(t), "start({t})");
                assert_eq!(c.finish32(t as f32) as f64, c.finish(t), "finish({t})");
                // start and finish are inverses of W.
                assert_eq!(c.w(c.start(t)), t);
                assert_eq!(c.w(c.finish(t)), t);
                assert!(c.finish(t) <= c.start(t));
            }
        }
    }

    #[test]
    fn five_day_work_after_a_weekend_and_a_holiday() {
        // Mon 4 Jan 2027; Wed 6 and Thu 7 are holidays.
        let hol = [Holiday {
            from: d(2027, 1, 6),
            to: d(2027, 1, 7),
        }];
        let c = WorkTime::new("x", d(2027, 1, 4), Workweek::default(), &hol, 30);
        // Two days of work from t = 0 end at the end of Tuesday (axis 2).
        assert_eq!(c.finish(2.0), 2.0);
        // The third starts on Friday 8 Jan (axis 4), the fourth on Monday 11 (axis 7).
        assert_eq!(c.start(2.0), 4.0);
        assert_eq!(c.start(3.0), 7.0);
        assert_eq!(c.finish(3.0), 5.0);
        // Half a day into Friday.
        assert_eq!(c.w(4.5), 2.5);
        // Saturday counts nothing.
        assert_eq!(c.w(5.5), 3.0);
    }
}
