//! Beta-PERT (λ = 4) quantiles by table, for sampling by inverse CDF.
//!
//! With λ = 4 the Beta shape parameters are α = 1 + 4m and β = 5 − 4m, where
//! m = (likely − min)/(max − min) ∈ [0, 1]: a one-parameter family. One table of
//! quantiles over (m, v) serves every task:
//!
//! * the lower half v = u ≤ ½ is indexed by the bits of the `f32` v: its exponent picks
//!   an octave [2ᵉ, 2ᵉ⁺¹) and the top [`OCT_BITS`] bits of its mantissa one of 16 equal
//!   segments of that octave; the remaining mantissa bits are the exact position inside
//!   the segment. Segments are thus at most 6 % of v wide at every scale, which follows the
//!   quantile's u^(1/α) behaviour near 0 (1 ≤ α ≤ 5) with integer operations only — no
//!   root, logarithm or float-to-integer conversion per lane;
//! * the upper half uses the symmetry Q(u; m) = 1 − Q(1 − u; 1 − m) (1 − u is exact for
//!   the kernel's uniforms).
//!
//! Rows are exact quantiles (Newton's method on statrs' regularized incomplete beta) at
//! the segment ends; sampling interpolates linearly in v inside a segment and in m
//! between rows. The maximum error, checked by a test against statrs' own Beta quantile
//! over a dense grid, is below 1e-4 of the range. The kernel's uniforms are at least
//! 2⁻²⁴ from 0 and 1, the table's lowest point.

use std::sync::OnceLock;

use statrs::function::beta::{beta_reg, ln_beta};

use crate::sim::LANES;

/// Intervals in m.
pub const M_STEPS: usize = 64;
/// Mantissa bits that choose the segment inside an octave of v.
pub const OCT_BITS: u32 = 4;
/// Octaves of v covered: [2⁻²⁴, ½).
const OCTAVES: u32 = 23;
/// Segments of a row; the row has one more point (v = ½).
const SEGMENTS: u32 = OCTAVES << OCT_BITS;
/// Mantissa bits inside a segment.
const SHIFT: u32 = 23 - OCT_BITS;
/// Bits of the lowest tabulated v, 2⁻²⁴.
const V_MIN_BITS: i32 = (127 - 24) << 23;
const ROW: usize = SEGMENTS as usize + 1;

/// The shared quantile table: `M_STEPS` rows of `ROW` pairs (Q at the row's m, and the
/// step to the next row's Q).
pub struct PertTable {
    q: Vec<f32>,
}

/// The table, built on first use (a few tens of milliseconds).
pub fn table() -> &'static PertTable {
    static T: OnceLock<PertTable> = OnceLock::new();
    T.get_or_init(PertTable::build)
}

/// v at table point `k` of a row.
fn point(k: u32) -> f64 {
    f32::from_bits((V_MIN_BITS as u32) + (k << SHIFT)) as f64
}

impl PertTable {
    fn build() -> PertTable {
        let mut exact = vec![0f32; (M_STEPS + 1) * ROW];
        for j in 0..=M_STEPS {
            let m = j as f64 / M_STEPS as f64;
            let (a, b) = (1.0 + 4.0 * m, 5.0 - 4.0 * m);
            let mut x = 0.0;
            for k in 0..ROW {
                x = beta_quantile(a, b, point(k as u32), x);
                exact[j * ROW + k] = x as f32;
            }
        }
        // Pairs (Q, ΔQ towards the next row) so that one lane's four values are adjacent.
        let mut q = vec![0f32; M_STEPS * ROW * 2];
        for j in 0..M_STEPS {
            for k in 0..ROW {
                let (q0, q1) = (exact[j * ROW + k], exact[(j + 1) * ROW + k]);
                q[(j * ROW + k) * 2] = q0;
                q[(j * ROW + k) * 2 + 1] = q1 - q0;
            }
        }
        PertTable { q }
    }

    /// Fills `out[l] = min + range·Q(u[l])` for a block of lanes, for a task whose m lies
    /// at row `j` with weight `fm` towards row `j + 1` (see [`pert_row`]). Split into
    /// passes so that everything vectorises (with AVX2, the loads too: see
    /// `interpolate_avx2`).
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
        let inv = 1.0 / (1u32 << SHIFT) as f32;
        let (row_lo, row_hi) = ((j * ROW) as i32, ((M_STEPS - 1 - j) * ROW) as i32);
        for l in 0..LANES {
            let lw = (u[l] <= 0.5) as u32 as f32;
            let v = lw * u[l] + (1.0 - lw) * (1.0 - u[l]);
            let d = (v.to_bits() as i32 - V_MIN_BITS).max(0);
            let i = (d >> SHIFT).min(SEGMENTS as i32 - 1);
            fr[l] = (d - (i << SHIFT)) as f32 * inv;
            wt[l] = lw * fm + (1.0 - lw) * (1.0 - fm);
            low[l] = lw;
            idx[l] = (if lw > 0.5 { row_lo } else { row_hi } + i) as u32;
        }
        let q = self.q.as_slice();
        let last = (q.len() / 2 - 2) as u32;
        for k in idx.iter_mut() {
            *k = 2 * (*k).min(last);
        }
        #[cfg(target_arch = "x86_64")]
        if crate::sim::use_avx2() {
            // SAFETY: AVX2 is available, and every index is at most q.len() − 4.
            unsafe { interpolate_avx2(q, &idx, &wt, &fr, out) };
        } else {
            interpolate(q, &idx, &wt, &fr, out);
        }
        #[cfg(not(target_arch = "x86_64"))]
        interpolate(q, &idx, &wt, &fr, out);
        for l in 0..LANES {
            let x = low[l] * out[l] + (1.0 - low[l]) * (1.0 - out[l]);
            out[l] = min + range * x;
        }
    }
}

