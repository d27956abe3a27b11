//! Working-day calendar: maps working-day time `t` to calendar dates (SPEC §2).
//!
//! Time is measured in working days from the start of the first working day on or after
//! the plan's start date (t = 0). Working day `k` (1-based) is the k-th working day.
//! A finish at `t` lies on working day `max(1, ⌈t⌉)`; a start at `t` on day `⌊t⌋ + 1`.
//! Times within [`SNAP`] of a whole day are taken as that whole day, so that float noise
//! in a sum such as 0.1 + 0.2 never moves a date.

use chrono::{Datelike, Days, NaiveDate};

use crate::plan::{Holiday, Workweek};

/// Times closer than this (in working days, ≈ 3 seconds of an 8-hour day) to a whole
/// number are taken as that whole number when turned into dates.
pub const SNAP: f64 = 1e-4;

/// Largest working-day number turned into a date (about 9,600 years of five-day weeks);
/// beyond it no date is given.
pub const MAX_WORKING_DAY: u64 = 2_500_000;

/// A working calendar. Invariant: the working week has at least one working day, and
/// holidays are finite ranges, so every working-day number has a date.
#[derive(Debug, Clone)]
pub struct Calendar {
    first: NaiveDate,
    workweek: Workweek,
    /// Non-overlapping, sorted holiday ranges.
    holidays: Vec<Holiday>,
    /// `lost[i]`: working weekdays inside `holidays[..i]` on or after `first` (so date
    /// arithmetic costs a binary search, never a walk over days).
    lost: Vec<u64>,
}

impl Calendar {
    /// A calendar starting on `start` (moved forward to the first working day).
    pub fn new(start: NaiveDate, workweek: Workweek, holidays: &[Holiday]) -> Calendar {
        let mut hs = holidays.to_vec();
        hs.sort_by_key(|h| h.from);
        let mut merged: Vec<Holiday> = Vec::with_capacity(hs.len());
        for h in hs {
            match merged.last_mut() {
                Some(last)
                    if h.from <= last.to.checked_add_days(Days::new(1)).unwrap_or(last.to) =>
                {
                    last.to = last.to.max(h.to);
                }
                _ => merged.push(h),
            }
        }
        let mut cal = Calendar {
            first: start,
            workweek,
            holidays: merged,
            lost: Vec::new(),
        };
        cal.first = cal.next_working_on_or_after(start).unwrap_or(start);
        let mut lost = Vec::with_capacity(cal.holidays.len() + 1);
        lost.push(0);
        let mut sum = 0;
        for h in &cal.holidays {
            sum += cal.weekdays_between(h.from.max(cal.first), h.to);
            lost.push(sum);
        }
        cal.lost = lost;
        cal
    }

    /// Days of the working week in `from..=to` (0 when `to < from`), holidays ignored:
    /// whole weeks by multiplication, the rest (under seven days) one by one.
    fn weekdays_between(&self, from: NaiveDate, to: NaiveDate) -> u64 {
        if to < from {
            return 0;
        }
        let span = (to - from).num_days() + 1;
        let per_week = self.workweek.0.iter().filter(|&&w| w).count() as i64;
        let mut count = span / 7 * per_week;
        let mut wd = from.weekday();
        for _ in 0..span % 7 {
            if self.workweek.works(wd) {
                count += 1;
            }
            wd = wd.succ();
        }
        count as u64
    }

    /// Working days in a week of the calendar's working week (1 to 7).
    pub fn days_per_week(&self) -> u64 {
        self.workweek.0.iter().filter(|&&w| w).count() as u64
    }

    /// The first working day (t = 0 is its start).
    pub fn first_day(&self) -> NaiveDate {
        self.first
    }

    /// Whether `d` is a working day.
    pub fn is_working(&self, d: NaiveDate) -> bool {
        self.workweek.works(d.weekday()) && self.holiday_containing(d).is_none()
    }

