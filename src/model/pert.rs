//! Beta-PERT (λ = 4) quantiles by table, for sampling by inverse CDF.
//!
//! With λ = 4 the Beta shape parameters are α = 1 + 4m and β = 5 − 4m, where
//! m = (likely − min)/(max − min) ∈ [0, 1]: a one-parameter family. One table of
//! quantiles over (m, w) serves every task:
//!
//! * the lower half u ≤ ½ is indexed by w = u^(1/5). Near u = 0 the quantile behaves like
//!   u^(1/α) with α ≤ 5, so as a function of w it is ≈ w^(5/α), smooth with exponent ≥ 1,
//!   which linear interpolation handles well;
//! * the upper half uses the symmetry Q(u; m) = 1 − Q(1 − u; 1 − m).
//!
//! Rows are exact quantiles (Newton's method on statrs' regularized incomplete beta);
//! sampling interpolates bilinearly in (m, w). The maximum error, checked by a test
//! against statrs' own Beta quantile over a dense grid, is below 1e-4 of the range.

use std::sync::OnceLock;

use statrs::function::beta::{beta_reg, ln_beta};

/// Intervals in m.
pub const M_STEPS: usize = 64;
/// Intervals in w.
pub const W_STEPS: usize = 128;
/// w at u = ½.
pub const W_MAX: f32 = 0.870_550_6; // 0.5^(1/5)

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
                let u = w.powi(5);
                x = beta_quantile(a, b, u, x);
                q[j * ROW + k] = x as f32;
            }
            q[j * ROW + W_STEPS + 1] = q[j * ROW + W_STEPS];
        }
        PertTable { q }
    }

    /// Quantile of Beta(1 + 4m, 5 − 4m) at u, for a task whose m lies at row `j` with
    /// weight `fm` towards row `j + 1` (see [`pert_row`]).
    #[inline(always)]
    pub fn quantile(&self, j: usize, fm: f32, u: f32) -> f32 {
        let lower = u <= 0.5;
        let v = if lower { u } else { 1.0 - u };
        let (row, f) = if lower {
            (j, fm)
        } else {
            (M_STEPS - 1 - j, 1.0 - fm)
        };
        let pos = fifth_root(v) * (W_STEPS as f32 / W_MAX);
        let pos = pos.clamp(0.0, W_STEPS as f32);
        let i = (pos as usize).min(W_STEPS - 1);
        let fr = pos - i as f32;
        let r0 = &self.q[row * ROW + i..row * ROW + i + 2];
        let r1 = &self.q[(row + 1) * ROW + i..(row + 1) * ROW + i + 2];
        let a = r0[0] + fr * (r0[1] - r0[0]);
        let b = r1[0] + fr * (r1[1] - r1[0]);
        let x = a + f * (b - a);
        if lower { x } else { 1.0 - x }
    }
}

/// Row index and weight for shape m ∈ [0, 1]: `m·M_STEPS = j + fm` with `j < M_STEPS`.
pub fn pert_row(m: f64) -> (usize, f32) {
    let p = (m.clamp(0.0, 1.0) * M_STEPS as f64).min(M_STEPS as f64);
    let j = (p.floor() as usize).min(M_STEPS - 1);
    (j, (p - j as f64) as f32)
}

/// u^(1/5) for u ∈ (0, 1], to about 1e-7 relative: a bit-level first guess and four
/// Newton steps (no libm call, so the loop vectorises).
#[inline(always)]
pub fn fifth_root(u: f32) -> f32 {
    let u = u.max(1e-30);
    let one = 1.0f32.to_bits() as f32;
    let mut y = f32::from_bits((u.to_bits() as f32 * 0.2 + one * 0.8) as u32);
    for _ in 0..4 {
        let y2 = y * y;
        y = 0.8 * y + 0.2 * u / (y2 * y2);
    }
    y
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
    fn fifth_root_is_accurate() {
        let mut worst = 0f64;
        let mut u = 1e-12f32;
        while u < 1.0 {
            let r = fifth_root(u) as f64;
            let exact = (u as f64).powf(0.2);
            worst = worst.max((r - exact).abs() / exact);
            u *= 1.01;
        }
        assert!(worst < 5e-7, "worst relative error {worst}");
    }

    #[test]
    fn table_matches_statrs_beta_quantile_within_1e4() {
        let t = table();
        let mut worst = 0f64;
        for mi in 0..=40 {
            let m = mi as f64 / 40.0 * 0.999 + 0.0003 * (mi % 3) as f64;
            let (a, b) = (1.0 + 4.0 * m, 5.0 - 4.0 * m);
            let beta = Beta::new(a, b).unwrap();
            let (j, fm) = pert_row(m);
            for ui in 1..2000 {
                let u = ui as f64 / 2000.0;
                let exact = beta.inverse_cdf(u);
                let got = t.quantile(j, fm, u as f32) as f64;
                worst = worst.max((got - exact).abs());
            }
            for &u in &[1e-6, 1e-4, 1e-3, 0.999, 0.9999, 0.999999] {
                // Compare at the f32 value the sampler actually sees.
                let exact = beta.inverse_cdf(u as f32 as f64);
                let got = t.quantile(j, fm, u as f32) as f64;
                worst = worst.max((got - exact).abs());
            }
        }
        assert!(
            worst < 1e-4,
            "worst absolute error {worst} of the unit range"
        );
    }
}
