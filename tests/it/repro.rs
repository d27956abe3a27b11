//! Reproducibility (SPEC §3): identical output on any thread count, random numbers keyed
//! by task id so unrelated edits and row order never move other tasks' samples.

use super::{sim, sim_threads};

fn plan() -> String {
    let mut s =
        String::from("id,distribution,min,likely,max,mean,sd,values,predecessors,milestone\n");
    for i in 0..300 {
        let preds = match i {
            0 => String::new(),
            i if i % 7 == 0 => format!("T{} SS+1;T{}", i - 1, i / 2),
            i if i % 5 == 0 => format!("T{} FF-1.5", i - 1),
            i => format!("T{}", i - 1),
        };
        let row = match i % 5 {
            0 => format!("T{i},triangular,2,4,9,,,,{preds},"),
            1 => format!("T{i},pert,1,3,8,,,,{preds},"),
            2 => format!("T{i},normal,,,,5,1.5,,{preds},"),
            3 => format!("T{i},discrete,,,,,,2:1;4:2;7:1,{preds},"),
            _ => format!("T{i},lognormal,,,,3,1,,{preds},"),
        };
        s += &row;
        s.push('\n');
    }
    s += "M1,,,,,,,,T150,true\nM2,,,,,,,,T299,true\n";
    s
}

#[test]
fn identical_output_on_1_2_and_8_threads() {
    // 3,000 iterations: not a multiple of the 64-iteration block, so a partial block runs.
    let json = |t| slipcast::report::json(&sim_threads(&plan(), 3_000, 42, Some(t)).2);
    let one = json(1);
    assert_eq!(one, json(2));
    assert_eq!(one, json(8));
    assert_ne!(
        one,
        slipcast::report::json(&sim_threads(&plan(), 3_000, 43, Some(2)).2),
        "seed must matter"
    );
}

#[test]
fn adding_an_unrelated_task_leaves_every_sample_unchanged() {
    let base = plan();
    let (_, a, _) = sim(&base, 2_000, 7);
    let extra = format!("{base}X,triangular,1,2,30,,,,T10,\nY,pert,1,2,3,,,,X,\n");
    let (_, b, fb) = sim(&extra, 2_000, 7);
    assert_eq!(a.milestones, b.milestones, "milestone samples moved");
    assert!(
        fb.milestones.iter().all(|m| m.id != "Y"),
        "Y is not a flagged milestone"
    );
}

#[test]
fn row_order_does_not_change_the_output() {
    let base = plan();
    let mut lines: Vec<&str> = base.lines().collect();
    let header = lines.remove(0);
    lines.reverse();
    let reversed = format!("{header}\n{}\n", lines.join("\n"));
    let a = slipcast::report::json(&sim(&base, 2_000, 7).2);
    let b = slipcast::report::json(&sim(&reversed, 2_000, 7).2);
    assert_eq!(a, b);
}

/// The kernel is compiled for AVX-512, AVX2 and the baseline and chosen at run time;
/// the environment variables lower the choice. Every path, byte for byte the same, on a
/// full run with drivers and on a milestones-only one (the fused path of plain tasks).
#[test]
fn every_dispatched_kernel_gives_identical_output() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let run = |plan: &str, format: &str, env: Option<&str>| {
        let mut cmd = assert_cmd::cargo::cargo_bin_cmd!("slipcast");
        if let Some(v) = env {
            cmd.env(v, "1");
        }
        let mut args = vec!["run", "-n", "3000", "--format", format];
        if format == "json" {
            args.push("--drivers");
        }
        let out = cmd.args(args).arg(root.join(plan)).output().unwrap();
        assert_eq!(out.status.code(), Some(0));
        out.stdout
    };
    for plan in ["cloud-migration", "product-launch"] {
        for format in ["json", "csv"] {
            let best = run(plan, format, None);
            for env in ["SLIPCAST_NO_AVX512", "SLIPCAST_NO_AVX2"] {
                assert!(
                    best == run(plan, format, Some(env)),
                    "{plan} {format}: {env} differs"
                );
            }
        }
    }
}

/// A milestones-only run (what `--format csv` and `--format markdown` use) gives the
/// same milestone samples and risk statistics as the full run, bit for bit.
#[test]
fn milestones_only_run_matches_the_full_run() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    for plan in ["cloud-migration", "erp-cutover-in-flight"] {
        let net = slipcast::compile(&slipcast::load(&root.join(plan)).unwrap()).unwrap();
        let cfg = slipcast::SimConfig {
            iterations: 1000,
            seed: 5,
            threads: Some(2),
        };
        let run = |lean| {
            if lean {
                slipcast::sim::simulate_milestones_with(&net, &cfg, &slipcast::NoProgress)
            } else {
                slipcast::simulate(&net, &cfg, &slipcast::NoProgress)
            }
            .unwrap()
        };
        let (full, lean) = (run(false), run(true));
        let bits = |v: &[Vec<f32>]| -> Vec<Vec<u32>> {
            v.iter()
                .map(|m| m.iter().map(|x| x.to_bits()).collect())
                .collect()
        };
        assert_eq!(bits(&full.milestones), bits(&lean.milestones), "{plan}");
        assert_eq!(full.risk_occurrence, lean.risk_occurrence, "{plan}");
        assert_eq!(full.risk_mean_added, lean.risk_mean_added, "{plan}");
        assert!(full.criticality.iter().flatten().any(|&c| c > 0.0));
    }
}
