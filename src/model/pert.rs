//! Beta-PERT (λ = 4) quantiles by table, for sampling by inverse CDF.
//!
//! With λ = 4 the Beta shape parameters are α = 1 + 4m and β = 5 − 4m, where
//! m = (likely − min)/(max − min) ∈ [0, 1]: a one-parameter family. One table of
//! quantiles over (m, w) serves every task:
//!
//! * the lower half u ≤ ½ is indexed by w = u^(1/8) (three square roots). Near u = 0 the
//!   quantile behaves like u^(1/α) with 1 ≤ α ≤ 5, so as a function of w it is ≈ w^(8/α),
//!   smooth with exponent ≥ 1.6, which linear interpolation handles well;
//! * the upper half uses the symmetry Q(u; m) = 1 − Q(1 − u; 1 − m).
//!
//! Rows are exact quantiles (Newton's method on statrs' regularized incomplete beta);
//! sampling interpolates bilinearly in (m, w). The maximum error, checked by a test
//! against statrs' own Beta quantile over a dense grid, is below 1e-4 of the range.

use std::sync::OnceLock;

use statrs::function::beta::{beta_reg, ln_beta};

use crate::sim::LANES;

/// Intervals in m.
pub const M_STEPS: usize = 64;
/// Intervals in w.
pub const W_STEPS: usize = 256;
/// w at u = ½.
pub const W_MAX: f32 = 0.917_004_04; // 0.5^(1/8)

/// The shared quantile table: `M_STEPS + 1` rows of `W_STEPS + 2` values (one pad).
pub struct PertTable {
    q: Vec<f32>,
}

const ROW: usize = W_STEPS + 2;

/// The table, built on first use (a few tens of milliseconds).
pub fn table() -> &'static PertTable {
    static T: OnceLock<PertTable> = OnceLock::new();
    T.get_or_init(PertTable::build)
}

impl PertTable {
    fn build() -> PertTable {
        let mut q = vec![0f32; (M_STEPS + 1) * ROW];
        for j in 0..=M_STEPS {
            let m = j as f64 / M_STEPS as f64;
            let (a, b) = (1.0 + 4.0 * m, 5.0 - 4.0 * m);
            let mut x = 0.0;
            for k in 0..=W_STEPS {
                let w = (k as f64 / W_STEPS as f64) * W_MAX as f64;
                let u = w.powi(8);
                x = beta_quantile(a, b, u, x);
                q[j * ROW + k] = x as f32;
            }
            q[j * ROW + W_STEPS + 1] = q[j * ROW + W_STEPS];
        }
        PertTable { q }
    }

    /// Fills `out[l] = min + range·Q(u[l])` for a block of lanes, for a task whose m lies
    /// at row `j` with weight `fm` towards row `j + 1` (see [`pert_row`]). Split into
    /// passes so that everything except the four table loads per lane vectorises.
    #[inline(always)]
    pub fn fill(
        &self,
        j: usize,
        fm: f32,
        min: f32,
        range: f32,
        u: &[f32; LANES],
        out: &mut [f32; LANES],
    ) {
        let mut idx = [0u32; LANES];
        let mut fr = [0f32; LANES];
        let mut wt = [0f32; LANES];
        let mut low = [0f32; LANES];
        let scale = W_STEPS as f32 / W_MAX;
        let (row_lo, row_hi) = ((j * ROW) as u32, ((M_STEPS - 1 - j) * ROW) as u32);
        for l in 0..LANES {
            let lw = (u[l] <= 0.5) as u32 as f32;
            let v = lw * u[l] + (1.0 - lw) * (1.0 - u[l]);
            let pos = (eighth_root(v) * scale).clamp(0.0, W_STEPS as f32 - 1e-3);
            let i = pos as i32 as u32;
            fr[l] = pos - i as f32;
            wt[l] = lw * fm + (1.0 - lw) * (1.0 - fm);
            low[l] = lw;
            idx[l] = if lw > 0.5 { row_lo } else { row_hi } + i;
        }
        let q = self.q.as_slice();
        let last = (q.len() - ROW - 2) as u32;
        for l in 0..LANES {
            let k = idx[l].min(last) as usize;
            // SAFETY: k ≤ q.len() − ROW − 2, so k, k + 1, k + ROW and k + ROW + 1 are all
            // in bounds. Unchecked loads let the compiler use gather instructions.
            let (q0, q1, q2, q3) = unsafe {
                (
                    *q.get_unchecked(k),
                    *q.get_unchecked(k + 1),
                    *q.get_unchecked(k + ROW),
                    *q.get_unchecked(k + ROW + 1),
                )
            };
            let a = q0 + fr[l] * (q1 - q0);
            let b = q2 + fr[l] * (q3 - q2);
            out[l] = a + wt[l] * (b - a);
        }
        for l in 0..LANES {
            let x = low[l] * out[l] + (1.0 - low[l]) * (1.0 - out[l]);
            out[l] = min + range * x;
        }
    }
}

