//! Property tests on random valid networks (proptest): invariants that must hold for
//! every plan, not just the examples.

use proptest::prelude::*;
use slipcast::{NoProgress, SimConfig, compile, forecast, plan, simulate};

/// A random plan: `n` tasks with triangular estimates and links to earlier tasks.
/// `kinds` limits the link types (FS/SS networks are monotone in durations; FF and SF can
/// show the classic duration paradox, where a longer task lets a successor start earlier).
/// (min, likely, max, links (predecessor, type, lag), milestone).
type Row = (f64, f64, f64, Vec<(usize, &'static str, i32)>, bool);

#[derive(Debug, Clone)]
struct Net {
    rows: Vec<Row>,
}

fn net_strategy(kinds: &'static [&'static str]) -> impl Strategy<Value = Net> {
    (2usize..16).prop_flat_map(move |n| {
        let row = (
            0u32..5,
            0u32..4,
            0u32..6,
            prop::collection::vec((0usize..100, 0usize..kinds.len(), -2i32..4), 0..3),
            any::<bool>(),
        );
        prop::collection::vec(row, n).prop_map(move |raw| Net {
            rows: raw
                .into_iter()
                .enumerate()
                .map(|(i, (a, c, b, links, ms))| {
                    let (a, c, b) = (a as f64, (a + c) as f64, (a + c + b) as f64);
                    let mut l: Vec<(usize, &'static str, i32)> = if i == 0 {
                        Vec::new()
                    } else {
                        links
                            .into_iter()
                            .map(|(p, k, lag)| (p % i, kinds[k], lag))
                            .collect()
                    };
                    l.sort_by_key(|x| (x.0, x.1));
                    l.dedup_by_key(|x| (x.0, x.1));
                    (a, c, b, l, ms)
                })
                .collect(),
        })
    })
}

fn csv(net: &Net, order: &[usize], bump: Option<(usize, f64)>) -> String {
    let mut s = String::from("id,min,likely,max,predecessors,milestone\n");
    for &i in order {
        let (a, c, b, links, ms) = &net.rows[i];
        let d = bump.filter(|x| x.0 == i).map_or(0.0, |x| x.1);
        let preds: Vec<String> = links
            .iter()
            .map(|(p, k, lag)| format!("T{p} {k}{lag:+}"))
            .collect();
        s += &format!(
            "T{i},{},{},{},{},{}\n",
            a + d,
            c + d,
            b + d,
            preds.join(";"),
            if *ms { "true" } else { "" }
        );
    }
    s
}

fn identity(n: usize) -> Vec<usize> {
    (0..n).collect()
}

/// A plain reference CPM over the rows (relaxation until nothing changes).
fn reference_cpm(net: &Net, dur: &dyn Fn(usize) -> f64) -> Vec<f64> {
    let n = net.rows.len();
    let (mut es, mut ef) = (vec![0.0f64; n], vec![0.0f64; n]);
    for _ in 0..=n {
        for i in 0..n {
            let d = dur(i);
            let mut s = 0.0f64;
            for (p, k, lag) in &net.rows[i].3 {
                let lag = *lag as f64;
                let c = match *k {
                    "FS" => ef[*p] + lag,
                    "SS" => es[*p] + lag,
                    "FF" => ef[*p] + lag - d,
                    _ => es[*p] + lag - d,
                };
                s = s.max(c);
            }
            es[i] = s;
            ef[i] = s + d;
        }
    }
    ef
}

const ALL: &[&str] = &["FS", "SS", "FF", "SF"];
const MONOTONE: &[&str] = &["FS", "SS"];

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, .. ProptestConfig::default() })]

    #[test]
    fn percentiles_are_ordered_and_deterministic_matches_a_reference_cpm(net in net_strategy(ALL)) {
        let p = plan::from_tasks_csv(&csv(&net, &identity(net.rows.len()), None), "t.csv").unwrap();
        let n = compile(&p).unwrap();
        let s = simulate(&n, &SimConfig { iterations: 640, seed: 3, threads: Some(1) }, &NoProgress).unwrap();
        let f = forecast(&n, &s, &[10.0, 50.0, 80.0, 90.0]);
        for m in &f.milestones {
            let d: Vec<f64> = m.percentiles.iter().map(|q| q.days).collect();
            prop_assert!(d.windows(2).all(|w| w[0] <= w[1]), "{d:?}");
        }
        let reference = reference_cpm(&net, &|i| net.rows[i].1);
        for m in n.milestones() {
            let t = m.task as usize;
            let row: usize = n.tasks()[t].id[1..].parse().unwrap();
            prop_assert!((n.det_finish()[t] - reference[row]).abs() < 1e-9, "{} vs {}", n.det_finish()[t], reference[row]);
        }
    }

    #[test]
    fn every_sample_lies_between_the_all_minimum_and_all_maximum_schedules(net in net_strategy(MONOTONE)) {
        let p = plan::from_tasks_csv(&csv(&net, &identity(net.rows.len()), None), "t.csv").unwrap();
        let n = compile(&p).unwrap();
        let s = simulate(&n, &SimConfig { iterations: 640, seed: 5, threads: Some(1) }, &NoProgress).unwrap();
        let lo = reference_cpm(&net, &|i| net.rows[i].0);
        let hi = reference_cpm(&net, &|i| net.rows[i].2);
        for (mi, m) in n.milestones().iter().enumerate() {
            let row: usize = n.tasks()[m.task as usize].id[1..].parse().unwrap();
            for &x in &s.milestones[mi] {
                let x = x as f64;
                prop_assert!(x >= lo[row] - 1e-3 && x <= hi[row] + 1e-3, "{x} outside [{}, {}]", lo[row], hi[row]);
            }
        }
    }

    #[test]
    fn a_longer_estimate_never_finishes_a_milestone_earlier(net in net_strategy(MONOTONE), which in 0usize..100, delta in 1u32..5) {
        let order = identity(net.rows.len());
        let k = which % net.rows.len();
        let cfg = SimConfig { iterations: 320, seed: 9, threads: Some(1) };
        // Milestones by id (their order follows deterministic finishes, which may change).
        let by_id = |bump| {
            let n = compile(&plan::from_tasks_csv(&csv(&net, &order, bump), "t.csv").unwrap()).unwrap();
            let s = simulate(&n, &cfg, &NoProgress).unwrap();
            let mut v: Vec<(String, Vec<f32>)> =
                n.milestones().iter().zip(s.milestones).map(|(m, x)| (n.tasks()[m.task as usize].id.clone(), x)).collect();
            v.sort_by(|a, b| a.0.cmp(&b.0));
            v
        };
        let (base, more) = (by_id(None), by_id(Some((k, delta as f64))));
        for ((ia, a), (ib, b)) in base.iter().zip(&more) {
            prop_assert_eq!(ia, ib);
            for (x, y) in a.iter().zip(b) {
                prop_assert!(*y >= *x - 1e-3 * x.abs().max(1.0), "{y} < {x}");
            }
        }
    }

    #[test]
    fn output_is_identical_across_thread_counts_and_row_orders(net in net_strategy(ALL), rot in 0usize..100) {
        let n = net.rows.len();
        let mut order = identity(n);
        order.rotate_left(rot % n);
        order.reverse();
        let run = |order: &[usize], threads| {
            let net_c = compile(&plan::from_tasks_csv(&csv(&net, order, None), "t.csv").unwrap()).unwrap();
            let s = simulate(&net_c, &SimConfig { iterations: 700, seed: 11, threads: Some(threads) }, &NoProgress).unwrap();
            slipcast::report::json(&forecast(&net_c, &s, &[10.0, 50.0, 90.0]))
        };
        let a = run(&identity(n), 1);
        prop_assert_eq!(&a, &run(&identity(n), 3));
        prop_assert_eq!(&a, &run(&order, 2));
    }
}
