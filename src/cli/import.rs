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
    /// Uncertainty template for the costs still to come (fixed costs and rates):
    /// min,likely,max as percent of the source's amount, or "none" to keep single
    /// amounts. Default: the --template.
    #[arg(long, value_name = "MIN,LIKELY,MAX|none")]
    pub cost_template: Option<String>,
}

/// Three percentages `min,likely,max` with 0 ≤ min ≤ likely ≤ max.
fn percentages(flag: &str, text: &str) -> slipcast::Result<(f64, f64, f64)> {
    let t: Vec<f64> = text
        .split(',')
        .map(|x| x.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| {
            Error::Usage(format!(
                "{flag} \"{text}\": write three percentages, e.g. 90,100,130"
            ))
        })?;
    let [lo, mid, hi] = t[..] else {
        return Err(Error::Usage(format!(
            "{flag} takes three percentages: min,likely,max (e.g. 90,100,130)"
        )));
    };
    if !(0.0 <= lo && lo <= mid && mid <= hi && hi.is_finite()) {
        return Err(Error::Usage(format!(
            "{flag} must satisfy 0 ≤ min ≤ likely ≤ max"
        )));
    }
    Ok((lo, mid, hi))
}

pub fn run(a: ImportArgs) -> slipcast::Result<ExitCode> {
    let (lo, mid, hi) = percentages("--template", &a.template)?;
    let cost_template = match a.cost_template.as_deref().map(str::trim) {
        None => Some((lo, mid, hi)),
        Some("none") => None,
        Some(t) => Some(percentages("--cost-template", t)?),
    };
    let started = std::time::Instant::now();
    let s = import::read(&a.file)?;
    let opts = import::ImportOptions {
        template: (lo, mid, hi),
        distribution: a.distribution.clone(),
        cost_template,
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
    // Tasks that differ only because a predecessor does are counted under their first
    // cause's reason.
    let reason_of: std::collections::HashMap<&str, &str> = rows
        .iter()
        .map(|r| (r.task.as_str(), r.reason.as_str()))
        .collect();
    let mut reasons: std::collections::BTreeMap<(bool, &str), usize> = Default::default();
    for r in rows.iter().filter(|r| !r.matches) {
        let key = match reason_of.get(r.first_cause.as_str()) {
            Some(why) if !r.first_cause.is_empty() => (true, *why),
            _ => (false, r.reason.as_str()),
        };
        *reasons.entry(key).or_default() += 1;
    }
    for ((downstream, why), n) in &reasons {
        if *downstream {
            out += &format!("  {n} differ because a predecessor does; first cause: {why}\n");
        } else {
            out += &format!("  {n} differ: {why}\n");
        }
    }
    if let Some((spent, to_come)) = s.source_cost {
        let plan = slipcast::load(&a.out).and_then(|p| slipcast::compile(&p))?;
        let ours = slipcast::model::cost::deterministic_total(&plan).unwrap_or(0.0);
        let theirs = spent + to_come;
        let scaled = cost_template.is_some_and(|(_, mid, _)| mid != 100.0);
        out += &format!(
            "cost at completion: {theirs:.2} ({spent:.2} spent + {to_come:.2} to come) in the source; {ours:.2} in the plan's deterministic forecast{}\n",
            if (ours - theirs).abs() < 0.005 {
                " (equal to the cent)".to_string()
            } else if scaled {
                " (the cost template's likely percentage scales the cost still to come)".to_string()
            } else if ours < theirs {
                format!(
                    " ({:.2} less: cost on activities the plan leaves out, such as WBS summaries and level of effort)",
                    theirs - ours
                )
            } else {
                format!(" ({:.2} more)", ours - theirs)
            }
        );
        out += &match cost_template {
            Some((lo, mid, hi)) => format!(
                "cost template {lo}/{mid}/{hi} % ({}) applied to every fixed cost and rate still to come; amounts spent are kept exact\n",
                if a.distribution == "pert" {
                    "pert"
                } else {
                    "triangular"
                }
            ),
            None => "costs kept as single amounts (--cost-template none)\n".to_string(),
        };
    }
    if let Some(src) = &s.source {
        out += &format!(
            "kept the source as {} (plan.toml `source`): `slipcast run {} --out DIR --export {}` writes the forecast into a copy of it\n",
            a.out.join(src.name).display(),
            a.out.display(),
            if src.name.ends_with(".xer") {
                "xer"
            } else {
                "mspdi"
            }
        );
    }
    out += &format!("took {:.2} s\n", started.elapsed().as_secs_f64());
    super::stdout_write(&out)?;
    Ok(ExitCode::SUCCESS)
}
