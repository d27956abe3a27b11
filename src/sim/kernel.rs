//! The block kernel: one block of [`LANES`] iterations through the whole network.
//!
//! Task-major layout: for each task (in topological order) its lanes are a contiguous
//! slice of `dur`, `es`, `ef`, so every inner loop runs over 64 independent iterations
//! and vectorises. The distribution and link type are chosen per task and link, never
//! per lane. Nothing here allocates; scratch buffers live for a thread's whole run.
//!
//! Criticality (SPEC §2: zero total float towards a milestone) is computed exactly, with
//! no tolerance: a task has zero total float iff a chain of *binding* constraints leads
//! from it to the milestone. A constraint binds when the successor's early start equals
//! it; because the forward pass takes the maximum of the very values recomputed here,
//! equality is bit-exact. Marks are 64-bit lane masks, one word per task.

use crate::model::Network;
use crate::plan::LinkKind;
use crate::sim::rng::{LANES, block_uniforms};

/// Fixed-point scale for order-independent sums (2³² units per working day).
const FIXED: f64 = 4_294_967_296.0;

/// Per-thread scratch: lanes for every task.
pub(crate) struct Scratch {
    dur: Vec<f32>,
    es: Vec<f32>,
    ef: Vec<f32>,
    crit: Vec<u64>,
    u: [f32; LANES],
}

/// Per-thread accumulators. Sums are fixed-point integers so that adding them up in any
/// order gives the same bits: output never depends on the thread count.
pub(crate) struct Acc {
    pub sum_start: Vec<i128>,
    pub sum_finish: Vec<i128>,
    /// Per milestone, per ancestor (aligned with `Milestone::ancestors`): iterations critical.
    pub crit: Vec<Vec<u64>>,
}

impl Scratch {
    pub fn new(n: usize) -> Scratch {
        Scratch {
            dur: vec![0.0; n * LANES],
            es: vec![0.0; n * LANES],
            ef: vec![0.0; n * LANES],
            crit: vec![0; n],
            u: [0.0; LANES],
        }
    }
}

impl Acc {
    pub fn new(net: &Network) -> Acc {
        Acc {
            sum_start: vec![0; net.len()],
            sum_finish: vec![0; net.len()],
            crit: net
                .milestones
                .iter()
                .map(|m| vec![0; m.ancestors.len()])
                .collect(),
        }
    }

    pub fn merge(mut self, other: Acc) -> Acc {
        for (a, b) in self.sum_start.iter_mut().zip(&other.sum_start) {
            *a += b;
        }
        for (a, b) in self.sum_finish.iter_mut().zip(&other.sum_finish) {
            *a += b;
        }
        for (ma, mb) in self.crit.iter_mut().zip(&other.crit) {
            for (a, b) in ma.iter_mut().zip(mb) {
                *a += b;
            }
        }
        self
    }
}

#[inline(always)]
fn lanes(v: &[f32], t: usize) -> &[f32; LANES] {
    v[t * LANES..(t + 1) * LANES]
        .try_into()
        .expect("slice of LANES")
}

#[inline(always)]
fn max_into(dst: &mut [f32; LANES], f: impl Fn(usize) -> f32) {
    for (l, d) in dst.iter_mut().enumerate() {
        let c = f(l);
        *d = if c > *d { c } else { *d };
    }
}

