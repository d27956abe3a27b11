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
//!
//! Order of effects on a task's duration in one iteration: the sampled duration
//! (reordered across a correlation group by Iman–Conover), times the task's occurrence
//! (0 when a probabilistic task does not happen), plus the impacts of the risks that
//! occurred (days, or percent of the sampled duration; also only when the task happens),
//! clipped at 0. Scenarios then act: `scale` multiplies the sampled duration first,
//! `delay` adds days last (when the task happens), `remove` makes the duration 0.

use crate::model::profile::Span;
use crate::model::resource::{Levelling, NO_TASK, Profile};
use crate::model::sampler::normal_scores;
use crate::model::{Link, Member, NO_FREEZE, Network, Status, WorkTime, correlation, cost, pert};
use std::slice;

/// [`crate::model::calendar::SNAP`] in single precision.
const SNAP32: f32 = crate::model::calendar::SNAP as f32;
use crate::lanes::rng::{LANES, block_stream, block_uniforms, chunk_uniforms, stream_key};
use crate::lanes::{Avx2, avx2};
#[cfg(target_arch = "x86_64")]
use crate::lanes::{Simd, simd};
use crate::model::sampler::{Sampler, triangular};
use crate::plan::LinkKind;

/// Random-stream keys of one run: a pure function of the seed and the entities' ids.
pub(crate) struct Keys {
    duration: Vec<u64>,
    occurrence: Vec<u64>,
    scores: Vec<u64>,
    risk_occurrence: Vec<u64>,
    risk_impact: Vec<u64>,
    calibration: Vec<u64>,
    /// Per task: nothing acts on its sampled duration and every link is finish-to-start
    /// without a freeze window, so the fused path computes it (see [`plain_task`]).
    plain: Vec<bool>,
    /// Per cost entry: the streams of its fixed cost and its rate.
    cost_fixed: Vec<u64>,
    cost_rate: Vec<u64>,
    /// Per overhead: the stream of its rate.
    overhead: Vec<u64>,
    /// Per correlated cost amount: the stream of its normal scores.
    amount_scores: Vec<u64>,
    /// Per cost entry: the part of its cost the same in every lane when the fused path
    /// draws it (see [`fused_cost`]): its fixed cost when that is an amount, plus a
    /// scenario's amount; in `f64`, to the cent.
    cost_const: Vec<f64>,
    /// Per cost entry the fused path draws whose fixed cost and rate are both amounts:
    /// its rate (0 without one).
    cost_rate_only: Vec<Option<f32>>,
    /// The tasks' part and each group's (slots 1, 2, … of the cost items; slot 0 unused):
    /// the sum of `cost_const` over the fused path's entries, where every block's sums
    /// start.
    cost_base: Vec<f64>,
    /// Per cost item: the deterministic plan's amount, which each iteration's value is
    /// stored relative to (see [`crate::sim::Samples::cost_offset`]).
    pub cost_offset: Vec<f64>,
    /// Per task: its cost entry when the fused path computes it (see [`fused_cost`]),
    /// else [`cost::NONE`]: one load per task instead of a walk through the entry.
    cost_fused: Vec<u32>,
    /// Per cost entry: its group's index among the groups' sums, or [`cost::NONE`].
    cost_group: Vec<u32>,
    /// Per cost entry: whether a milestone's incurred cost reads its lanes.
    cost_kept: Vec<bool>,
}

impl Keys {
    pub fn new(net: &Network, seed: u64) -> Keys {
        let of =
            |keys: &[u64], purpose| keys.iter().map(|&k| stream_key(seed, k, purpose)).collect();
        let risk_keys: Vec<u64> = net.risks.iter().map(|r| r.key).collect();
        let plain: Vec<bool> = (0..net.len())
            .map(|t| {
                !net.correlated[t]
                    && net.calibration[t] == (0.0, 0.0)
                    && net.scale[t] == 1.0
                    && net.occurrence[t] >= 1.0
                    && net.hit_start[t] == net.hit_start[t + 1]
                    && net.extra[t] == 0.0
                    && net.keep[t]
                    && net.status[t] == Status::Open
                    && !net.is_alap[t]
                    && net.freeze_of[t] == NO_FREEZE
                    && net.floor[t].to_bits() as i32 >= 0
                    && net.preds(t).iter().all(|l| l.kind == LinkKind::FS)
                    // A levelled run places every task after drawing them all.
                    && !net.levelling.as_ref().is_some_and(|l| l.on)
                    && net.clock().is_none_or(|k| {
                        // On the clock axis: lags that need no calendar (the chunk loop
                        // converts the task's start and finish on its own calendar), and
                        // not a start milestone.
                        !net.start_milestone[t]
                            && net.preds(t).iter().all(|l| {
                                l.lag == 0.0 || k.lag_calendar(l.pred as usize, t).is_none()
                            })
                    })
            })
            .collect();
        let (mut cost_const, mut cost_rate_only, mut cost_base) =
            (Vec::new(), Vec::new(), Vec::new());
        let (mut cost_fused, mut cost_group, mut cost_kept) = (Vec::new(), Vec::new(), Vec::new());
        if let Some(cm) = &net.cost {
            cost_base = vec![0f64; 2 + cm.groups.len()];
            cost_fused = vec![cost::NONE; net.len()];
            for (ci, c) in cm.tasks.iter().enumerate() {
                // The fused path's entries (see `fused_cost`): their constant part.
                let fused = plain[c.task as usize] && !c.done && c.actual.is_none();
                if fused {
                    cost_fused[c.task as usize] = ci as u32;
                }
                cost_kept.push(c.kept);
                cost_group.push(if c.group == cost::NONE {
                    cost::NONE
                } else {
                    (cm.group_slot(c.group as usize) - 2) as u32
                });
                let constant = |a: &Option<Sampler>| match a {
                    None => Some(0.0),
                    Some(Sampler::Fixed(x)) => Some(*x),
                    Some(_) => None,
                };
                let fixed = constant(&c.fixed).map(|_| c.likely.0);
                let amount = fixed.unwrap_or(0.0) + c.added;
                cost_const.push(amount);
                cost_rate_only.push(match (fused, fixed, constant(&c.rate)) {
                    (true, Some(_), Some(rate)) => Some(rate),
                    _ => None,
                });
                if fused {
                    cost_base[cost::CostModel::TASKS] += amount;
                    if c.group != cost::NONE {
                        cost_base[cm.group_slot(c.group as usize)] += amount;
                    }
                }
            }
        }
        Keys {
            duration: of(&net.keys, 0),
            occurrence: of(&net.keys, 1),
            scores: of(&net.keys, 4),
            risk_occurrence: of(&risk_keys, 2),
            risk_impact: of(&risk_keys, 3),
            calibration: of(&net.keys, 5),
            plain,
            cost_fixed: net.cost.as_ref().map_or(Vec::new(), |c| {
                c.tasks
                    .iter()
                    .map(|x| stream_key(seed, net.keys[x.task as usize], 6))
                    .collect()
            }),
            cost_rate: net.cost.as_ref().map_or(Vec::new(), |c| {
                c.tasks
                    .iter()
                    .map(|x| stream_key(seed, net.keys[x.task as usize], 7))
                    .collect()
            }),
            amount_scores: net
                .amounts
                .iter()
                .map(|a| stream_key(seed, net.keys[a.task as usize], 9 + a.rate as u64))
                .collect(),
            overhead: net.cost.as_ref().map_or(Vec::new(), |c| {
                c.overheads
                    .iter()
                    .map(|o| stream_key(seed, o.key, 8))
                    .collect()
            }),
            cost_const,
            cost_rate_only,
            cost_base,
            cost_offset: net
                .cost
                .as_ref()
                .map_or(Vec::new(), |c| cost::deterministic(c, net)),
            cost_fused,
            cost_group,
            cost_kept,
        }
    }
}

/// Fixed-point scale for order-independent sums (2³² units per working day).
const FIXED: f64 = 4_294_967_296.0;

/// What a driver analysis needs beyond the plain forecast (all off by default).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Tracking {
    /// Track float, duration moments and critical-path hashes.
    pub on: bool,
    /// Keep every task's durations (and critical marks) for blocks below this index.
    pub sub_blocks: u64,
    /// Milestone finishes only: no criticality, no per-task sums (leave-one-out runs).
    pub lean: bool,
    /// Keep every task's start lanes. Only criticality, per-task sums and start-to-start
    /// or start-to-finish links read them, so a lean run of a plan without such links
    /// skips the store.
    pub keep_starts: bool,
    /// Compute cost (the plan has some): each block row holds the cost items after the
    /// milestones.
    pub cost: bool,
}

impl Tracking {
    /// What a run of `net` keeps, given whether it tracks (`on`), for how many blocks it
    /// keeps the subsample, and whether it is lean.
    pub fn new(net: &Network, on: bool, sub_blocks: u64, lean: bool) -> Tracking {
        let start_links = net
            .links
            .iter()
            .any(|l| matches!(l.kind, LinkKind::SS | LinkKind::SF));
        Tracking {
            on,
            sub_blocks,
            lean,
            keep_starts: !lean || start_links || !net.alap.is_empty(),
            cost: false,
        }
    }
}

/// Per-thread scratch: lanes for every task.
pub(crate) struct Scratch {
    dur: Vec<f32>,
    es: Vec<f32>,
    ef: Vec<f32>,
    crit: Vec<u64>,
    u: [f32; LANES],
    /// Per risk: the impact drawn in lanes where it occurred, else 0.
    risk: Vec<f32>,
    /// Normal scores and mixed scores of the largest correlation group.
    eps: Vec<f32>,
    /// Per correlated cost amount: its lanes, drawn and reordered with its group.
    amounts: Vec<f32>,
    mixed: Vec<f32>,
    /// Latest finishes (driver analysis only).
    lf: Vec<f32>,
    /// A leave-one-out variant's finish and start lanes for one task, before they are
    /// copied to the variant's row.
    row: Vec<f32>,
    /// Cost: each item's lanes (f64, see `CostModel::width`).
    cost: Vec<f64>,
    /// Cost: the lanes of each task cost entry a milestone's incurred cost reads.
    cost_task: Vec<f64>,
    /// Cost: per risk, its cost impact in lanes where it occurred, else 0.
    risk_cost: Vec<f32>,
    /// Cost: the tasks' part and each group's (slots 1, 2, …) of the last few fused
    /// tasks, in `f32`, flushed into `cost` every [`FLUSH`] tasks.
    cost32: Vec<f32>,
    /// Levelling: each lane's profile of each resource, at `lane * resources + r`.
    profiles: Vec<Profile<f32>>,
    /// Levelling: per resource, the lanes in which some task waited for it.
    waited: Vec<u64>,
    /// Levelling: per task and lane, the task whose finish released the units it waited
    /// for ([`NO_TASK`] where it did not wait): its resource driver, critical with it.
    res_driver: Vec<u32>,
}

/// Per-thread accumulators. Sums are fixed-point integers so that adding them up in any
/// order gives the same bits: output never depends on the thread count.
pub(crate) struct Acc {
    pub sum_start: Vec<i128>,
    pub sum_finish: Vec<i128>,
    /// Per milestone, per ancestor (aligned with `Milestone::ancestors`): iterations critical.
    pub crit: Vec<Vec<u64>>,
    /// Per risk: iterations in which it occurred.
    pub risk_occurred: Vec<u64>,
    /// Per risk: sum of its impact draws over iterations where it occurred.
    pub risk_impact: Vec<i128>,
    /// Per risk: sum of the working days it added to the tasks it hit.
    pub risk_added: Vec<i128>,
    /// Per risk: sum of its cost impact over iterations where it occurred (plans with
    /// cost; fixed point like the days).
    pub risk_cost: Vec<i128>,
    /// Driver analysis: per task, sum of durations and of squared durations.
    pub sum_dur: Vec<i128>,
    pub sum_dur2: Vec<i128>,
    /// Driver analysis: per milestone, per ancestor, sum of total float.
    pub float: Vec<Vec<i128>>,
    /// Driver analysis: (block, every task's duration lanes) for the subsample blocks.
    pub sub: Vec<(u64, Vec<f32>)>,
    /// Driver analysis of a plan with cost: (block, every cost entry's cost lanes) for
    /// the subsample blocks.
    pub sub_cost: Vec<(u64, Vec<f32>)>,
    /// Driver analysis: (block, milestone, critical masks per ancestor) for those blocks.
    pub sub_crit: Vec<(u64, usize, Vec<u64>)>,
    /// Levelling: per task, the working days it waited for resources, summed.
    pub wait: Vec<i128>,
    /// Levelling: per resource, iterations in which some task waited for it.
    pub waited: Vec<u64>,
}

impl Scratch {
    /// Levelled runs: lane `l`'s profile of resource `r` after the block.
    pub(crate) fn profile(&self, l: usize, r: usize, resources: usize) -> &Profile<f32> {
        &self.profiles[l * resources + r]
    }

    /// Task `t`'s start lanes (kept when [`Tracking::keep_starts`]).
    pub(crate) fn es(&self, t: usize) -> &[f32; LANES] {
        lanes(&self.es, t)
    }

    /// Task `t`'s finish lanes.
    pub(crate) fn ef(&self, t: usize) -> &[f32; LANES] {
        lanes(&self.ef, t)
    }

    /// Risk `r`'s cost lanes (0 where it did not occur).
    pub(crate) fn risk_cost(&self, r: usize) -> &[f32; LANES] {
        lanes(&self.risk_cost, r)
    }

    /// Cost item `slot`'s lanes, after the block.
    pub(crate) fn cost_item(&self, slot: usize) -> &[f64] {
        &self.cost[slot * LANES..(slot + 1) * LANES]
    }

    pub fn new(net: &Network) -> Scratch {
        let n = net.len();
        let kmax = net
            .groups
            .iter()
            .map(|g| g.members.len())
            .max()
            .unwrap_or(0);
        Scratch {
            dur: vec![0.0; n * LANES],
            es: vec![0.0; n * LANES],
            ef: vec![0.0; n * LANES],
            crit: vec![0; n],
            u: [0.0; LANES],
            risk: vec![0.0; net.risks.len() * LANES],
            eps: vec![0.0; kmax * LANES],
            amounts: vec![0.0; net.amounts.len() * LANES],
            mixed: vec![0.0; kmax * LANES],
            lf: Vec::new(),
            row: vec![0.0; 2 * LANES],
            cost: match &net.cost {
                Some(c) => vec![0.0; c.width(net.milestones.len()) * LANES],
                None => Vec::new(),
            },
            cost_task: match &net.cost {
                Some(c) => vec![0.0; c.tasks.len() * LANES],
                None => Vec::new(),
            },
            risk_cost: match &net.cost {
                Some(_) => vec![0.0; net.risks.len() * LANES],
                None => Vec::new(),
            },
            cost32: match &net.cost {
                Some(c) => vec![0.0; (2 + c.groups.len()) * LANES],
                None => Vec::new(),
            },
            profiles: match net.levelling.as_ref().filter(|l| l.on) {
                Some(l) => vec![Profile::default(); l.resources.len() * LANES],
                None => Vec::new(),
            },
            waited: vec![0; levelled_resources(net)],
            res_driver: if levelled_resources(net) > 0 {
                vec![NO_TASK; n * LANES]
            } else {
                Vec::new()
            },
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
            risk_occurred: vec![0; net.risks.len()],
            risk_impact: vec![0; net.risks.len()],
            risk_added: vec![0; net.risks.len()],
            risk_cost: vec![0; net.risks.len()],
            sum_dur: Vec::new(),
            sum_dur2: Vec::new(),
            float: Vec::new(),
            sub: Vec::new(),
            sub_cost: Vec::new(),
            sub_crit: Vec::new(),
            wait: if levelled_resources(net) > 0 {
                vec![0; net.len()]
            } else {
                Vec::new()
            },
            waited: vec![0; levelled_resources(net)],
        }
    }

