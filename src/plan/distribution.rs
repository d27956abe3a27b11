//! Duration distributions: the validated form of a task's estimate.
//!
//! Parameters are in working days. Invariants (enforced by [`Distribution::check`], which
//! the plan reader calls before building one): every parameter is finite; durations are
//! never negative (`min ≥ 0`, `mean ≥ 0`, discrete values ≥ 0); `min ≤ likely ≤ max`;
//! `sd ≥ 0`; discrete weights are ≥ 0 with a positive sum.

use serde::Serialize;

/// A task duration distribution.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "distribution", rename_all = "lowercase")]
pub enum Distribution {
    /// Always `likely`.
    Fixed {
        /// The duration.
        likely: f64,
    },
    /// Triangular on `[min, max]` with mode `likely`.
    Triangular {
        /// Minimum.
        min: f64,
        /// Mode.
        likely: f64,
        /// Maximum.
        max: f64,
    },
    /// Beta-PERT with λ = 4: `min + (max − min)·Beta(α, β)`, α = 1 + 4(likely − min)/(max − min),
    /// β = 1 + 4(max − likely)/(max − min); mean (min + 4·likely + max)/6.
    Pert {
        /// Minimum.
        min: f64,
        /// Mode.
        likely: f64,
        /// Maximum.
        max: f64,
    },
    /// Uniform on `[min, max]`. `planned`, when the row gave a `likely`, is used as the
    /// deterministic value; otherwise the midpoint is.
    Uniform {
        /// Minimum.
        min: f64,
        /// Maximum.
        max: f64,
        /// The planned (single-point) duration, if given.
        planned: Option<f64>,
    },
    /// Normal with the given mean and standard deviation, clipped at 0.
    Normal {
        /// Mean (before clipping).
        mean: f64,
        /// Standard deviation (before clipping).
        sd: f64,
    },
    /// Lognormal whose own mean and standard deviation are given.
    Lognormal {
        /// Mean of the duration.
        mean: f64,
        /// Standard deviation of the duration.
        sd: f64,
    },
    /// Exponential with the given mean.
    Exponential {
        /// Mean.
        mean: f64,
    },
    /// A finite set of values with weights (need not sum to 1).
    Discrete {
        /// `(value, weight)` pairs in the order given.
        values: Vec<(f64, f64)>,
    },
}

