//! `slipcast import`: a Microsoft Project (XML, MPX) or Primavera P6 (XER, XML) schedule
//! into a plan folder, with a check that slipcast's dates match the source's.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use slipcast::{Error, import};

#[derive(Args)]
pub struct ImportArgs {
    /// The schedule file (format detected by content).
    pub file: PathBuf,
    /// Plan folder to write (plan.toml, tasks.csv, calendar.csv, import-report.csv).
    #[arg(long)]
    pub out: PathBuf,
    /// Uncertainty template for tasks without three-point estimates: min,likely,max as
    /// percent of the planned duration.
    #[arg(long, default_value = "90,100,130")]
    pub template: String,
    /// Distribution for the estimates.
    #[arg(long, default_value = "triangular", value_parser = ["triangular", "pert", "uniform"])]
    pub distribution: String,
}

pub fn run(a: ImportArgs) -> slipcast::Result<ExitCode> {
    let t: Vec<f64> = a
        .template
        .split(',')
        .map(|x| x.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| {
            Error::Usage(format!(
                "--template \"{}\": write three percentages, e.g. 90,100,130",
                a.template
            ))
        })?;
    let [lo, mid, hi] = t[..] else {
        return Err(Error::Usage(
            "--template takes three percentages: min,likely,max (e.g. 90,100,130)".into(),
        ));
    };
    if !(0.0 <= lo && lo <= mid && mid <= hi && hi.is_finite()) {
        return Err(Error::Usage(
            "--template must satisfy 0 ≤ min ≤ likely ≤ max".into(),
        ));
    }
    let started = std::time::Instant::now();
    let s = import::read(&a.file)?;
    let opts = import::ImportOptions {
        template: (lo, mid, hi),
        distribution: a.distribution.clone(),
    };
    let (written, rows) = import::write_plan_set(&s, &a.out, &opts)?;
    for n in &s.notes {
        eprintln!("note: {n}");
    }
    let matched = rows.iter().filter(|r| r.matches).count();
    let mut out = format!(
        "imported {} ({}): {} tasks, {} links, {} working hours a day{} → {}\n",
        a.file.display(),
        s.format,
        s.tasks.len(),
        s.tasks.iter().map(|t| t.preds.len()).sum::<usize>(),
        s.hours_per_day,
        s.status_date
            .map(|d| format!(", status date {d}"))
            .unwrap_or_default(),
        a.out.display()
    );
    out += &format!(
        "uncertainty template {lo}/{mid}/{hi} % ({}) applied to {} tasks; {} had no duration or were finished\n",
        a.distribution,
        written.templated.len(),
        s.tasks.len() - written.templated.len()
    );
    out += &format!(
        "fidelity: {matched} of {} tasks have the same early start and finish dates as the source schedule (details in {})\n",
        rows.len(),
        a.out.join("import-report.csv").display()
    );
    let mut reasons: std::collections::BTreeMap<&str, usize> = Default::default();
    for r in rows.iter().filter(|r| !r.matches) {
        *reasons.entry(r.reason.as_str()).or_default() += 1;
    }
    for (why, n) in &reasons {
        out += &format!("  {n} differ: {why}\n");
    }
    if let Some((spent, to_come)) = s.source_cost {
        let plan = slipcast::load(&a.out).and_then(|p| slipcast::compile(&p))?;
        let ours = slipcast::model::cost::deterministic_total(&plan).unwrap_or(0.0);
        let theirs = spent + to_come;
        out += &format!(
            "cost at completion: {} ({:.2} spent + {:.2} to come) in the source; {:.2} in the plan's deterministic forecast{}\n",
            format_args!("{theirs:.2}"),
            spent,
            to_come,
            ours,
            if (ours - theirs).abs() < 0.005 {
                " (equal to the cent)".to_string()
            } else {
                format!(
                    " ({:.2} less: cost on activities the plan leaves out, such as WBS summaries and level of effort)",
                    theirs - ours
                )
            }
        );
    }
    out += &format!("took {:.2} s\n", started.elapsed().as_secs_f64());
    super::stdout_write(&out)?;
    Ok(ExitCode::SUCCESS)
}
