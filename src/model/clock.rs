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
//! A calendar with working hours (`hours = ["08:00-12:00", "13:00-17:00"]`) works only
//! in those hours of its working days: a working day's work is spread over them (with
//! the hours above, 16:00 is 7/8 of the day's work), so that a task on an 08:00–16:00
//! calendar finishing at 16:00 leaves a successor on an 08:00–17:00 calendar the last
//! hour of that day. A calendar without hours works its days around the clock.
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

use crate::plan::MAX_PERIODS;

/// How a working day's work spreads over the axis day: `P(x)`, the share of the day's
/// work done by day fraction `x`, rises over the working periods `[a_i, b_i)` and is flat
/// between them.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Profile {
    /// Number of periods.
    n: usize,
    /// Period starts, as fractions of the day.
    a: [f64; MAX_PERIODS],
    /// Period lengths, as fractions of the day.
    len: [f64; MAX_PERIODS],
    /// Share of the day's work done at each period's start.
    before: [f64; MAX_PERIODS],
    /// The working periods' total, as a fraction of the day.
    h: f64,
    /// The same in single precision (the kernel's).
    a32: [f32; MAX_PERIODS],
    len32: [f32; MAX_PERIODS],
    before32: [f32; MAX_PERIODS],
    h32: f32,
}

impl Profile {
    /// From working periods in minutes after midnight (sorted, disjoint, non-empty;
    /// the plan checked them); the whole day when there are none.
    fn new(periods: &[(u16, u16)]) -> Profile {
        let whole = [(0u16, 1440u16)];
        let periods = if periods.is_empty() {
            &whole[..]
        } else {
            &periods[..periods.len().min(MAX_PERIODS)]
        };
        let mut p = Profile {
            n: periods.len(),
            a: [0.0; MAX_PERIODS],
            len: [0.0; MAX_PERIODS],
            before: [0.0; MAX_PERIODS],
            h: 0.0,
            a32: [0.0; MAX_PERIODS],
            len32: [0.0; MAX_PERIODS],
            before32: [0.0; MAX_PERIODS],
            h32: 0.0,
        };
        let total: f64 = periods.iter().map(|&(a, b)| f64::from(b - a)).sum();
        let mut done = 0.0;
        for (i, &(a, b)) in periods.iter().enumerate() {
            p.a[i] = f64::from(a) / 1440.0;
            p.len[i] = f64::from(b - a) / 1440.0;
            p.before[i] = done / total;
            done += f64::from(b - a);
        }
        p.h = total / 1440.0;
        for i in 0..p.n {
            p.a32[i] = p.a[i] as f32;
            p.len32[i] = p.len[i] as f32;
            p.before32[i] = p.before[i] as f32;
        }
        p.h32 = p.h as f32;
        p
    }

    /// The whole day, evenly.
    fn is_whole_day(&self) -> bool {
        self.n == 1 && self.a[0] == 0.0 && self.len[0] == 1.0
    }

    /// P(x) for `x` in [0, 1].
    #[inline(always)]
    fn work(&self, x: f64) -> f64 {
        let mut w = 0.0;
        for i in 0..self.n {
            w += (x - self.a[i]).clamp(0.0, self.len[i]);
        }
        (w / self.h).min(1.0)
    }

    /// `f` moved onto a period boundary's share when within [`SNAP`] of it (so that
    /// float noise never moves work across a break).
    #[inline(always)]
    fn snap(&self, mut f: f64) -> f64 {
        for i in 1..self.n {
            if (f - self.before[i]).abs() < SNAP {
                f = self.before[i];
            }
        }
        f
    }

    /// [`Profile::snap`] in single precision, branch-free.
    #[inline(always)]
    fn snap32(&self, mut f: f32) -> f32 {
        for i in 1..self.n {
            let b = self.before32[i];
            f = if (f - b).abs() < SNAP as f32 { b } else { f };
        }
        f
    }