    /// Accumulators for a driver analysis.
    pub fn tracked(net: &Network) -> Acc {
        let mut a = Acc::new(net);
        a.sum_dur = vec![0; net.len()];
        a.sum_dur2 = vec![0; net.len()];
        a.float = net
            .milestones
            .iter()
            .map(|m| vec![0; m.ancestors.len()])
            .collect();
        a
    }

    pub fn merge(mut self, other: Acc) -> Acc {
        for (a, b) in self.sum_start.iter_mut().zip(&other.sum_start) {
            *a += b;
        }
        for (a, b) in self.sum_finish.iter_mut().zip(&other.sum_finish) {
            *a += b;
        }
        for (a, b) in self.risk_occurred.iter_mut().zip(&other.risk_occurred) {
            *a += b;
        }
        for (a, b) in self.risk_impact.iter_mut().zip(&other.risk_impact) {
            *a += b;
        }
        for (a, b) in self.risk_cost.iter_mut().zip(&other.risk_cost) {
            *a += b;
        }
        for (a, b) in self.risk_added.iter_mut().zip(&other.risk_added) {
            *a += b;
        }
        for (a, b) in self.sum_dur.iter_mut().zip(&other.sum_dur) {
            *a += b;
        }
        for (a, b) in self.sum_dur2.iter_mut().zip(&other.sum_dur2) {
            *a += b;
        }
        for (ma, mb) in self.float.iter_mut().zip(&other.float) {
            for (a, b) in ma.iter_mut().zip(mb) {
                *a += b;
            }
        }
        for (a, b) in self.wait.iter_mut().zip(&other.wait) {
            *a += b;
        }
        for (a, b) in self.waited.iter_mut().zip(&other.waited) {
            *a += b;
        }
        self.sub.extend(other.sub);
        self.sub_cost.extend(other.sub_cost);
        self.sub_crit.extend(other.sub_crit);
        for (ma, mb) in self.crit.iter_mut().zip(&other.crit) {
            for (a, b) in ma.iter_mut().zip(mb) {
                *a += b;
            }
        }
        self
    }
}

/// Task (or risk) `t`'s block of lanes.
#[inline(always)]
fn lanes(v: &[f32], t: usize) -> &[f32; LANES] {
    &v.as_chunks::<LANES>().0[t]
}

/// Task (or risk) `t`'s block of lanes, mutably.
#[inline(always)]
fn lanes_u32(v: &mut [u32], t: usize) -> &mut [u32] {
    &mut v[t * LANES..(t + 1) * LANES]
}

#[inline(always)]
fn lanes_mut(v: &mut [f32], t: usize) -> &mut [f32; LANES] {
    &mut v.as_chunks_mut::<LANES>().0[t]
}

#[inline(always)]
fn min_into(dst: &mut [f32; LANES], f: impl Fn(usize) -> f32) {
    for (l, d) in dst.iter_mut().enumerate() {
        *d = d.min(f(l));
    }
}

#[inline(always)]
fn max_into<const W: usize>(dst: &mut [f32; W], f: impl Fn(usize) -> f32) {
    // `f32::max` keeps this a packed max and a full store: a compare-and-select on the
    // stored value is turned into masked stores, which are much slower.
    for (l, d) in dst.iter_mut().enumerate() {
        *d = d.max(f(l));
    }
}

/// What one block reads.
#[derive(Clone, Copy)]
pub(crate) struct Block<'a> {
    pub net: &'a Network,
    pub keys: &'a Keys,
    /// The block's index.
    pub block: u64,
    /// Live iterations in it (≤ LANES).
    pub valid: usize,
    pub track: Tracking,
    /// Leave-one-out variants, computed alongside the network.
    pub loo: Option<&'a LooProgram>,
}

impl Block<'_> {
    /// Whether a driver analysis keeps this block in its subsample.
    #[inline(always)]
    fn keeps_sub(&self) -> bool {
        self.track.on && self.block < self.track.sub_blocks
    }
}

/// What one block writes.
pub(crate) struct BlockOut<'a> {
    pub s: &'a mut Scratch,
    pub acc: &'a mut Acc,
    /// Each milestone's finish, at `out[lane * k + m]`.
    pub out: &'a mut [f32],
    /// Tracked runs: each milestone's critical-set hash, laid out as `out`.
    pub hashes: &'a mut [u64],
    /// Leave-one-out: each variant's milestone finishes, one `out` after another.
    pub loo_out: &'a mut [f32],
}

/// Runs one block: writes its milestone finishes (and what it tracks) and adds to the
/// accumulators.
pub(crate) fn run_block(b: Block, o: BlockOut) {
    // Compiled separately with and without leave-one-out, so that a plain run carries
    // none of its per-task work (not even the copy of the sampled lanes).
    macro_rules! with_loo {
        ($f:ident $(, $c:literal)?) => {
            if b.loo.is_some() {
                $f::<true $(, $c)?>(b, o)
            } else {
                $f::<false $(, $c)?>(b, o)
            }
        };
    }
    // Runtime CPU dispatch: the same code compiled for AVX-512 or AVX2 when the CPU has
    // it (two or four times the lanes per instruction of the baseline). No fused
    // multiply-add is used (Rust never contracts a*b+c on its own), so every path gives
    // bit-identical results.
    #[cfg(target_arch = "x86_64")]
    match simd() {
        // SAFETY: simd() returns Avx512 only when the CPU has AVX-512 F, VL, DQ and BW
        // (checked at run time).
        Simd::Avx512 => unsafe { with_loo!(run_block_avx512) },
        // SAFETY: simd() returns Avx2 only when the CPU has AVX2 (checked at run time).
        Simd::Avx2 => unsafe { with_loo!(run_block_avx2) },
        Simd::Baseline => with_loo!(run_block_impl, 8),
    }
    #[cfg(not(target_arch = "x86_64"))]
    with_loo!(run_block_impl, 8)
}

/// The kernel compiled for one instruction set, with the fused path's chunk of lanes (one
/// vector of the set; wider chunks spill registers).
macro_rules! kernel_for {
    ($name:ident, $features:literal, $chunk:literal) => {
        #[cfg(target_arch = "x86_64")]
        #[target_feature(enable = $features)]
        unsafe fn $name<const LOO: bool>(b: Block, o: BlockOut) {
            run_block_impl::<LOO, $chunk>(b, o)
        }
    };
}
kernel_for!(run_block_avx2, "avx2", 8);
kernel_for!(
    run_block_avx512,
    "avx2,avx512f,avx512vl,avx512dq,avx512bw",
    16
);

/// One block through the network, phase by phase: the risks' draws, the correlated
/// groups' draws, each task forward (with its leave-one-out variants right after it;
/// a levelled run draws every task's durations, then levels by groups of lanes in
/// [`level_block`]), then the milestones' finishes and the reverse pass. Every phase is
/// inlined, so this is one function for the compiler, once per instruction set.
#[inline(always)]
fn run_block_impl<const LOO: bool, const C: usize>(b: Block, o: BlockOut) {
    let BlockOut {
        s,
        acc,
        out,
        hashes,
        loo_out,
    } = o;
    let loo = if LOO { b.loo } else { None };
    if let Some(p) = loo {
        let need = p.rows as usize * LANES;
        if s.ef.len() < need {
            s.es.resize(need, 0.0);
            s.ef.resize(need, 0.0);
        }
    }
    let cost = if b.track.cost {
        b.net.cost.as_ref()
    } else {
        None
    };
    if cost.is_some() {
        s.cost.fill(0.0);
        for (slot, &x) in b.keys.cost_base.iter().enumerate() {
            cost_lanes(&mut s.cost, slot).fill(x);
        }
    }
    draw_risks(&b, s, acc);
    draw_correlated(&b, s);
    for p in &mut s.profiles {
        p.clear();
    }
    s.waited.fill(0);
    // A levelled run draws every task's durations first, then levels (leave-one-out
    // variants of a levelled plan are separate runs).
    let levelling = b.net.levelling.as_ref().filter(|l| l.on);
    debug_assert!(levelling.is_none() || loo.is_none());
    for t in 0..b.net.len() {
        if levelling.is_some() {
            draw_task(&b, t, s, acc);
        } else {
            // The sampled lanes, before any effect, for the variants that change the task.
            let sampled = forward_task::<C>(&b, t, s, acc, LOO);
            if let Some(p) = loo {
                forward_variants::<C>(&b, p, t, &sampled, s);
            }
        }
        if let Some(cm) = cost {
            let ci = cm.of_task[t];
            if ci != cost::NONE && fused_cost(&b, t).is_none() {
                task_cost(&b, cm, ci as usize, s);
            }
            if t % FLUSH == FLUSH - 1 {
                flush_cost(s);
            }
        }
        if levelling.is_none() {
            sum_dates(&b, t, s, acc);
        }
        if b.track.on {
            let (s1, s2) = fixed_sum_and_sq(lanes(&s.dur, t), b.valid);
            acc.sum_dur[t] += s1;
            acc.sum_dur2[t] += s2;
        }
    }
    if let Some(lev) = levelling {
        level_block(&b, lev, s, acc);
        for t in 0..b.net.len() {
            sum_dates(&b, t, s, acc);
        }
    }
    if let Some(p) = loo {
        let k = b.net.milestones.len();
        for (v, o) in p.variants.iter().zip(loo_out.chunks_mut(LANES * k)) {
            for (mi, &row) in v.milestone_rows.iter().enumerate() {
                let f = lanes(&s.ef, row as usize);
                for l in 0..b.valid {
                    o[l * k + mi] = f[l];
                }
            }
        }
    }
    let k = b.net.milestones.len();
    let base = k + cost.map_or(0, |cm| cm.width(k));
    let width = base + 2 * levelled_resources(b.net);
    if let Some(lev) = b.net.levelling.as_ref().filter(|l| l.on) {
        resource_columns(&b, lev, s, acc, out, width, base);
    }
    if let Some(cm) = cost {
        flush_cost(s);
        finish_cost(&b, cm, s, out, width);
    }
    milestones_and_reverse_pass(&b, s, acc, out, hashes, width);
    alap_pass(&b, s, acc, out, width);
}

/// Adds task `t`'s start and finish lanes to the sums of a full run (an ALAP task's once
/// it has moved).
#[inline(always)]
fn sum_dates(b: &Block, t: usize, s: &Scratch, acc: &mut Acc) {
    if !b.track.lean && !b.net.is_alap[t] {
        acc.sum_start[t] += fixed_sum(lanes(&s.es, t), b.valid);
        acc.sum_finish[t] += fixed_sum(lanes(&s.ef, t), b.valid);
    }
}

/// Moves each ALAP task as late as its successors allow in each iteration, as
/// [`Network::alap_shift`] does (the same rules in `f32` lanes), after criticality and
/// float were taken at its early dates; then sums its dates and rewrites the finishes of
/// ALAP milestones.
fn alap_pass(b: &Block, s: &mut Scratch, acc: &mut Acc, out: &mut [f32], width: usize) {
    let net = b.net;
    if net.alap.is_empty() {
        return;
    }
    let at = |v: &[f32], t: usize, l: usize| v[t * LANES + l];
    let mut end = [f32::NEG_INFINITY; LANES];
    if (0..net.alap.len()).any(|i| net.alap_links(i).is_empty()) {
        for t in 0..net.len() {
            max_into(&mut end, |l| at(&s.ef, t, l));
        }
    }
    for (i, &t) in net.alap.iter().enumerate().rev() {
        let t = t as usize;
        let links = net.alap_links(i);
        let dur = *lanes(&s.dur, t);
        let es0 = *lanes(&s.es, t);
        let (mut es1, mut ef1) = (es0, *lanes(&s.ef, t));
        for l in 0..LANES {
            let d = dur[l];
            match net.clock.as_deref() {
                None => {
                    let mut latest = if links.is_empty() {
                        end[l] - d
                    } else {
                        f32::INFINITY
                    };
                    for k in links {
                        let x = k.pred as usize;
                        latest = latest.min(match k.kind {
                            LinkKind::FS => at(&s.es, x, l) - k.lag - d,
                            LinkKind::SS => at(&s.es, x, l) - k.lag,
                            LinkKind::FF => at(&s.ef, x, l) - k.lag - d,
                            LinkKind::SF => at(&s.ef, x, l) - k.lag,
                        });
                    }
                    if latest > es0[l] && net.freeze_start(t, latest as f64) as f32 == latest {
                        es1[l] = latest;
                        ef1[l] = latest + d;
                    }
                }
                Some(clock) => {
                    let c = clock.of(t);
                    let mut ws = if links.is_empty() {
                        c.w32(end[l]) - d
                    } else {
                        f32::INFINITY
                    };
                    let mut by_start = f32::INFINITY;
                    for k in links {
                        let x = k.pred as usize;
                        let bound = match k.kind {
                            LinkKind::FS | LinkKind::SS => at(&s.es, x, l),
                            LinkKind::FF | LinkKind::SF => at(&s.ef, x, l),
                        };
                        let y = clock.before_lag32(bound, k.lag, t, x);
                        match k.kind {
                            LinkKind::FS | LinkKind::FF => ws = ws.min(c.w32(y) - d),
                            LinkKind::SS | LinkKind::SF => {
                                ws = ws.min(c.w32(y));
                                by_start = by_start.min(y);
                            }
                        }
                    }
                    if ws > c.w32(es0[l]) {
                        let start = c.start32(ws).min(by_start).max(es0[l]);
                        if net.freeze_start(t, start as f64) as f32 == start {
                            es1[l] = start;
                            ef1[l] = c.finish32(ws + d);
                        }
                    }
                }
            }
        }
        lanes_mut(&mut s.es, t).copy_from_slice(&es1);
        lanes_mut(&mut s.ef, t).copy_from_slice(&ef1);
        if !b.track.lean {
            acc.sum_start[t] += fixed_sum(&es1, b.valid);
            acc.sum_finish[t] += fixed_sum(&ef1, b.valid);
        }
    }
    for (mi, m) in net.milestones.iter().enumerate() {
        let mt = m.task as usize;
        if net.is_alap[mt] {
            for l in 0..b.valid {
                out[l * width + mi] = at(&s.ef, mt, l);
            }
        }
    }
}

/// Tasks whose fused costs are summed in `f32` before the sum joins the block's `f64`
/// sums: at most 16 roundings of a sum of 16 amounts, a relative error below 10⁻⁶, where
/// converting each task's lanes to `f64` one by one made the cost run half as slow again.
const FLUSH: usize = 16;

/// Adds the `f32` sums of the last tasks into the block's `f64` sums and clears them.
#[inline(always)]
fn flush_cost(s: &mut Scratch) {
    for (a, x) in s.cost.iter_mut().zip(s.cost32.iter_mut()) {
        *a += *x as f64;
        *x = 0.0;
    }
}

