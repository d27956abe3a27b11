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
//! * the upper half u > ½ is read at v = 1 − u (exact for the kernel's uniforms) from a
//!   second table holding 1 − Q(v; 1 − m) = Q(1 − v; m), by the symmetry of the family.
//!
//! Rows are exact quantiles (Newton's method on statrs' regularized incomplete beta) at
//! the segment ends, rounded to `f32` once; sampling interpolates linearly in v inside a
//! segment and in m between rows. The maximum error, checked by a test against statrs'
//! own Beta quantile over a dense grid, is below 1e-4 of the range (5.6e-5). The kernel's
//! uniforms are at least 2⁻²⁴ from 0 and 1, the table's lowest point.
//!
//! Each table point is stored with its step to the next row, so one lane's four values
//! (both ends of its segment, each with its step in m) are 16 adjacent bytes: the AVX2
//! path loads them with one instruction per lane and transposes in registers (hardware
//! gathers are much slower on current AMD cores), bit-identical to the portable path.

use std::sync::OnceLock;

pub use crate::num::beta_quantile;

use crate::lanes::{Avx2, LANES};

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

/// The shared quantile table: pairs (x at the row's m, and the step to the next row's x)
/// so that one lane's four values are adjacent. `M_STEPS` rows of `ROW` pairs for the
/// lower half, x = Q(v; m), then as many for the upper half, x = 1 − Q(v; 1 − m) (the
/// value at u = 1 − v): both halves interpolate between rows j and j + 1 with the same
/// weight, and a sample is min + range·x either way.
pub struct PertTable {
    q: Vec<f32>,
}

/// Offset of the upper half's rows, in pairs.
const UPPER: i32 = (M_STEPS * ROW) as i32;

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
        // Rows on all cores (each row on its own, so the same values on any number):
        // the table is built on the first Beta-PERT sample, inside a run. Plain threads,
        // not rayon: a rayon thread waiting for its rows could pick up another block of
        // the run, which would wait for this very table.
        let mut exact = vec![0f64; (M_STEPS + 1) * ROW];
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let rows_each = (M_STEPS + 1).div_ceil(cores);
        std::thread::scope(|scope| {
            for (i, rows) in exact.chunks_mut(rows_each * ROW).enumerate() {
                scope.spawn(move || {
                    for (r, row) in rows.chunks_mut(ROW).enumerate() {
                        let m = (i * rows_each + r) as f64 / M_STEPS as f64;
                        let (a, b) = (1.0 + 4.0 * m, 5.0 - 4.0 * m);
                        let mut x = 0.0;
                        for (k, e) in row.iter_mut().enumerate() {
                            x = beta_quantile(a, b, point(k as u32), x);
                            *e = x;
                        }
                    }
                });
            }
        });
        let lower = |j: usize, k: usize| exact[j * ROW + k];
        let upper = |j: usize, k: usize| 1.0 - exact[(M_STEPS - j) * ROW + k];
        let mut q = vec![0f32; 2 * M_STEPS * ROW * 2];
        for (half, x) in [(0, &lower as &dyn Fn(usize, usize) -> f64), (1, &upper)] {
            for j in 0..M_STEPS {
                for k in 0..ROW {
                    let at = ((half * M_STEPS + j) * ROW + k) * 2;
                    let (x0, x1) = (x(j, k) as f32, x(j + 1, k) as f32);
                    q[at] = x0;
                    q[at + 1] = x1 - x0;
                }
            }
        }
        PertTable { q }
    }

    /// Fills `out[l] = min + range·Q(u[l])` for a block of lanes, for a task whose m lies
    /// at row `j` with weight `fm` towards row `j + 1` (see [`pert_row`]).
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
        let k = self.task(j, fm, min, range);
        let wide = crate::lanes::avx2();
        let mut at = Located::default();
        for (c, u) in u.as_chunks::<8>().0.iter().enumerate() {
            self.locate(&k, u, &mut at, c);
        }
        for (c, o) in out.as_chunks_mut::<8>().0.iter_mut().enumerate() {
            *o = self.interpolate(&k, &at, c, wide);
        }
    }

    /// One task's constants, for [`PertTable::locate`] and [`PertTable::interpolate`].
    #[inline(always)]
    pub fn task(&self, j: usize, fm: f32, min: f32, range: f32) -> Task {
        Task {
            row: (j.min(M_STEPS - 1) * ROW) as i32,
            fm,
            min,
            range,
            last: (self.q.len() / 2 - 2) as u32,
        }
    }

    /// Sampling, first stage, for lanes `C·c .. C·(c + 1)` of a block with uniforms `u`:
    /// each lane's table entry and position inside its segment, into `at`. Two stages,
    /// each run over the block, so that the table loads of the second are not at the end
    /// of long dependency chains. Branch-free integer and float lane arithmetic: the
    /// compiler vectorises it at the width of the code it is inlined into (16 lanes in
    /// the AVX-512 kernel).
    #[inline(always)]
    pub fn locate<const C: usize>(&self, k: &Task, u: &[f32; C], at: &mut Located, c: usize) {
        let (idx, pos) = (&mut at.idx[C * c..C * c + C], &mut at.pos[C * c..C * c + C]);
        for l in 0..C {
            (idx[l], pos[l]) = k.locate(u[l]);
        }
    }

    /// Sampling, second stage: `min + range·Q(u)` for lanes `8c .. 8c + 8`, from the
    /// table entries and positions [`PertTable::locate`] found; with AVX2 instructions
    /// when given the token that proves the CPU has them (bit-identical either way).
    #[inline(always)]
    pub fn interpolate(&self, k: &Task, at: &Located, c: usize, wide: Option<Avx2>) -> [f32; 8] {
        let (idx, pos) = (&at.idx[8 * c..8 * c + 8], &at.pos[8 * c..8 * c + 8]);
        #[cfg(target_arch = "x86_64")]
        if wide.is_some() {
            // SAFETY: the Avx2 token exists only when the CPU has AVX2 (lanes::avx2);
            // `idx` and `pos` are eight lanes each, and every index `locate` wrote is at
            // most 2·k.last.
            return unsafe { interpolate_avx2(&self.q, k, idx.as_ptr(), pos.as_ptr()) };
        }
        let _ = wide;
        std::array::from_fn(|l| k.interpolate(&self.q, idx[l], pos[l]))
    }
}