    /// The latest day fraction with P = `f` (where work resumes), `f` in [0, 1).
    #[inline(always)]
    fn resume(&self, f: f64) -> f64 {
        let f = self.snap(f);
        let mut x = self.a[0] + f * self.h;
        for i in 1..self.n {
            if f >= self.before[i] {
                x = self.a[i] + (f - self.before[i]) * self.h;
            }
        }
        x
    }

    /// The earliest day fraction with P = `f` (where work stops), `f` in (0, 1].
    #[inline(always)]
    fn stop(&self, f: f64) -> f64 {
        let f = self.snap(f);
        let last = self.n - 1;
        let mut x = self.a[last] + (f - self.before[last]) * self.h;
        for i in (0..last).rev() {
            if f <= self.before[i + 1] {
                x = self.a[i] + (f - self.before[i]) * self.h;
            }
        }
        x
    }

    /// [`Profile::work`] in single precision, branch-free.
    #[inline(always)]
    fn work32(&self, x: f32) -> f32 {
        let mut w = 0.0f32;
        for i in 0..self.n {
            w += (x - self.a32[i]).max(0.0).min(self.len32[i]);
        }
        (w / self.h32).min(1.0)
    }

    /// [`Profile::work32`] of every lane (the periods outside, the lanes inside, so
    /// that the lanes vectorise).
    #[inline(always)]
    fn work_lanes<const N: usize>(&self, x: &[f32; N]) -> [f32; N] {
        let mut w = [0f32; N];
        for i in 0..self.n {
            let (a, len) = (self.a32[i], self.len32[i]);
            for l in 0..N {
                w[l] += (x[l] - a).max(0.0).min(len);
            }
        }
        for v in w.iter_mut() {
            *v = (*v / self.h32).min(1.0);
        }
        w
    }

    /// [`Profile::snap32`] of every lane.
    #[inline(always)]
    fn snap_lanes<const N: usize>(&self, mut f: [f32; N]) -> [f32; N] {
        for i in 1..self.n {
            let b = self.before32[i];
            for v in f.iter_mut() {
                *v = if (*v - b).abs() < SNAP as f32 { b } else { *v };
            }
        }
        f
    }

    /// [`Profile::resume32`] of every lane.
    #[inline(always)]
    fn resume_lanes<const N: usize>(&self, f: &[f32; N]) -> [f32; N] {
        let f = self.snap_lanes(*f);
        let mut x = [0f32; N];
        for l in 0..N {
            x[l] = self.a32[0] + f[l] * self.h32;
        }
        for i in 1..self.n {
            let (a, b) = (self.a32[i], self.before32[i]);
            for l in 0..N {
                let y = a + (f[l] - b) * self.h32;
                x[l] = if f[l] >= b { y } else { x[l] };
            }
        }
        x
    }

    /// [`Profile::stop32`] of every lane.
    #[inline(always)]
    fn stop_lanes<const N: usize>(&self, f: &[f32; N]) -> [f32; N] {
        let f = self.snap_lanes(*f);
        let last = self.n - 1;
        let mut x = [0f32; N];
        for l in 0..N {
            x[l] = self.a32[last] + (f[l] - self.before32[last]) * self.h32;
        }
        for i in (0..last).rev() {
            let (a, b, next) = (self.a32[i], self.before32[i], self.before32[i + 1]);
            for l in 0..N {
                let y = a + (f[l] - b) * self.h32;
                x[l] = if f[l] <= next { y } else { x[l] };
            }
        }
        x
    }

    /// [`Profile::resume`] in single precision, branch-free.
    #[inline(always)]
    fn resume32(&self, f: f32) -> f32 {
        let f = self.snap32(f);
        let mut x = self.a32[0] + f * self.h32;
        for i in 1..self.n {
            let y = self.a32[i] + (f - self.before32[i]) * self.h32;
            x = if f >= self.before32[i] { y } else { x };
        }
        x
    }

