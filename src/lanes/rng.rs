//! Keyed random streams (SPEC §3).
//!
//! Every uniform is a pure function of (seed, entity key, iteration): iteration `i` lies in
//! block `i / 64` at position `j = i % 64`. A block's stream is one 64-bit hash
//! h = SplitMix64(key ⊕ SplitMix64(block)), and its uniform j is
//! `triple32(lo(h) ⊕ j·φ) ⊕ hi(h)`: a counter-based generator (as in Random123), with
//! φ = 0x9E3779B9 spreading the counters and triple32 — a bijective 32-bit integer hash
//! whose avalanche bias (0.021) is that of a random permutation — mixing them. Nothing
//! depends on row order, thread count or which thread runs a block, so adding a task
//! never changes another task's numbers, and a scenario reuses its baseline's numbers
//! exactly (common random numbers). The 64 uniforms of a block are distinct, and all of a
//! block's lanes are computed at once with 32-bit vector arithmetic.
//!
//! Uniforms are `(k + ½)·2⁻²³` for the top 23 bits k of the hash: strictly inside (0, 1),
//! and `1 − u` is exact in `f32`, so inverse CDFs never see 0 or 1.

/// Iterations per block: the unit of work and of the random-stream layout. Changing it
/// changes every sample, so it is part of the reproducibility contract.
pub const LANES: usize = 64;

const GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;
/// ⌊2³²/golden ratio⌋: consecutive counters differ in about half their bits.
const PHI32: u32 = 0x9E37_79B9;

/// SplitMix64 finaliser: a bijective 64-bit mix.
#[inline(always)]
pub fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// triple32 (C. Wellons' hash prospector): a bijective 32-bit mix with three multiplies.
#[inline(always)]
fn triple32(mut x: u32) -> u32 {
    x ^= x >> 17;
    x = x.wrapping_mul(0xED5A_D4BB);
    x ^= x >> 11;
    x = x.wrapping_mul(0xAC4C_1B51);
    x ^= x >> 15;
    x = x.wrapping_mul(0x3184_8BAB);
    x ^ (x >> 14)
}

/// The stream key of an entity (task or risk) for a seed and purpose (0 = duration).
pub fn stream_key(seed: u64, id_key: u64, purpose: u64) -> u64 {
    mix64(mix64(seed ^ GAMMA) ^ id_key ^ mix64(purpose.wrapping_add(1).wrapping_mul(GAMMA)))
}

/// A block's stream: the two halves of its 64-bit hash (see the module documentation).
#[inline(always)]
pub fn block_stream(key: u64, block: u64) -> (u32, u32) {
    let h = mix64(key ^ mix64(block.wrapping_add(GAMMA)));
    (h as u32, (h >> 32) as u32)
}

/// The spread counters j·φ of a block's lanes.
const COUNTERS: [u32; LANES] = {
    let mut c = [0u32; LANES];
    let mut j = 0;
    while j < LANES {
        c[j] = (j as u32).wrapping_mul(PHI32);
        j += 1;
    }
    c
};

/// Uniforms `C·c .. C·(c + 1)` of the block stream `(lo, hi)` of [`block_stream`]: the
/// fused kernel draws them a vector or two at a time, in registers.
#[inline(always)]
pub fn chunk_uniforms<const C: usize>((lo, hi): (u32, u32), c: usize) -> [f32; C] {
    // 1 + k·2⁻²³ is exact, and so is subtracting 1 − 2⁻²⁴ from it: (k + ½)·2⁻²³.
    let one = 1.0f32;
    let offset = f32::from_bits(0x3F7F_FFFF);
    // A loop, not `array::from_fn`, which is not always inlined into the AVX2 kernel.
    let mut u = [0f32; C];
    for (i, x) in u.iter_mut().enumerate() {
        let r = triple32(lo ^ COUNTERS[c * C + i]) ^ hi;
        *x = f32::from_bits((r >> 9) | one.to_bits()) - offset;
    }
    u
}

/// Fills `out` with the 64 uniforms of block `block` of the stream `key`.
#[inline(always)]
pub fn block_uniforms(key: u64, block: u64, out: &mut [f32; LANES]) {
    let stream = block_stream(key, block);
    for (c, o) in out.as_chunks_mut::<8>().0.iter_mut().enumerate() {
        *o = chunk_uniforms(stream, c);
    }
}

