//! Samplers: each distribution compiled to constants for sampling a block of lanes by
//! inverse CDF, `x = F⁻¹(u)`, one uniform per sample.
//!
//! Inverse-CDF sampling keeps one uniform per task and iteration (the keyed stream of
//! SPEC §3), makes every duration a monotone function of its uniform (so scenarios that
//! change an estimate move samples consistently), and vectorises: the distribution is
//! chosen once per task and block, never per lane.
//!
//! * triangular: closed form, both branches computed and selected;
//! * Beta-PERT (λ = 4): the shared quantile table of [`crate::model::pert`];
//! * normal, lognormal: Acklam's rational approximation of Φ⁻¹ (relative error < 1.2e-9),
//!   normal clipped at 0;
//! * exponential: −mean·ln(1 − u);
//! * discrete: count of cumulative weights below u.
//!
//! Lanes are `f32`: durations carry about 7 significant digits (1e-4 working days at
//! 1,000 days), far below any schedule's resolution; all sums over iterations are `f64`.

use crate::lanes::LANES;
use crate::model::pert;
pub use crate::num::inverse_normal;
use crate::num::{ACKLAM_A as A, ACKLAM_B as B};
use crate::plan::Distribution;

/// Compiled sampling constants of one task's distribution.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Sampler {
    /// Constant.
    Fixed(f32),
    /// `a + u·w`.
    Uniform {
        /// Minimum.
        a: f32,
        /// Width.
        w: f32,
    },
    /// Triangular by closed-form inverse CDF.
    Triangular {
        /// Minimum.
        a: f32,
        /// Maximum.
        b: f32,
        /// F(mode).
        fc: f32,
        /// (b − a)(c − a).
        k1: f32,
        /// (b − a)(b − c).
        k2: f32,
    },
    /// Beta-PERT through the shared table.
    Pert {
        /// Minimum.
        a: f32,
        /// Range.
        r: f32,
        /// Table row.
        j: u32,
        /// Weight towards the next row.
        fm: f32,
    },
    /// Normal, clipped at 0.
    Normal {
        /// Mean.
        mean: f32,
        /// Standard deviation.
        sd: f32,
    },
    /// Lognormal with log-scale parameters.
    Lognormal {
        /// Mean of the log.
        mu: f32,
        /// Standard deviation of the log.
        sigma: f32,
    },
    /// Exponential.
    Exponential {
        /// Mean.
        mean: f32,
    },
    /// An empirical distribution: `len` sorted values at `start` in the shared tables'
    /// values, each equally likely (backlog tasks).
    Table {
        /// First value.
        start: u32,
        /// Number of values.
        len: u32,
    },
    /// Discrete: entries `start..start + len` of the shared tables.
    Discrete {
        /// First entry.
        start: u32,
        /// Number of entries.
        len: u32,
    },
}

impl Sampler {
    /// An empirical distribution of equally likely `values` (sorted here), appended to
    /// `tables`.
    pub fn table(values: &[f64], tables: &mut DiscreteTables) -> Sampler {
        let mut v: Vec<f32> = values.iter().map(|&x| x as f32).collect();
        v.sort_by(f32::total_cmp);
        let start = tables.val.len() as u32;
        tables.cum.extend(std::iter::repeat_n(0.0, v.len()));
        tables.val.extend(&v);
        Sampler::Table {
            start,
            len: v.len() as u32,
        }
    }
}

/// Cumulative probabilities and values of all discrete distributions of a network.
#[derive(Debug, Clone, Default)]
pub struct DiscreteTables {
    /// Cumulative probability up to and including each entry (the last of a task is 1).
    pub cum: Vec<f32>,
    /// Values.
    pub val: Vec<f32>,
}

