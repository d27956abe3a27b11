//! Rank correlation between task durations and uncertain cost amounts (a task's fixed
//! cost, its rate) by the Iman–Conover method (Iman & Conover, 1982), applied to each
//! block of [`LANES`] iterations.
//!
//! For a group of correlated quantities, each block draws independent standard-normal
//! scores ε (64 × k, keyed per quantity), mixes them to T = ε·Aᵀ where A·Aᵀ = C is the
//! score correlation, and reorders every quantity's 64 samples to follow the ranks of its
//! column of T. Only the order of each quantity's samples changes: its sample set, and so
//! its marginal distribution, is exactly that of the uncorrelated run.
//!
//! **Score target.** For an infinite sample, normal scores with correlation c give a
//! Spearman correlation (6/π)·arcsin(c/2), so c = 2·sin(π·ρs/6). Ranking within blocks of
//! n = 64 attenuates it: the expected rank correlation inside a block of bivariate
//! normals is 6/(π(n+1))·[arcsin c + (n−2)·arcsin(c/2)] (Moran, 1948), and rank-matching
//! to independent order statistics multiplies that by (n−1)/(n+1) when iterations are
//! pooled. slipcast solves that exact relation for c, so the Spearman correlation over
//! all iterations equals the requested ρs (checked by tests within sampling error). The
//! largest |ρs| reachable this way is 0.969; larger requests are capped, with a note.
//!
//! **Consistency.** The requested matrix must be positive semi-definite. When it is not,
//! the plan is refused naming the tasks involved, unless repair is asked for: then the
//! nearest correlation matrix (Higham, 2002: alternating projections with Dykstra's
//! correction) replaces it and the largest change is reported.

use std::f64::consts::PI;

use nalgebra::{DMatrix, SymmetricEigen};

use crate::lanes::LANES;
use crate::lanes::radix::order_key;
use crate::lanes::sort64::sort64;

/// A group of quantities (task durations, cost amounts) correlated with one another.
#[derive(Debug, Clone)]
pub struct CorrGroup {
    /// Members: durations by ascending task, then amounts by ascending slot.
    pub members: Vec<Member>,
    /// Row-major k × k matrix A with A·Aᵀ = the score correlation.
    pub root: Vec<f32>,
}

/// One correlated quantity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Member {
    /// A task's duration (topological index).
    Duration(u32),
    /// An uncertain cost amount: index into `Network::amounts`.
    Amount(u32),
}

/// A cost amount correlations.csv names (`TASK.cost`, `TASK.rate`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CorrAmount {
    /// The task (topological index).
    pub task: u32,
    /// Its rate (`TASK.rate`) rather than its fixed cost (`TASK.cost`).
    pub rate: bool,
}

/// Inverse of [`order_key`].
#[inline(always)]
fn from_order_key(k: u32) -> f32 {
    f32::from_bits(if k >> 31 == 1 { k & 0x7fff_ffff } else { !k })
}

/// Expected Spearman correlation over pooled iterations when blocks of `n` are reordered
/// by normal scores of correlation `c`.
pub fn pooled_spearman(c: f64, n: usize) -> f64 {
    let n = n as f64;
    (n - 1.0) / (n + 1.0) * 6.0 / (PI * (n + 1.0)) * (c.asin() + (n - 2.0) * (c / 2.0).asin())
}

/// The largest Spearman correlation block reordering can reach.
pub fn max_spearman() -> f64 {
    pooled_spearman(1.0, LANES)
}

