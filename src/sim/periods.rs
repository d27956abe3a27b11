//! Reporting periods on the network's time axis: calendar months or weeks with a
//! calendar, blocks of working days without one. The cash flow counts spend by month;
//! the resource loading counts units in use by week.

use chrono::{Datelike, NaiveDate};

use crate::model::Network;
use crate::model::calendar::SNAP;

/// Periods at most (a hundred years of months, twenty-three of weeks): a plan longer
/// than that has no cash flow or resource loading.
pub const MAX_PERIODS: usize = 1_200;

/// Working days in a "month" when the plan has no calendar.
pub const MONTH_DAYS: u64 = 20;

/// Working days in a "week" when the plan has no calendar.
pub const WEEK_DAYS: u64 = 5;

/// How long a period is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Span {
    /// Calendar months (20 working days without a calendar).
    Months,
    /// Weeks ending on Sunday (5 working days without a calendar).
    Weeks,
}

impl Span {
    /// What one period is called in outputs.
    pub fn name(self, calendar: bool) -> String {
        match (self, calendar) {
            (Span::Months, true) => "month".into(),
            (Span::Weeks, true) => "week".into(),
            (Span::Months, false) => format!("{MONTH_DAYS} working days"),
            (Span::Weeks, false) => format!("{WEEK_DAYS} working days"),
        }
    }
}

/// Period ends, extended on demand to cover a horizon.
#[derive(Clone)]
pub(crate) struct Periods<'a> {
    net: &'a Network,
    span: Span,
    /// Period ends on the time axis.
    pub ends: Vec<u64>,
    /// Period ends in working days of the project calendar.
    pub days: Vec<u64>,
    /// Each period's last calendar day, when the plan has a calendar.
    pub dates: Vec<NaiveDate>,
    /// Per whole working day d: the first period whose end is at or after d.
    of_day: Vec<u32>,
}

impl<'a> Periods<'a> {
    /// No periods yet.
    pub fn new(net: &'a Network, span: Span) -> Periods<'a> {
        Periods {
            net,
            span,
            ends: Vec::new(),
            days: Vec::new(),
            dates: Vec::new(),
            of_day: Vec::new(),
        }
    }

    /// The last calendar day of period `k` counted from the calendar's first day.
    fn last_day(&self, first: NaiveDate, k: usize) -> Option<NaiveDate> {
        match self.span {
            Span::Months => {
                let month = first.month0() as usize + k;
                let (y, m) = (first.year() + (month / 12) as i32, (month % 12) as u32 + 1);
                NaiveDate::from_ymd_opt(y, m, 1)
                    .and_then(|d| d.checked_add_months(chrono::Months::new(1)))
                    .and_then(|d| d.pred_opt())
            }
            Span::Weeks => {
                let sunday = 6 - first.weekday().num_days_from_monday() as u64;
                first.checked_add_days(chrono::Days::new(sunday + 7 * k as u64))
            }
        }
    }

    /// Extends the periods until the last ends at or after working-day time `x`; false
    /// when that needs more than [`MAX_PERIODS`].
    pub fn cover(&mut self, x: f64) -> bool {
        while self.ends.last().is_none_or(|&e| (e as f64) < x - SNAP) {
            if self.ends.len() >= MAX_PERIODS {
                return false;
            }
            match self.net.calendar() {
                Some(cal) => {
                    let Some(end) = self.last_day(cal.first_day(), self.ends.len()) else {
                        return false;
                    };
                    let days = cal.working_days_through(end);
                    // On the clock axis the period ends at the end of its last day.
                    let axis = match self.net.clock() {
                        Some(k) => k.end_of_date(end) as u64,
                        None => days,
                    };
                    self.ends.push(axis);
                    self.days.push(days);
                    self.dates.push(end);
                }
                None => {
                    let per = match self.span {
                        Span::Months => MONTH_DAYS,
                        Span::Weeks => WEEK_DAYS,
                    };
                    let end = per * (self.ends.len() as u64 + 1);
                    self.ends.push(end);
                    self.days.push(end);
                }
            }
        }
        self.index_days();
        true
    }

    /// Extends the periods to at least `m` of them; false past [`MAX_PERIODS`].
    pub fn extend_to(&mut self, m: usize) -> bool {
        while self.ends.len() < m {
            let next = self.ends.last().map_or(0, |&e| e + 1);
            if !self.cover(next as f64) {
                return false;
            }
        }
        true
    }

    /// Fills the day table up to the last period's end (after [`Periods::cover`]).
    fn index_days(&mut self) {
        let last = self.ends.last().copied().unwrap_or(0) as usize;
        let mut j = self.of_day.last().copied().unwrap_or(0) as usize;
        for d in self.of_day.len()..=last + 1 {
            while j < self.ends.len() && (self.ends[j] as usize) < d {
                j += 1;
            }
            self.of_day.push(j as u32);
        }
    }

    /// The first period whose end is at or after `x` (an amount spent at `x` counts
    /// there). `x` is snapped and within the periods.
    #[inline]
    pub fn at(&self, x: f64) -> usize {
        // ⌈x⌉ by truncation: x ≥ 0.
        let whole = x as usize;
        let d = whole + (x > whole as f64) as usize;
        self.of_day[d.min(self.of_day.len() - 1)] as usize
    }

    /// The first period whose end is after `x` (work that starts at `x` is spent in the
    /// working day after it).
    #[inline]
    pub fn after(&self, x: f64) -> usize {
        self.of_day[(x as usize + 1).min(self.of_day.len() - 1)] as usize
    }
}
