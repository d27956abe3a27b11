//! Units in use over time on one resource: the change-point profile the serial scheme
//! searches and fills, lane by lane, in every iteration.

/// Units in use over time on one resource, as change points: `level[i]` units are held
/// over `[at[i], at[i + 1])` (none before `at[0]`, and the last level is what stays held
/// after the last point). Adding a span inserts at most two points, so a profile holds at
/// most twice the spans added to it.
#[derive(Debug, Clone, Default)]
pub struct Profile<T> {
    at: Vec<T>,
    level: Vec<i64>,
    /// Per point: the task whose span ends there (the last one added), or [`NO_TASK`].
    ends: Vec<u32>,
}

/// No task ends at a change point.
pub const NO_TASK: u32 = u32::MAX;

impl<T: Copy + PartialOrd> Profile<T> {
    /// Empties the profile, keeping its memory.
    pub fn clear(&mut self) {
        self.at.clear();
        self.level.clear();
        self.ends.clear();
    }

    /// Whether `units` more fit over `[s, f)` below `capacity`: `None` when they do, else
    /// the earliest time after `s` at which a span starting there could fit: where the
    /// level first falls to `capacity − units` or below after the first point over it.
    /// No start before that time fits, whatever the span's length (at least `f − s`).
    pub fn conflict(&self, s: T, f: T, units: i64, capacity: i64) -> Option<T> {
        self.conflict_by(s, f, units, capacity).map(|x| x.0)
    }

    /// [`Profile::conflict`], with the task whose finish released the units at that
    /// time ([`NO_TASK`] when none ends there).
    pub fn conflict_by(&self, s: T, f: T, units: i64, capacity: i64) -> Option<(T, u32)> {
        let room = capacity - units;
        let n = self.at.len();
        // The segment holding `s`, then every point before `f`.
        let mut i = self.at.partition_point(|x| *x <= s);
        let first = if i > 0 && self.level[i - 1] > room {
            Some(i - 1)
        } else {
            loop {
                if i >= n || self.at[i] >= f {
                    break None;
                }
                if self.level[i] > room {
                    break Some(i);
                }
                i += 1;
            }
        };
        let mut j = first? + 1;
        while j < n && self.level[j] > room {
            j += 1;
        }
        // The last level is what stays held: within capacity unless tasks in progress
        // overbook it for good, which [`Profile::add`] never lets a waiting task do.
        let j = j.min(n - 1);
        Some((self.at[j], self.ends[j]))
    }

    /// Holds `units` over `[s, f)` (`s < f`) for `task`.
    pub fn add(&mut self, s: T, f: T, units: i64, task: u32) {
        let i = self.point(s);
        let j = self.point(f);
        for l in &mut self.level[i..j] {
            *l += units;
        }
        self.ends[j] = task;
    }

    /// The index of a change point at `x`, inserted (with the level already held there)
    /// when absent.
    fn point(&mut self, x: T) -> usize {
        let i = self.at.partition_point(|y| *y < x);
        if i == self.at.len() || self.at[i] != x {
            let held = if i > 0 { self.level[i - 1] } else { 0 };
            self.at.insert(i, x);
            self.level.insert(i, held);
            self.ends.insert(i, NO_TASK);
        }
        i
    }

    /// The last change point's time.
    pub fn last(&self) -> Option<T> {
        self.at.last().copied()
    }

    /// The change points: `(time, units held from it)`.
    pub fn points(&self) -> impl Iterator<Item = (T, i64)> + '_ {
        self.at.iter().copied().zip(self.level.iter().copied())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_profile_finds_the_first_gap_that_fits() {
        let mut p: Profile<f64> = Profile::default();
        p.add(0.0, 5.0, 1000, 0);
        p.add(3.0, 8.0, 1000, 1);
        // Capacity 2: one more unit fits only where one is held: [0,3) and [5,8) and after.
        assert_eq!(p.conflict(0.0, 3.0, 1000, 2000), None);
        assert_eq!(p.conflict(0.0, 4.0, 1000, 2000), Some(5.0));
        assert_eq!(p.conflict(3.5, 4.0, 1000, 2000), Some(5.0));
        assert_eq!(p.conflict(5.0, 20.0, 1000, 2000), None);
        // Two more units fit only from 8 on.
        assert_eq!(p.conflict(0.0, 1.0, 2000, 2000), Some(8.0));
        // The units free at 5 are task 0's, at 8 task 1's.
        assert_eq!(p.conflict_by(0.0, 4.0, 1000, 2000), Some((5.0, 0)));
        assert_eq!(p.conflict_by(0.0, 1.0, 2000, 2000), Some((8.0, 1)));
        assert_eq!(p.conflict(8.0, 9.0, 2000, 2000), None);
        let levels: Vec<(f64, i64)> = p.points().collect();
        assert_eq!(
            levels,
            vec![(0.0, 1000), (3.0, 2000), (5.0, 1000), (8.0, 0)]
        );
    }
}