/// Lanes `l` of cost item `slot`.
#[inline(always)]
fn cost_lanes(v: &mut [f64], slot: usize) -> &mut [f64] {
    &mut v[slot * LANES..(slot + 1) * LANES]
}

/// The cost entry of task `t` when the fused path draws it in the chunk loop: a plain
/// task (open, kept, certain) whose cost is computed in this run and is not an amount
/// already spent. Every other entry goes through [`task_cost`], with the same result.
#[inline(always)]
fn fused_cost(b: &Block, t: usize) -> Option<usize> {
    if !b.track.cost {
        return None;
    }
    let ci = b.keys.cost_fused[t];
    (ci != cost::NONE).then_some(ci as usize)
}

/// Task cost entry `ci` in this block: its fixed cost (or what it has spent), nothing when
/// it does not happen, plus its rate on the work its duration lanes hold beyond the
/// elapsed part; added to the tasks' part and its group, and kept for milestones when one
/// reads it.
#[inline(always)]
fn task_cost(b: &Block, cm: &cost::CostModel, ci: usize, s: &mut Scratch) {
    let c = &cm.tasks[ci];
    let parts = entry_parts(b, cm, ci, s);
    let mut lane = parts.fixed;
    if let Some(rate) = parts.rate {
        let dur = lanes(&s.dur, c.task as usize);
        for l in 0..LANES {
            lane[l] += (rate[l] * (dur[l] - c.elapsed).max(0.0)) as f64;
        }
    }
    // A scenario's amount is paid whatever happens.
    for x in lane.iter_mut() {
        *x += c.added;
    }
    for (a, &x) in cost_lanes(&mut s.cost, cost::CostModel::TASKS)
        .iter_mut()
        .zip(&lane)
    {
        *a += x;
    }
    if c.group != cost::NONE {
        for (a, &x) in cost_lanes(&mut s.cost, cm.group_slot(c.group as usize))
            .iter_mut()
            .zip(&lane)
        {
            *a += x;
        }
    }
    // A driver analysis keeps every entry's lanes for its subsample.
    if c.kept || b.keeps_sub() {
        s.cost_task[ci * LANES..(ci + 1) * LANES].copy_from_slice(&lane);
    }
}

/// The two parts of a cost entry's cost in a block (before a scenario's amount): what
/// does not depend on the duration (its fixed cost, what it has spent, or a finished
/// task's cost; nothing where the task does not happen) and its rate per day of the work
/// left (None without a rate, or for a finished or removed task).
pub(crate) struct EntryParts {
    pub fixed: [f64; LANES],
    pub rate: Option<[f32; LANES]>,
}

/// [`EntryParts`] of entry `ci`, drawn from its streams as every path draws them.
#[inline(always)]
pub(crate) fn entry_parts(
    b: &Block,
    cm: &cost::CostModel,
    ci: usize,
    s: &mut Scratch,
) -> EntryParts {
    let (net, keys, block) = (b.net, b.keys, b.block);
    let c = &cm.tasks[ci];
    let t = c.task as usize;
    // In f64: an amount given to the cent stays so.
    let mut fixed = [0f64; LANES];
    if c.done {
        return EntryParts {
            fixed: [c.done_cost; LANES],
            rate: None,
        };
    }
    if !net.keep[t] {
        return EntryParts { fixed, rate: None };
    }
    match (c.actual, &c.fixed) {
        (Some(a), _) => fixed = [a; LANES],
        (None, Some(f)) => {
            if matches!(f, Sampler::Fixed(_)) {
                // An amount needs no draw.
                fixed = [c.likely.0; LANES];
            } else if c.corr[0] != cost::NONE {
                // Drawn and reordered with its correlation group.
                for (x, &y) in fixed.iter_mut().zip(lanes(&s.amounts, c.corr[0] as usize)) {
                    *x = y as f64;
                }
            } else {
                let mut drawn = [0f32; LANES];
                block_uniforms(keys.cost_fixed[ci], block, &mut s.u);
                f.fill(&s.u, &mut drawn, &net.discrete);
                for l in 0..LANES {
                    fixed[l] = drawn[l] as f64;
                }
            }
            // Work that does not happen costs nothing (the same draw as its duration's).
            let p = net.occurrence[t];
            if p < 1.0 && net.status[t] == Status::Open {
                block_uniforms(keys.occurrence[t], block, &mut s.u);
                for l in 0..LANES {
                    fixed[l] *= (s.u[l] < p) as u32 as f64;
                }
            }
        }
        (None, None) => {}
    }
    let rate = c.rate.as_ref().map(|r| {
        let mut rate = [0f32; LANES];
        if c.corr[1] != cost::NONE {
            return *lanes(&s.amounts, c.corr[1] as usize);
        }
        if !matches!(r, Sampler::Fixed(_)) {
            block_uniforms(keys.cost_rate[ci], block, &mut s.u);
        }
        r.fill(&s.u, &mut rate, &net.discrete);
        rate
    });
    EntryParts { fixed, rate }
}

/// After the forward pass: each overhead (its rate over the span to its milestone's
/// finish), the risks' part, the total and each milestone's incurred cost; every item
/// written after the milestones in each lane's row of `out`.
#[inline(always)]
fn finish_cost(b: &Block, cm: &cost::CostModel, s: &mut Scratch, out: &mut [f32], width: usize) {
    let (net, keys, block, valid) = (b.net, b.keys, b.block, b.valid);
    let k = net.milestones.len();
    let mut overheads = [0f64; LANES];
    for (o, oc) in cm.overheads.iter().enumerate() {
        let mut rate = [0f32; LANES];
        block_uniforms(keys.overhead[o], block, &mut s.u);
        oc.rate.fill(&s.u, &mut rate, &net.discrete);
        // An amount to the cent, not its nearest f32.
        let fixed = matches!(oc.rate, Sampler::Fixed(_)).then_some(oc.rate_likely);
        let mut f = *lanes(&s.ef, oc.until as usize);
        if let Some(k) = net.clock.as_deref() {
            // An overhead's rate is per working day of the project calendar.
            for x in f.iter_mut() {
                *x = k.project().w32(*x);
            }
        }
        let v = cost_lanes(&mut s.cost, cm.overhead_slot(o));
        for l in 0..LANES {
            let r = fixed.unwrap_or(rate[l] as f64);
            v[l] = r * ((f[l] - oc.from) as f64).max(0.0);
            overheads[l] += v[l];
        }
    }
    let mut risks = [0f64; LANES];
    for r in 0..net.risks.len() {
        if cm.risk_cost[r].is_some() {
            for (a, &x) in risks.iter_mut().zip(lanes(&s.risk_cost, r)) {
                *a += x as f64;
            }
        }
    }
    cost_lanes(&mut s.cost, cm.risks_slot()).copy_from_slice(&risks);
    let tasks: [f64; LANES] = cost_lanes(&mut s.cost, cost::CostModel::TASKS)
        .try_into()
        .unwrap_or([0.0; LANES]);
    let mut total = tasks;
    for l in 0..LANES {
        total[l] += risks[l] + overheads[l] + cm.extra;
    }
    cost_lanes(&mut s.cost, cost::CostModel::TOTAL).copy_from_slice(&total);
    for (mi, mc) in cm.milestones.iter().enumerate() {
        let mut m = [0f64; LANES];
        for &c in &mc.tasks {
            for (a, &x) in m
                .iter_mut()
                .zip(&s.cost_task[c as usize * LANES..][..LANES])
            {
                *a += x;
            }
        }
        if mc.exclude {
            for l in 0..LANES {
                m[l] = tasks[l] - m[l];
            }
        }
        for &o in &mc.overheads {
            let v = cost_lanes(&mut s.cost, cm.overhead_slot(o as usize));
            for l in 0..LANES {
                m[l] += v[l];
            }
        }
        for &r in &mc.risks {
            for (a, &x) in m.iter_mut().zip(lanes(&s.risk_cost, r as usize)) {
                *a += x as f64;
            }
        }
        cost_lanes(&mut s.cost, cm.milestone_slot(mi)).copy_from_slice(&m);
    }
    let items = cm.width(k);
    for i in 0..items {
        let off = keys.cost_offset[i];
        let v = cost_lanes(&mut s.cost, i);
        for l in 0..valid {
            out[l * width + k + i] = (v[l] - off) as f32;
        }
    }
}

/// Bit `l` set for each live lane `l < valid`.
#[inline(always)]
fn valid_mask(valid: usize) -> u64 {
    if valid == LANES {
        u64::MAX
    } else {
        (1u64 << valid) - 1
    }
}

/// Risks: one occurrence draw and one impact draw per iteration, shared by every task
/// the risk hits (`s.risk`, 0 where the risk did not occur).
#[inline(always)]
fn draw_risks(b: &Block, s: &mut Scratch, acc: &mut Acc) {
    let (net, keys, block, valid) = (b.net, b.keys, b.block, b.valid);
    let valid_mask = valid_mask(valid);
    for (r, risk) in net.risks.iter().enumerate() {
        let lanes_r = lanes_mut(&mut s.risk, r);
        block_uniforms(keys.risk_impact[r], block, &mut s.u);
        risk.sampler.fill(&s.u, lanes_r, &net.discrete);
        // A risk's cost impact is drawn from the same uniform as its schedule impact: a
        // bad outcome is bad in both.
        let cost = match &net.cost {
            Some(cm) if b.track.cost => cm.risk_cost[r].as_ref(),
            _ => None,
        };
        if let Some(c) = cost {
            c.fill(&s.u, lanes_mut(&mut s.risk_cost, r), &net.discrete);
        }
        block_uniforms(keys.risk_occurrence[r], block, &mut s.u);
        let p = risk.probability as f32;
        let mut mask = 0u64;
        for l in 0..LANES {
            let hit = s.u[l] < p;
            mask |= (hit as u64) << l;
            lanes_r[l] = if hit { lanes_r[l] } else { 0.0 };
        }
        if cost.is_some() {
            for (l, x) in lanes_mut(&mut s.risk_cost, r).iter_mut().enumerate() {
                *x = if (mask >> l) & 1 == 1 { *x } else { 0.0 };
            }
            acc.risk_cost[r] += fixed_sum(lanes(&s.risk_cost, r), valid);
        }
        acc.risk_occurred[r] += (mask & valid_mask).count_ones() as u64;
        acc.risk_impact[r] += fixed_sum(lanes_r, valid);
    }
}

/// Correlated durations and amounts: sample every member of a group (an amount from the
/// stream it has uncorrelated), then reorder by Iman–Conover.
#[inline(always)]
fn draw_correlated(b: &Block, s: &mut Scratch) {
    let (net, keys, block) = (b.net, b.keys, b.block);
    for g in &net.groups {
        for (i, &m) in g.members.iter().enumerate() {
            let scores = match m {
                Member::Duration(t) => {
                    let t = t as usize;
                    block_uniforms(keys.duration[t], block, &mut s.u);
                    let dur = lanes_mut(&mut s.dur, t);
                    net.samplers[t].fill(&s.u, dur, &net.discrete);
                    keys.scores[t]
                }
                Member::Amount(a) => {
                    let a = a as usize;
                    let out = lanes_mut(&mut s.amounts, a);
                    let amount = &net.amounts[a];
                    let cm = net.cost.as_ref();
                    match cm.map(|cm| (cm, cm.of_task[amount.task as usize])) {
                        Some((cm, ci)) if ci != cost::NONE => {
                            let ci = ci as usize;
                            let c = &cm.tasks[ci];
                            let (sampler, key) = if amount.rate {
                                (&c.rate, keys.cost_rate[ci])
                            } else {
                                (&c.fixed, keys.cost_fixed[ci])
                            };
                            match sampler {
                                Some(x) => {
                                    block_uniforms(key, block, &mut s.u);
                                    x.fill(&s.u, out, &net.discrete);
                                }
                                None => out.fill(0.0),
                            }
                        }
                        _ => out.fill(0.0),
                    }
                    keys.amount_scores[a]
                }
            };
            block_uniforms(scores, block, &mut s.u);
            normal_scores(&s.u, &mut s.eps[i * LANES..(i + 1) * LANES]);
        }
        correlation::reorder_block(g, &s.eps, &mut s.mixed, &mut s.dur, &mut s.amounts, b.valid);
    }
}

/// Task `t` forward: its duration (sampled, then every effect), early start and early
/// finish — by the fused path when the task is plain. Returns the sampled lanes before
/// any effect (what a leave-one-out variant starts from).
#[inline(always)]
fn forward_task<const C: usize>(
    b: &Block,
    t: usize,
    s: &mut Scratch,
    acc: &mut Acc,
    loo: bool,
) -> [f32; LANES] {
    let (net, track) = (b.net, b.track);
    if b.keys.plain[t] {
        // Leave-one-out variants and the driver analysis read the duration lanes (the
        // criticality pass reads a task's own only for start-based or finish-to-finish
        // links, which a plain task does not have).
        // A task whose cost is drawn in the chunk loop (see [`fused_cost`]) needs its
        // duration lanes no more than one without cost.
        let fused = fused_cost(b, t);
        plain_task::<C>(b, t, s, loo || track.on, fused);
        return *lanes(&s.dur, t);
    }
    let sampled = draw_task(b, t, s, acc);
    let dur = lanes(&s.dur, t);
    let (start, finish) = place(
        net,
        t,
        net.preds(t),
        dur,
        |p| lanes(&s.es, p),
        |p| lanes(&s.ef, p),
    );
    if track.keep_starts {
        *lanes_mut(&mut s.es, t) = start;
    }
    *lanes_mut(&mut s.ef, t) = finish;
    sampled
}

/// Task `t`'s durations in every lane into its row of `s.dur`: sampled (unless its
/// correlated group drew them), then every effect. Returns the sampled lanes, before any
/// effect.
#[inline(always)]
fn draw_task(b: &Block, t: usize, s: &mut Scratch, acc: &mut Acc) -> [f32; LANES] {
    let (net, keys, block, valid) = (b.net, b.keys, b.block, b.valid);
    let dur = lanes_mut(&mut s.dur, t);
    if !net.correlated[t] {
        block_uniforms(keys.duration[t], block, &mut s.u);
        net.samplers[t].fill(&s.u, dur, &net.discrete);
    }
    let sampled = *dur;
    apply_effects(
        net,
        keys,
        block,
        t,
        dur,
        &mut s.u,
        &s.risk,
        None,
        &mut acc.risk_added,
        valid,
    );
    sampled
}

