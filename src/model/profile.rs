//! Units in use over time on one resource: the change-point profile the serial scheme
//! searches and fills, lane by lane, in every iteration.

/// Units in use over time on one resource, as change points: `pts[i].level` units are
/// held over `[pts[i].at, pts[i + 1].at)` (none before the first point, and the last
/// level is what stays held after the last point). Adding a span inserts at most two
/// points, so a profile holds at most twice the spans added to it.
///
/// A point's time, level and the task whose span ends there sit side by side (12 bytes
/// for `f32` times): the search for a time, the check of the level there and the
/// conflict's releasing task read one cache line, and inserting a point moves 12 bytes
/// per later point in one move. Levels are thousandths of a unit in an
/// `i32`: capacities and holds are at most [`crate::plan::resources::MAX_UNITS`]
/// (10⁹ thousandths), and a level adds up saturating at `i32::MAX`, so every comparison
/// with a capacity is exact (see [`Profile::add`]).
#[derive(Debug, Clone, Default)]
pub struct Profile<T> {
    pts: Vec<Point<T>>,
}

/// Where a span lies in a profile, as [`Profile::fit_from`] found it: the index of the
/// first change point after its start and of the first at or after its finish.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Span {
    after_s: usize,
    from_f: usize,
}

/// A change point: from `at` on, `level` thousandths are held.
#[derive(Debug, Clone, Copy)]
struct Point<T> {
    at: T,
    level: i32,
    /// The task whose span ends here (the last one added), or [`NO_TASK`].
    end: u32,
}

/// No task ends at a change point.
pub const NO_TASK: u32 = u32::MAX;

impl<T: Copy + PartialOrd> Profile<T> {
    /// Empties the profile, keeping its memory.
    pub fn clear(&mut self) {
        self.pts.clear();
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
        self.fit_from(s, f, units, capacity, &mut 0).err()
    }

    /// [`Profile::conflict_by`] for a task moved forward step by step, with where the
    /// span lies when it fits: `Err` with the conflict, `Ok` with the [`Span`] that
    /// [`Profile::add_at`] takes to hold it without searching again. `hint` is 0 on the
    /// first call, and each call that finds a conflict at `x` sets it so that the next
    /// call, with a start of `x` or later, walks on from there instead of searching the
    /// profile again. Between calls the profile must not change.
    pub fn fit_from(
        &self,
        s: T,
        f: T,
        units: i64,
        capacity: i64,
        hint: &mut usize,
    ) -> Result<Span, (T, u32)> {
        let room = capacity - units;
        let pts = &self.pts[..];
        let n = pts.len();
        // The segment holding `s`, then every point before `f`. With a hint, every
        // point before it is at or before `s`.
        let mut i = if *hint == 0 {
            from_back(pts, |p| p.at <= s)
        } else {
            let mut i = (*hint).min(n);
            while i < n && pts[i].at <= s {
                i += 1;
            }
            i
        };
        let after = i;
        let first = if i > 0 && pts[i - 1].level as i64 > room {
            Some(i - 1)
        } else {
            loop {
                if i >= n || pts[i].at >= f {
                    break None;
                }
                if pts[i].level as i64 > room {
                    break Some(i);
                }
                i += 1;
            }
        };
        let Some(first) = first else {
            return Ok(Span {
                after_s: after,
                from_f: i,
            });
        };
        let mut j = first + 1;
        while j < n && pts[j].level as i64 > room {
            j += 1;
        }
        // The last level is what stays held: within capacity unless tasks in progress
        // overbook it for good, which [`Profile::add`] never lets a waiting task do.
        let j = j.min(n - 1);
        *hint = j + 1;
        Err((pts[j].at, pts[j].end))
    }

