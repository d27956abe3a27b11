//! Number conventions and closed forms that every layer shares: the output rounding of
//! working days, the standard normal quantile and the Beta quantile. Pure functions;
//! imports nothing of slipcast.

use statrs::function::beta::{beta_reg, ln_beta};

/// Rounds a working-day value for output (4 decimals: under 3 seconds of a working day).
pub fn round4(x: f64) -> f64 {
    let r = (x * 1e4).round() / 1e4;
    if r == 0.0 { 0.0 } else { r }
}

/// `n` and the noun that agrees with it: `1 task`, `3 tasks`.
pub(crate) fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Acklam's central-region coefficients (numerator).
pub(crate) const ACKLAM_A: [f64; 6] = [
    -3.969683028665376e+01,
    2.209460984245205e+02,
    -2.759285104469687e+02,
    1.383_577_518_672_69e2,
    -3.066479806614716e+01,
    2.506628277459239e+00,
];
/// Acklam's central-region coefficients (denominator).
pub(crate) const ACKLAM_B: [f64; 5] = [
    -5.447609879822406e+01,
    1.615858368580409e+02,
    -1.556989798598866e+02,
    6.680131188771972e+01,
    -1.328068155288572e+01,
];

/// Φ⁻¹(p) for p ∈ (0, 1), Acklam's algorithm (relative error below 1.15e-9).
pub fn inverse_normal(p: f64) -> f64 {
    const C: [f64; 6] = [
        -7.784894002430293e-03,
        -3.223964580411365e-01,
        -2.400758277161838e+00,
        -2.549732539343734e+00,
        4.374664141464968e+00,
        2.938163982698783e+00,
    ];
    const D: [f64; 4] = [
        7.784695709041462e-03,
        3.224671290700398e-01,
        2.445134137142996e+00,
        3.754408661907416e+00,
    ];
    const P_LOW: f64 = 0.02425;
    if p < P_LOW {
        let q = (-2.0 * p.ln()).sqrt();
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    } else if p <= 1.0 - P_LOW {
        let q = p - 0.5;
        let r = q * q;
        (((((ACKLAM_A[0] * r + ACKLAM_A[1]) * r + ACKLAM_A[2]) * r + ACKLAM_A[3]) * r
            + ACKLAM_A[4])
            * r
            + ACKLAM_A[5])
            * q
            / (((((ACKLAM_B[0] * r + ACKLAM_B[1]) * r + ACKLAM_B[2]) * r + ACKLAM_B[3]) * r
                + ACKLAM_B[4])
                * r
                + 1.0)
    } else {
        let q = (-2.0 * (1.0 - p).ln()).sqrt();
        -(((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    }
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

/// The 1-based rank of Pp among `n` samples (SPEC §2): the smallest k with k ≥ p·n/100.
pub(crate) fn percentile_rank(n: usize, p: f64) -> usize {
    let x = p * n as f64 / 100.0;
    (x - 1e-9 * x.max(1.0)).ceil().clamp(1.0, n as f64) as usize
}