    fn holiday_containing(&self, d: NaiveDate) -> Option<&Holiday> {
        let i = self.holidays.partition_point(|h| h.to < d);
        self.holidays.get(i).filter(|h| h.from <= d)
    }

    fn next_working_on_or_after(&self, mut d: NaiveDate) -> Option<NaiveDate> {
        loop {
            if let Some(h) = self.holiday_containing(d) {
                d = h.to.succ_opt()?;
                continue;
            }
            if self.workweek.works(d.weekday()) {
                return Some(d);
            }
            d = d.succ_opt()?;
        }
    }

    /// The first `n` working days, in order (index 0 is working day 1).
    pub fn working_days(&self, n: u64) -> Vec<NaiveDate> {
        let n = n.min(MAX_WORKING_DAY);
        let mut out = Vec::with_capacity(n as usize);
        let mut d = Some(self.first);
        while (out.len() as u64) < n {
            let Some(day) = d.and_then(|x| self.next_working_on_or_after(x)) else {
                break;
            };
            out.push(day);
            d = day.succ_opt();
        }
        out
    }

    /// Number of working days from the first working day through `d`, inclusive
    /// (0 when `d` is before the first working day). O(log holidays).
    pub fn working_days_through(&self, d: NaiveDate) -> u64 {
        if d < self.first {
            return 0;
        }
        // Holidays wholly before or on d, and the one containing d (partly).
        let i = self.holidays.partition_point(|h| h.to <= d);
        let mut off = self.lost[i];
        if let Some(h) = self.holidays.get(i).filter(|h| h.from <= d) {
            off += self.weekdays_between(h.from.max(self.first), d);
        }
        self.weekdays_between(self.first, d).saturating_sub(off)
    }

    /// The `k`-th working day (1-based; working day 1 is [`Calendar::first_day`]), or
    /// `None` past the last representable date. O(log days · log holidays).
    pub fn working_day(&self, k: u64) -> Option<NaiveDate> {
        let k = k.max(1);
        let per_week = self.workweek.0.iter().filter(|&&w| w).count() as u64;
        // An upper bound: k working days need at most ⌈k / per_week⌉ weeks, plus every
        // holiday's length, plus a week.
        let holiday_days: u64 = self
            .holidays
            .iter()
            .map(|h| (h.to - h.from).num_days() as u64 + 1)
            .sum();
        let span = k
            .div_ceil(per_week.max(1))
            .checked_mul(7)?
            .checked_add(holiday_days + 7)?;
        let (mut lo, mut hi) = (0u64, span);
        let last = NaiveDate::MAX;
        let at = |x: u64| self.first.checked_add_days(Days::new(x));
        if self.working_days_through(at(hi).unwrap_or(last)) < k {
            return None;
        }
        // Smallest offset whose date has k working days through it.
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            match at(mid) {
                Some(d) if self.working_days_through(d) >= k => hi = mid,
                Some(_) => lo = mid + 1,
                None => hi = mid,
            }
        }
        at(lo)
    }

    /// t of a start-no-earlier-than date: the number of working days before the first
    /// working day on or after `d`.
    pub fn start_time_of(&self, d: NaiveDate) -> f64 {
        match d.pred_opt() {
            Some(p) => self.working_days_through(p) as f64,
            None => 0.0,
        }
    }
}

/// Working day (1-based) on which a finish at `t` lies: `max(1, ⌈t⌉)`.
pub fn finish_day(t: f64) -> u64 {
    let r = t.round();
    let t = if (t - r).abs() < SNAP { r } else { t };
    t.ceil().max(1.0) as u64
}