/// Task `t` in each leave-one-out variant whose cone holds it, into the variant's row:
/// its duration (held, or `sampled` with every effect but the variant's absent risk)
/// and its start and finish from the variant's rows of its predecessors.
#[inline(always)]
fn forward_variants<const C: usize>(
    b: &Block,
    p: &LooProgram,
    t: usize,
    sampled: &[f32; LANES],
    s: &mut Scratch,
) {
    let (net, keys, block, valid, track) = (b.net, b.keys, b.block, b.valid, b.track);
    for e in &p.entries[p.entry_start[t] as usize..p.entry_start[t + 1] as usize] {
        let v = &p.variants[e.variant as usize];
        let preds = &p.links[e.links.0 as usize..e.links.1 as usize];
        let row = e.row as usize;
        if keys.plain[t] {
            // No effect acts on a plain task, so a change to it is only its hold.
            let held;
            let dur_v = if e.changed && v.hold == Some(t) {
                held = [net.det_duration[t] as f32; LANES];
                &held
            } else {
                lanes(&s.dur, t)
            };
            // Computed into a scratch row (the predecessors' rows lie anywhere in
            // `s.ef`, so the variant's own cannot be split off), then copied.
            let (ef_v, es_v) = s.row.split_at_mut(LANES);
            let rows = Rows {
                floor: net.floor[t],
                preds,
                done: &s.ef,
                keep_dur: false,
                keep_start: track.keep_starts,
                calendar: working_calendar(net, t),
            };
            // A task on a working calendar is placed a block at a time, its durations
            // held in a row until then.
            let mut held_dur = [0f32; LANES];
            let dur_row: &mut [f32] = if rows.calendar.is_some() {
                &mut held_dur
            } else {
                &mut []
            };
            rows.run::<C, _, _>(&Given(dur_v), (ef_v, es_v, dur_row), &mut NoCost);
            lanes_mut(&mut s.ef, row).copy_from_slice(&s.row[..LANES]);
            if track.keep_starts {
                lanes_mut(&mut s.es, row).copy_from_slice(&s.row[LANES..]);
            }
            continue;
        }
        let mut dur_v = *lanes(&s.dur, t);
        if e.changed {
            dur_v = if v.hold == Some(t) {
                [net.det_duration[t] as f32; LANES]
            } else {
                *sampled
            };
            apply_effects(
                net,
                keys,
                block,
                t,
                &mut dur_v,
                &mut s.u,
                &s.risk,
                v.skip_risk,
                &mut [],
                valid,
            );
        }
        let (start_v, finish_v) = place(
            net,
            t,
            preds,
            &dur_v,
            |q| lanes(&s.es, q),
            |q| lanes(&s.ef, q),
        );
        lanes_mut(&mut s.ef, row).copy_from_slice(&finish_v);
        if track.keep_starts {
            lanes_mut(&mut s.es, row).copy_from_slice(&start_v);
        }
    }
}

/// Each milestone's finishes into `out`; then, unless the run is lean, one reverse pass
/// over the milestone's ancestors: criticality (binding constraints, exactly), and with
/// tracking the latest finishes (float), the critical-set hashes and the subsample.
#[inline(always)]
fn milestones_and_reverse_pass(
    b: &Block,
    s: &mut Scratch,
    acc: &mut Acc,
    out: &mut [f32],
    hashes: &mut [u64],
    width: usize,
) {
    let (net, keys, block, valid, track) = (b.net, b.keys, b.block, b.valid, b.track);
    let (n, k) = (net.len(), net.milestones.len());
    let valid_mask = valid_mask(valid);
    let keep_sub = b.keeps_sub();
    if keep_sub {
        acc.sub.push((block, s.dur.clone()));
        if track.cost && net.cost.is_some() {
            acc.sub_cost
                .push((block, s.cost_task.iter().map(|&x| x as f32).collect()));
        }
    }
    if track.on && s.lf.len() < n * LANES {
        s.lf = vec![0.0; n * LANES];
    }
    for (mi, m) in net.milestones.iter().enumerate() {
        let mt = m.task as usize;
        let f = lanes(&s.ef, mt);
        for l in 0..valid {
            out[l * width + mi] = f[l];
        }
        if track.lean {
            continue;
        }
        // One reverse pass over the milestone's ancestors. When a task is reached, every
        // successor has been, so its critical mask and latest finish are final: count
        // and hash the mask, sum the float, then pass both on to its predecessors.
        for &a in &m.ancestors {
            s.crit[a as usize] = 0;
        }
        s.crit[mt] = valid_mask;
        if track.on {
            for &a in &m.ancestors {
                lanes_mut(&mut s.lf, a as usize).fill(f32::INFINITY);
            }
            let ef_m: [f32; LANES] = *lanes(&s.ef, mt);
            lanes_mut(&mut s.lf, mt).copy_from_slice(&ef_m);
        }
        // The critical set of each iteration, as an order-free hash of its tasks.
        let mut h = [0u64; LANES];
        let mut masks = Vec::new();
        if keep_sub {
            masks.resize(m.ancestors.len(), 0);
        }
        for (i, &succ) in m.ancestors.iter().enumerate().rev() {
            let succ = succ as usize;
            let live = s.crit[succ];
            acc.crit[mi][i] += live.count_ones() as u64;
            if track.on {
                if live != 0 {
                    let key = keys.duration[succ];
                    for (l, x) in h.iter_mut().enumerate() {
                        *x ^= key & 0u64.wrapping_sub((live >> l) & 1);
                    }
                }
                if keep_sub {
                    masks[i] = live;
                }
                backward_step(net, succ, s, &mut acc.float[mi][i], valid);
            }
            if live == 0 || !net.links_enforced(succ) {
                continue;
            }
            mark_binding_predecessors(net, succ, live, s);
            if net.levelling.as_ref().is_some_and(|l| l.levels(succ)) {
                // A task that waited for a resource is driven by the task whose finish
                // released it (a task earlier in the levelling order, so reached later).
                for l in 0..valid {
                    let d = s.res_driver[succ * LANES + l];
                    if d != NO_TASK && (live >> l) & 1 == 1 {
                        s.crit[d as usize] |= 1 << l;
                    }
                }
            }
        }
        if track.on {
            for l in 0..valid {
                hashes[l * k + mi] = h[l];
            }
            if keep_sub {
                acc.sub_crit.push((block, mi, masks));
            }
        }
    }
}

/// Passes `succ`'s critical lanes `live` on to each predecessor whose constraint binds
/// its early start (equal bit for bit: the forward pass took the maximum of these very
/// values).
#[inline(always)]
fn mark_binding_predecessors(net: &Network, succ: usize, live: u64, s: &mut Scratch) {
    let es_s = lanes(&s.es, succ);
    let dur_s = lanes(&s.dur, succ);
    if let Some((elapsed, rem)) = retained(net, succ, dur_s) {
        return mark_binding_on_resume(net, succ, live, s, elapsed, &rem);
    }
    if let Some(k) = net.clock.as_deref() {
        // On the clock axis a constraint binds when the start it alone would give, in
        // the task's working time, is its start: the same operations as the forward
        // pass, so equal bit for bit.
        let c = k.of(succ);
        for link in net.preds(succ) {
            let w = link_working_start(k, succ, link, s, dur_s);
            let at = c.at_lanes::<LANES, false>(&w);
            let bits = binding(es_s, |l| at[l]);
            s.crit[link.pred as usize] |= bits & live;
        }
        return;
    }
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

/// The start in `succ`'s working time that `link` alone allows a task of duration `dur`
/// on the clock axis: W of the predecessor's time after the lag, less the duration for a
/// finish-based link (the forward pass's operations, so the same bits).
#[inline(always)]
fn link_working_start(
    k: &crate::model::Clock,
    succ: usize,
    link: &Link,
    s: &Scratch,
    dur: &[f32; LANES],
) -> [f32; LANES] {
    let p = link.pred as usize;
    let x = match link.kind {
        LinkKind::FS | LinkKind::FF => lanes(&s.ef, p),
        LinkKind::SS | LinkKind::SF => lanes(&s.es, p),
    };
    let mut w = k
        .of(succ)
        .w_lanes(&after_lag_lanes(k, x, link.lag, p, succ));
    if matches!(link.kind, LinkKind::FF | LinkKind::SF) {
        for l in 0..LANES {
            w[l] -= dur[l];
        }
    }
    w
}

/// [`mark_binding_predecessors`] for a task in progress under retained logic (`elapsed`
/// working days done at the status date, `rem` to do): a link binds when its constraint
/// is where the remaining work resumes, the latest of the status date and every link's
/// constraint (the forward pass's values, bit for bit).
#[inline(never)]
fn mark_binding_on_resume(
    net: &Network,
    succ: usize,
    live: u64,
    s: &mut Scratch,
    elapsed: f32,
    rem: &[f32; LANES],
) {
    let s0 = lanes(&s.es, succ)[0];
    let preds = net.preds(succ);
    let clock = net.clock.as_deref();
    let at = {
        let (es, ef) = (|p| lanes(&s.es, p), |p| lanes(&s.ef, p));
        match clock {
            None => links_start(preds, rem, &es, &ef, [s0 + elapsed; LANES]),
            Some(k) => {
                let resume = k.of(succ).w32(s0) + elapsed;
                let mut at =
                    clock_constraints(net, k, succ, preds, rem, &es, &ef, f32::NEG_INFINITY);
                for w in at.iter_mut() {
                    *w = w.max(resume);
                }
                at
            }
        }
    };
    for link in preds {
        let p = link.pred as usize;
        let bits = {
            let (es, ef) = (|p| lanes(&s.es, p), |p| lanes(&s.ef, p));
            let c = match clock {
                None => links_start(
                    slice::from_ref(link),
                    rem,
                    &es,
                    &ef,
                    [f32::NEG_INFINITY; LANES],
                ),
                Some(k) => link_working_start(k, succ, link, s, rem),
            };
            binding(&at, |l| c[l])
        };
        s.crit[p] |= bits & live;
    }
}

/// Task `t` when [`Keys::plain`] holds: its duration drawn, its early start (the latest
/// predecessor finish plus lag, at least its floor) and its early finish computed a chunk
/// of `C` lanes (one vector, two on the baseline) at a time, in registers, and stored
/// once; the general path instead passes each stage through a block of 64 lanes in
/// memory. The duration lanes are stored only when `keep_dur` (something reads them
/// later), the start lanes only when [`Tracking::keep_starts`]. Same operations in the
/// same order as the general path, so the same bits (the maximum is taken on the bit
/// patterns: see [`latest`]). With `cost` (the task's cost entry, see [`fused_cost`]) the
/// same loop computes the task's cost from the durations in registers.
#[inline(always)]
fn plain_task<const C: usize>(
    b: &Block,
    t: usize,
    s: &mut Scratch,
    keep_dur: bool,
    cost: Option<usize>,
) {
    let (net, keys, block, track) = (b.net, b.keys, b.block, b.track);
    let stream = block_stream(keys.duration[t], block);
    enum Kind {
        Tri(Tri),
        Pert(u32, f32, f32, f32),
        Drawn,
    }
    let kind = match net.samplers[t] {
        Sampler::Triangular { a, b, fc, k1, k2 } => Kind::Tri(Tri { a, b, fc, k1, k2 }),
        Sampler::Pert { a, r, j, fm } => Kind::Pert(j, fm, a, r),
        ref other => {
            block_uniforms(keys.duration[t], block, &mut s.u);
            other.fill(&s.u, lanes_mut(&mut s.dur, t), &net.discrete);
            Kind::Drawn
        }
    };
    // Predecessors come first in topological order: their rows all lie below `t`'s.
    let (done, ef_t) = s.ef.split_at_mut(t * LANES);
    let rows = Rows {
        floor: net.floor[t],
        preds: net.preds(t),
        done,
        keep_dur,
        keep_start: track.keep_starts,
        calendar: working_calendar(net, t),
    };
    let (ef_t, es_t, dur_t) = (
        &mut ef_t[..LANES],
        &mut s.es[t * LANES..(t + 1) * LANES],
        &mut s.dur[t * LANES..(t + 1) * LANES],
    );
    let lanes = (ef_t, es_t, dur_t);
    // The drawing of the durations, with or without the task's cost beside it.
    #[inline(always)]
    fn go<const C: usize, K: CostSink<C>>(
        kind: Kind,
        stream: (u32, u32),
        rows: &Rows,
        lanes: (&mut [f32], &mut [f32], &mut [f32]),
        sink: &mut K,
    ) {
        match kind {
            Kind::Tri(k) => rows.run::<C, _, _>(&TriDraw(k, stream), lanes, sink),
            Kind::Pert(j, fm, a, r) => {
                let table = pert::table();
                let (task, wide) = (table.task(j as usize, fm, a, r), avx2());
                // The first stage for the whole block, before the chunk loop: see
                // [`pert::PertTable::locate`].
                let mut at = pert::Located::default();
                for c in 0..LANES / C {
                    table.locate(&task, &chunk_uniforms::<C>(stream, c), &mut at, c);
                }
                rows.run::<C, _, _>(&PertDraw(table, task, &at, wide), lanes, sink)
            }
            Kind::Drawn => rows.run::<C, _, _>(&Drawn, lanes, sink),
        }
    }
    let (Some(ci), Some(cm)) = (cost, net.cost.as_ref()) else {
        return go::<C, _>(kind, stream, &rows, lanes, &mut NoCost);
    };
    let (low, high) = s.cost32.split_at_mut(2 * LANES);
    let tasks = lanes_mut(low, cost::CostModel::TASKS);
    let g = keys.cost_group[ci];
    let group = (g != cost::NONE).then(|| lanes_mut(high, g as usize));
    // A milestone reads the task's lanes (or a driver analysis keeps them): its constant
    // part and its drawn part.
    let constant = keys.cost_const[ci];
    let kept = (keys.cost_kept[ci] || b.keeps_sub())
        .then(|| (&mut s.cost_task.as_chunks_mut::<LANES>().0[ci], constant));
    if let Some(rate) = keys.cost_rate_only[ci] {
        // Amounts only: the fixed part is in the block's base already.
        return if rate == 0.0 && kept.is_none() {
            go::<C, _>(kind, stream, &rows, lanes, &mut NoCost)
        } else {
            let mut sink = RateSink {
                rate,
                sums: Sums { tasks, group, kept },
            };
            go::<C, _>(kind, stream, &rows, lanes, &mut sink)
        };
    }
    // The task's cost beside its durations: each amount drawn in the chunk loop when
    // triangular, before it otherwise (into `pre`), a constant when fixed.
    let c = &cm.tasks[ci];
    let mut pre = [[0f32; LANES]; 2];
    let [pre_fixed, pre_rate] = &mut pre;
    #[inline(always)]
    fn amount<'a>(
        sampler: &Option<Sampler>,
        (key, block): (u64, u64),
        u: &mut [f32; LANES],
        discrete: &crate::model::DiscreteTables,
        pre: &'a mut [f32; LANES],
        correlated: Option<&'a [f32; LANES]>,
    ) -> Amount<'a> {
        if let (Some(l), Some(x)) = (correlated, sampler)
            && !matches!(x, Sampler::Fixed(_))
        {
            // Drawn and reordered with its correlation group.
            return Amount::Lanes(l);
        }
        match *sampler {
            None => Amount::Const(0.0),
            Some(Sampler::Fixed(x)) => Amount::Const(x),
            Some(Sampler::Triangular { a, b, fc, k1, k2 }) => {
                Amount::Tri(Tri { a, b, fc, k1, k2 }, block_stream(key, block))
            }
            Some(ref other) => {
                block_uniforms(key, block, u);
                other.fill(u, pre, discrete);
                Amount::Lanes(pre)
            }
        }
    }
    let d = &net.discrete;
    // An amount is in the block's base (`Keys::cost_const`).
    let correlated =
        |slot: u32| (slot != cost::NONE).then(|| self::lanes(&s.amounts, slot as usize));
    let fixed = amount(
        &c.fixed,
        (keys.cost_fixed[ci], block),
        &mut s.u,
        d,
        pre_fixed,
        correlated(c.corr[0]),
    );
    let fixed = match fixed {
        Amount::Const(_) => Amount::Const(0.0),
        drawn => drawn,
    };
    let rate = amount(
        &c.rate,
        (keys.cost_rate[ci], block),
        &mut s.u,
        d,
        pre_rate,
        correlated(c.corr[1]),
    );
    let mut sink = TaskCostSink {
        fixed,
        rate,
        sums: Sums { tasks, group, kept },
    };
    go::<C, _>(kind, stream, &rows, lanes, &mut sink)
}