/// A block's table entries (pair index of the segment's start) and positions inside
/// their segments: see [`PertTable::locate`].
pub struct Located {
    idx: [u32; LANES],
    pos: [f32; LANES],
}

impl Default for Located {
    fn default() -> Self {
        Located {
            idx: [0; LANES],
            pos: [0.0; LANES],
        }
    }
}

/// One task's constants: see [`PertTable::task`].
#[derive(Clone, Copy)]
pub struct Task {
    /// First pair of the task's row (lower half).
    row: i32,
    /// Weight towards the next row.
    fm: f32,
    min: f32,
    range: f32,
    /// Largest pair index a lane may use: its four values end inside the table.
    last: u32,
}

/// The position inside a segment: its low mantissa bits scaled to [0, 1].
const INV: f32 = 1.0 / (1u32 << SHIFT) as f32;

impl Task {
    /// One lane's table entry (twice the pair index: a float offset) and position: the
    /// lower half's table at v = u, or the upper half's at v = 1 − u. The two choices are
    /// bitwise selects on a mask (an `if` may be left as a branch per lane). For u in
    /// [2⁻²⁴, 1 − 2⁻²⁴] — every uniform the kernel draws — v lies in [2⁻²⁴, ½], so the
    /// segment index needs no clamp: v = ½ gives the row's last point with position 0,
    /// exactly its value. Outside that range the value is wrong but the entry is still
    /// clamped into the table.
    #[inline(always)]
    fn locate(&self, u: f32) -> (u32, f32) {
        let high = 0u32.wrapping_sub((u > 0.5) as u32);
        let v = f32::from_bits((u.to_bits() & !high) | ((1.0 - u).to_bits() & high));
        let d = v.to_bits().wrapping_sub(V_MIN_BITS as u32);
        let fr = (d & ((1 << SHIFT) - 1)) as f32 * INV;
        let at = (self.row as u32).wrapping_add(d >> SHIFT) + (UPPER as u32 & high);
        (2 * at.min(self.last), fr)
    }

    /// One lane: min + range·x, x interpolated in m between the rows, then in v.
    #[inline(always)]
    fn interpolate(&self, q: &[f32], k: u32, fr: f32) -> f32 {
        let p = &q[k as usize..k as usize + 4];
        let a = p[0] + self.fm * p[1];
        let b = p[2] + self.fm * p[3];
        let x = a + fr * (b - a);
        self.min + self.range * x
    }

    /// One lane, both stages.
    #[cfg(test)]
    fn sample(&self, q: &[f32], u: f32) -> f32 {
        let (k, fr) = self.locate(u);
        self.interpolate(q, k, fr)
    }
}