/// Row index and weight for shape m ∈ [0, 1]: `m·M_STEPS = j + fm` with `j < M_STEPS`.
pub fn pert_row(m: f64) -> (usize, f32) {
    let p = (m.clamp(0.0, 1.0) * M_STEPS as f64).min(M_STEPS as f64);
    let j = (p.floor() as usize).min(M_STEPS - 1);
    (j, (p - j as f64) as f32)
}

/// u^(1/8) by three square roots (each correctly rounded; vectorises to packed sqrt).
#[inline(always)]
fn eighth_root(u: f32) -> f32 {
    u.sqrt().sqrt().sqrt()
}

/// Exact Beta(a, b) quantile at u by safeguarded Newton iteration, starting from `x0`.
pub fn beta_quantile(a: f64, b: f64, u: f64, x0: f64) -> f64 {
    if u <= 0.0 {
        return 0.0;
    }
    if u >= 1.0 {
        return 1.0;
    }
    let lnb = ln_beta(a, b);
    let (mut lo, mut hi) = (0.0f64, 1.0f64);
    let mut x = if x0 > 0.0 && x0 < 1.0 { x0 } else { 0.5 };
    for _ in 0..200 {
        let f = beta_reg(a, b, x) - u;
        if f.abs() < 1e-15 {
            break;
        }
        if f < 0.0 {
            lo = x;
        } else {
            hi = x;
        }
        let dens = ((a - 1.0) * x.ln() + (b - 1.0) * (1.0 - x).ln() - lnb).exp();
        let mut next = x - f / dens;
        if !(next > lo && next < hi && next.is_finite()) {
            next = 0.5 * (lo + hi);
        }
        if (next - x).abs() < 1e-16 || hi - lo < 1e-16 {
            x = next;
            break;
        }
        x = next;
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;
    use statrs::distribution::{Beta, ContinuousCDF};

    #[test]
    fn table_matches_statrs_beta_quantile_within_1e4() {
        // Through the block sampler the kernel uses, on the unit range.
        let t = table();
        let q = |j: usize, fm: f32, u: f32| {
            let mut us = [u; LANES];
            us[1] = 0.5;
            let mut out = [0f32; LANES];
            t.fill(j, fm, 0.0, 1.0, &us, &mut out);
            out[0] as f64
        };
        let mut worst = 0f64;
        for mi in 0..=40 {
            let m = mi as f64 / 40.0 * 0.999 + 0.0003 * (mi % 3) as f64;
            let (a, b) = (1.0 + 4.0 * m, 5.0 - 4.0 * m);
            let beta = Beta::new(a, b).unwrap();
            let (j, fm) = pert_row(m);
            let mut us: Vec<f64> = (1..2000).map(|i| i as f64 / 2000.0).collect();
            us.extend([1e-6, 1e-4, 1e-3, 0.999, 0.9999, 0.999999]);
            for u in us {
                // Compare at the f32 value the sampler actually sees.
                let exact = beta.inverse_cdf(u as f32 as f64);
                worst = worst.max((q(j, fm, u as f32) - exact).abs());
            }
        }
        assert!(
            worst < 1e-4,
            "worst absolute error {worst} of the unit range"
        );
    }
}