/// What the chunk loop of [`plain_task`] does with a chunk of durations besides the
/// finishes: nothing ([`NoCost`]) or the task's cost ([`TaskCostSink`]).
trait CostSink<const C: usize> {
    fn chunk(&mut self, c: usize, dur: &[f32; C]);
}

/// A task without cost (or one [`task_cost`] computes).
struct NoCost;

impl<const C: usize> CostSink<C> for NoCost {
    #[inline(always)]
    fn chunk(&mut self, _: usize, _: &[f32; C]) {}
}

/// One amount of a task's cost (its fixed cost or its rate) for the chunk loop.
#[derive(Clone, Copy)]
enum Amount<'a> {
    Const(f32),
    Tri(Tri, (u32, u32)),
    Lanes(&'a [f32; LANES]),
}

impl Amount<'_> {
    #[inline(always)]
    fn chunk<const C: usize>(&self, c: usize) -> [f32; C] {
        let mut x = [0f32; C];
        match *self {
            Amount::Const(v) => x = [v; C],
            Amount::Tri(Tri { a, b, fc, k1, k2 }, stream) => {
                let u = chunk_uniforms::<C>(stream, c);
                for i in 0..C {
                    x[i] = triangular(u[i], a, b, fc, k1, k2);
                }
            }
            Amount::Lanes(l) => x.copy_from_slice(&l[c * C..(c + 1) * C]),
        }
        x
    }
}

/// Where a plain task's varying cost goes, chunk by chunk: the tasks' part, its group's
/// and, when a milestone reads the task, its kept lanes (with its constant part).
struct Sums<'a> {
    tasks: &'a mut [f32; LANES],
    group: Option<&'a mut [f32; LANES]>,
    kept: Option<(&'a mut [f64; LANES], f64)>,
}

impl Sums<'_> {
    #[inline(always)]
    fn add<const C: usize>(&mut self, c: usize, x: &[f32; C]) {
        add_chunk(self.tasks, c, x);
        if let Some(g) = &mut self.group {
            add_chunk(g, c, x);
        }
        if let Some((k, constant)) = &mut self.kept {
            keep_chunk(k, *constant, c, x);
        }
    }
}

/// A plain task's cost, chunk by chunk, as [`task_cost`] computes it for any task: its
/// drawn part (a drawn fixed cost, plus rate × duration) into its [`Sums`]; its constant
/// part (`Keys::cost_const`) is in the block's base.
struct TaskCostSink<'a> {
    fixed: Amount<'a>,
    rate: Amount<'a>,
    sums: Sums<'a>,
}

impl<const C: usize> CostSink<C> for TaskCostSink<'_> {
    #[inline(always)]
    fn chunk(&mut self, c: usize, dur: &[f32; C]) {
        let (fixed, rate) = (self.fixed.chunk::<C>(c), self.rate.chunk::<C>(c));
        let mut x = [0f32; C];
        for i in 0..C {
            x[i] = fixed[i] + rate[i] * dur[i].max(0.0);
        }
        self.sums.add(c, &x);
    }
}

/// A plain task whose fixed cost and rate are amounts (a price, a day rate): only rate ×
/// duration varies.
struct RateSink<'a> {
    rate: f32,
    sums: Sums<'a>,
}

impl<const C: usize> CostSink<C> for RateSink<'_> {
    #[inline(always)]
    fn chunk(&mut self, c: usize, dur: &[f32; C]) {
        let mut x = [0f32; C];
        for i in 0..C {
            x[i] = self.rate * dur[i].max(0.0);
        }
        self.sums.add(c, &x);
    }
}

/// Keeps chunk `c` of a task's cost, `constant + x`, for the milestones that read it.
#[inline(always)]
fn keep_chunk<const C: usize>(kept: &mut [f64; LANES], constant: f64, c: usize, x: &[f32; C]) {
    for (k, &v) in kept[c * C..(c + 1) * C].iter_mut().zip(x) {
        *k = constant + v as f64;
    }
}

/// Adds chunk `c` of a task's cost to a sum's lanes.
#[inline(always)]
fn add_chunk<const C: usize>(sum: &mut [f32; LANES], c: usize, x: &[f32; C]) {
    for (a, &v) in sum[c * C..(c + 1) * C].iter_mut().zip(x) {
        *a += v;
    }
}

/// Constants of a triangular sampler (see [`triangular`]).
#[derive(Clone, Copy)]
struct Tri {
    /// Minimum.
    a: f32,
    /// Maximum.
    b: f32,
    /// F(mode): the share of the mass below the mode.
    fc: f32,
    /// (mode − min)·(max − min): the left branch is a + √(k1·u).
    k1: f32,
    /// (max − mode)·(max − min): the right branch is b − √(k2·(1 − u)).
    k2: f32,
}

/// How [`plain_task`] gets chunk `c` of a task's durations: drawn in the chunk loop, or
/// (`DRAWN`) drawn into the task's duration lanes before it. Each kind compiles its own
/// chunk loop, so that a sampler's constants are broadcast once per task, not once per
/// chunk. (A trait, not a closure: a closure is compiled without the kernel's target
/// features and may be left as a call.)
trait Draw<const C: usize> {
    const DRAWN: bool = false;
    fn chunk(&self, c: usize) -> [f32; C];
}

/// Triangular durations from the task's stream of uniforms.
struct TriDraw(Tri, (u32, u32));

impl<const C: usize> Draw<C> for TriDraw {
    #[inline(always)]
    fn chunk(&self, c: usize) -> [f32; C] {
        let (Tri { a, b, fc, k1, k2 }, u) = (self.0, chunk_uniforms::<C>(self.1, c));
        let mut dur = [0f32; C];
        for i in 0..C {
            dur[i] = triangular(u[i], a, b, fc, k1, k2);
        }
        dur
    }
}

/// Beta-PERT durations through the shared table, its first stage done for the block;
/// with AVX2 when the token is there.
struct PertDraw<'a>(
    &'static pert::PertTable,
    pert::Task,
    &'a pert::Located,
    Option<Avx2>,
);

impl<const C: usize> Draw<C> for PertDraw<'_> {
    #[inline(always)]
    fn chunk(&self, c: usize) -> [f32; C] {
        let mut dur = [0f32; C];
        for (i, d) in dur.as_chunks_mut::<8>().0.iter_mut().enumerate() {
            *d = self.0.interpolate(&self.1, self.2, c * C / 8 + i, self.3);
        }
        dur
    }
}

/// Durations given in full: a leave-one-out variant's.
struct Given<'a>(&'a [f32; LANES]);

impl<const C: usize> Draw<C> for Given<'_> {
    #[inline(always)]
    fn chunk(&self, c: usize) -> [f32; C] {
        let mut dur = [0f32; C];
        dur.copy_from_slice(&self.0[c * C..(c + 1) * C]);
        dur
    }
}

/// Durations already in the task's lanes.
struct Drawn;

impl<const C: usize> Draw<C> for Drawn {
    const DRAWN: bool = true;
    #[inline(always)]
    fn chunk(&self, _: usize) -> [f32; C] {
        [0.0; C]
    }
}

/// The link count from which [`Rows::run`] loops over the links.
const MANY: usize = 4;

/// The finish lanes of the padding links of [`Rows::run`]: +0 plus a lag of +0 is +0,
/// which never raises a start above its floor (≥ +0).
static ZEROS: [f32; LANES] = [0.0; LANES];

/// What [`plain_task`] reads: the task's floor, its links and the finish lanes of the
/// tasks before it; and what it stores besides the finish.
struct Rows<'a> {
    floor: f32,
    preds: &'a [Link],
    done: &'a [f32],
    keep_dur: bool,
    keep_start: bool,
    /// The task's calendar on the clock axis when it does not work around the clock: the
    /// chunk loop converts the start into its working time and back, as
    /// [`place_on_clock`] does.
    calendar: Option<&'a WorkTime>,
}

/// Task `t`'s calendar when the network is on the clock axis and the calendar does not
/// work around the clock (see [`Rows::calendar`]).
#[inline(always)]
fn working_calendar(net: &Network, t: usize) -> Option<&WorkTime> {
    net.clock
        .as_deref()
        .map(|k| k.of(t))
        .filter(|c| !c.is_continuous())
}

/// Where the chunk loop puts a task that may start at `start`: on working days (the
/// start as it is, the finish `start + dur`) or on its calendar on the clock axis.
trait Axis<const C: usize> {
    /// Whether the chunk loop places the whole block at once after it (see
    /// [`Axis::place_block`]) rather than each chunk in it.
    const BLOCK: bool;
    /// The start and finish of a chunk of lanes.
    fn place(&self, start: [f32; C], dur: &[f32; C], keep_start: bool) -> ([f32; C], [f32; C]);
    /// [`Axis::place`] of the whole block.
    fn place_block(
        &self,
        start: &[f32; LANES],
        dur: &[f32; LANES],
        keep_start: bool,
    ) -> ([f32; LANES], [f32; LANES]);
}

/// Working days of the one calendar (or the clock axis for a task working around the
/// clock).
struct Days;

impl<const C: usize> Axis<C> for Days {
    const BLOCK: bool = false;
    #[inline(always)]
    fn place(&self, start: [f32; C], dur: &[f32; C], _: bool) -> ([f32; C], [f32; C]) {
        let mut finish = [0f32; C];
        for i in 0..C {
            finish[i] = start[i] + dur[i];
        }
        (start, finish)
    }
    fn place_block(
        &self,
        start: &[f32; LANES],
        _: &[f32; LANES],
        _: bool,
    ) -> ([f32; LANES], [f32; LANES]) {
        (*start, *start)
    }
}

impl<const C: usize> Axis<C> for &WorkTime {
    const BLOCK: bool = true;
    #[inline(always)]
    fn place_block(
        &self,
        start: &[f32; LANES],
        dur: &[f32; LANES],
        keep_start: bool,
    ) -> ([f32; LANES], [f32; LANES]) {
        let ws = self.w_lanes(start);
        let mut wf = [0f32; LANES];
        for i in 0..LANES {
            wf[i] = ws[i] + dur[i];
        }
        let start = if keep_start {
            self.at_lanes::<LANES, false>(&ws)
        } else {
            *start
        };
        (start, self.at_lanes::<LANES, true>(&wf))
    }

    /// [`place_on_clock`] for an open task without a freeze window: the start's working
    /// time W, the start where the calendar next works (only when kept) and the finish
    /// where `W + dur` ends; the same functions, so the same bits.
    #[inline(always)]
    fn place(&self, start: [f32; C], dur: &[f32; C], keep_start: bool) -> ([f32; C], [f32; C]) {
        let ws = self.w_lanes(&start);
        let mut wf = [0f32; C];
        for i in 0..C {
            wf[i] = ws[i] + dur[i];
        }
        let start = if keep_start {
            self.at_lanes::<C, false>(&ws)
        } else {
            start
        };
        (start, self.at_lanes::<C, true>(&wf))
    }
}

impl Rows<'_> {
    /// The chunk loop, with the number of links `P` known at compile time (the link loop
    /// unrolled, each predecessor's row bounds-checked once; links beyond the task's own
    /// read [`ZEROS`]); [`MANY`] for that many or more, in a loop.
    #[inline(always)]
    fn run<const C: usize, D: Draw<C>, K: CostSink<C>>(
        &self,
        draw: &D,
        lanes: (&mut [f32], &mut [f32], &mut [f32]),
        sink: &mut K,
    ) {
        // Up to three links take one unrolled loop, padded with links to a row of zeros
        // (which never beat the floor): a branch on the link count would be mispredicted
        // at every task whose count differs from the last, and stall the pipeline.
        match (self.preds.len() < MANY, self.calendar) {
            (true, None) => self.chunks::<{ MANY - 1 }, C, D, K, _>(draw, lanes, sink, Days),
            (false, None) => self.chunks::<MANY, C, D, K, _>(draw, lanes, sink, Days),
            (true, Some(c)) => self.chunks::<{ MANY - 1 }, C, D, K, _>(draw, lanes, sink, c),
            (false, Some(c)) => self.chunks::<MANY, C, D, K, _>(draw, lanes, sink, c),
        }
    }

    /// The chunk loop, with the number of links `P` known at compile time (the link loop
    /// unrolled, each predecessor's row bounds-checked once; links beyond the task's own
    /// read [`ZEROS`]); [`MANY`] for that many or more, in a loop.
    #[inline(always)]
    fn chunks<const P: usize, const C: usize, D: Draw<C>, K: CostSink<C>, A: Axis<C>>(
        &self,
        draw: &D,
        (ef_t, es_t, dur_t): (&mut [f32], &mut [f32], &mut [f32]),
        sink: &mut K,
        axis: A,
    ) {
        let fixed: [(&[f32; LANES], f32); P] = std::array::from_fn(|i| match self.preds.get(i) {
            Some(l) => (lanes(self.done, l.pred as usize), l.lag),
            None => (&ZEROS, 0.0),
        });
        for c in 0..LANES / C {
            let mut dur = [0f32; C];
            if D::DRAWN {
                dur.copy_from_slice(&dur_t[c * C..(c + 1) * C]);
            } else {
                dur = draw.chunk(c);
            }
            let mut start = [self.floor; C];
            if P == MANY {
                for l in self.preds {
                    latest(&mut start, lanes(self.done, l.pred as usize), c, l.lag);
                }
            } else {
                for &(row, lag) in &fixed {
                    latest(&mut start, row, c, lag);
                }
            }
            if A::BLOCK {
                // Placed after the loop: the task's rows hold the start and the duration
                // until then.
                es_t[c * C..(c + 1) * C].copy_from_slice(&start);
                if !D::DRAWN {
                    dur_t[c * C..(c + 1) * C].copy_from_slice(&dur);
                }
            } else {
                let (start, finish) = axis.place(start, &dur, self.keep_start);
                ef_t[c * C..(c + 1) * C].copy_from_slice(&finish);
                if self.keep_start {
                    es_t[c * C..(c + 1) * C].copy_from_slice(&start);
                }
            }
            if !D::DRAWN && self.keep_dur && !A::BLOCK {
                dur_t[c * C..(c + 1) * C].copy_from_slice(&dur);
            }
            sink.chunk(c, &dur);
        }
        if A::BLOCK {
            let (start, finish) =
                axis.place_block(lanes(es_t, 0), lanes(dur_t, 0), self.keep_start);
            ef_t.copy_from_slice(&finish);
            if self.keep_start {
                es_t.copy_from_slice(&start);
            }
        }
    }
}

/// `start = max(start, finish + lag)` over chunk `c` of `C` lanes, on the bit patterns as signed
/// integers (one packed integer maximum, where `f32::max` costs three instructions for
/// its NaN rule). Exact for the plain path: the floor is ≥ +0 and no value is NaN, and
/// among such values the integer order of the bits is the order of the floats (every
/// negative value, -0 included, loses to the floor).
#[inline(always)]
fn latest<const C: usize>(start: &mut [f32; C], finish: &[f32; LANES], c: usize, lag: f32) {
    for i in 0..C {
        let x = (finish[c * C + i] + lag).to_bits() as i32;
        start[i] = f32::from_bits((start[i].to_bits() as i32).max(x) as u32);
    }
}

