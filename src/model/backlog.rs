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
}