impl Distribution {
    /// The name used in tasks.csv.
    pub fn name(&self) -> &'static str {
        match self {
            Distribution::Fixed { .. } => "fixed",
            Distribution::Triangular { .. } => "triangular",
            Distribution::Pert { .. } => "pert",
            Distribution::Uniform { .. } => "uniform",
            Distribution::Normal { .. } => "normal",
            Distribution::Lognormal { .. } => "lognormal",
            Distribution::Exponential { .. } => "exponential",
            Distribution::Discrete { .. } => "discrete",
        }
    }

    /// Checks the invariants in the module docs; `Err` says what is wrong.
    pub fn check(&self) -> Result<(), String> {
        let three = |min: f64, likely: f64, max: f64| {
            if min < 0.0 {
                Err(format!("min must not be negative, found {min}"))
            } else if !(min <= likely && likely <= max) {
                Err(format!(
                    "the estimate must satisfy min ≤ likely ≤ max, found {min} / {likely} / {max}"
                ))
            } else {
                Ok(())
            }
        };
        match *self {
            Distribution::Fixed { likely } if likely < 0.0 => {
                Err(format!("the duration must not be negative, found {likely}"))
            }
            Distribution::Fixed { .. } => Ok(()),
            Distribution::Triangular { min, likely, max }
            | Distribution::Pert { min, likely, max } => three(min, likely, max),
            Distribution::Uniform { min, max, planned } => match planned {
                Some(p) => three(min, p, max),
                None => three(min, min, max),
            },
            Distribution::Normal { mean, sd } if mean < 0.0 || sd < 0.0 => Err(format!(
                "mean and sd must not be negative, found mean {mean}, sd {sd}"
            )),
            Distribution::Normal { .. } => Ok(()),
            Distribution::Lognormal { mean, sd } if mean <= 0.0 || sd < 0.0 => Err(format!(
                "a lognormal needs mean > 0 and sd ≥ 0, found mean {mean}, sd {sd}"
            )),
            Distribution::Lognormal { .. } => Ok(()),
            Distribution::Exponential { mean } if mean < 0.0 => {
                Err(format!("mean must not be negative, found {mean}"))
            }
            Distribution::Exponential { .. } => Ok(()),
            Distribution::Discrete { ref values } => {
                if values.is_empty() {
                    return Err("no values given".into());
                }
                if let Some(&(v, _)) = values.iter().find(|(v, _)| *v < 0.0) {
                    return Err(format!("values must not be negative, found {v}"));
                }
                if let Some(&(_, w)) = values.iter().find(|(_, w)| *w < 0.0) {
                    return Err(format!("weights must not be negative, found {w}"));
                }
                if values.iter().map(|(_, w)| w).sum::<f64>() <= 0.0 {
                    return Err("the weights sum to zero".into());
                }
                Ok(())
            }
        }
    }

    /// Checks a risk impact: finite, `min ≤ likely ≤ max`, `sd ≥ 0`, discrete weights
    /// valid; values may be negative (an opportunity).
    pub fn check_impact(&self) -> Result<(), String> {
        let order = |min: f64, likely: f64, max: f64| {
            if min <= likely && likely <= max {
                Ok(())
            } else {
                Err(format!(
                    "the impact must satisfy min ≤ likely ≤ max, found {min} / {likely} / {max}"
                ))
            }
        };
        match *self {
            Distribution::Triangular { min, likely, max }
            | Distribution::Pert { min, likely, max } => order(min, likely, max),
            Distribution::Uniform { min, max, planned } => order(min, planned.unwrap_or(min), max),
            Distribution::Discrete { ref values } => {
                let shifted: Vec<(f64, f64)> = values.iter().map(|&(_, w)| (0.0, w)).collect();
                Distribution::Discrete { values: shifted }.check()
            }
            Distribution::Fixed { .. } => Ok(()),
            _ => self.check(),
        }
    }

    /// The same shape with every value multiplied by `f ≥ 0` (a duration in other
    /// units, or an estimate scaled to the work left).
    pub fn scaled(&self, f: f64) -> Distribution {
        match *self {
            Distribution::Fixed { likely } => Distribution::Fixed { likely: likely * f },
            Distribution::Triangular { min, likely, max } => Distribution::Triangular {
                min: min * f,
                likely: likely * f,
                max: max * f,
            },
            Distribution::Pert { min, likely, max } => Distribution::Pert {
                min: min * f,
                likely: likely * f,
                max: max * f,
            },
            Distribution::Uniform { min, max, planned } => Distribution::Uniform {
                min: min * f,
                max: max * f,
                planned: planned.map(|p| p * f),
            },
            Distribution::Normal { mean, sd } => Distribution::Normal {
                mean: mean * f,
                sd: sd * f,
            },
            Distribution::Lognormal { mean, sd } => Distribution::Lognormal {
                mean: mean * f,
                sd: sd * f,
            },
            Distribution::Exponential { mean } => Distribution::Exponential { mean: mean * f },
            Distribution::Discrete { ref values } => Distribution::Discrete {
                values: values.iter().map(|&(v, w)| (v * f, w)).collect(),
            },
        }
    }

    /// The value used by the deterministic CPM run (SPEC §2): the most likely value for
    /// three-point and fixed estimates, the planned value (or midpoint) for uniform, and
    /// the mean for normal, lognormal, exponential and discrete.
    pub fn deterministic(&self) -> f64 {
        match *self {
            Distribution::Fixed { likely }
            | Distribution::Triangular { likely, .. }
            | Distribution::Pert { likely, .. } => likely,
            Distribution::Uniform { min, max, planned } => planned.unwrap_or(0.5 * (min + max)),
            _ => self.mean(),
        }
    }

    /// The exact mean of the sampled duration (for normal: of the distribution before
    /// clipping at 0).
    pub fn mean(&self) -> f64 {
        match *self {
            Distribution::Fixed { likely } => likely,
            Distribution::Triangular { min, likely, max } => (min + likely + max) / 3.0,
            Distribution::Pert { min, likely, max } => (min + 4.0 * likely + max) / 6.0,
            Distribution::Uniform { min, max, .. } => 0.5 * (min + max),
            Distribution::Normal { mean, .. }
            | Distribution::Lognormal { mean, .. }
            | Distribution::Exponential { mean } => mean,
            Distribution::Discrete { ref values } => {
                let w: f64 = values.iter().map(|(_, w)| w).sum();
                values.iter().map(|(v, p)| v * p).sum::<f64>() / w
            }
        }
    }

    /// The exact variance (for normal: before clipping).
    pub fn variance(&self) -> f64 {
        match *self {
            Distribution::Fixed { .. } => 0.0,
            Distribution::Triangular {
                min: a,
                likely: c,
                max: b,
            } => (a * a + b * b + c * c - a * b - a * c - b * c) / 18.0,
            Distribution::Pert { min, likely, max } => {
                let r = max - min;
                if r == 0.0 {
                    return 0.0;
                }
                let al = 1.0 + 4.0 * (likely - min) / r;
                let be = 1.0 + 4.0 * (max - likely) / r;
                r * r * al * be / ((al + be).powi(2) * (al + be + 1.0))
            }
            Distribution::Uniform { min, max, .. } => (max - min).powi(2) / 12.0,
            Distribution::Normal { sd, .. } | Distribution::Lognormal { sd, .. } => sd * sd,
            Distribution::Exponential { mean } => mean * mean,
            Distribution::Discrete { ref values } => {
                let w: f64 = values.iter().map(|(_, w)| w).sum();
                let m = self.mean();
                values.iter().map(|(v, p)| p * (v - m).powi(2)).sum::<f64>() / w
            }
        }
    }

    /// P(X ≤ x). For normal, the clipped distribution (an atom at 0).
    pub fn cdf(&self, x: f64) -> f64 {
        use statrs::distribution::{ContinuousCDF, Normal};
        let phi = |z: f64| Normal::standard().cdf(z);
        match *self {
            Distribution::Fixed { likely } => (x >= likely) as u8 as f64,
            Distribution::Triangular {
                min: a,
                likely: c,
                max: b,
            } => {
                if x < a {
                    0.0
                } else if x >= b {
                    1.0
                } else if x <= c {
                    if c == a {
                        0.0
                    } else {
                        (x - a).powi(2) / ((b - a) * (c - a))
                    }
                } else {
                    1.0 - (b - x).powi(2) / ((b - a) * (b - c))
                }
            }
            Distribution::Pert { min, likely, max } => {
                if x < min {
                    0.0
                } else if x >= max {
                    1.0
                } else {
                    let r = max - min;
                    let (al, be) = (
                        1.0 + 4.0 * (likely - min) / r,
                        1.0 + 4.0 * (max - likely) / r,
                    );
                    statrs::function::beta::beta_reg(al, be, (x - min) / r)
                }
            }
            Distribution::Uniform { min, max, .. } => {
                if max > min {
                    ((x - min) / (max - min)).clamp(0.0, 1.0)
                } else {
                    (x >= min) as u8 as f64
                }
            }
            Distribution::Normal { mean, sd } => {
                if x < 0.0 {
                    0.0
                } else if sd == 0.0 {
                    (x >= mean) as u8 as f64
                } else {
                    phi((x - mean) / sd)
                }
            }
            Distribution::Lognormal { mean, sd } => {
                if x <= 0.0 {
                    0.0
                } else if sd == 0.0 {
                    (x >= mean) as u8 as f64
                } else {
                    let s2 = (1.0 + (sd / mean).powi(2)).ln();
                    phi((x.ln() - (mean.ln() - 0.5 * s2)) / s2.sqrt())
                }
            }
            Distribution::Exponential { mean } => {
                if x < 0.0 {
                    0.0
                } else if mean == 0.0 {
                    1.0
                } else {
                    1.0 - (-x / mean).exp()
                }
            }
            Distribution::Discrete { ref values } => {
                let w: f64 = values.iter().map(|(_, w)| w).sum();
                values
                    .iter()
                    .filter(|(v, _)| *v <= x)
                    .map(|(_, p)| p)
                    .sum::<f64>()
                    / w
            }
        }
    }

    /// The p-quantile (inverse CDF), p in (0, 1), in double precision.
    pub fn quantile(&self, p: f64) -> f64 {
        let p = p.clamp(1e-12, 1.0 - 1e-12);
        match *self {
            Distribution::Fixed { likely } => likely,
            Distribution::Triangular {
                min: a,
                likely: c,
                max: b,
            } => {
                if b == a {
                    return a;
                }
                let fc = (c - a) / (b - a);
                if p < fc {
                    a + (p * (b - a) * (c - a)).sqrt()
                } else {
                    b - ((1.0 - p) * (b - a) * (b - c)).sqrt()
                }
            }
            Distribution::Pert { min, likely, max } => {
                let r = max - min;
                if r == 0.0 {
                    return min;
                }
                let (al, be) = (
                    1.0 + 4.0 * (likely - min) / r,
                    1.0 + 4.0 * (max - likely) / r,
                );
                min + r * crate::num::beta_quantile(al, be, p, 0.5)
            }
            Distribution::Uniform { min, max, .. } => min + p * (max - min),
            Distribution::Normal { mean, sd } => {
                (mean + sd * crate::num::inverse_normal(p)).max(0.0)
            }
            Distribution::Lognormal { mean, sd } => {
                if sd == 0.0 {
                    return mean;
                }
                let s2 = (1.0 + (sd / mean).powi(2)).ln();
                (mean.ln() - 0.5 * s2 + s2.sqrt() * crate::num::inverse_normal(p)).exp()
            }
            Distribution::Exponential { mean } => -mean * (1.0 - p).ln(),
            Distribution::Discrete { ref values } => {
                let w: f64 = values.iter().map(|(_, w)| w).sum();
                let mut sorted = values.clone();
                sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
                let mut acc = 0.0;
                for (v, q) in &sorted {
                    acc += q / w;
                    if acc >= p - 1e-12 {
                        return *v;
                    }
                }
                sorted.last().map_or(0.0, |x| x.0)
            }
        }
    }

    /// Smallest and largest value the distribution can take (`f64::INFINITY` when
    /// unbounded above).
    pub fn bounds(&self) -> (f64, f64) {
        match *self {
            Distribution::Fixed { likely } => (likely, likely),
            Distribution::Triangular { min, max, .. }
            | Distribution::Pert { min, max, .. }
            | Distribution::Uniform { min, max, .. } => (min, max),
            Distribution::Normal { sd: 0.0, mean } => (mean, mean),
            Distribution::Lognormal { sd: 0.0, mean } => (mean, mean),
            Distribution::Exponential { mean: 0.0 } => (0.0, 0.0),
            Distribution::Normal { .. }
            | Distribution::Lognormal { .. }
            | Distribution::Exponential { .. } => (0.0, f64::INFINITY),
            Distribution::Discrete { ref values } => {
                let live = values.iter().filter(|(_, w)| *w > 0.0).map(|(v, _)| *v);
                let lo = live.clone().fold(f64::INFINITY, f64::min);
                let hi = live.fold(f64::NEG_INFINITY, f64::max);
                (lo, hi)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_rejects_bad_estimates() {
        assert!(
            Distribution::Triangular {
                min: 5.0,
                likely: 3.0,
                max: 9.0
            }
            .check()
            .is_err()
        );
        assert!(
            Distribution::Triangular {
                min: -1.0,
                likely: 3.0,
                max: 9.0
            }
            .check()
            .is_err()
        );
        assert!(
            Distribution::Lognormal { mean: 0.0, sd: 1.0 }
                .check()
                .is_err()
        );
        assert!(
            Distribution::Discrete {
                values: vec![(1.0, 0.0)]
            }
            .check()
            .is_err()
        );
        assert!(
            Distribution::Pert {
                min: 1.0,
                likely: 1.0,
                max: 1.0
            }
            .check()
            .is_ok()
        );
    }

    #[test]
    fn cdf_and_quantile_are_inverse() {
        let ds = [
            Distribution::Triangular {
                min: 2.0,
                likely: 5.0,
                max: 11.0,
            },
            Distribution::Pert {
                min: 2.0,
                likely: 3.0,
                max: 11.0,
            },
            Distribution::Uniform {
                min: 1.0,
                max: 4.0,
                planned: None,
            },
            Distribution::Normal {
                mean: 10.0,
                sd: 2.0,
            },
            Distribution::Lognormal {
                mean: 10.0,
                sd: 4.0,
            },
            Distribution::Exponential { mean: 3.0 },
        ];
        for d in &ds {
            for p in [0.01, 0.1, 0.37, 0.5, 0.8, 0.99] {
                let x = d.quantile(p);
                assert!(
                    (d.cdf(x) - p).abs() < 1e-7,
                    "{d:?} p {p}: F(Q(p)) = {}",
                    d.cdf(x)
                );
            }
        }
        let disc = Distribution::Discrete {
            values: vec![(3.0, 1.0), (1.0, 1.0)],
        };
        assert_eq!(
            (disc.quantile(0.5), disc.quantile(0.51), disc.cdf(2.0)),
            (1.0, 3.0, 0.5)
        );
    }

    #[test]
    fn moments() {
        let t = Distribution::Triangular {
            min: 2.0,
            likely: 5.0,
            max: 11.0,
        };
        assert_eq!(t.mean(), 6.0);
        // (4 + 121 + 25 - 22 - 10 - 55) / 18 = 63/18
        assert!((t.variance() - 3.5).abs() < 1e-12);
        let d = Distribution::Discrete {
            values: vec![(1.0, 1.0), (3.0, 3.0)],
        };
        assert_eq!(d.mean(), 2.5);
        assert!((d.variance() - 0.75).abs() < 1e-12);
        assert_eq!(d.deterministic(), 2.5);
    }
}