    /// [`Profile::stop`] in single precision, branch-free.
    #[inline(always)]
    fn stop32(&self, f: f32) -> f32 {
        let f = self.snap32(f);
        let last = self.n - 1;
        let mut x = self.a32[last] + (f - self.before32[last]) * self.h32;
        for i in (0..last).rev() {
            let y = self.a32[i] + (f - self.before32[i]) * self.h32;
            x = if f <= self.before32[i + 1] { y } else { x };
        }
        x
    }
}

/// One calendar on the clock axis.
#[derive(Debug, Clone)]
pub struct WorkTime {
    /// Its name (`project` for the project calendar).
    pub name: String,
    cal: Calendar,
    origin: NaiveDate,
    /// Every day works around the clock and none is a holiday: W is the identity.
    continuous: bool,
    /// How a working day's work spreads over the day.
    profile: Profile,
    /// The profile is the whole day (the tables' fast path).
    whole_day: bool,
    /// `cum[d]`: working days in axis days `[0, d)`, for `d` in `0..=horizon`.
    cum: Vec<f32>,
    /// `day_of[k]`: the axis day of the `k`-th working day (0-based) within the horizon.
    day_of: Vec<f32>,
    /// `day[d]` for the axis days `d` of `cum` but the last: `cum[d]` when day `d` works,
    /// `-cum[d] - 1` when it does not (one read per lane where `cum` takes two).
    day: Vec<f32>,
}