/// Working day (1-based) on which a start at `t` lies: `⌊t⌋ + 1`.
pub fn start_day(t: f64) -> u64 {
    let r = t.round();
    let t = if (t - r).abs() < SNAP { r } else { t };
    t.floor().max(0.0) as u64 + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn five_days_from_monday_is_friday() {
        let c = Calendar::new(d(2027, 1, 4), Workweek::default(), &[]);
        let days = c.working_days(10);
        assert_eq!(days[finish_day(5.0) as usize - 1], d(2027, 1, 8));
        assert_eq!(days[start_day(5.0) as usize - 1], d(2027, 1, 11));
        assert_eq!(days[finish_day(0.0) as usize - 1], d(2027, 1, 4));
        assert_eq!(finish_day(5.00000001), 5);
        assert_eq!(finish_day(5.3), 6);
    }

    #[test]
    fn weekend_start_and_holidays() {
        let hol = [Holiday {
            from: d(2027, 1, 6),
            to: d(2027, 1, 7),
        }];
        // Saturday start: first working day is Monday 4 Jan.
        let c = Calendar::new(d(2027, 1, 2), Workweek::default(), &hol);
        assert_eq!(c.first_day(), d(2027, 1, 4));
        let days = c.working_days(5);
        assert_eq!(
            days,
            vec![
                d(2027, 1, 4),
                d(2027, 1, 5),
                d(2027, 1, 8),
                d(2027, 1, 11),
                d(2027, 1, 12)
            ]
        );
        assert_eq!(c.working_days_through(d(2027, 1, 10)), 3);
        assert_eq!(c.working_days_through(d(2027, 1, 11)), 4);
        assert_eq!(c.start_time_of(d(2027, 1, 6)), 2.0);
        assert_eq!(c.start_time_of(d(2026, 12, 1)), 0.0);
    }

    #[test]
    fn day_arithmetic_agrees_with_walking_the_days() {
        let hol = [
            Holiday {
                from: d(2027, 1, 6),
                to: d(2027, 1, 7),
            },
            Holiday {
                from: d(2027, 2, 13), // a Saturday to a Tuesday
                to: d(2027, 2, 16),
            },
            Holiday {
                from: d(2027, 12, 24),
                to: d(2028, 1, 2),
            },
        ];
        for ww in [
            Workweek::default(),
            Workweek::parse(["Sun", "Mon", "Tue", "Wed", "Thu"]).unwrap(),
            Workweek::parse(["Wed"]).unwrap(),
        ] {
            let c = Calendar::new(d(2027, 1, 2), ww, &hol);
            let days = c.working_days(400);
            for (i, &day) in days.iter().enumerate() {
                assert_eq!(c.working_day(i as u64 + 1), Some(day));
                assert_eq!(c.working_days_through(day), i as u64 + 1);
                if let Some(next) = days.get(i + 1) {
                    let mut x = day.succ_opt().unwrap();
                    while x < *next {
                        assert_eq!(c.working_days_through(x), i as u64 + 1, "{x}");
                        x = x.succ_opt().unwrap();
                    }
                }
            }
        }
        // A holiday to the year 9999: the day after it, at once.
        let long = [Holiday {
            from: d(2028, 1, 1),
            to: d(9999, 12, 30),
        }];
        let c = Calendar::new(d(2027, 1, 4), Workweek::default(), &long);
        let through_2027 = c.working_days_through(d(2027, 12, 31));
        assert_eq!(c.working_days_through(d(9999, 12, 31)), through_2027 + 1);
        assert_eq!(c.working_day(through_2027 + 1), Some(d(9999, 12, 31)));
        assert_eq!(c.working_day(through_2027 + 2), Some(d(10000, 1, 3)));
    }

    #[test]
    fn sunday_to_thursday_week() {
        let ww = Workweek::parse(["Sun", "Mon", "Tue", "Wed", "Thu"]).unwrap();
        let c = Calendar::new(d(2027, 1, 1), ww, &[]); // a Friday
        assert_eq!(c.first_day(), d(2027, 1, 3)); // Sunday
        assert_eq!(c.working_days(6)[5], d(2027, 1, 10));
    }
}
