//! Bootstrap of weekly throughput: weeks to finish a backlog, items done in some weeks.
//!
//! Each simulated week draws one week of the history's recent throughput at random
//! (with replacement); "when" sums draws until the backlog is done (the last week counted
//! in proportion to the items it needed), "how many" sums a fixed number of weeks.
//! Random numbers are keyed by (key, iteration, week), so results are reproducible and
//! independent of threads. A backlog task of a plan takes its duration from here, and so
//! does `slipcast throughput`.

use crate::lanes::rng::mix64;
use crate::plan::throughput::MAX_WEEKS;

/// Default number of most recent weeks sampled.
pub const DEFAULT_WINDOW: usize = 26;

/// A uniform in [0, 1) for (key, iteration, week).
#[inline]
fn draw(key: u64, i: u64, w: u64) -> f64 {
    let x = mix64(
        key ^ mix64(
            i.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ mix64(w.wrapping_add(0x632B_E59B_D9B4_E019)),
        ),
    );
    (x >> 11) as f64 / (1u64 << 53) as f64
}

/// Weeks to finish `items` in each of `n` bootstrap trials (`None` if beyond MAX_WEEKS).
pub fn weeks_to_finish(pool: &[f64], items: f64, n: u64, key: u64) -> Vec<Option<f64>> {
    (0..n)
        .map(|i| {
            let mut done = 0.0;
            for w in 0..MAX_WEEKS {
                let x = pool[(draw(key, i, w as u64) * pool.len() as f64) as usize % pool.len()];
                if done + x >= items {
                    let part = if x > 0.0 { (items - done) / x } else { 0.0 };
                    return Some(w as f64 + part);
                }
                done += x;
            }
            None
        })
        .collect()
}

/// Items done in `weeks` whole weeks in each of `n` bootstrap trials.
pub fn items_in(pool: &[f64], weeks: usize, n: u64, key: u64) -> Vec<f64> {
    (0..n)
        .map(|i| {
            (0..weeks)
                .map(|w| pool[(draw(key, i, w as u64) * pool.len() as f64) as usize % pool.len()])
                .sum()
        })
        .collect()
}

/// Items done less `share` × items arrived in `weeks` whole weeks, in each of `n` trials:
/// each week's throughput and arrivals come from the same week of the history.
pub fn net_in(
    pool: &[f64],
    arrivals: &[f64],
    share: f64,
    weeks: usize,
    n: u64,
    key: u64,
) -> Vec<f64> {
    (0..n)
        .map(|i| {
            (0..weeks)
                .map(|w| {
                    let j = (draw(key, i, w as u64) * pool.len() as f64) as usize % pool.len();
                    pool[j] - share * arrivals[j]
                })
                .sum()
        })
        .collect()
}

/// Scope growth during a "when" forecast.
#[derive(Debug, Clone, Copy, Default)]
pub struct Growth<'a> {
    /// Items created per week, on the same weeks as the throughput pool: the week drawn
    /// for throughput gives its arrivals too, so busy weeks stay busy.
    pub arrivals: Option<&'a [f64]>,
    /// The share of new items that land in this backlog.
    pub share: f64,
    /// Bounds of a uniform factor on the remaining items, drawn once per trial (stories
    /// split as they are refined); `(1, 1)` for none.
    pub split: (f64, f64),
}

/// Key offset of the split factor's draws (a "week" no trial reaches).
const SPLIT_WEEK: u64 = u64::MAX - 1;

/// The split factor of trial `i` (and feature `f`).
fn split_factor(split: (f64, f64), key: u64, i: u64, f: u64) -> f64 {
    if split.0 == split.1 {
        split.0
    } else {
        split.0 + (split.1 - split.0) * draw(key ^ mix64(f.wrapping_add(1)), i, SPLIT_WEEK)
    }
}

/// Weeks to finish a backlog of `items` that grows while the team works, in each of `n`
/// trials (`None` when not finished within `horizon` weeks). Each week draws one week `j`
/// of the history: `pool[j]` items are done and `share × arrivals[j]` arrive, both spread
/// evenly over the week, so the backlog shrinks by their difference and the week the
/// backlog empties is counted in proportion. With a constant throughput `t` and arrival
/// `a < t`, `N` items take exactly `N / (t − a)` weeks; with `a ≥ t` they never finish.
pub fn weeks_to_finish_growing(
    pool: &[f64],
    growth: Growth<'_>,
    items: f64,
    horizon: usize,
    n: u64,
    key: u64,
) -> Vec<Option<f64>> {
    let arrivals = growth.arrivals.unwrap_or(&[]);
    let grows = !arrivals.is_empty() && growth.share > 0.0;
    (0..n)
        .map(|i| {
            let mut left = items * split_factor(growth.split, key, i, 0);
            if left <= 0.0 {
                return Some(0.0);
            }
            for w in 0..horizon {
                let j = (draw(key, i, w as u64) * pool.len() as f64) as usize % pool.len();
                let net = pool[j]
                    - if grows {
                        growth.share * arrivals[j]
                    } else {
                        0.0
                    };
                if net > 0.0 && net >= left {
                    return Some(w as f64 + left / net);
                }
                left -= net;
            }
            None
        })
        .collect()
}