/// A leave-one-out variant of the network: a task held at its deterministic duration or
/// a risk treated as absent.
pub(crate) struct Variant {
    /// A task held at its deterministic duration.
    pub hold: Option<usize>,
    /// A risk treated as absent.
    pub skip_risk: Option<usize>,
    /// Per milestone, the lane row holding its finish in this variant.
    milestone_rows: Vec<u32>,
}

/// One task of one variant's cone, recomputed right after the base task.
struct Entry {
    variant: u32,
    /// Lane row its early start and finish go to.
    row: u32,
    /// Whether the variant changes the task's own duration (else only its start moves).
    changed: bool,
    /// Its links in [`LooProgram::links`].
    links: (u32, u32),
}

/// Leave-one-out variants evaluated inside one base pass. Only the tasks whose duration
/// a variant changes and their descendants (its cone) are recomputed; every other task
/// keeps the base pass's lanes, which are exactly what a separate run would give. The
/// cones are interleaved with the base pass, task by task in topological order, so that
/// each task's lanes and its predecessors' are still in cache when the variants read
/// them. Lane rows: 0..n are the base pass's tasks, the rows after them the cones'.
pub(crate) struct LooProgram {
    pub variants: Vec<Variant>,
    entries: Vec<Entry>,
    /// Per task, its entries: `entries[entry_start[t]..entry_start[t + 1]]`.
    entry_start: Vec<u32>,
    /// The entries' links, each `pred` rewritten to the row the variant reads: the
    /// predecessor's own row outside the cone, its cone row inside.
    links: Vec<Link>,
    /// Lane rows in all.
    rows: u32,
}

/// One leave-one-out variant: what it changes in the network.
#[derive(Debug, Clone)]
pub(crate) struct VariantSpec {
    /// The task held at its deterministic duration, if any (topological index).
    pub hold: Option<usize>,
    /// The risk treated as absent, if any.
    pub skip_risk: Option<usize>,
    /// Per task: whether the variant changes its duration.
    pub changed: Vec<bool>,
}

impl LooProgram {
    /// One program for `changes`, evaluated together in each block.
    ///
    /// A cone row is recycled once the last successor reading it has been computed
    /// (milestones' rows are kept to the end), so the rows in use stay few, about the
    /// width of the network times the number of variants, and stay in cache.
    pub fn new(net: &Network, changes: &[VariantSpec]) -> Self {
        let n = net.len();
        let cones: Vec<Vec<bool>> = changes
            .iter()
            .map(|VariantSpec { changed, .. }| {
                let mut cone = vec![false; n];
                for t in 0..n {
                    cone[t] = changed[t] || net.preds(t).iter().any(|l| cone[l.pred as usize]);
                }
                cone
            })
            .collect();
        // The last task that reads each task's row (n: never released).
        let mut last_use: Vec<usize> = (0..n).collect();
        for t in 0..n {
            for l in net.preds(t) {
                let p = l.pred as usize;
                last_use[p] = last_use[p].max(t);
            }
        }
        for m in &net.milestones {
            last_use[m.task as usize] = n;
        }
        let mut row_of = vec![vec![0u32; n]; changes.len()];
        let (mut entries, mut entry_start, mut links) = (Vec::new(), vec![0u32], Vec::new());
        let (mut rows, mut free) = (n as u32, Vec::new());
        let mut expire: Vec<Vec<u32>> = vec![Vec::new(); n];
        for t in 0..n {
            for (vi, cone) in cones.iter().enumerate() {
                if !cone[t] {
                    continue;
                }
                let from = links.len() as u32;
                links.extend(net.preds(t).iter().map(|l| {
                    let p = l.pred as usize;
                    Link {
                        pred: if cone[p] { row_of[vi][p] } else { p as u32 },
                        ..*l
                    }
                }));
                let row = free.pop().unwrap_or_else(|| {
                    rows += 1;
                    rows - 1
                });
                row_of[vi][t] = row;
                if last_use[t] < n {
                    expire[last_use[t]].push(row);
                }
                entries.push(Entry {
                    variant: vi as u32,
                    row,
                    changed: changes[vi].changed[t],
                    links: (from, links.len() as u32),
                });
            }
            free.append(&mut expire[t]);
            entry_start.push(entries.len() as u32);
        }
        let variants = changes
            .iter()
            .zip(&cones)
            .zip(&row_of)
            .map(|((spec, cone), row_of)| Variant {
                hold: spec.hold,
                skip_risk: spec.skip_risk,
                milestone_rows: net
                    .milestones
                    .iter()
                    .map(|m| {
                        let t = m.task as usize;
                        if cone[t] { row_of[t] } else { t as u32 }
                    })
                    .collect(),
            })
            .collect();
        LooProgram {
            variants,
            entries,
            entry_start,
            links,
            rows,
        }
    }
}

/// Everything that acts on task `t`'s sampled duration in block `block`, in place (see the
/// module documentation for the order): calibration, scenario scale, occurrence, risk
/// impacts (`skip_risk` is treated as absent, for leave-one-out), scenario delay,
/// removal, and progress (a finished task's actual duration, the elapsed part of one in
/// progress). Each risk's contribution is added to `risk_added` (fixed point).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn apply_effects(
    net: &Network,
    keys: &Keys,
    block: u64,
    t: usize,
    dur: &mut [f32; LANES],
    u: &mut [f32; LANES],
    risk: &[f32],
    skip_risk: Option<usize>,
    risk_added: &mut [i128],
    valid: usize,
) {
    let (cb, cs) = net.calibration[t];
    if cb != 0.0 || cs != 0.0 {
        // History's correction: a lognormal multiplier with its own keyed stream.
        block_uniforms(keys.calibration[t], block, u);
        let mut z = [0f32; LANES];
        normal_scores(u, &mut z);
        for l in 0..LANES {
            dur[l] *= (cb + cs * z[l]).exp();
        }
    }
    let scale = net.scale[t];
    if scale != 1.0 {
        for d in dur.iter_mut() {
            *d *= scale;
        }
    }
    let p = net.occurrence[t];
    let mut happens = [1f32; LANES];
    if p < 1.0 {
        block_uniforms(keys.occurrence[t], block, u);
        for l in 0..LANES {
            happens[l] = (u[l] < p) as u32 as f32;
            dur[l] *= happens[l];
        }
    }
    let hits = &net.hits[net.hit_start[t] as usize..net.hit_start[t + 1] as usize];
    if !hits.is_empty() {
        let base = *dur;
        let impact = |h: &crate::model::Hit, l: usize| {
            let imp = lanes(risk, h.risk as usize);
            if h.percent {
                base[l] * imp[l] * 0.01
            } else {
                imp[l] * happens[l]
            }
        };
        let active = |h: &&crate::model::Hit| skip_risk != Some(h.risk as usize);
        for h in hits.iter().filter(active) {
            for (l, d) in dur.iter_mut().enumerate() {
                *d += impact(h, l);
            }
        }
        // The days the risks really add: after clipping at 0, and none to a task that is
        // done or removed (its duration is replaced below). When clipping takes part of
        // the drawn impacts away, each risk keeps its share of what is left.
        let counts =
            !risk_added.is_empty() && net.keep[t] && !matches!(net.status[t], Status::Done { .. });
        let mut share = [1f32; LANES];
        for (l, d) in dur.iter_mut().enumerate() {
            let raw = *d - base[l];
            *d = if *d > 0.0 { *d } else { 0.0 };
            if raw != 0.0 {
                share[l] = (*d - base[l]) / raw;
            }
        }
        if counts {
            for h in hits.iter().filter(active) {
                let mut added = [0f32; LANES];
                for (l, a) in added.iter_mut().enumerate() {
                    *a = impact(h, l) * share[l];
                }
                risk_added[h.risk as usize] += fixed_sum(&added, valid);
            }
        }
    }
    let extra = net.extra[t];
    if extra != 0.0 {
        for l in 0..LANES {
            dur[l] = (dur[l] + extra * happens[l]).max(0.0);
        }
    }
    if !net.keep[t] {
        dur.fill(0.0);
    }
    match net.status[t] {
        Status::Done { duration, .. } => dur.fill(duration),
        Status::InProgress { elapsed, .. } => {
            for d in dur.iter_mut() {
                *d += elapsed;
            }
        }
        Status::Open => {}
    }
}

/// Resource columns of the levelled run: the number of them in each iteration's row
/// (peak units and unit-days held, per resource), 0 unless the network levels.
pub(crate) fn levelled_resources(net: &Network) -> usize {
    net.levelling
        .as_ref()
        .filter(|l| l.on)
        .map_or(0, |l| l.resources.len())
}

/// Holds of a task whose searches resume where they stopped (the rest search afresh).
const HINTS: usize = 4;

/// Lanes levelled together. A block's 64 lanes hold one profile per resource each, too
/// many to stay in a core's cache on a large plan (64 × 20 profiles of a few hundred
/// points each take several MB); a group's fit.
const GROUP: usize = 8;

/// Task (or risk) `t`'s lanes of group `g`.
#[inline(always)]
fn group(v: &[f32], t: usize, g: usize) -> &[f32; GROUP] {
    &lanes(v, t).as_chunks::<GROUP>().0[g]
}

#[inline(always)]
fn group_mut(v: &mut [f32], t: usize, g: usize) -> &mut [f32; GROUP] {
    &mut lanes_mut(v, t).as_chunks_mut::<GROUP>().0[g]
}

/// The serial scheme in a levelled run, after every task's durations are drawn: each
/// task in levelling order placed on its predecessors' levelled dates and levelled, a
/// group of lanes at a time, so that the profiles one group works on stay in the core's
/// cache. Lanes past the valid ones are placed but not levelled.
#[inline(always)]
fn level_block(b: &Block, lev: &Levelling, s: &mut Scratch, acc: &mut Acc) {
    let net = b.net;
    for g in 0..LANES / GROUP {
        let first = g * GROUP;
        let live = b.valid.saturating_sub(first).min(GROUP);
        for t in 0..net.len() {
            let dur = *group(&s.dur, t, g);
            let (mut start, mut finish) = place(
                net,
                t,
                net.preds(t),
                &dur,
                |p| group(&s.es, p, g),
                |p| group(&s.ef, p, g),
            );
            if lev.levels(t) {
                let waited = level_lanes(
                    net,
                    lev,
                    t,
                    (first, live),
                    &dur,
                    (&mut start, &mut finish),
                    &mut s.profiles,
                    &mut s.waited,
                    &mut lanes_u32(&mut s.res_driver, t)[first..first + GROUP],
                );
                if !acc.wait.is_empty() {
                    acc.wait[t] += waited;
                }
            }
            if b.track.keep_starts {
                *group_mut(&mut s.es, t, g) = start;
            }
            *group_mut(&mut s.ef, t, g) = finish;
        }
    }
}

/// Levels task `t` in the `live` lanes from lane `first` on, held from index 0 of `dur`,
/// `start`, `finish` and `driver` (the serial scheme's step; see
/// [`crate::model::resource`]): a task not started moves from its logic start to the
/// earliest time at which every resource it holds has its units free over its whole
/// span; then it holds them (a task in progress from the status date on). A task of zero
/// length holds nothing. Marks in `waited` the lanes where a resource made it wait, and
/// returns the working days it waited over the lanes, in fixed point.
#[allow(clippy::too_many_arguments)]
fn level_lanes<const W: usize>(
    net: &Network,
    lev: &Levelling,
    t: usize,
    (first, live): (usize, usize),
    dur: &[f32; W],
    (start, finish): (&mut [f32; W], &mut [f32; W]),
    profiles: &mut [Profile<f32>],
    waited: &mut [u64],
    driver: &mut [u32],
) -> i128 {
    let holds = lev.holds(t);
    let r = lev.resources.len();
    let from = match net.status[t] {
        Status::Open => f32::NEG_INFINITY,
        Status::InProgress { .. } => net.status_time.map_or(f32::NEG_INFINITY, |x| x as f32),
        Status::Done { .. } => return 0,
    };
    let mut wait = 0i128;
    driver.fill(NO_TASK);
    let mut spans = [Span::default(); HINTS];
    for i in 0..live {
        let l = first + i;
        let lane = &mut profiles[l * r..(l + 1) * r];
        let (mut s, mut f) = (start[i], finish[i]);
        if !(f > s && dur[i] > 0.0) {
            continue;
        }
        if from == f32::NEG_INFINITY {
            let s0 = s;
            // Where each resource's search stopped, so that a task moved past a gap too
            // short for it walks on instead of searching again, and where the span fits,
            // so that holding it needs no search (the first few holds).
            let mut hints = [0usize; HINTS];
            loop {
                let (mut next, mut by) = (f32::NEG_INFINITY, NO_TASK);
                for (i, h) in holds.iter().enumerate() {
                    let k = h.resource as usize;
                    let mut none = 0;
                    let hint = hints.get_mut(i).unwrap_or(&mut none);
                    match lane[k].fit_from(s, f, h.units, lev.capacity[k], hint) {
                        Ok(span) => {
                            if let Some(x) = spans.get_mut(i) {
                                *x = span;
                            }
                        }
                        Err((x, who)) => {
                            if x > next {
                                (next, by) = (x, who);
                            }
                            waited[k] |= 1 << l;
                        }
                    }
                }
                // Each move passes a change point, so this ends after at most as many
                // moves as the profiles have points.
                if next <= s {
                    break;
                }
                driver[i] = by;
                (s, f) = lift_lane(net, t, dur[i], next);
            }
            if s > s0 {
                start[i] = s;
                finish[i] = f;
                wait += to_fixed(net.days(s as f64) - net.days(s0 as f64));
            }
            if f > s {
                for (i, h) in holds.iter().enumerate() {
                    let p = &mut lane[h.resource as usize];
                    match spans.get(i) {
                        Some(&at) => p.add_at(s, f, h.units, t as u32, at),
                        None => p.add(s, f, h.units, t as u32),
                    }
                }
            }
            continue;
        }
        let s = s.max(from);
        if f > s {
            for h in holds {
                lane[h.resource as usize].add(s, f, h.units, t as u32);
            }
        }
    }
    wait
}

/// Each lane's peak units and unit-days held of every resource into the row after the
/// milestones and cost items (`out[lane * width + base + 2r]`, `+ 1`), and the lanes
/// in which some task waited for each resource into the accumulators.
fn resource_columns(
    b: &Block,
    lev: &Levelling,
    s: &mut Scratch,
    acc: &mut Acc,
    out: &mut [f32],
    width: usize,
    base: usize,
) {
    let r = lev.resources.len();
    for l in 0..b.valid {
        for k in 0..r {
            let (mut peak, mut held) = (0i64, 0f64);
            let mut last: Option<(f32, i64)> = None;
            for (x, level) in s.profiles[l * r + k].points() {
                if let Some((x0, l0)) = last {
                    held += (x - x0) as f64 * l0 as f64;
                }
                peak = peak.max(level);
                last = Some((x, level));
            }
            let row = &mut out[l * width + base + 2 * k..];
            row[0] = (peak as f64 / crate::model::resource::UNIT_SCALE) as f32;
            row[1] = (held / crate::model::resource::UNIT_SCALE) as f32;
        }
    }
    for (a, &m) in acc.waited.iter_mut().zip(&s.waited) {
        *a += (m & valid_mask(b.valid)).count_ones() as u64;
    }
}