impl WorkTime {
    /// The calendar with working week `workweek`, `holidays` and working `hours`
    /// (periods in minutes after midnight, sorted and disjoint; none: the whole day), on
    /// the axis starting at `origin`, with tables over `horizon` days.
    pub fn new(
        name: &str,
        origin: NaiveDate,
        workweek: Workweek,
        holidays: &[Holiday],
        hours: &[(u16, u16)],
        horizon: usize,
    ) -> WorkTime {
        let cal = Calendar::new(origin, workweek, holidays);
        let profile = Profile::new(hours);
        let whole_day = profile.is_whole_day();
        let continuous = workweek.0.iter().all(|&w| w) && holidays.is_empty() && whole_day;
        let mut w = WorkTime {
            name: name.to_string(),
            cal,
            origin,
            continuous,
            profile,
            whole_day,
            cum: Vec::new(),
            day_of: Vec::new(),
            day: Vec::new(),
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
        w.day = cum
            .windows(2)
            .map(|c| if c[1] > c[0] { c[0] } else { -c[0] - 1.0 })
            .collect();
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

    /// Working days in axis days `[0, d)` (from the table when it covers `d`: whole
    /// numbers, exact in single precision).
    fn cum_before(&self, d: i64) -> f64 {
        if d <= 0 {
            return 0.0;
        }
        if let Some(&c) = self.cum.get(d as usize) {
            return c as f64;
        }
        match self.date(d - 1) {
            Some(x) => self.cal.working_days_through(x) as f64,
            None => f64::INFINITY,
        }
    }

    /// The axis day of working day `k` (0-based; from the table when it covers `k`).
    fn day_of_exact(&self, k: u64) -> f64 {
        if let Some(&d) = usize::try_from(k).ok().and_then(|k| self.day_of.get(k)) {
            return d as f64;
        }
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
        // A working day adds one to the count (the table's), else ask the calendar.
        let works = match self.cum.get(d as usize + 1) {
            Some(&next) => next as f64 > base,
            None => self.works(d as i64),
        };
        if works {
            base + self.profile.work(t - d)
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
        self.day_of_exact(k as u64) + self.profile.resume(w - k)
    }

    /// finish(w): the earliest axis time whose working time is `w` (exact).
    pub fn finish(&self, w: f64) -> f64 {
        if self.continuous || !w.is_finite() {
            return w.max(0.0);
        }
        let w = snap(w.max(0.0));
        let k = (w.ceil() - 1.0).max(0.0);
        self.day_of_exact(k as u64) + self.profile.stop(w - k)
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
        let beyond = if self.whole_day {
            self.w_table_lanes::<N, true>(t, &mut out)
        } else {
            self.w_table_lanes::<N, false>(t, &mut out)
        };
        if beyond {
            let last = (self.cum.len().max(2) - 2) as f32;
            for l in 0..N {
                if t[l].max(0.0) >= last {
                    out[l] = self.w(t[l] as f64) as f32;
                }
            }
        }
        out
    }

    /// The table part of [`WorkTime::w_lanes`], one loop per kind of day (`WHOLE`: the
    /// whole day works); whether some lane lies beyond the tables.
    #[inline(always)]
    fn w_table_lanes<const N: usize, const WHOLE: bool>(
        &self,
        t: &[f32; N],
        out: &mut [f32; N],
    ) -> bool {
        // Days d with d + 1 inside `cum` (it has at least two entries), so inside `day`.
        let last = (self.cum.len().max(2) - 2) as f32;
        let day = &self.day[..];
        let mut beyond = false;
        let (mut base, mut frac, mut works) = ([0f32; N], [0f32; N], [false; N]);
        for l in 0..N {
            let x = t[l].max(0.0);
            beyond |= x >= last; // x is never NaN (max drops it)
            // SAFETY: 0 ≤ x.min(last) ≤ last < 2²⁴, a whole number's range of i32.
            let d = unsafe { x.min(last).to_int_unchecked::<i32>() };
            // SAFETY: 0 ≤ d ≤ last < day.len().
            let v = unsafe { *day.get_unchecked(d as usize) };
            frac[l] = x.min(last + 1.0) - d as f32;
            works[l] = v >= 0.0;
            base[l] = if works[l] { v } else { -v - 1.0 };
        }
        // A working day adds its share (the whole fraction when the whole day works),
        // a rest day nothing: the values of `c0 + (c1 - c0) * P(frac)` with c1 - c0 one
        // or zero, bit for bit.
        let share = if WHOLE {
            frac
        } else {
            self.profile.work_lanes(&frac)
        };
        for l in 0..N {
            out[l] = if works[l] {
                base[l] + share[l]
            } else {
                base[l]
            };
        }
        beyond
    }

    /// The table part of [`WorkTime::at_lanes`], one loop per kind of day; whether some
    /// lane lies beyond the tables.
    #[inline(always)]
    fn at_table_lanes<const N: usize, const FINISH: bool, const WHOLE: bool>(
        &self,
        w: &[f32; N],
        out: &mut [f32; N],
    ) -> bool {
        let last = (self.day_of.len() - 1) as f32;
        let days = &self.day_of[..];
        let snap = SNAP as f32;
        let mut beyond = false;
        let mut frac = [0f32; N];
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
            // SAFETY: 0 ≤ k.min(last) ≤ last < 2²⁴, a whole number's range of i32.
            let i = unsafe { k.min(last).to_int_unchecked::<i32>() };
            // SAFETY: 0 ≤ i ≤ last < days.len().
            out[l] = unsafe { *days.get_unchecked(i as usize) };
            frac[l] = x - k.min(last);
        }
        let share = if WHOLE {
            frac
        } else if FINISH {
            self.profile.stop_lanes(&frac)
        } else {
            self.profile.resume_lanes(&frac)
        };
        for l in 0..N {
            out[l] += share[l];
        }
        beyond
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
        let beyond = if self.whole_day {
            self.at_table_lanes::<N, FINISH, true>(w, &mut out)
        } else {
            self.at_table_lanes::<N, FINISH, false>(w, &mut out)
        };
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
            (Some(&c0), Some(&c1)) if self.whole_day => (c0 + (t - d as f32)).min(c1),
            (Some(&c0), Some(&c1)) => c0 + (c1 - c0) * self.profile.work32(t - d as f32),
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
            Some(&d) if self.whole_day => d + (w - k as f32),
            Some(&d) => d + self.profile.resume32(w - k as f32),
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
            Some(&d) if self.whole_day => d + (w - k),
            Some(&d) => d + self.profile.stop32(w - k),
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

    /// The latest axis time `y` with `after_lag(y, lag) ≤ x` (exact).
    pub fn before_lag(&self, x: f64, lag: f64, pred: usize, succ: usize) -> f64 {
        if lag == 0.0 || !x.is_finite() {
            return x;
        }
        match self.lag_calendar(pred, succ) {
            Some(c) => c.start(c.w(x) - lag),
            None => x - lag,
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
            for hours in [
                &[][..],
                &[(480, 720), (780, 1020)][..],
                &[(0, 600), (1320, 1440)][..],
            ] {
                let c = WorkTime::new("x", origin, ww, &hol, hours, 40);
                for i in 0..400 {
                    let t = i as f64 * 0.125;
                    // Whole days: exact; working hours: single precision.
                    let tol = if hours.is_empty() { 0.0 } else { 2e-5 };
                    let near = |a: f64, b: f64| (a - b).abs() <= tol * b.abs().max(1.0);
                    assert!(near(c.w32(t as f32) as f64, c.w(t)), "W({t})");
                    assert!(near(c.start32(t as f32) as f64, c.start(t)), "start({t})");
                    assert!(
                        near(c.finish32(t as f32) as f64, c.finish(t)),
                        "finish({t})"
                    );
                    // start and finish are inverses of W.
                    assert!((c.w(c.start(t)) - t).abs() < 1e-9);
                    assert!((c.w(c.finish(t)) - t).abs() < 1e-9);
                    assert!(c.finish(t) <= c.start(t));
                    // W rises only in working hours.
                    let x = i as f64 * 0.1;
                    let day = x - x.floor();
                    let minute = day * 1440.0;
                    let in_hours = hours.is_empty()
                        || hours
                            .iter()
                            .any(|&(a, b)| f64::from(a) < minute && minute - 1.44 < f64::from(b));
                    if !in_hours {
                        assert_eq!(
                            c.w(x),
                            c.w(x - 0.001_f64.min(day)),
                            "W flat outside hours at {x}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn working_hours_share_the_day() {
        // 08:00–12:00 and 13:00–17:00 on Mon 4 Jan 2027 (axis day 0).
        let c = WorkTime::new(
            "x",
            d(2027, 1, 4),
            Workweek::default(),
            &[],
            &[(480, 720), (780, 1020)],
            30,
        );
        let at = |h: f64| h / 24.0;
        let w = |h: f64| c.w(at(h));
        assert_eq!(w(8.0), 0.0);
        assert!((w(12.0) - 0.5).abs() < 1e-12);
        assert!((w(12.5) - 0.5).abs() < 1e-12);
        assert!((w(16.0) - 0.875).abs() < 1e-12);
        assert_eq!(w(20.0), 1.0);
        // Work resumes at 13:00 after half a day, stops at 12:00.
        assert!((c.start(0.5) - at(13.0)).abs() < 1e-12);
        assert!((c.finish(0.5) - at(12.0)).abs() < 1e-12);
        // A whole day resumes on Tuesday 08:00 and stops on Monday 17:00.
        assert!((c.start(1.0) - (1.0 + at(8.0))).abs() < 1e-12);
        assert!((c.finish(1.0) - at(17.0)).abs() < 1e-12);
        // Friday 17:00 to Monday 08:00 is no work: five days stop on Fri 17:00, the
        // sixth starts on Mon 11 08:00.
        assert!((c.finish(5.0) - (4.0 + at(17.0))).abs() < 1e-12);
        assert!((c.start(5.0) - (7.0 + at(8.0))).abs() < 1e-12);
    }

    #[test]
    fn five_day_work_after_a_weekend_and_a_holiday() {
        // Mon 4 Jan 2027; Wed 6 and Thu 7 are holidays.
        let hol = [Holiday {
            from: d(2027, 1, 6),
            to: d(2027, 1, 7),
        }];
        let c = WorkTime::new("x", d(2027, 1, 4), Workweek::default(), &hol, &[], 30);
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