/// A plain SplitMix64 sequence from `seed`, for tests that need arbitrary inputs.
#[cfg(test)]
pub(crate) fn test_sequence(mut seed: u64) -> impl FnMut() -> u64 {
    move || {
        seed = seed.wrapping_add(GAMMA);
        mix64(seed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uniforms_are_inside_the_unit_interval_and_uniform() {
        let mut out = [0f32; LANES];
        let mut bins = [0u32; 16];
        let blocks = 4000;
        for b in 0..blocks {
            block_uniforms(stream_key(1, 42, 0), b, &mut out);
            for &u in &out {
                assert!(u > 0.0 && u < 1.0 && 1.0 - u > 0.0);
                bins[(u * 16.0) as usize] += 1;
            }
        }
        // Chi-square with 15 degrees of freedom; 99.99th percentile is about 44.3.
        let n = (blocks as f64) * LANES as f64;
        let e = n / 16.0;
        let chi: f64 = bins.iter().map(|&o| (o as f64 - e).powi(2) / e).sum();
        assert!(chi < 44.3, "chi-square {chi}");
    }

    #[test]
    fn uniforms_are_the_exact_grid_values() {
        let mut out = [0f32; LANES];
        for b in 0..200 {
            block_uniforms(stream_key(3, b, 0), b, &mut out);
            for &u in &out {
                let k = u as f64 * (1u64 << 23) as f64 - 0.5;
                assert_eq!(k, k.floor(), "{u} is not (k + 1/2)/2^23");
            }
        }
    }

    /// Pearson's chi-square of a 16 × 16 contingency grid of pairs against independence
    /// with uniform margins; fails above the 99.99th percentile of χ²(255).
    fn assert_pairs_independent(what: &str, pairs: impl Iterator<Item = (f32, f32)>) {
        use statrs::distribution::{ChiSquared, ContinuousCDF};
        let mut grid = [[0u32; 16]; 16];
        let mut n = 0f64;
        for (a, b) in pairs {
            grid[(a * 16.0) as usize][(b * 16.0) as usize] += 1;
            n += 1.0;
        }
        let e = n / 256.0;
        let chi: f64 = grid
            .iter()
            .flatten()
            .map(|&o| (o as f64 - e).powi(2) / e)
            .sum();
        let limit = ChiSquared::new(255.0).unwrap().inverse_cdf(0.9999);
        assert!(chi < limit, "{what}: chi-square {chi:.1} above {limit:.1}");
    }

    fn block(key: u64, b: u64) -> [f32; LANES] {
        let mut out = [0f32; LANES];
        block_uniforms(key, b, &mut out);
        out
    }

    #[test]
    fn neighbouring_lanes_blocks_and_streams_are_independent() {
        let k = |id| stream_key(1, id, 0);
        let blocks = 0..2_000u64;
        assert_pairs_independent(
            "lanes j, j+1",
            blocks.clone().flat_map(|b| {
                let x = block(k(42), b);
                (0..LANES - 1).map(move |j| (x[j], x[j + 1]))
            }),
        );
        assert_pairs_independent(
            "blocks b, b+1",
            blocks.clone().flat_map(|b| {
                let (x, y) = (block(k(42), b), block(k(42), b + 1));
                (0..LANES).map(move |j| (x[j], y[j]))
            }),
        );
        assert_pairs_independent(
            "ids 42, 43",
            blocks.clone().flat_map(|b| {
                let (x, y) = (block(k(42), b), block(k(43), b));
                (0..LANES).map(move |j| (x[j], y[j]))
            }),
        );
        assert_pairs_independent(
            "purposes 0, 1",
            blocks.clone().flat_map(|b| {
                let (x, y) = (block(k(42), b), block(stream_key(1, 42, 1), b));
                (0..LANES).map(move |j| (x[j], y[j]))
            }),
        );
        assert_pairs_independent(
            "seeds 1, 2",
            blocks.flat_map(|b| {
                let (x, y) = (block(k(42), b), block(stream_key(2, 42, 0), b));
                (0..LANES).map(move |j| (x[j], y[j]))
            }),
        );
    }

    #[test]
    fn every_bit_is_fair() {
        // Each of the 23 random bits is 1 with probability ½: |z| < 5 for 256,000 draws.
        let mut ones = [0u32; 23];
        let draws = 4_000 * LANES;
        for b in 0..4_000 {
            for u in block(stream_key(9, 5, 0), b) {
                let k = (u * (1u32 << 23) as f32) as u32;
                for (bit, c) in ones.iter_mut().enumerate() {
                    *c += (k >> bit) & 1;
                }
            }
        }
        for (bit, &c) in ones.iter().enumerate() {
            let z = (c as f64 - draws as f64 / 2.0) / (draws as f64 / 4.0).sqrt();
            assert!(z.abs() < 5.0, "bit {bit}: z = {z:.1}");
        }
    }

    #[test]
    fn streams_differ_by_key_block_and_seed() {
        let (mut a, mut b) = ([0f32; LANES], [0f32; LANES]);
        block_uniforms(stream_key(1, 7, 0), 0, &mut a);
        block_uniforms(stream_key(1, 7, 0), 1, &mut b);
        assert_ne!(a, b);
        block_uniforms(stream_key(2, 7, 0), 0, &mut b);
        assert_ne!(a, b);
        block_uniforms(stream_key(1, 8, 0), 0, &mut b);
        assert_ne!(a, b);
        block_uniforms(stream_key(1, 7, 0), 0, &mut b);
        assert_eq!(a, b);
    }
}
