//! CPM early dates for every link type with lags and leads, against hand computation;
//! calendar dates across weekends and holidays; the deterministic value.

use super::sim;

/// Fixed durations, so every iteration equals the deterministic schedule.
const LINKS: &str = "\
id,distribution,likely,predecessors
A,fixed,5,
B,fixed,3,A FS+2
C,fixed,4,A SS+2
D,fixed,2,A FF+1
E,fixed,4,A SF+3
F,fixed,1,A FS-2
G,fixed,2,A SS-1
H,fixed,1,A FF-2
J,fixed,2,B SF+1w
K,fixed,3,B FF-1w
L,fixed,1,A FS+1.5d
";

#[test]
fn every_link_type_with_lags_and_leads() {
    let (net, s, f) = sim(LINKS, 64, 1);
    // (id, early start, early finish), by hand:
    let expected = [
        ("A", 0.0, 5.0),
        ("B", 7.0, 10.0),  // FS+2: 5 + 2
        ("C", 2.0, 6.0),   // SS+2: 0 + 2
        ("D", 4.0, 6.0),   // FF+1: finish ≥ 6
        ("E", 0.0, 4.0),   // SF+3: finish ≥ 3 → start −1, floored at 0
        ("F", 3.0, 4.0),   // FS−2: 5 − 2
        ("G", 0.0, 2.0),   // SS−1: −1 floored at 0
        ("H", 2.0, 3.0),   // FF−2: finish ≥ 3
        ("J", 10.0, 12.0), // SF+1w: finish ≥ 7 + 5
        ("K", 2.0, 5.0),   // FF−1w: finish ≥ 10 − 5
        ("L", 6.5, 7.5),   // FS+1.5d
    ];
    for (id, es, ef) in expected {
        let t = net.index_of(id).unwrap();
        assert_eq!(
            (net.det_start()[t], net.det_finish()[t]),
            (es, ef),
            "task {id}"
        );
        let tf = f.tasks.iter().find(|x| x.id == id).unwrap();
        assert_eq!(
            (tf.mean_start, tf.mean_finish),
            (es, ef),
            "simulated task {id}"
        );
    }
    // Reported milestones are the tasks without successors, in order of finish.
    let ids: Vec<&str> = f.milestones.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, ["G", "H", "E", "F", "K", "C", "D", "L", "J"]);
    assert!(s.milestones.iter().all(|m| m.iter().all(|&x| x == m[0])));
}

#[test]
fn dates_across_weekends_and_holidays() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("plan.toml"), "start = 2027-01-04\n").unwrap();
    std::fs::write(
        dir.path().join("calendar.csv"),
        "from,to,kind\n2027-01-08,,holiday\n2027-01-18,2027-01-19,holiday\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("tasks.csv"),
        "id,distribution,likely,predecessors,milestone,target\n\
         A,fixed,5,,true,2027-01-11\n\
         B,fixed,3,A,true,2027-01-13\n\
         C,fixed,2.5,B,true,2027-01-21\n\
         D,fixed,0,C SS+0.5,true,\n",
    )
    .unwrap();
    let plan = slipcast::load(dir.path()).unwrap();
    let net = slipcast::compile(&plan).unwrap();
    let samples = slipcast::simulate(
        &net,
        &slipcast::SimConfig {
            iterations: 100,
            seed: 1,
            threads: None,
        },
        &slipcast::NoProgress,
    )
    .unwrap();
    let f = slipcast::forecast(&net, &samples, &[50.0]);
    let got: Vec<(&str, f64, &str)> = f
        .milestones
        .iter()
        .map(|m| {
            (
                m.id.as_str(),
                m.deterministic,
                m.deterministic_date.as_deref().unwrap(),
            )
        })
        .collect();
    // Working days: 4 5 6 7 (8 holiday) 11 12 13 14 15 (18, 19 holiday) 20 21.
    let expected = vec![
        ("A", 5.0, "2027-01-11"), // day 5 skips Friday's holiday and the weekend
        ("B", 8.0, "2027-01-14"),
        ("D", 8.5, "2027-01-15"), // zero-length milestone at t = 8.5 lies on day 9
        ("C", 10.5, "2027-01-21"), // day 11, after the two-day holiday
    ];
    assert_eq!(got, expected);
    // Targets as dates: on time when finishing on or before the target date.
    let p: Vec<f64> = f
        .milestones
        .iter()
        .filter_map(|m| m.target.as_ref().map(|t| t.probability))
        .collect();
    assert_eq!(p, vec![1.0, 0.0, 1.0]); // A on its date; B finishes the 14th, target the 13th; C on the 21st
}

#[test]
fn a_task_with_a_target_is_reported_even_when_not_flagged() {
    let csv = "id,likely,predecessors,milestone,target\nA,3,,,4\nB,2,A,,\nM,0,B,true,\n";
    let (_, _, f) = sim(csv, 100, 1);
    let ids: Vec<&str> = f.milestones.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, ["A", "M"]);
    assert_eq!(f.milestones[0].target.as_ref().unwrap().probability, 1.0);
}