/// Where task `t` (not started, of duration `d`) starts and finishes when it may start
/// no earlier than `x`, after its logic start: at `x` or where its calendar next works,
/// out of a freeze window.
fn lift_lane(net: &Network, t: usize, d: f32, x: f32) -> (f32, f32) {
    let Some(k) = net.clock.as_deref() else {
        let s = freeze_lane(net, t, x);
        return (s, s + d);
    };
    let c = k.of(t);
    let mut ws = c.w32(x);
    let mut s = c.start32(ws);
    if net.freeze_of[t] != NO_FREEZE {
        let moved = net.freeze_start(t, s as f64) as f32;
        if moved != s {
            ws = c.w32(moved);
            s = c.start32(ws);
        }
    }
    let mut f = c.finish32(ws + d);
    if net.start_milestone[t] {
        f = f.max(s);
    }
    (s, f)
}

/// A start at `x` of task `t` on a single calendar, moved to the end of the freeze
/// window holding the day it falls on (a binary search over the task's few windows).
#[inline(always)]
fn freeze_lane(net: &Network, t: usize, x: f32) -> f32 {
    let f = net.freeze_of[t];
    if f == NO_FREEZE {
        return x;
    }
    let wins = &net.freeze_windows[f as usize];
    let d = (x + SNAP32).max(0.0).floor();
    let i = wins.partition_point(|w| w.1 <= d);
    match wins.get(i) {
        Some(&(a, b)) if a <= d && b > x => b,
        _ => x,
    }
}

/// Early start and finish of task `t` with duration `dur`, given the links to its
/// predecessors (in the order of [`Network::preds`], each `pred` the row holding that
/// predecessor's lanes) and their early starts and finishes (`es`, `ef`, by row). On a
/// single calendar the start is [`start_of`] and the finish the start plus the duration;
/// on the clock axis see [`place_on_clock`].
#[inline(always)]
fn place<'a, const W: usize>(
    net: &Network,
    t: usize,
    preds: &[Link],
    dur: &[f32; W],
    es: impl Fn(usize) -> &'a [f32; W],
    ef: impl Fn(usize) -> &'a [f32; W],
) -> ([f32; W], [f32; W]) {
    if let Some(k) = net.clock.as_deref() {
        return place_on_clock(net, k, t, preds, dur, es, ef);
    }
    let start = start_of(net, t, preds, dur, &es, &ef);
    let mut finish = [0f32; W];
    for l in 0..W {
        finish[l] = start[l] + dur[l];
    }
    if let Some((elapsed, rem)) = retained(net, t, dur) {
        // The remaining work resumes when its links allow, if after the status date.
        let resume = start[0] + elapsed;
        let r = links_start(preds, &rem, &es, &ef, [resume; W]);
        for l in 0..W {
            if r[l] > resume {
                finish[l] = r[l] + rem[l];
            }
        }
    }
    (start, finish)
}

/// For a task in progress under retained logic: the working days from its actual start
/// to the status date (where its remaining work resumes without its links) and, per lane,
/// the work remaining (`dur` holds the elapsed and remaining work).
#[inline(always)]
fn retained<const W: usize>(net: &Network, t: usize, dur: &[f32; W]) -> Option<(f32, [f32; W])> {
    match net.status[t] {
        Status::InProgress { elapsed, .. } if net.retained_logic => {
            let mut rem = [0f32; W];
            for l in 0..W {
                rem[l] = dur[l] - elapsed;
            }
            Some((elapsed, rem))
        }
        _ => None,
    }
}

/// [`place`] on the clock axis: the latest of the start constraints (the floor, each
/// finish- or start-to-start link's time after its lag on the lag calendar) and of the
/// finish constraints, taken into the task's own working time W; the task starts where
/// its calendar next works, `start(W)`, moved out of a freeze window, and finishes at
/// `finish(W + d)`. A task in progress keeps its actual start and finishes its remaining
/// work from the status date on its calendar; a finished one keeps its actual dates.
#[inline(always)]
fn place_on_clock<'a, const W: usize>(
    net: &Network,
    k: &crate::model::Clock,
    t: usize,
    preds: &[Link],
    dur: &[f32; W],
    es: impl Fn(usize) -> &'a [f32; W],
    ef: impl Fn(usize) -> &'a [f32; W],
) -> ([f32; W], [f32; W]) {
    let c = k.of(t);
    match net.status[t] {
        Status::Done {
            start: s0,
            finish: f0,
            ..
        } => return ([s0; W], [f0; W]),
        Status::InProgress { start: s0, elapsed } => {
            let w0 = c.w32(s0);
            // Where the remaining work resumes (in working time) and ends.
            let mut wr = [w0 + elapsed; W];
            let mut wf = [0f32; W];
            for l in 0..W {
                wf[l] = w0 + dur[l];
            }
            if let Some((_, rem)) = retained(net, t, dur) {
                // The remaining work resumes when its links allow, if after the status
                // date.
                let wl = clock_constraints(net, k, t, preds, &rem, &es, &ef, f32::NEG_INFINITY);
                for l in 0..W {
                    if wl[l] > wr[l] {
                        wr[l] = wl[l];
                        wf[l] = wl[l] + rem[l];
                    }
                }
            }
            // It resumes where its calendar next works: with no work left it finishes
            // there, not where its calendar last stopped (as Primavera P6 does).
            let resume = c.at_lanes::<W, false>(&wr);
            let mut finish = c.at_lanes::<W, true>(&wf);
            for l in 0..W {
                finish[l] = finish[l].max(resume[l]);
            }
            return ([s0; W], finish);
        }
        Status::Open => {}
    }
    let mut ws = clock_constraints(net, k, t, preds, dur, &es, &ef, net.floor[t]);
    let mut start = c.at_lanes::<W, false>(&ws);
    if net.freeze_of[t] != NO_FREEZE {
        for l in 0..W {
            let moved = net.freeze_start(t, start[l] as f64) as f32;
            if moved != start[l] {
                ws[l] = c.w32(moved);
                start[l] = c.start32(ws[l]);
            }
        }
    }
    let mut wf = [0f32; W];
    for l in 0..W {
        wf[l] = ws[l] + dur[l];
    }
    let mut finish = c.at_lanes::<W, true>(&wf);
    if net.start_milestone[t] {
        // At zero length a start milestone finishes where it starts.
        for l in 0..W {
            finish[l] = finish[l].max(start[l]);
        }
    }
    (start, finish)
}

/// The working-time start of task `t` (of duration `dur`) on the clock axis allowed by
/// `floor` and its links (before a freeze window).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn clock_constraints<'a, const W: usize>(
    net: &Network,
    k: &crate::model::Clock,
    t: usize,
    preds: &[Link],
    dur: &[f32; W],
    es: &impl Fn(usize) -> &'a [f32; W],
    ef: &impl Fn(usize) -> &'a [f32; W],
    floor: f32,
) -> [f32; W] {
    let c = k.of(t);
    let mut s = [floor; W];
    let mut f = [f32::NEG_INFINITY; W];
    let mut finishes = false;
    for (link, orig) in preds.iter().zip(net.preds(t)) {
        let (row, p, lag) = (link.pred as usize, orig.pred as usize, link.lag);
        let (x, into) = match link.kind {
            LinkKind::FS => (ef(row), &mut s),
            LinkKind::SS => (es(row), &mut s),
            LinkKind::FF => (ef(row), &mut f),
            LinkKind::SF => (es(row), &mut f),
        };
        finishes |= matches!(link.kind, LinkKind::FF | LinkKind::SF);
        let after = after_lag_lanes(k, x, lag, p, t);
        for l in 0..W {
            into[l] = into[l].max(after[l]);
        }
    }
    let mut ws = c.w_lanes(&s);
    if finishes {
        let wf = c.w_lanes(&f);
        for l in 0..W {
            if f[l] > f32::NEG_INFINITY {
                ws[l] = ws[l].max(wf[l] - dur[l]);
            }
        }
    }
    ws
}

/// [`crate::model::Clock::after_lag32`] of every lane (the lanes unchanged without a
/// lag).
#[inline(always)]
fn after_lag_lanes<const W: usize>(
    k: &crate::model::Clock,
    x: &[f32; W],
    lag: f32,
    pred: usize,
    succ: usize,
) -> [f32; W] {
    let mut out = *x;
    if lag == 0.0 {
        return out;
    }
    match k.lag_calendar(pred, succ) {
        Some(c) => {
            let mut w = c.w_lanes(x);
            for v in w.iter_mut() {
                *v += lag;
            }
            out = c.at_lanes::<W, true>(&w);
        }
        None => {
            for v in out.iter_mut() {
                *v += lag;
            }
        }
    }
    out
}

/// Early start of task `t` with duration `dur`, given the links to its predecessors and
/// their early starts and finishes (`es`, `ef`, by the links' `pred`): the latest
/// constraint, the task's floor, and a freeze window.
#[inline(always)]
fn start_of<'a, const W: usize>(
    net: &Network,
    t: usize,
    preds: &[Link],
    dur: &[f32; W],
    es: &impl Fn(usize) -> &'a [f32; W],
    ef: &impl Fn(usize) -> &'a [f32; W],
) -> [f32; W] {
    let mut start = [net.floor[t]; W];
    match net.status[t] {
        Status::Done { start: s0, .. } | Status::InProgress { start: s0, .. } => {
            start = [s0; W];
        }
        Status::Open => {
            start = links_start(preds, dur, es, ef, start);
            if net.freeze_of[t] != NO_FREEZE {
                for x in start.iter_mut() {
                    *x = freeze_lane(net, t, *x);
                }
            }
        }
    }
    start
}

/// The latest of `start` and the constraints of the links `preds` on a task of duration
/// `dur` (each link's `pred` the row of its predecessor's early starts `es` and finishes
/// `ef`).
#[inline(always)]
fn links_start<'a, const W: usize>(
    preds: &[Link],
    dur: &[f32; W],
    es: &impl Fn(usize) -> &'a [f32; W],
    ef: &impl Fn(usize) -> &'a [f32; W],
    mut start: [f32; W],
) -> [f32; W] {
    for link in preds {
        let p = link.pred as usize;
        let lag = link.lag;
        match link.kind {
            LinkKind::FS => {
                let f = ef(p);
                max_into(&mut start, |l| f[l] + lag);
            }
            LinkKind::SS => {
                let e = es(p);
                max_into(&mut start, |l| e[l] + lag);
            }
            LinkKind::FF => {
                let f = ef(p);
                max_into(&mut start, |l| f[l] + lag - dur[l]);
            }
            LinkKind::SF => {
                let e = es(p);
                max_into(&mut start, |l| e[l] + lag - dur[l]);
            }
        }
    }
    start
}

/// One step of the backward pass towards a milestone, at task `succ` whose latest finish
/// is final: adds its total float (latest minus early finish, clipped at 0) over the
/// valid lanes to `float`, and lowers its predecessors' latest finishes. Inlined, so
/// that it is compiled into the AVX2 path too.
#[inline(always)]
fn backward_step(net: &Network, succ: usize, s: &mut Scratch, float: &mut i128, valid: usize) {
    if let Some(k) = net.clock.as_deref() {
        return backward_step_on_clock(net, k, succ, s, float, valid);
    }
    let mut lf_s: [f32; LANES] = *lanes(&s.lf, succ);
    let open = net.status[succ] == Status::Open;
    // The work the links place: all of it, or what remains under retained logic.
    let dur_s = match retained(net, succ, lanes(&s.dur, succ)) {
        Some((_, rem)) => rem,
        None => *lanes(&s.dur, succ),
    };
    // Latest start, shared by the start-based links; one a freeze window forbids moves
    // before the window (and the latest finish with it).
    let mut ls_s = [0f32; LANES];
    for l in 0..LANES {
        ls_s[l] = lf_s[l] - dur_s[l];
    }
    if open && net.freeze_of[succ] != NO_FREEZE {
        for l in 0..LANES {
            if ls_s[l] < f32::INFINITY {
                let ls = net.latest_unfrozen(succ, ls_s[l] as f64) as f32;
                if ls < ls_s[l] {
                    ls_s[l] = ls;
                    lf_s[l] = ls + dur_s[l];
                }
            }
        }
    }
    let ef_s = lanes(&s.ef, succ);
    let mut fl = [0f32; LANES];
    for l in 0..LANES {
        // A task with no enforced path to the milestone keeps an infinite latest
        // finish: it counts no float (the driver analysis reports none for it).
        let x = lf_s[l] - ef_s[l];
        fl[l] = if x > 0.0 && x < f32::INFINITY { x } else { 0.0 };
    }
    *float += fixed_sum(&fl, valid);
    // A done task's links to its predecessors are not enforced (nor an in-progress one's
    // under progress override): they constrain neither its start nor its predecessors'
    // latest finishes.
    if !net.links_enforced(succ) {
        return;
    }
    for link in net.preds(succ) {
        let p = link.pred as usize;
        let lag = link.lag;
        // One straight loop per link type (a match inside the lane loop does not
        // vectorise); the predecessor's duration is read only by the links that need
        // it (it is rarely in cache). `f32::min`, not a compare-and-select on the
        // stored value (masked stores): the two differ only in the sign of a zero,
        // which the float (clipped at +0 above) never sees.
        match link.kind {
            LinkKind::FS => min_into(lanes_mut(&mut s.lf, p), |l| ls_s[l] - lag),
            LinkKind::SS => {
                let dur_p: [f32; LANES] = *lanes(&s.dur, p);
                min_into(lanes_mut(&mut s.lf, p), |l| ls_s[l] - lag + dur_p[l]);
            }
            LinkKind::FF => min_into(lanes_mut(&mut s.lf, p), |l| lf_s[l] - lag),
            LinkKind::SF => {
                let dur_p: [f32; LANES] = *lanes(&s.dur, p);
                min_into(lanes_mut(&mut s.lf, p), |l| lf_s[l] - lag + dur_p[l]);
            }
        }
    }
}

