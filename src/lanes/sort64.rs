//! Sorting one block's 64 keys, for Iman–Conover's reordering (two sorts per correlated
//! task and block: the scores, packed with their lane, and the sampled durations).
//!
//! With AVX2 the 64 `u32` keys sit in eight registers and are sorted by a network: an
//! optimal 19-comparator network sorts the eight columns, an 8 × 8 transpose turns them
//! into eight sorted rows, and bitonic merges join rows into runs of 16, 32 and 64, with
//! in-register shuffles for the strides below eight. No branch depends on the data. The
//! result is the sorted sequence, so it is bit-identical to the portable `sort_unstable`.

use crate::lanes::LANES;

/// Sorts `a` ascending.
#[inline(always)]
pub fn sort64(a: &mut [u32; LANES]) {
    #[cfg(target_arch = "x86_64")]
    if crate::lanes::use_avx2() {
        // SAFETY: AVX2 is available.
        unsafe { sort64_avx2(a) };
        return;
    }
    a.sort_unstable();
}

#[cfg(target_arch = "x86_64")]
use std::arch::x86_64::*;

/// Compare-exchange of two registers, lane by lane: (min, max).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
fn cx(a: __m256i, b: __m256i) -> (__m256i, __m256i) {
    (_mm256_min_epu32(a, b), _mm256_max_epu32(a, b))
}

/// Sorts a bitonic register ascending: half-cleaners at strides 4, 2 and 1.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
fn clean(v: __m256i) -> __m256i {
    let p = _mm256_permute2x128_si256::<0x01>(v, v);
    let (lo, hi) = cx(v, p);
    let v = _mm256_blend_epi32::<0b1111_0000>(lo, hi);
    let p = _mm256_shuffle_epi32::<0b01_00_11_10>(v);
    let (lo, hi) = cx(v, p);
    let v = _mm256_blend_epi32::<0b1100_1100>(lo, hi);
    let p = _mm256_shuffle_epi32::<0b10_11_00_01>(v);
    let (lo, hi) = cx(v, p);
    _mm256_blend_epi32::<0b1010_1010>(lo, hi)
}

/// Lanes in reverse order.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
fn rev(v: __m256i) -> __m256i {
    _mm256_permutevar8x32_epi32(v, _mm256_setr_epi32(7, 6, 5, 4, 3, 2, 1, 0))
}

/// Merges two sorted runs of one register each into a sorted run of two.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
fn merge1(a: __m256i, b: __m256i) -> (__m256i, __m256i) {
    // Against the second run reversed, the minima form a bitonic run below every maximum.
    let (lo, hi) = cx(a, rev(b));
    (clean(lo), clean(hi))
}

/// Merges two sorted runs of two registers each.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
fn merge2(r: [__m256i; 4]) -> [__m256i; 4] {
    let (l0, h1) = cx(r[0], rev(r[3]));
    let (l1, h0) = cx(r[1], rev(r[2]));
    let (l0, l1) = cx(l0, l1);
    let (h0, h1) = cx(h0, h1);
    [clean(l0), clean(l1), clean(h0), clean(h1)]
}

/// Merges two sorted runs of four registers each.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
fn merge4(r: [__m256i; 8]) -> [__m256i; 8] {
    let (l0, h3) = cx(r[0], rev(r[7]));
    let (l1, h2) = cx(r[1], rev(r[6]));
    let (l2, h1) = cx(r[2], rev(r[5]));
    let (l3, h0) = cx(r[3], rev(r[4]));
    let (l0, l2) = cx(l0, l2);
    let (l1, l3) = cx(l1, l3);
    let (h0, h2) = cx(h0, h2);
    let (h1, h3) = cx(h1, h3);
    let (l0, l1) = cx(l0, l1);
    let (l2, l3) = cx(l2, l3);
    let (h0, h1) = cx(h0, h1);
    let (h2, h3) = cx(h2, h3);
    [l0, l1, l2, l3, h0, h1, h2, h3].map(|v| clean(v))
}

