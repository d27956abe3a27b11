//! The bottom layer: the lane machinery every kernel shares. Imports nothing of slipcast.
//!
//! - [`LANES`]: iterations per block, the unit of work and of the random-stream layout;
//! - CPU feature dispatch ([`simd`], [`use_avx2`]): which instruction set the kernels use;
//! - [`rng`]: the counter-based random streams, a pure function of (seed, key, iteration);
//! - [`sort64`]: the 64-key sorting network (correlation ranks);
//! - [`radix`]: the radix sort of `f32` samples and of keyed records.

pub mod radix;
#[allow(clippy::needless_range_loop)]
pub mod rng;
pub mod sort64;

pub use rng::LANES;

/// The instruction sets the kernels are compiled for, chosen at run time.
#[cfg(target_arch = "x86_64")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Simd {
    /// x86-64's baseline (SSE2).
    Baseline,
    /// AVX2: 8 lanes of `f32` per instruction.
    Avx2,
    /// AVX-512 (F, VL, DQ, BW): 16 lanes, and 32 vector registers.
    Avx512,
}

/// The best instruction set the CPU has, unless lowered by `SLIPCAST_NO_AVX512` (at most
/// AVX2) or `SLIPCAST_NO_AVX2` (the baseline) — to check that all give the same output.
#[cfg(target_arch = "x86_64")]
pub fn simd() -> Simd {
    use std::arch::is_x86_feature_detected as has;
    static CHOICE: std::sync::OnceLock<Simd> = std::sync::OnceLock::new();
    let off = |v| std::env::var_os(v).is_some();
    *CHOICE.get_or_init(|| {
        if !has!("avx2") || off("SLIPCAST_NO_AVX2") {
            Simd::Baseline
        } else if has!("avx512f")
            && has!("avx512vl")
            && has!("avx512dq")
            && has!("avx512bw")
            && !off("SLIPCAST_NO_AVX512")
        {
            Simd::Avx512
        } else {
            Simd::Avx2
        }
    })
}

/// Proof that AVX2 is in use: only [`avx2`] makes one, so a function that takes it may
/// run AVX2 instructions from safe code.
#[derive(Debug, Clone, Copy)]
pub struct Avx2(());

/// An [`Avx2`] token when AVX2 (or better) is in use (see [`simd`]), else None.
#[inline]
pub fn avx2() -> Option<Avx2> {
    use_avx2().then_some(Avx2(()))
}

/// Whether AVX2 (or better) is in use: see [`simd`].
#[cfg(target_arch = "x86_64")]
pub fn use_avx2() -> bool {
    simd() != Simd::Baseline
}

/// Whether AVX2 is in use: never, off x86-64.
#[cfg(not(target_arch = "x86_64"))]
pub fn use_avx2() -> bool {
    false
}