/// Score correlation c that yields pooled Spearman `rho` (capped at the reachable range).
pub fn score_target(rho: f64) -> f64 {
    let target = rho.clamp(-max_spearman(), max_spearman());
    let (mut lo, mut hi) = (-1.0f64, 1.0f64);
    for _ in 0..100 {
        let mid = 0.5 * (lo + hi);
        if pooled_spearman(mid, LANES) < target {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// Smallest eigenvalue of a symmetric matrix and its eigenvector.
pub fn min_eigen(m: &DMatrix<f64>) -> (f64, Vec<f64>) {
    let e = SymmetricEigen::new(m.clone());
    let (i, &v) = e
        .eigenvalues
        .iter()
        .enumerate()
        .min_by(|a, b| a.1.total_cmp(b.1))
        .unwrap_or((0, &0.0));
    (v, e.eigenvectors.column(i).iter().copied().collect())
}

fn project_psd(m: &DMatrix<f64>) -> DMatrix<f64> {
    let mut e = SymmetricEigen::new(m.clone());
    for v in e.eigenvalues.iter_mut() {
        *v = v.max(0.0);
    }
    let x = e.recompose();
    (&x + x.transpose()) * 0.5
}

/// Nearest correlation matrix in the Frobenius norm (Higham 2002), unit diagonal and
/// positive semi-definite.
pub fn nearest_correlation(a: &DMatrix<f64>) -> DMatrix<f64> {
    let n = a.nrows();
    let mut ds = DMatrix::<f64>::zeros(n, n);
    let mut y = a.clone();
    for _ in 0..500 {
        let r = &y - &ds;
        let x = project_psd(&r);
        ds = &x - &r;
        let mut next = x.clone();
        for i in 0..n {
            next[(i, i)] = 1.0;
        }
        let change = (&next - &y).norm();
        y = next;
        if change < 1e-12 * n as f64 {
            break;
        }
    }
    // Guard against a tiny negative eigenvalue left by the last unit-diagonal step.
    let (lmin, _) = min_eigen(&y);
    if lmin < 0.0 {
        let shift = -lmin + 1e-12;
        y = (y + DMatrix::identity(n, n) * shift) / (1.0 + shift);
    }
    y
}

/// A square root A (A·Aᵀ = m) of a positive semi-definite matrix, via its eigenvectors.
pub fn sqrt_psd(m: &DMatrix<f64>) -> DMatrix<f64> {
    let e = SymmetricEigen::new(m.clone());
    let mut a = e.eigenvectors.clone();
    for (j, &l) in e.eigenvalues.iter().enumerate() {
        let s = l.max(0.0).sqrt();
        for i in 0..a.nrows() {
            a[(i, j)] *= s;
        }
    }
    a
}

/// Reorders each member's lanes — of `dur` (task-major, [`LANES`] per task) for a
/// duration, of `amounts` (slot-major) for an amount — to follow the ranks of the mixed
/// scores. `eps` holds k × LANES independent normal scores, member-major. `mixed` is
/// scratch of the same size. Only the first `valid` lanes are iterations (the last block
/// of a run may be partial): they are reordered among themselves, so each member's
/// samples stay exactly its uncorrelated samples; the other lanes are left as they are.
pub fn reorder_block(
    group: &CorrGroup,
    eps: &[f32],
    mixed: &mut [f32],
    dur: &mut [f32],
    amounts: &mut [f32],
    valid: usize,
) {
    let k = group.members.len();
    for i in 0..k {
        let out = &mut mixed[i * LANES..(i + 1) * LANES];
        out.fill(0.0);
        for j in 0..k {
            let a = group.root[i * k + j];
            if a == 0.0 {
                continue;
            }
            let e = &eps[j * LANES..(j + 1) * LANES];
            for l in 0..LANES {
                out[l] += a * e[l];
            }
        }
    }
    for (i, &member) in group.members.iter().enumerate() {
        // Integer keys sort much faster than float comparisons: an order-preserving map of
        // each score to u32 whose low six bits are replaced by its lane. Scores closer
        // than 2⁻¹⁷ relative to each other then count as tied and keep lane order.
        let scores = &mixed[i * LANES..(i + 1) * LANES];
        let mut order = [0u32; LANES];
        for (l, o) in order.iter_mut().enumerate() {
            *o = (order_key(scores[l]) & !(LANES as u32 - 1)) | l as u32;
        }
        let (lanes, floor) = match member {
            // A duration is never negative.
            Member::Duration(t) => (&mut dur[t as usize * LANES..(t as usize + 1) * LANES], 0.0),
            // An amount may be a credit.
            Member::Amount(a) => (
                &mut amounts[a as usize * LANES..(a as usize + 1) * LANES],
                f32::MIN,
            ),
        };
        // Order keys sort like the values and map back to them bit for bit.
        let mut sorted = [0u32; LANES];
        for (x, d) in sorted.iter_mut().zip(lanes.iter()) {
            *x = order_key(d.max(floor));
        }
        if valid < LANES {
            // Lanes past the run's end rank last on both sides (above every finite
            // score's key and every duration), so the valid lanes exchange only their own
            // durations.
            for l in valid..LANES {
                order[l] = !(LANES as u32 - 1) | l as u32;
                sorted[l] = u32::MAX;
            }
        }
        sort64(&mut order);
        sort64(&mut sorted);
        for (rank, &o) in order.iter().enumerate().take(valid) {
            lanes[(o & (LANES as u32 - 1)) as usize] = from_order_key(sorted[rank]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn score_target_inverts_the_pooled_relation() {
        for rho in [-0.9, -0.5, 0.0, 0.3, 0.8, 0.95] {
            let c = score_target(rho);
            assert!((pooled_spearman(c, LANES) - rho).abs() < 1e-12);
        }
        // Large n: the classical relation c = 2 sin(πρ/6).
        let c = 2.0 * (PI * 0.5 / 6.0).sin();
        assert!((pooled_spearman(c, 1_000_000) - 0.5).abs() < 1e-5);
        assert!(max_spearman() > 0.96 && max_spearman() < 0.97);
    }

    #[test]
    fn nearest_correlation_repairs_an_inconsistent_matrix() {
        // A, B, C: A~B 0.9, B~C 0.9, A~C -0.9 cannot all hold.
        let m = DMatrix::from_row_slice(3, 3, &[1.0, 0.9, -0.9, 0.9, 1.0, 0.9, -0.9, 0.9, 1.0]);
        assert!(min_eigen(&m).0 < 0.0);
        let r = nearest_correlation(&m);
        assert!(min_eigen(&r).0 >= -1e-10);
        for i in 0..3 {
            assert!((r[(i, i)] - 1.0).abs() < 1e-9);
        }
        // Symmetric problem: the answer keeps the sign pattern and is symmetric.
        assert!((r[(0, 1)] - r[(1, 2)]).abs() < 1e-6);
        assert!(r[(0, 2)] < 0.0 && r[(0, 1)] > 0.0);
        // A valid matrix is left alone.
        let ok = DMatrix::from_row_slice(2, 2, &[1.0, 0.5, 0.5, 1.0]);
        assert!((nearest_correlation(&ok) - &ok).norm() < 1e-9);
    }

    #[test]
    fn sqrt_reproduces_the_matrix() {
        let m = DMatrix::from_row_slice(3, 3, &[1.0, 0.5, 0.2, 0.5, 1.0, 0.3, 0.2, 0.3, 1.0]);
        let a = sqrt_psd(&m);
        assert!((&a * a.transpose() - &m).norm() < 1e-12);
        let singular = DMatrix::from_row_slice(2, 2, &[1.0, 1.0, 1.0, 1.0]);
        let a = sqrt_psd(&singular);
        assert!((&a * a.transpose() - &singular).norm() < 1e-12);
    }
}