/// `out[l]` from the pairs at `q[idx[l]..idx[l] + 4]`: Q and its step to the next row at
/// the segment's start and end, interpolated by `wt[l]` in m and `fr[l]` in v.
#[inline(always)]
fn interpolate(
    q: &[f32],
    idx: &[u32; LANES],
    wt: &[f32; LANES],
    fr: &[f32; LANES],
    out: &mut [f32; LANES],
) {
    for l in 0..LANES {
        let p = &q[idx[l] as usize..idx[l] as usize + 4];
        let a = p[0] + wt[l] * p[1];
        let b = p[2] + wt[l] * p[3];
        out[l] = a + fr[l] * (b - a);
    }
}

/// [`interpolate`] with one 16-byte load per lane and an in-register transpose, instead
/// of four scalar loads and inserts: the same operations in the same order (no fused
/// multiply-add), so bit-identical results.
///
/// # Safety
/// The CPU has AVX2 and `idx[l] + 4 ≤ q.len()` for every lane.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn interpolate_avx2(
    q: &[f32],
    idx: &[u32; LANES],
    wt: &[f32; LANES],
    fr: &[f32; LANES],
    out: &mut [f32; LANES],
) {
    use std::arch::x86_64::*;
    let base = q.as_ptr();
    for c in (0..LANES).step_by(8) {
        // SAFETY: the caller guarantees every lane's four values are in bounds.
        let row = |l: usize| unsafe { _mm_loadu_ps(base.add(idx[c + l] as usize)) };
        // Lanes (i, i + 4) in the two halves; then a 4×4 transpose inside each half.
        let r0 = _mm256_insertf128_ps::<1>(_mm256_castps128_ps256(row(0)), row(4));
        let r1 = _mm256_insertf128_ps::<1>(_mm256_castps128_ps256(row(1)), row(5));
        let r2 = _mm256_insertf128_ps::<1>(_mm256_castps128_ps256(row(2)), row(6));
        let r3 = _mm256_insertf128_ps::<1>(_mm256_castps128_ps256(row(3)), row(7));
        let (t0, t1) = (_mm256_unpacklo_ps(r0, r1), _mm256_unpackhi_ps(r0, r1));
        let (t2, t3) = (_mm256_unpacklo_ps(r2, r3), _mm256_unpackhi_ps(r2, r3));
        let q0 = _mm256_shuffle_ps::<0x44>(t0, t2);
        let d0 = _mm256_shuffle_ps::<0xEE>(t0, t2);
        let q1 = _mm256_shuffle_ps::<0x44>(t1, t3);
        let d1 = _mm256_shuffle_ps::<0xEE>(t1, t3);
        // SAFETY: c + 8 ≤ LANES.
        let (w, f) = unsafe {
            (
                _mm256_loadu_ps(wt.as_ptr().add(c)),
                _mm256_loadu_ps(fr.as_ptr().add(c)),
            )
        };
        let a = _mm256_add_ps(q0, _mm256_mul_ps(w, d0));
        let b = _mm256_add_ps(q1, _mm256_mul_ps(w, d1));
        let o = _mm256_add_ps(a, _mm256_mul_ps(f, _mm256_sub_ps(b, a)));
        // SAFETY: c + 8 ≤ LANES.
        unsafe { _mm256_storeu_ps(out.as_mut_ptr().add(c), o) };
    }
}

/// Row index and weight for shape m ∈ [0, 1]: `m·M_STEPS = j + fm` with `j < M_STEPS`.
pub fn pert_row(m: f64) -> (usize, f32) {
    let p = (m.clamp(0.0, 1.0) * M_STEPS as f64).min(M_STEPS as f64);
    let j = (p.floor() as usize).min(M_STEPS - 1);
    (j, (p - j as f64) as f32)
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

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn avx2_interpolation_is_bit_identical_to_the_portable_one() {
        if !std::arch::is_x86_feature_detected!("avx2") {
            return;
        }
        let q = &table().q;
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = || {
            state = crate::sim::rng::mix64(state.wrapping_add(0x9E37_79B9_7F4A_7C15));
            state
        };
        for _ in 0..2_000 {
            let (mut idx, mut wt, mut fr) = ([0u32; LANES], [0f32; LANES], [0f32; LANES]);
            for l in 0..LANES {
                idx[l] = (next() % (q.len() as u64 - 3)) as u32;
                wt[l] = (next() >> 40) as f32 / (1u64 << 24) as f32;
                fr[l] = (next() >> 40) as f32 / (1u64 << 24) as f32;
            }
            let (mut a, mut b) = ([0f32; LANES], [0f32; LANES]);
            interpolate(q, &idx, &wt, &fr, &mut a);
            // SAFETY: AVX2 was checked; every index is at most q.len() − 4.
            unsafe { interpolate_avx2(q, &idx, &wt, &fr, &mut b) };
            assert_eq!(a.map(f32::to_bits), b.map(f32::to_bits));
        }
    }
}