/// 8 × 8 transpose of `u32` lanes.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
fn transpose(r: &mut [__m256i; 8]) {
    let t0 = _mm256_unpacklo_epi32(r[0], r[1]);
    let t1 = _mm256_unpackhi_epi32(r[0], r[1]);
    let t2 = _mm256_unpacklo_epi32(r[2], r[3]);
    let t3 = _mm256_unpackhi_epi32(r[2], r[3]);
    let t4 = _mm256_unpacklo_epi32(r[4], r[5]);
    let t5 = _mm256_unpackhi_epi32(r[4], r[5]);
    let t6 = _mm256_unpacklo_epi32(r[6], r[7]);
    let t7 = _mm256_unpackhi_epi32(r[6], r[7]);
    let s0 = _mm256_unpacklo_epi64(t0, t2);
    let s1 = _mm256_unpackhi_epi64(t0, t2);
    let s2 = _mm256_unpacklo_epi64(t1, t3);
    let s3 = _mm256_unpackhi_epi64(t1, t3);
    let s4 = _mm256_unpacklo_epi64(t4, t6);
    let s5 = _mm256_unpackhi_epi64(t4, t6);
    let s6 = _mm256_unpacklo_epi64(t5, t7);
    let s7 = _mm256_unpackhi_epi64(t5, t7);
    r[0] = _mm256_permute2x128_si256::<0x20>(s0, s4);
    r[1] = _mm256_permute2x128_si256::<0x20>(s1, s5);
    r[2] = _mm256_permute2x128_si256::<0x20>(s2, s6);
    r[3] = _mm256_permute2x128_si256::<0x20>(s3, s7);
    r[4] = _mm256_permute2x128_si256::<0x31>(s0, s4);
    r[5] = _mm256_permute2x128_si256::<0x31>(s1, s5);
    r[6] = _mm256_permute2x128_si256::<0x31>(s2, s6);
    r[7] = _mm256_permute2x128_si256::<0x31>(s3, s7);
}

/// Passes the optimal sorting network for 8 inputs (19 comparators, depth 6) to `$m`.
#[cfg(target_arch = "x86_64")]
macro_rules! network8 {
    ($m:ident) => {
        $m!(
            (0, 2),
            (1, 3),
            (4, 6),
            (5, 7),
            (0, 4),
            (1, 5),
            (2, 6),
            (3, 7),
            (0, 1),
            (2, 3),
            (4, 5),
            (6, 7),
            (2, 4),
            (3, 5),
            (1, 4),
            (3, 6),
            (1, 2),
            (3, 4),
            (5, 6)
        )
    };
}

/// [`sort64`] on AVX2.
///
/// # Safety
/// The CPU has AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn sort64_avx2(a: &mut [u32; LANES]) {
    let p = a.as_mut_ptr().cast::<__m256i>();
    // SAFETY: a holds 64 u32 = eight 32-byte registers; unaligned loads.
    let mut r: [__m256i; 8] = std::array::from_fn(|i| unsafe { _mm256_loadu_si256(p.add(i)) });
    // Written out comparator by comparator, so that the registers stay in registers.
    macro_rules! apply {
        ($(($i:literal, $j:literal)),*) => {
            $( (r[$i], r[$j]) = cx(r[$i], r[$j]); )*
        };
    }
    network8!(apply);
    transpose(&mut r);
    let (a0, a1) = merge1(r[0], r[1]);
    let (a2, a3) = merge1(r[2], r[3]);
    let (a4, a5) = merge1(r[4], r[5]);
    let (a6, a7) = merge1(r[6], r[7]);
    let [b0, b1, b2, b3] = merge2([a0, a1, a2, a3]);
    let [b4, b5, b6, b7] = merge2([a4, a5, a6, a7]);
    let r = merge4([b0, b1, b2, b3, b4, b5, b6, b7]);
    for (i, v) in r.iter().enumerate() {
        // SAFETY: as above.
        unsafe { _mm256_storeu_si256(p.add(i), *v) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_eight_input_network_sorts_every_zero_one_input() {
        // The 0-1 principle: a comparator network that sorts all 2⁸ binary inputs sorts
        // every input.
        macro_rules! list {
            ($(($i:literal, $j:literal)),*) => {
                [$(($i, $j)),*]
            };
        }
        let network: [(usize, usize); 19] = network8!(list);
        for bits in 0u32..256 {
            let mut v: Vec<u32> = (0..8).map(|i| (bits >> i) & 1).collect();
            for (i, j) in network {
                if v[i] > v[j] {
                    v.swap(i, j);
                }
            }
            assert!(v.windows(2).all(|w| w[0] <= w[1]), "{bits:08b}");
        }
    }

    #[test]
    fn sorts_like_the_standard_library() {
        let mut next = crate::lanes::rng::test_sequence(0x1234_5678_9ABC_DEF0u64);
        for round in 0..20_000 {
            let mut a = [0u32; LANES];
            for x in a.iter_mut() {
                *x = match round % 4 {
                    0 => next() as u32,
                    1 => (next() % 5) as u32, // many ties
                    2 => u32::MAX - (next() % 3) as u32,
                    _ => (next() >> 40) as u32,
                };
            }
            if round % 7 == 0 {
                a.sort_unstable_by(|x, y| y.cmp(x)); // reversed input
            }
            let mut want = a;
            want.sort_unstable();
            sort64(&mut a);
            assert_eq!(a, want, "round {round}");
        }
    }
}