/// [`backward_step`] on the clock axis: float in working days of the task's own
/// calendar (W(latest finish) − W(early finish)); the latest start is where the task
/// would have to resume work, `start(W(latest finish) − d)`; a lag is stepped over on its
/// lag calendar, and a start-based link reaches the predecessor's latest finish through
/// the predecessor's calendar.
#[inline(never)]
fn backward_step_on_clock(
    net: &Network,
    k: &crate::model::Clock,
    succ: usize,
    s: &mut Scratch,
    float: &mut i128,
    valid: usize,
) {
    let c = k.of(succ);
    let mut lf_s: [f32; LANES] = *lanes(&s.lf, succ);
    let open = net.status[succ] == Status::Open;
    // The work the links place: all of it, or what remains under retained logic.
    let dur_s = match retained(net, succ, lanes(&s.dur, succ)) {
        Some((_, rem)) => rem,
        None => *lanes(&s.dur, succ),
    };
    // The conversions run over the whole block from the tables (the same values as
    // lane by lane), the lanes without a latest finish converted as 0 and set back.
    let finite = |v: &[f32; LANES]| v.map(|x| if x < f32::INFINITY { x } else { 0.0 });
    let mut w_lf = c.w_lanes(&finite(&lf_s));
    let mut ls_s = {
        let mut x = [0f32; LANES];
        for l in 0..LANES {
            x[l] = w_lf[l] - dur_s[l];
        }
        c.at_lanes::<LANES, false>(&x)
    };
    for l in 0..LANES {
        if lf_s[l] == f32::INFINITY {
            ls_s[l] = f32::INFINITY;
        }
    }
    // A latest start a freeze window forbids moves before the window.
    if open && net.freeze_of[succ] != NO_FREEZE {
        for l in 0..LANES {
            if ls_s[l] < f32::INFINITY {
                let ls = net.latest_unfrozen(succ, ls_s[l] as f64) as f32;
                if ls < ls_s[l] {
                    ls_s[l] = ls;
                    lf_s[l] = c.finish32(c.w32(ls) + dur_s[l]);
                    w_lf[l] = c.w32(lf_s[l]);
                }
            }
        }
    }
    let w_ef = c.w_lanes(lanes(&s.ef, succ));
    let mut fl = [0f32; LANES];
    for l in 0..LANES {
        let x = w_lf[l] - w_ef[l];
        fl[l] = if lf_s[l] < f32::INFINITY && x > 0.0 {
            x
        } else {
            0.0
        };
    }
    *float += fixed_sum(&fl, valid);
    if !net.links_enforced(succ) {
        return;
    }
    for link in net.preds(succ) {
        let p = link.pred as usize;
        let lag = link.lag;
        let cp = k.of(p);
        let from = match link.kind {
            LinkKind::FS | LinkKind::SS => &ls_s,
            LinkKind::FF | LinkKind::SF => &lf_s,
        };
        let start_based = matches!(link.kind, LinkKind::SS | LinkKind::SF);
        let mut y = *from;
        if lag != 0.0 || start_based {
            // Lanes without a latest finish stay infinite: they lower nothing.
            let x = finite(from);
            let mut v = match k.lag_calendar(p, succ) {
                Some(lc) if lag != 0.0 => {
                    let mut w = lc.w_lanes(&x);
                    for e in w.iter_mut() {
                        *e -= lag;
                    }
                    lc.at_lanes::<LANES, false>(&w)
                }
                _ => x.map(|e| e - lag),
            };
            if start_based {
                let dur_p = lanes(&s.dur, p);
                let mut w = cp.w_lanes(&v);
                for l in 0..LANES {
                    w[l] += dur_p[l];
                }
                v = cp.at_lanes::<LANES, true>(&w);
            }
            for l in 0..LANES {
                if from[l] < f32::INFINITY {
                    y[l] = v[l];
                }
            }
        }
        min_into(lanes_mut(&mut s.lf, p), |l| y[l]);
    }
}

/// Sum and sum of squares of the first `valid` lanes (in f64, each converted once),
/// converted to fixed point; the sum is bit for bit [`fixed_sum`]'s.
#[inline(always)]
fn fixed_sum_and_sq(v: &[f32; LANES], valid: usize) -> (i128, i128) {
    let (mut part, mut part2) = ([0f64; 8], [0f64; 8]);
    for (c, chunk) in v.chunks_exact(8).enumerate() {
        for (i, &x) in chunk.iter().enumerate() {
            let x = if valid == LANES || c * 8 + i < valid {
                x as f64
            } else {
                0.0
            };
            part[i] += x;
            part2[i] += x * x;
        }
    }
    let total = |p: [f64; 8]| ((p[0] + p[1]) + (p[2] + p[3])) + ((p[4] + p[5]) + (p[6] + p[7]));
    (to_fixed(total(part)), to_fixed(total(part2)))
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
#[inline(always)]
fn fixed_sum(v: &[f32; LANES], valid: usize) -> i128 {
    let mut part = [0f64; 8];
    if valid == LANES {
        // Every block but the last: no per-lane test, so the loop is plain packed
        // conversions and adds.
        for chunk in v.chunks_exact(8) {
            for (p, &x) in part.iter_mut().zip(chunk) {
                *p += x as f64;
            }
        }
    } else {
        for (c, chunk) in v.chunks_exact(8).enumerate() {
            for (i, &x) in chunk.iter().enumerate() {
                part[i] += if c * 8 + i < valid { x as f64 } else { 0.0 };
            }
        }
    }
    to_fixed(
        ((part[0] + part[1]) + (part[2] + part[3])) + ((part[4] + part[5]) + (part[6] + part[7])),
    )
}

/// A sum in working days to fixed point: truncation toward zero (error below 2⁻³² day
/// per block); the i64 route avoids a slow float-to-i128 library call in the common case.
#[inline(always)]
fn to_fixed(s: f64) -> i128 {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A plan whose tasks take the fused path with 0 to 6 links (negative and positive
    /// lags), triangular, PERT, uniform, normal and discrete durations, not-before
    /// floors; and, mixed in, tasks that do not (start-to-start and finish-to-finish
    /// links), so fused and general tasks read each other's lanes.
    fn network() -> Network {
        crate::model::compile(&plan()).unwrap()
    }

    /// [`network`]'s plan with its tasks spread over three calendars on a start date (the
    /// project's five days with holidays, six days with a holiday, seven days around
    /// the clock), with working hours or without.
    fn network_on_calendars(hours: bool) -> Network {
        use crate::plan::{CalendarDef, CalendarHoliday, Holiday, Workweek};
        let date = |m, d| chrono::NaiveDate::from_ymd_opt(2027, m, d).unwrap();
        let mut p = plan();
        p.settings.start = Some(date(1, 4));
        let day = |m, d| Holiday {
            from: date(m, d),
            to: date(m, d),
        };
        p.holidays = vec![day(1, 6), day(1, 15), day(2, 1)];
        p.calendar_holidays.push(CalendarHoliday {
            calendar: "six".into(),
            line: 0,
            holiday: day(1, 9),
        });
        if hours {
            p.settings.hours = vec![(480, 720), (780, 1020)];
        }
        for (name, days, shift) in [
            (
                "six",
                &["Mon", "Tue", "Wed", "Thu", "Fri", "Sat"][..],
                (420, 930),
            ),
            (
                "seven",
                &["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
                (0, 1440),
            ),
        ] {
            p.settings.calendars.push(CalendarDef {
                name: name.into(),
                line: 0,
                workweek: Workweek::parse(days.to_vec()).unwrap(),
                hours: hours.then(|| vec![shift]),
            });
        }
        for (i, t) in p.tasks.iter_mut().enumerate() {
            t.calendar = [None, Some("six".into()), Some("seven".into())][i % 3].clone();
        }
        let net = crate::model::compile(&p).unwrap();
        assert!(net.clock().is_some());
        net
    }

    fn plan() -> crate::plan::Plan {
        let mut csv = String::from(
            "id,distribution,min,likely,max,mean,sd,values,predecessors,not_before,milestone\n",
        );
        for i in 0..120usize {
            let distinct: std::collections::BTreeSet<usize> =
                (0..i % 7).map(|j| (i * 7 + j * 13) % i.max(1)).collect();
            let preds = if i == 0 {
                Vec::new()
            } else {
                distinct.into_iter().collect()
            };
            let preds = preds
                .iter()
                .map(|p| match (i + p) % 9 {
                    0 => format!("T{p} FS-3"),
                    1 => format!("T{p} FS+2.5"),
                    2 if i % 11 == 0 => format!("T{p} SS+1"),
                    3 if i % 13 == 0 => format!("T{p} FF-1"),
                    _ => format!("T{p}"),
                })
                .collect::<Vec<_>>()
                .join(";");
            let floor = if i % 10 == 4 { "30" } else { "" };
            let est = match i % 5 {
                0 | 1 => "triangular,2,4,9,,,",
                2 => "pert,1,3,8,,,",
                3 => "uniform,1,,6,,,",
                _ => "discrete,,,,,,2:1;4:2;7:1",
            };
            csv += &format!("T{i},{est},{preds},{floor},\n");
        }
        csv += "M,,,,,,,,T119;T118;T117,,true\n";
        crate::plan::from_tasks_csv(&csv, "tasks.csv").unwrap()
    }

    #[test]
    fn the_fused_path_matches_the_general_path_bit_for_bit() {
        fused_matches_general(&network(), 60);
    }

    #[test]
    fn the_fused_path_matches_the_general_path_on_calendars() {
        fused_matches_general(&network_on_calendars(false), 50);
        fused_matches_general(&network_on_calendars(true), 50);
    }

    /// Every block of `net` run with and without the fused path (more than `least` of
    /// its tasks fused) gives the same bits in every output and sum.
    fn fused_matches_general(net: &Network, least: usize) {
        let fused = Keys::new(net, 11);
        let plain = fused.plain.iter().filter(|&&p| p).count();
        assert!(
            plain > least && plain < net.len(),
            "{plain} of {} fused",
            net.len()
        );
        let mut general = Keys::new(net, 11);
        general.plain.fill(false);
        let k = net.milestones.len();
        for (on, lean) in [(false, true), (false, false), (true, false)] {
            let track = Tracking::new(net, on, 2, lean);
            for (block, valid) in [(0, 64), (1, 64), (7, 37)] {
                let run = |keys: &Keys, dispatched: bool| {
                    let mut s = Scratch::new(net);
                    let mut acc = if on { Acc::tracked(net) } else { Acc::new(net) };
                    let mut out = vec![0f32; LANES * k];
                    let mut hashes = vec![0u64; if on { LANES * k } else { 0 }];
                    let b = Block {
                        net,
                        keys,
                        block,
                        valid,
                        track,
                        loo: None,
                    };
                    let o = BlockOut {
                        s: &mut s,
                        acc: &mut acc,
                        out: &mut out,
                        hashes: &mut hashes,
                        loo_out: &mut [],
                    };
                    if dispatched {
                        run_block(b, o);
                    } else {
                        run_block_impl::<false, 8>(b, o);
                    }
                    let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                    let es = if track.keep_starts {
                        bits(&s.es)
                    } else {
                        Vec::new()
                    };
                    let dur = if on { bits(&s.dur) } else { Vec::new() };
                    (
                        bits(&out),
                        bits(&s.ef),
                        es,
                        dur,
                        acc.sum_start,
                        acc.sum_finish,
                        acc.sum_dur,
                        acc.sum_dur2,
                        acc.crit,
                        acc.float,
                        hashes,
                    )
                };
                let want = run(&general, false);
                assert_eq!(run(&fused, false), want, "baseline, on {on}, lean {lean}");
                assert_eq!(run(&fused, true), want, "dispatched, on {on}, lean {lean}");
            }
        }
    }

    /// Costs drawn beside the durations (constant amounts, triangular and PERT ones, with
    /// and without a group, read by a milestone or not) equal the general path's: dates
    /// bit for bit, amounts within the `f32` partial sums' rounding.
    #[test]
    fn fused_costs_match_the_general_path() {
        let mut csv = String::from("id,min,likely,max,predecessors,milestone,group,cost,rate\n");
        for i in 0..80usize {
            let preds = match (i * 7) % i.max(1) {
                _ if i == 0 => String::new(),
                j if j + 1 == i => format!("T{j}"),
                j => format!("T{};T{j}", i - 1),
            };
            let cost = ["", "500", "100/200/400", "pert:100/200/400", "-50"][i % 5];
            let rate = ["", "50", "10/20/30", "pert:5/8/20"][i % 4];
            let group = ["", "A", "B"][i % 3];
            csv += &format!("T{i},2,4,9,{preds},,{group},{cost},{rate}\n");
        }
        csv += "M,,,,T79,true,,,\nM2,,,,T30,true,,,\n";
        let plan = crate::plan::from_tasks_csv(&csv, "tasks.csv").unwrap();
        let net = crate::model::compile(&plan).unwrap();
        let cm = net.cost.as_ref().unwrap();
        let fused = Keys::new(&net, 3);
        assert!(fused.cost_rate_only.iter().any(Option::is_some));
        assert!(cm.tasks.iter().any(|c| c.kept) && cm.tasks.iter().any(|c| !c.kept));
        let mut general = Keys::new(&net, 3);
        general.plain.fill(false);
        general.cost_fused.fill(cost::NONE);
        general.cost_rate_only.fill(None);
        general.cost_base.fill(0.0);
        let k = net.milestones.len();
        let width = k + cm.width(k);
        let mut track = Tracking::new(&net, false, 0, false);
        track.cost = true;
        for (block, valid) in [(0, 64), (5, 21)] {
            let run = |keys: &Keys| {
                let mut s = Scratch::new(&net);
                let mut acc = Acc::new(&net);
                let mut out = vec![0f32; LANES * width];
                let b = Block {
                    net: &net,
                    keys,
                    block,
                    valid,
                    track,
                    loo: None,
                };
                run_block(
                    b,
                    BlockOut {
                        s: &mut s,
                        acc: &mut acc,
                        out: &mut out,
                        hashes: &mut [],
                        loo_out: &mut [],
                    },
                );
                out
            };
            let (want, got) = (run(&general), run(&fused));
            for l in 0..valid {
                let (w, g) = (&want[l * width..][..width], &got[l * width..][..width]);
                assert_eq!(w[..k], g[..k], "dates, lane {l}");
                for i in k..width {
                    let (a, b) = (w[i] as f64 + fused.cost_offset[i - k], g[i] as f64);
                    let b = b + fused.cost_offset[i - k];
                    assert!(
                        (a - b).abs() <= 2e-7 * a.abs() + 1e-3,
                        "item {i}, lane {l}: {a} vs {b}"
                    );
                }
            }
        }
    }

    #[test]
    fn leave_one_out_variants_match_the_general_path_bit_for_bit() {
        let net = network();
        let fused = Keys::new(&net, 5);
        let mut general = Keys::new(&net, 5);
        general.plain.fill(false);
        // Every task held in turn, plain or not: cones through fused and general tasks.
        let changes: Vec<_> = (0..net.len())
            .map(|t| {
                let mut changed = vec![false; net.len()];
                changed[t] = true;
                VariantSpec {
                    hold: Some(t),
                    skip_risk: None,
                    changed,
                }
            })
            .collect();
        let program = LooProgram::new(&net, &changes);
        let k = net.milestones.len();
        let track = Tracking::new(&net, false, 0, true);
        for (block, valid) in [(0, 64), (3, 64), (9, 21)] {
            let run = |keys: &Keys, dispatched: bool| {
                let mut s = Scratch::new(&net);
                let mut acc = Acc::new(&net);
                let mut base = vec![0f32; LANES * k];
                let mut out = vec![0f32; changes.len() * LANES * k];
                let b = Block {
                    net: &net,
                    keys,
                    block,
                    valid,
                    track,
                    loo: Some(&program),
                };
                let o = BlockOut {
                    s: &mut s,
                    acc: &mut acc,
                    out: &mut base,
                    hashes: &mut [],
                    loo_out: &mut out,
                };
                if dispatched {
                    run_block(b, o);
                } else {
                    run_block_impl::<true, 8>(b, o);
                }
                let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                (bits(&base), bits(&out))
            };
            let want = run(&general, false);
            // Some variant moves the milestone: the variants are computed, not copied.
            assert!(want.1.chunks(LANES * k).any(|v| v != want.0));
            assert_eq!(run(&fused, false), want, "baseline, block {block}");
            assert_eq!(run(&fused, true), want, "dispatched, block {block}");
        }
    }
}