impl Sampler {
    /// Compiles `d`, appending discrete entries to `tables`.
    pub fn new(d: &Distribution, tables: &mut DiscreteTables) -> Sampler {
        match *d {
            Distribution::Fixed { likely } => Sampler::Fixed(likely as f32),
            Distribution::Uniform { min, max, .. } => {
                if max > min {
                    Sampler::Uniform {
                        a: min as f32,
                        w: (max - min) as f32,
                    }
                } else {
                    Sampler::Fixed(min as f32)
                }
            }
            Distribution::Triangular {
                min: a,
                likely: c,
                max: b,
            } => {
                if b > a {
                    Sampler::Triangular {
                        a: a as f32,
                        b: b as f32,
                        fc: ((c - a) / (b - a)) as f32,
                        k1: ((b - a) * (c - a)) as f32,
                        k2: ((b - a) * (b - c)) as f32,
                    }
                } else {
                    Sampler::Fixed(a as f32)
                }
            }
            Distribution::Pert { min, likely, max } => {
                if max > min {
                    let (j, fm) = pert::pert_row((likely - min) / (max - min));
                    Sampler::Pert {
                        a: min as f32,
                        r: (max - min) as f32,
                        j: j as u32,
                        fm,
                    }
                } else {
                    Sampler::Fixed(min as f32)
                }
            }
            Distribution::Normal { mean, sd } => {
                if sd > 0.0 {
                    Sampler::Normal {
                        mean: mean as f32,
                        sd: sd as f32,
                    }
                } else {
                    Sampler::Fixed(mean as f32)
                }
            }
            Distribution::Lognormal { mean, sd } => {
                if sd > 0.0 {
                    let s2 = (1.0 + (sd / mean).powi(2)).ln();
                    Sampler::Lognormal {
                        mu: (mean.ln() - 0.5 * s2) as f32,
                        sigma: s2.sqrt() as f32,
                    }
                } else {
                    Sampler::Fixed(mean as f32)
                }
            }
            Distribution::Exponential { mean } => Sampler::Exponential { mean: mean as f32 },
            Distribution::Discrete { ref values } => {
                let total: f64 = values.iter().map(|(_, w)| w).sum();
                let start = tables.cum.len() as u32;
                let mut acc = 0.0;
                for (i, (v, w)) in values.iter().enumerate() {
                    acc += w;
                    let c = if i + 1 == values.len() {
                        1.0
                    } else {
                        (acc / total) as f32
                    };
                    tables.cum.push(c);
                    tables.val.push(*v as f32);
                }
                Sampler::Discrete {
                    start,
                    len: values.len() as u32,
                }
            }
        }
    }

    /// Fills `out[i] = F⁻¹(u[i])` for every lane.
    #[inline(always)]
    pub fn fill(&self, u: &[f32; LANES], out: &mut [f32; LANES], disc: &DiscreteTables) {
        match *self {
            Sampler::Fixed(x) => out.fill(x),
            Sampler::Uniform { a, w } => {
                for (o, &u) in out.iter_mut().zip(u) {
                    *o = a + u * w;
                }
            }
            Sampler::Triangular { a, b, fc, k1, k2 } => {
                for (o, &u) in out.iter_mut().zip(u) {
                    *o = triangular(u, a, b, fc, k1, k2);
                }
            }
            Sampler::Pert { a, r, j, fm } => {
                pert::table().fill(j as usize, fm, a, r, u, out);
            }
            Sampler::Normal { mean, sd } => {
                for (o, &u) in out.iter_mut().zip(u) {
                    let x = mean as f64 + sd as f64 * inverse_normal(u as f64);
                    *o = x.max(0.0) as f32;
                }
            }
            Sampler::Lognormal { mu, sigma } => {
                for (o, &u) in out.iter_mut().zip(u) {
                    *o = (mu as f64 + sigma as f64 * inverse_normal(u as f64)).exp() as f32;
                }
            }
            Sampler::Exponential { mean } => {
                for (o, &u) in out.iter_mut().zip(u) {
                    *o = -mean * (1.0 - u).ln();
                }
            }
            Sampler::Table { start, len } => {
                let vals = &disc.val[start as usize..(start + len) as usize];
                for (o, &u) in out.iter_mut().zip(u) {
                    *o = vals[((u * len as f32) as usize).min(len as usize - 1)];
                }
            }
            Sampler::Discrete { start, len } => {
                let (s, n) = (start as usize, len as usize);
                let cum = &disc.cum[s..s + n - 1];
                let val = &disc.val[s..s + n];
                for (o, &u) in out.iter_mut().zip(u) {
                    let idx = cum.iter().filter(|&&c| u > c).count();
                    *o = val[idx];
                }
            }
        }
    }
}