/// [`Task::interpolate`] for eight lanes, with one 16-byte load per lane (the pairs at
/// the segment's start and end) and an in-register transpose instead of four scalar
/// loads and inserts (hardware gathers are slower still on current AMD cores). Not
/// compiled for AVX2 itself but always inlined: inside the kernel's AVX2 and AVX-512
/// builds the intrinsics become single instructions (a function of its own, with
/// `target_feature`, is left as a call per eight lanes by the inliner's size limit). The
/// same operations in the same order as the portable stage (no fused multiply-add), so
/// bit-identical results.
///
/// # Safety
/// The CPU has AVX2; `idx` and `pos` hold eight lanes, each index at most `2·k.last`.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
unsafe fn interpolate_avx2(q: &[f32], k: &Task, idx: *const u32, pos: *const f32) -> [f32; 8] {
    use std::arch::x86_64::*;
    // SAFETY: the caller's; idx ≤ 2·last = q.len() − 4, so each lane's four values are
    // in bounds.
    unsafe {
        let pair = |l: usize| _mm_loadu_ps(q.as_ptr().add(*idx.add(l) as usize));
        // Lanes (l, l + 4) in the two halves of r_l, each (q0, d0, q1, d1). The steps in m
        // are scaled in place (the ones by 1, exactly), so that a and b are each one add
        // of an even and an odd element: [a0 b0 a1 b1 | a4 b4 a5 b5] from r0 and r1, then
        // one shuffle per vector gathers the a's and the b's — four shuffles fewer than a
        // full transpose, for two more multiplies.
        let w = _mm256_setr_ps(1.0, k.fm, 1.0, k.fm, 1.0, k.fm, 1.0, k.fm);
        let row = |l: usize| {
            _mm256_mul_ps(
                _mm256_insertf128_ps::<1>(_mm256_castps128_ps256(pair(l)), pair(l + 4)),
                w,
            )
        };
        let (r0, r1, r2, r3) = (row(0), row(1), row(2), row(3));
        let s01 = _mm256_add_ps(
            _mm256_shuffle_ps::<0x88>(r0, r1),
            _mm256_shuffle_ps::<0xDD>(r0, r1),
        );
        let s23 = _mm256_add_ps(
            _mm256_shuffle_ps::<0x88>(r2, r3),
            _mm256_shuffle_ps::<0xDD>(r2, r3),
        );
        let a = _mm256_shuffle_ps::<0x88>(s01, s23);
        let b = _mm256_shuffle_ps::<0xDD>(s01, s23);
        let fr = _mm256_loadu_ps(pos);
        let x = _mm256_add_ps(a, _mm256_mul_ps(fr, _mm256_sub_ps(b, a)));
        let o = _mm256_add_ps(
            _mm256_set1_ps(k.min),
            _mm256_mul_ps(_mm256_set1_ps(k.range), x),
        );
        let mut out = [0f32; 8];
        _mm256_storeu_ps(out.as_mut_ptr(), o);
        out
    }
}

/// Row index and weight for shape m ∈ [0, 1]: `m·M_STEPS = j + fm` with `j < M_STEPS`.
pub fn pert_row(m: f64) -> (usize, f32) {
    let p = (m.clamp(0.0, 1.0) * M_STEPS as f64).min(M_STEPS as f64);
    let j = (p.floor() as usize).min(M_STEPS - 1);
    (j, (p - j as f64) as f32)
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
    fn avx2_sampling_is_bit_identical_to_the_portable_one() {
        if !std::arch::is_x86_feature_detected!("avx2") {
            return;
        }
        let t = table();
        let mut next = crate::lanes::rng::test_sequence(0x9E37_79B9_7F4A_7C15u64);
        for round in 0..4_000 {
            let j = (next() % M_STEPS as u64) as usize;
            let fm = (next() >> 40) as f32 / (1u64 << 24) as f32;
            let (min, range) = (round as f32 * 0.37, 1.0 + (next() >> 44) as f32 / 4096.0);
            let k = t.task(j, fm, min, range);
            let mut u = [0f32; LANES];
            for x in u.iter_mut() {
                // Kernel uniforms, plus the extremes and the midpoint.
                *x = (((next() >> 41) as f32) + 0.5) / (1u32 << 23) as f32;
            }
            u[..4].copy_from_slice(&[0.5, 2f32.powi(-24), 1.0 - 2f32.powi(-24), 0.25]);
            let mut at = Located::default();
            let mut avx = [0f32; LANES];
            for c in 0..LANES / 8 {
                let uc: &[f32; 8] = u[8 * c..8 * c + 8].try_into().unwrap();
                t.locate(&k, uc, &mut at, c);
            }
            for c in 0..LANES / 8 {
                avx[8 * c..8 * c + 8].copy_from_slice(&t.interpolate(
                    &k,
                    &at,
                    c,
                    crate::lanes::avx2(),
                ));
            }
            let portable = u.map(|u| k.sample(&t.q, u));
            assert_eq!(
                avx.map(f32::to_bits),
                portable.map(f32::to_bits),
                "round {round}"
            );
        }
    }
}