    /// [`Profile::add`] at the places a [`Profile::fit_from`] of the same span found: no
    /// search when the profile has not changed since (checked: otherwise it searches).
    pub fn add_at(&mut self, s: T, f: T, units: i64, task: u32, at: Span) {
        let pts = &self.pts;
        let n = pts.len();
        let (a, b) = (at.after_s, at.from_f);
        // `a` is the first point after `s` and `b` the first at or after `f`.
        let holds = a <= b
            && b <= n
            && (a == 0 || pts[a - 1].at <= s)
            && (a == n || pts[a].at > s)
            && (b == 0 || pts[b - 1].at < f)
            && (b == n || pts[b].at >= f);
        if !holds {
            return self.add(s, f, units, task);
        }
        let (i, mut j) = (a, b);
        let i = if i > 0 && self.pts[i - 1].at == s {
            i - 1
        } else {
            self.insert(i, s);
            j += 1;
            i
        };
        if j == self.pts.len() || self.pts[j].at != f {
            self.insert(j, f);
        }
        self.raise(i, j, units, task);
    }

    /// Inserts a change point at `x` at index `i`, with the level held there.
    fn insert(&mut self, i: usize, x: T) {
        let level = if i > 0 { self.pts[i - 1].level } else { 0 };
        self.pts.insert(
            i,
            Point {
                at: x,
                level,
                end: NO_TASK,
            },
        );
    }

    /// Holds `units` over `[s, f)` (`s < f`) for `task`. Levels saturate at `i32::MAX`
    /// thousandths (2,147,483 units): only tasks in progress, which hold their units
    /// whatever the capacity, can overbook that far, and a level that high is over every
    /// capacity either way.
    pub fn add(&mut self, s: T, f: T, units: i64, task: u32) {
        let i = self.point(s);
        let j = self.point(f);
        self.raise(i, j, units, task);
    }

    /// Adds `units` to the levels of points `i..j` (saturating) and makes `task` the one
    /// whose span ends at point `j`.
    #[inline(always)]
    fn raise(&mut self, i: usize, j: usize, units: i64, task: u32) {
        let units = units.clamp(0, i32::MAX as i64) as i32;
        for p in &mut self.pts[i..j] {
            p.level = p.level.saturating_add(units);
        }
        self.pts[j].end = task;
    }

    /// The index of a change point at `x`, inserted (with the level already held there)
    /// when absent.
    fn point(&mut self, x: T) -> usize {
        let i = from_back(&self.pts, |p| p.at < x);
        if i == self.pts.len() || self.pts[i].at != x {
            self.insert(i, x);
        }
        i
    }

    /// The last change point's time.
    pub fn last(&self) -> Option<T> {
        self.pts.last().map(|p| p.at)
    }

    /// The change points: `(time, units held from it)`.
    pub fn points(&self) -> impl Iterator<Item = (T, i64)> + '_ {
        self.pts.iter().map(|p| (p.at, p.level as i64))
    }
}