/// The triangular inverse CDF at `u` (constants of [`Sampler::Triangular`]). One square
/// root and two bitwise selects, so that a loop over lanes compiles to packed
/// arithmetic with no branch per lane (an `if` here is left as branches).
#[inline(always)]
pub fn triangular(u: f32, a: f32, b: f32, fc: f32, k1: f32, k2: f32) -> f32 {
    let low = 0u32.wrapping_sub((u < fc) as u32);
    let pick = |x: f32, y: f32| f32::from_bits((x.to_bits() & low) | (y.to_bits() & !low));
    let r = pick(u * k1, (1.0 - u) * k2).sqrt();
    pick(a + r, b - r)
}

/// Standard normal scores Φ⁻¹(u) for a block of lanes: the central branch of Acklam's
/// approximation for every lane (a rational function in `f64`, vectorised), then the
/// tail branch for the few lanes outside [0.02425, 0.97575]. Same accuracy as
/// [`inverse_normal`].
pub fn normal_scores(u: &[f32; LANES], out: &mut [f32]) {
    let out = &mut out[..LANES];
    for (o, &p) in out.iter_mut().zip(u) {
        let q = p as f64 - 0.5;
        let r = q * q;
        let num = (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q;
        let den = ((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0;
        *o = (num / den) as f32;
    }
    for (o, &p) in out.iter_mut().zip(u) {
        if !(0.02425..=0.97575).contains(&p) {
            *o = inverse_normal(p as f64) as f32;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use statrs::distribution::{ContinuousCDF, Normal};

    #[test]
    fn inverse_normal_matches_statrs() {
        let n = Normal::new(0.0, 1.0).unwrap();
        for i in 1..1000 {
            let p = i as f64 / 1000.0;
            assert!(
                (inverse_normal(p) - n.inverse_cdf(p)).abs() < 1e-8,
                "p = {p}"
            );
        }
        assert!((inverse_normal(1e-7) - n.inverse_cdf(1e-7)).abs() < 1e-6);
    }

    #[test]
    fn block_normal_scores_match_the_scalar_form() {
        let mut u = [0f32; LANES];
        for (l, x) in u.iter_mut().enumerate() {
            *x = (l as f32 + 0.5) / LANES as f32;
        }
        u[0] = 1e-6;
        let mut z = [0f32; LANES];
        normal_scores(&u, &mut z);
        for l in 0..LANES {
            assert!(
                (z[l] as f64 - inverse_normal(u[l] as f64)).abs() < 1e-6,
                "lane {l}: {} vs {}",
                z[l],
                inverse_normal(u[l] as f64)
            );
        }
    }

    #[test]
    fn triangular_quantiles_are_exact() {
        let mut t = DiscreteTables::default();
        let s = Sampler::new(
            &Distribution::Triangular {
                min: 2.0,
                likely: 4.0,
                max: 10.0,
            },
            &mut t,
        );
        let mut u = [0.5f32; LANES];
        u[..4].copy_from_slice(&[0.0, 0.25, 0.5, 1.0]);
        let mut out = [0f32; LANES];
        s.fill(&u, &mut out, &t);
        // F(4) = 0.25; F⁻¹(0.5) = 10 − sqrt(0.5·8·6)
        assert_eq!(out[0], 2.0);
        assert!((out[1] - 4.0).abs() < 1e-6);
        assert!((out[2] - (10.0 - 24f32.sqrt())).abs() < 1e-5);
        assert_eq!(out[3], 10.0);
    }

    #[test]
    fn discrete_picks_by_cumulative_weight() {
        let mut t = DiscreteTables::default();
        let s = Sampler::new(
            &Distribution::Discrete {
                values: vec![(11.0, 1.0), (12.0, 0.0), (13.0, 3.0)],
            },
            &mut t,
        );
        let mut u = [0.5f32; LANES];
        u[..4].copy_from_slice(&[0.1, 0.25, 0.26, 0.99]);
        let mut out = [0f32; LANES];
        s.fill(&u, &mut out, &t);
        assert_eq!(out[..4], [11.0, 11.0, 13.0, 13.0]);
    }
}
