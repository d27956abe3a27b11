//! Cash flow: when the money is spent, per iteration, for the spend S-curve and its band.
//!
//! The first iterations (at most [`CASH_FLOW_ITERATIONS`]) are run again, block by block,
//! with the same keyed random numbers, so each one's costs are the forecast's. Every cost
//! is then placed in time: a task's rate spread evenly over its work (over the work left
//! for a task in progress), its fixed cost (and a scenario's amount) at its start, what a
//! task in progress has spent at the status date, a finished task's cost at its finish,
//! a risk's cost at the first finish among the tasks it hits, an overhead spread evenly
//! from its `from` to its milestone's finish, and amounts added to the plan as a whole
//! at the start. The cumulative spend is read at the end of each period (calendar months,
//! or 20 working days without a calendar).
//!
//! Each amount is an event per period bucket: a ramp of slope k from x₀ to x₁ adds k at
//! x₀'s bucket and −k at x₁'s (with k·x), so the cumulative spend at a period end e is
//! Σ steps + e·Σk − Σk·x over the buckets up to e's: linear in tasks plus periods.

use super::kernel::{self, Block, Scratch, Tracking};
use super::periods::{Periods, Span};
use crate::lanes::LANES;
use crate::model::Network;
use crate::model::calendar::SNAP;
use crate::model::cost::{self, CostModel};
use chrono::NaiveDate;

/// Iterations the cash flow places in time at most.
pub const CASH_FLOW_ITERATIONS: u64 = 2_000;

pub use super::periods::MAX_PERIODS;

/// Working days in a period when the plan has no calendar.
pub const PERIOD_DAYS: u64 = super::periods::MONTH_DAYS;

/// The cumulative spend of the first iterations at each period end.
#[derive(Debug, Clone)]
pub struct CashSamples {
    /// Each period's end on the network's time axis (working days; calendar days on the
    /// clock axis of a plan with task calendars).
    pub ends: Vec<u64>,
    /// Each period's end in working days of the project calendar (what outputs report).
    pub days: Vec<u64>,
    /// Each period's last calendar day (a month end), when the plan has a calendar.
    pub dates: Vec<NaiveDate>,
    /// Per iteration: the cumulative spend at each period end (its total from its last
    /// spend on).
    pub rows: Vec<Vec<f64>>,
    /// The deterministic plan's cumulative spend at each period end.
    pub deterministic: Vec<f64>,
}

/// One iteration's events per period: [step, slope, slope × start].
#[derive(Clone, Default)]
struct Events(Vec<[f64; 3]>);

impl Events {
    fn reset(&mut self, periods: usize) {
        self.0.clear();
        self.0.resize(periods + 1, [0.0; 3]);
    }

    /// `amount` counted from the period `bucket` on.
    #[inline]
    fn step(&mut self, bucket: usize, amount: f64) {
        self.0[bucket][0] += amount;
    }

    /// `amount` spread evenly from `x0` to `x1` (at `x1` when they coincide).
    #[inline]
    fn ramp(&mut self, p: &Periods, x0: f64, x1: f64, amount: f64) {
        if amount == 0.0 {
            return;
        }
        if x1 - x0 <= SNAP {
            self.step(p.at(x1), amount);
            return;
        }
        self.slope(p, x0, x1, amount / (x1 - x0));
    }

    /// `k` per working day from `x0` to `x1`.
    #[inline]
    fn slope(&mut self, p: &Periods, x0: f64, x1: f64, k: f64) {
        let (b0, b1) = (p.at(x0), p.at(x1));
        let e = &mut self.0;
        e[b0][1] += k;
        e[b0][2] += k * x0;
        e[b1][1] -= k;
        e[b1][2] -= k * x1;
    }

    /// The cumulative spend at each period end.
    fn cumulative(&self, ends: &[u64]) -> Vec<f64> {
        let (mut steps, mut slope, mut slope_x) = (0.0, 0.0, 0.0);
        ends.iter()
            .zip(&self.0)
            .map(|(&e, [st, sl, sx])| {
                steps += st;
                slope += sl;
                slope_x += sx;
                steps + e as f64 * slope - slope_x
            })
            .collect()
    }
}

/// A time within the plan: snapped to whole days, never before the start.
#[inline]
fn at(x: f32) -> f64 {
    let x = (x as f64).max(0.0);
    // The nearest whole day by truncation (x ≥ 0; `round` is a library call here).
    let r = (x + 0.5) as u64 as f64;
    if (x - r).abs() < SNAP { r } else { x }
}