/// Runs block `block` (`valid` ≤ LANES live iterations). Writes each milestone's finish
/// into `out[lane * k + m]` and adds to `acc`.
pub(crate) fn run_block(
    net: &Network,
    stream_keys: &[u64],
    block: u64,
    valid: usize,
    s: &mut Scratch,
    acc: &mut Acc,
    out: &mut [f32],
) {
    let n = net.len();
    for t in 0..n {
        block_uniforms(stream_keys[t], block, &mut s.u);
        let dur: &mut [f32; LANES] = (&mut s.dur[t * LANES..(t + 1) * LANES])
            .try_into()
            .expect("slice of LANES");
        net.samplers[t].fill(&s.u, dur, &net.discrete);
        let mut start = [net.floor[t]; LANES];
        for link in net.preds(t) {
            let p = link.pred as usize;
            let lag = link.lag;
            match link.kind {
                LinkKind::FS => {
                    let f = lanes(&s.ef, p);
                    max_into(&mut start, |l| f[l] + lag);
                }
                LinkKind::SS => {
                    let e = lanes(&s.es, p);
                    max_into(&mut start, |l| e[l] + lag);
                }
                LinkKind::FF => {
                    let f = lanes(&s.ef, p);
                    max_into(&mut start, |l| f[l] + lag - dur[l]);
                }
                LinkKind::SF => {
                    let e = lanes(&s.es, p);
                    max_into(&mut start, |l| e[l] + lag - dur[l]);
                }
            }
        }
        let mut finish = [0f32; LANES];
        for l in 0..LANES {
            finish[l] = start[l] + dur[l];
        }
        s.es[t * LANES..(t + 1) * LANES].copy_from_slice(&start);
        s.ef[t * LANES..(t + 1) * LANES].copy_from_slice(&finish);
        acc.sum_start[t] += fixed_sum(&start, valid);
        acc.sum_finish[t] += fixed_sum(&finish, valid);
    }

    let k = net.milestones.len();
    let valid_mask = if valid == LANES {
        u64::MAX
    } else {
        (1u64 << valid) - 1
    };
    for (mi, m) in net.milestones.iter().enumerate() {
        let mt = m.task as usize;
        let f = lanes(&s.ef, mt);
        for l in 0..valid {
            out[l * k + mi] = f[l];
        }
        for &a in &m.ancestors {
            s.crit[a as usize] = 0;
        }
        s.crit[mt] = valid_mask;
        for &succ in m.ancestors.iter().rev() {
            let succ = succ as usize;
            let live = s.crit[succ];
            if live == 0 {
                continue;
            }
            let es_s = lanes(&s.es, succ);
            let dur_s = lanes(&s.dur, succ);
            for link in net.preds(succ) {
                let p = link.pred as usize;
                let lag = link.lag;
                let bits = match link.kind {
                    LinkKind::FS => binding(es_s, |l| lanes(&s.ef, p)[l] + lag),
                    LinkKind::SS => binding(es_s, |l| lanes(&s.es, p)[l] + lag),
                    LinkKind::FF => binding(es_s, |l| lanes(&s.ef, p)[l] + lag - dur_s[l]),
                    LinkKind::SF => binding(es_s, |l| lanes(&s.es, p)[l] + lag - dur_s[l]),
                };
                s.crit[p] |= bits & live;
            }
        }
        for (slot, &a) in acc.crit[mi].iter_mut().zip(&m.ancestors) {
            *slot += s.crit[a as usize].count_ones() as u64;
        }
    }
}

#[inline(always)]
fn binding(es: &[f32; LANES], c: impl Fn(usize) -> f32) -> u64 {
    let mut bits = 0u64;
    for l in 0..LANES {
        bits |= ((c(l) == es[l]) as u64) << l;
    }
    bits
}

/// Sum of the first `valid` lanes in a fixed order (eight interleaved partial sums, so
/// the loop vectorises), converted to fixed point.
#[inline]
fn fixed_sum(v: &[f32; LANES], valid: usize) -> i128 {
    let mut part = [0f64; 8];
    for (c, chunk) in v.chunks_exact(8).enumerate() {
        for (i, &x) in chunk.iter().enumerate() {
            part[i] += if c * 8 + i < valid { x as f64 } else { 0.0 };
        }
    }
    let s =
        ((part[0] + part[1]) + (part[2] + part[3])) + ((part[4] + part[5]) + (part[6] + part[7]));
    // Truncation toward zero (error below 2⁻³² day per block); the i64 route avoids a
    // slow float-to-i128 library call in the common case.
    let x = s * FIXED;
    if x.abs() < 9.0e18 {
        x as i64 as i128
    } else {
        x as i128
    }
}

/// Converts a fixed-point sum back to a mean.
pub(crate) fn fixed_mean(sum: i128, n: u64) -> f64 {
    sum as f64 / FIXED / n as f64
}
