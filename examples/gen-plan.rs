//! Writes the kernel benchmark's layered random network (triangular or Beta-PERT
//! estimates), or a chain of identical tasks, as a plan folder, so that the README's
//! end-to-end figures can be reproduced with `slipcast run`.
//!
//! `cargo run --release --example gen-plan -- TASKS triangular|pert|chain DIR`

#[path = "../benches/common/network.rs"]
mod network;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (tasks, dist, dir) = match args.as_slice() {
        [n, d, dir] => (n.parse::<usize>().ok(), d.as_str(), dir),
        _ => (None, "", &String::new()),
    };
    let (Some(tasks @ 1..), "triangular" | "pert" | "chain") = (tasks, dist) else {
        eprintln!("usage: gen-plan TASKS triangular|pert|chain DIR (TASKS ≥ 1)");
        return ExitCode::from(2);
    };
    let csv = if dist == "chain" {
        // Each task 1/2/3 days after the one before; the last is the plan's end.
        let mut s = String::from("id,min,likely,max,predecessors\nT0,1,2,3,\n");
        for i in 1..tasks {
            s += &format!("T{i},1,2,3,T{}\n", i - 1);
        }
        s
    } else {
        network::network_csv(tasks, dist)
    };
    let path = std::path::Path::new(dir).join("tasks.csv");
    match std::fs::create_dir_all(dir).and_then(|()| std::fs::write(&path, csv)) {
        Ok(()) => {
            eprintln!("wrote {} ({tasks} tasks, {dist})", path.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("cannot write {}: {e}", path.display());
            ExitCode::from(2)
        }
    }
}