/// `v.partition_point(pred)` (the length of the prefix where `pred` holds), searched
/// from the back: doubling steps from the end, then a binary search within the last
/// step. The serial scheme takes tasks roughly in time order, so most searches end near
/// a profile's tail, in the cache lines the previous task touched — O(log d) for a point
/// d from the end, instead of a binary search's cache misses across the whole profile.
fn from_back<T>(v: &[T], pred: impl Fn(&T) -> bool) -> usize {
    let mut hi = v.len();
    let mut step = 1;
    while hi > 0 {
        let lo = hi.saturating_sub(step);
        if pred(&v[lo]) {
            return lo + 1 + v[lo + 1..hi].partition_point(&pred);
        }
        hi = lo;
        step *= 2;
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn searching_from_the_back_agrees_with_a_binary_search() {
        for n in 0..70usize {
            let v: Vec<usize> = (0..n).map(|i| i / 3).collect();
            for x in 0..=(n / 3 + 1) {
                assert_eq!(
                    from_back(&v, |y| *y < x),
                    v.partition_point(|y| *y < x),
                    "n {n}, x {x}"
                );
                assert_eq!(
                    from_back(&v, |y| *y <= x),
                    v.partition_point(|y| *y <= x),
                    "n {n}, x {x}"
                );
            }
        }
    }

    #[test]
    fn a_profile_holds_what_its_spans_add_up_to() {
        // Spans on a grid of quarter days, many sharing end points, in a scrambled
        // order: the profile's level at every grid time is the sum of the spans over it.
        let mut p: Profile<f64> = Profile::default();
        let mut spans = Vec::new();
        let mut x = 7u64;
        for k in 0..300u32 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let a = (x >> 33) % 80;
            let len = 1 + (x >> 20) % 12;
            let units = 1 + (x >> 45) as i64 % 3;
            let (s, f) = (a as f64 / 4.0, (a + len) as f64 / 4.0);
            p.add(s, f, units, k);
            spans.push((s, f, units, k));
            let pts: Vec<(f64, i64)> = p.points().collect();
            assert!(pts.windows(2).all(|w| w[0].0 < w[1].0), "times ascend");
            for g in 0..100 {
                let t = g as f64 / 4.0;
                let want: i64 = spans
                    .iter()
                    .filter(|(s, f, _, _)| *s <= t && t < *f)
                    .map(|sp| sp.2)
                    .sum();
                let i = pts.partition_point(|q| q.0 <= t);
                let got = if i > 0 { pts[i - 1].1 } else { 0 };
                assert_eq!(got, want, "after span {k}, at {t}");
            }
        }
        // The task ending at each point is the last span added that ends there.
        for (i, (t, _)) in p.points().enumerate() {
            let last = spans
                .iter()
                .rev()
                .find(|sp| sp.1 == t)
                .map_or(NO_TASK, |sp| sp.3);
            assert_eq!(p.pts[i].end, last, "at {t}");
        }
    }

    #[test]
    fn walking_on_from_a_hint_finds_what_a_fresh_search_finds() {
        // A crowded profile; a task moved forward conflict by conflict, as the levelling
        // loop moves it, finds the same conflicts with and without the hint.
        let mut p: Profile<f64> = Profile::default();
        let mut x = 11u64;
        for k in 0..400u32 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let a = (x >> 33) % 400;
            let len = 1 + (x >> 20) % 9;
            p.add(
                a as f64 / 2.0,
                (a + len) as f64 / 2.0,
                1 + (x >> 45) as i64 % 2,
                k,
            );
        }
        for start in 0..200 {
            for (d, units) in [(0.5, 1), (3.0, 2), (6.5, 1), (12.0, 3)] {
                let (mut s, mut hint, mut moves) = (start as f64 / 2.0, 0, 0);
                loop {
                    let fresh = p.conflict_by(s, s + d, units, 4);
                    let walked = p.fit_from(s, s + d, units, 4, &mut hint).err();
                    assert_eq!(fresh, walked, "start {start}, duration {d}, move {moves}");
                    match fresh {
                        Some((x, _)) if x > s => s = x,
                        _ => break,
                    }
                    moves += 1;
                }
            }
        }
    }

    #[test]
    fn adding_where_the_fit_was_found_equals_adding_afresh() {
        // Two profiles filled with the same spans, one by `add`, one by `add_at` with
        // the span of a `fit_from` (taken before a stale change half the time, so that
        // the check falls back to a search): same points, same ends.
        let (mut a, mut b): (Profile<f64>, Profile<f64>) = Default::default();
        let mut x = 5u64;
        for k in 0..500u32 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let s = ((x >> 33) % 300) as f64 / 2.0;
            let f = s + (1 + (x >> 20) % 9) as f64 / 2.0;
            let units = 1 + (x >> 45) as i64 % 3;
            let span = match b.fit_from(s, f, units, 1_000_000, &mut 0) {
                Ok(span) => span,
                Err(_) => unreachable!("capacity is never reached"),
            };
            if k % 2 == 1 {
                // Another span lands first: the span found is stale.
                let (s2, f2) = (
                    ((x >> 7) % 300) as f64 / 2.0,
                    ((x >> 7) % 300) as f64 / 2.0 + 1.5,
                );
                a.add(s2, f2, 1, 10_000 + k);
                b.add(s2, f2, 1, 10_000 + k);
            }
            a.add(s, f, units, k);
            b.add_at(s, f, units, k, span);
            let (pa, pb): (Vec<_>, Vec<_>) = (a.points().collect(), b.points().collect());
            assert_eq!(pa, pb, "after span {k}");
            let ends = |p: &Profile<f64>| p.pts.iter().map(|q| q.end).collect::<Vec<_>>();
            assert_eq!(ends(&a), ends(&b), "after span {k}");
        }
    }

    /// The conflict of a span by the definition, over the points in a flat list.
    fn conflict_by_definition(
        pts: &[(f64, i64, u32)],
        s: f64,
        f: f64,
        units: i64,
        capacity: i64,
    ) -> Option<(f64, u32)> {
        let room = capacity - units;
        let i = pts.partition_point(|p| p.0 <= s);
        let first = if i > 0 && pts[i - 1].1 > room {
            i - 1
        } else {
            (i..pts.len())
                .take_while(|&k| pts[k].0 < f)
                .find(|&k| pts[k].1 > room)?
        };
        let j = (first + 1..pts.len())
            .find(|&k| pts[k].1 <= room)
            .unwrap_or(pts.len() - 1);
        Some((pts[j].0, pts[j].2))
    }

    #[test]
    fn searches_far_back_agree_with_the_definition() {
        // Thousands of spans, landing mostly near the tail and one in eight far back (as
        // tasks with float do, which the serial scheme takes late), at a capacity that
        // leaves long full stretches: every conflict, walked on from its hint or searched
        // afresh, is the one the definition gives over the flat list of points, and
        // holding a span where it fits leaves the points a plain add leaves.
        let (mut p, mut q): (Profile<f64>, Profile<f64>) = Default::default();
        let mut x = 3u64;
        let mut rnd = || {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            x >> 16
        };
        let capacity = 4;
        for k in 0..3000u32 {
            let tail = (k / 2) as u64;
            let back = if rnd() % 8 == 0 {
                rnd() % (tail + 1)
            } else {
                rnd() % 20
            };
            let mut s = tail.saturating_sub(back) as f64 / 2.0;
            let d = (1 + rnd() % 12) as f64 / 2.0;
            let units = 1 + (rnd() % 2) as i64;
            let mut hint = 0;
            let flat: Vec<(f64, i64, u32)> = p
                .pts
                .iter()
                .map(|q| (q.at, q.level as i64, q.end))
                .collect();
            let span = loop {
                let want = conflict_by_definition(&flat, s, s + d, units, capacity);
                assert_eq!(p.conflict_by(s, s + d, units, capacity), want, "span {k}");
                match p.fit_from(s, s + d, units, capacity, &mut hint) {
                    Ok(span) => {
                        assert_eq!(want, None, "span {k}");
                        break span;
                    }
                    Err(c) => {
                        assert_eq!(Some(c), want, "span {k} walked on");
                        assert!(c.0 > s, "span {k}: the capacity is never overbooked");
                        s = c.0;
                    }
                }
            };
            p.add_at(s, s + d, units, k, span);
            q.add(s, s + d, units, k);
        }
        let all = |p: &Profile<f64>| {
            p.pts
                .iter()
                .map(|q| (q.at, q.level, q.end))
                .collect::<Vec<_>>()
        };
        assert_eq!(all(&p), all(&q));
        assert!(p.pts.len() > 2000, "{} points", p.pts.len());
        p.clear();
        assert_eq!((p.points().count(), p.last()), (0, None));
    }

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