/// Features sharing one team, in priority order, for [`features_finish`].
#[derive(Debug, Clone, Copy)]
pub struct Features<'a> {
    /// Items of each feature, highest priority first.
    pub items: &'a [f64],
    /// How many features the team works on at once.
    pub wip: usize,
    /// Bounds of a uniform split factor drawn per trial and feature; `(1, 1)` for none.
    pub split: (f64, f64),
}

/// Weeks until each feature is finished, trial by trial: `out[f * n + i]` for feature `f`
/// in trial `i`, `f64::INFINITY` when not finished within `horizon` weeks.
///
/// Each week draws one week of throughput and gives it to the first `wip` unfinished
/// features in order, in equal parts with the remainder one item at a time to the higher
/// priority (5 items over two features: 3 and 2). Work is spread evenly over the week:
/// when a feature finishes part-way, the rest of the week's throughput is shared again
/// among the features then open, so nothing is lost. With `wip = 1` the features finish
/// in sequence: the second finishes when the first's and its own items are done.
pub fn features_finish(
    pool: &[f64],
    f: Features<'_>,
    horizon: usize,
    n: u64,
    key: u64,
    scratch: &mut Vec<f64>,
) -> Vec<f64> {
    let k = f.items.len();
    let nn = n as usize;
    let mut out = vec![f64::INFINITY; k * nn];
    let wip = f.wip.max(1);
    let mut active: Vec<usize> = Vec::with_capacity(wip);
    let mut share: Vec<f64> = Vec::with_capacity(wip);
    for i in 0..nn {
        scratch.clear();
        scratch.extend(
            f.items
                .iter()
                .enumerate()
                .map(|(x, &v)| v * split_factor(f.split, key, i as u64, x as u64)),
        );
        let left = &mut scratch[..];
        let mut open = 0usize;
        for (x, v) in left.iter().enumerate() {
            if *v <= 0.0 {
                out[x * nn + i] = 0.0;
            } else {
                open += 1;
            }
        }
        // The first unfinished feature: features before it are all done.
        let mut head = 0usize;
        let mut w = 0usize;
        while open > 0 && w < horizon {
            let x = pool[(draw(key, i as u64, w as u64) * pool.len() as f64) as usize % pool.len()];
            let (mut cap, mut t) = (x, 0.0f64);
            while cap > 0.0 && open > 0 {
                while head < k && left[head] <= 0.0 {
                    head += 1;
                }
                active.clear();
                active.extend((head..k).filter(|&y| left[y] > 0.0).take(wip));
                let m = active.len() as f64;
                let base = (cap / m).floor();
                let rest = cap - base * m;
                share.clear();
                share.extend((0..active.len()).map(|j| base + (rest - j as f64).clamp(0.0, 1.0)));
                // The fraction of the rest of the week after which the first of them is done.
                let mut first = f64::INFINITY;
                for (j, &y) in active.iter().enumerate() {
                    if share[j] > 0.0 {
                        first = first.min(left[y] / share[j]);
                    }
                }
                // (A hair of rounding either side of a week's end is that end.)
                if first > 1.0 + 1e-12 {
                    for (j, &y) in active.iter().enumerate() {
                        left[y] -= share[j];
                    }
                    break;
                }
                let at = w as f64 + t + first * (1.0 - t);
                for (j, &y) in active.iter().enumerate() {
                    if share[j] > 0.0 && left[y] / share[j] <= first + 1e-12 {
                        left[y] = 0.0;
                        out[y * nn + i] = at;
                        open -= 1;
                    } else {
                        left[y] -= share[j] * first;
                    }
                }
                t += first * (1.0 - t);
                cap *= 1.0 - first;
            }
            w += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_are_uniform() {
        let mut bins = [0u32; 10];
        for i in 0..20_000 {
            bins[(draw(7, i, 3) * 10.0) as usize] += 1;
        }
        // Chi-square, 9 degrees of freedom: 99.99th percentile ≈ 33.7.
        let chi: f64 = bins
            .iter()
            .map(|&o| (o as f64 - 2000.0).powi(2) / 2000.0)
            .sum();
        assert!(chi < 33.7, "{chi}");
    }

    #[test]
    fn constant_growth_takes_n_over_t_minus_a_weeks() {
        let (pool, arr) = (vec![5.0; 8], vec![2.0; 8]);
        let g = Growth {
            arrivals: Some(&arr),
            share: 1.0,
            split: (1.0, 1.0),
        };
        for items in [1.0, 10.0, 30.0, 301.0] {
            for w in weeks_to_finish_growing(&pool, g, items, 10_000, 50, 9) {
                let w = w.expect("finishes");
                assert!((w - items / 3.0).abs() < 1e-9, "{items}: {w}");
            }
        }
        // Half the arrivals land here: N / (5 − 1).
        let half = Growth { share: 0.5, ..g };
        let w = weeks_to_finish_growing(&pool, half, 30.0, 10_000, 5, 9);
        assert!(w.iter().all(|w| (w.unwrap() - 7.5).abs() < 1e-9));
        // Arrivals as fast as the team: never.
        let fast = vec![5.0; 8];
        let g = Growth {
            arrivals: Some(&fast),
            ..g
        };
        assert!(
            weeks_to_finish_growing(&pool, g, 10.0, 520, 20, 9)
                .iter()
                .all(Option::is_none)
        );
    }

    #[test]
    fn without_growth_the_growing_bootstrap_is_the_plain_one() {
        let pool = [3.0, 0.0, 7.0, 4.0, 1.0, 9.0];
        let a = weeks_to_finish(&pool, 40.0, 2000, 77);
        let b = weeks_to_finish_growing(
            &pool,
            Growth {
                split: (1.0, 1.0),
                ..Growth::default()
            },
            40.0,
            MAX_WEEKS,
            2000,
            77,
        );
        for (x, y) in a.iter().zip(&b) {
            assert!((x.unwrap() - y.unwrap()).abs() < 1e-9);
        }
    }

    #[test]
    fn a_split_factor_scales_the_backlog_uniformly() {
        let pool = vec![4.0; 4];
        let g = Growth {
            arrivals: None,
            share: 0.0,
            split: (1.0, 1.5),
        };
        let w: Vec<f64> = weeks_to_finish_growing(&pool, g, 40.0, 100, 20_000, 3)
            .into_iter()
            .map(Option::unwrap)
            .collect();
        // 40 × U(1, 1.5) / 4: uniform on [10, 15], mean 12.5, sd 5 / √12.
        assert!(w.iter().all(|&x| (10.0..=15.0).contains(&x)));
        let mean = w.iter().sum::<f64>() / w.len() as f64;
        let se = 5.0 / 12f64.sqrt() / (w.len() as f64).sqrt();
        assert!((mean - 12.5).abs() < 5.0 * se, "{mean}");
    }

    #[test]
    fn features_with_wip_1_finish_in_sequence() {
        let pool = [3.0, 0.0, 7.0, 4.0, 1.0, 9.0, 2.0];
        let f = Features {
            items: &[25.0, 40.0],
            wip: 1,
            split: (1.0, 1.0),
        };
        let n = 3000;
        let out = features_finish(&pool, f, MAX_WEEKS, n, 5, &mut Vec::new());
        let first = weeks_to_finish(&pool, 25.0, n, 5);
        let both = weeks_to_finish(&pool, 65.0, n, 5);
        for i in 0..n as usize {
            assert!((out[i] - first[i].unwrap()).abs() < 1e-9, "{i}");
            assert!((out[n as usize + i] - both[i].unwrap()).abs() < 1e-9, "{i}");
        }
    }

    #[test]
    fn features_with_wip_2_share_each_week() {
        // 5 a week over two features: 3 to the first, 2 to the second. A (10 items) has
        // 9 after 3 weeks and its last item takes a third of week 4, when B has had 6 2/3.
        let pool = [5.0];
        let f = Features {
            items: &[10.0, 10.0, 5.0],
            wip: 2,
            split: (1.0, 1.0),
        };
        let out = features_finish(&pool, f, 100, 1, 1, &mut Vec::new());
        assert!((out[0] - 10.0 / 3.0).abs() < 1e-9, "{out:?}");
        // Then B (10/3 left) and C share the 10/3 left of week 4: 2 and 4/3 (equal parts
        // of 1, the remainder 1 to B and 1/3 to C). Week 5 gives B 3 of 5: its 4/3 take
        // 4/9 of the week. C, with 11/3 left, finishes as the 25th item is done, at 5.
        assert!((out[1] - 40.0 / 9.0).abs() < 1e-9, "{out:?}");
        assert!((out[2] - 5.0).abs() < 1e-9, "{out:?}");
        // Nothing lost: the last of any set of features finishes when the total is done.
        let f = Features {
            items: &[7.0, 3.0, 11.0, 2.0],
            wip: 3,
            split: (1.0, 1.0),
        };
        let out = features_finish(&[3.0, 0.0, 7.0, 4.0], f, MAX_WEEKS, 500, 2, &mut Vec::new());
        let total = weeks_to_finish(&[3.0, 0.0, 7.0, 4.0], 23.0, 500, 2);
        for i in 0..500 {
            let last = (0..4).map(|x| out[x * 500 + i]).fold(0.0, f64::max);
            assert!((last - total[i].unwrap()).abs() < 1e-9, "{i}");
        }
    }
}