/// The cash flow of the first `iterations` (at most [`CASH_FLOW_ITERATIONS`]) of `net`
/// with `seed`: None when the plan has no cost, or spans more than [`MAX_PERIODS`].
pub fn cash_flow(net: &Network, seed: u64, iterations: u64) -> Option<CashSamples> {
    let cm = net.cost()?;
    let n = iterations.min(CASH_FLOW_ITERATIONS) as usize;
    let mut track = Tracking::new(net, false, 0, false);
    track.cost = true;
    let mut periods = Periods::new(net, Span::Months);
    let mut deterministic = deterministic(net, cm, &mut periods)?;
    // Each thread with its own copy of the periods (extended as its blocks need): every
    // row depends on its block alone.
    let blocks = super::replay(
        net,
        seed,
        n,
        track,
        &(periods.clone(), vec![Events::default(); LANES]),
        |(periods, events), s, b| {
            let valid = b.valid;
            // The periods this block's spend reaches.
            let mut horizon = net.status_time().unwrap_or(0.0);
            let finishes = cm.tasks.iter().map(|c| c.task);
            for t in finishes.chain(cm.overheads.iter().map(|o| o.until)) {
                for &f in s.ef(t as usize).iter().take(valid) {
                    horizon = horizon.max(at(f));
                }
            }
            if !periods.cover(horizon) {
                return None;
            }
            let m = periods.ends.len();
            for e in events.iter_mut() {
                e.reset(m);
            }
            place_block(b, cm, s, periods, &mut events[..valid]);
            Some(
                events[..valid]
                    .iter()
                    .map(|e| e.cumulative(&periods.ends))
                    .collect::<Vec<_>>(),
            )
        },
    )?;
    let mut rows = Vec::with_capacity(n);
    for b in blocks {
        rows.extend(b);
    }
    // Every row over every period: nothing is spent after an iteration's last spend.
    let m = rows
        .iter()
        .map(Vec::len)
        .max()
        .unwrap_or(0)
        .max(periods.ends.len());
    if !periods.extend_to(m) {
        return None;
    }
    let total = deterministic.last().copied().unwrap_or(0.0);
    deterministic.resize(m, total);
    for r in &mut rows {
        let last = r.last().copied().unwrap_or(0.0);
        r.resize(m, last);
    }
    Some(CashSamples {
        ends: periods.ends,
        days: periods.days,
        dates: periods.dates,
        rows,
        deterministic,
    })
}

/// Where a task's fixed part is spent: a finished task's cost at its finish, what a task
/// in progress has spent at the status date, a fixed cost at the start.
fn fixed_bucket(p: &Periods, c: &cost::TaskCost, start: f64, finish: f64, status: f64) -> usize {
    if c.done {
        p.at(finish)
    } else if c.actual.is_some() {
        p.at(status)
    } else {
        p.after(start)
    }
}

/// Places every cost of one block's live lanes in time.
fn place_block(b: &Block, cm: &CostModel, s: &mut Scratch, p: &Periods, ev: &mut [Events]) {
    let net = b.net;
    let status = net.status_time().unwrap_or(0.0);
    for (ci, c) in cm.tasks.iter().enumerate() {
        let t = c.task as usize;
        let parts = kernel::entry_parts(b, cm, ci, s);
        let (es, ef) = (*s.es(t), *s.ef(t));
        for (l, e) in ev.iter_mut().enumerate() {
            let (start, finish) = (at(es[l]), at(ef[l]));
            e.step(
                fixed_bucket(p, c, start, finish, status),
                parts.fixed[l] + c.added,
            );
            if let Some(rate) = &parts.rate {
                // Spread at the rate itself over the work left.
                let left = ((ef[l] - es[l]) - c.elapsed).max(0.0) as f64;
                let x0 = (finish - left).max(start);
                if finish - x0 > SNAP {
                    let k = rate[l] as f64 * left / (finish - x0);
                    e.slope(p, x0, finish, k);
                } else {
                    e.step(p.at(finish), (rate[l] as f64) * left);
                }
            }
        }
    }
    for (o, oc) in cm.overheads.iter().enumerate() {
        let ef = *s.ef(oc.until as usize);
        let total = s.cost_item(cm.overhead_slot(o));
        for (l, e) in ev.iter_mut().enumerate() {
            e.ramp(p, oc.from as f64, at(ef[l]).max(oc.from as f64), total[l]);
        }
    }
    for (r, risk) in net.risks().iter().enumerate() {
        if cm.risk_cost[r].is_none() {
            continue;
        }
        let amount = *s.risk_cost(r);
        for (l, e) in ev.iter_mut().enumerate() {
            if amount[l] == 0.0 {
                continue;
            }
            let first = risk
                .tasks
                .iter()
                .map(|&t| at(s.ef(t as usize)[l]))
                .fold(f64::INFINITY, f64::min);
            e.step(
                p.at(if first.is_finite() { first } else { 0.0 }),
                amount[l] as f64,
            );
        }
    }
    if cm.extra != 0.0 {
        for e in ev.iter_mut() {
            e.step(0, cm.extra);
        }
    }
}

/// The deterministic plan's cumulative spend (most likely amounts and durations, no
/// risk), as [`cost::deterministic`] counts it.
fn deterministic(net: &Network, cm: &CostModel, p: &mut Periods) -> Option<Vec<f64>> {
    let status = net.status_time().unwrap_or(0.0);
    let horizon = cm
        .tasks
        .iter()
        .map(|c| net.det_finish()[c.task as usize])
        .chain(
            cm.overheads
                .iter()
                .map(|o| net.det_finish()[o.until as usize]),
        )
        .fold(0.0, f64::max);
    if !p.cover(horizon) {
        return None;
    }
    let mut e = Events::default();
    e.reset(p.ends.len());
    for (c, amount) in cm.tasks.iter().zip(cost::task_amounts(cm, net)) {
        let t = c.task as usize;
        let (start, finish) = (net.det_start()[t].max(0.0), net.det_finish()[t].max(0.0));
        e.step(fixed_bucket(p, c, start, finish, status), amount.fixed);
        e.ramp(
            p,
            (finish - amount.work).max(start),
            finish,
            amount.variable,
        );
    }
    for oc in &cm.overheads {
        let finish = net.det_finish()[oc.until as usize].max(oc.from as f64);
        e.ramp(
            p,
            oc.from as f64,
            finish,
            oc.rate_likely * (finish - oc.from as f64),
        );
    }
    e.step(0, cm.extra);
    Some(e.cumulative(&p.ends))
}
