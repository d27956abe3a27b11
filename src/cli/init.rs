//! `slipcast init DIR`: a commented starter plan that runs as it is.

use std::path::PathBuf;
use std::process::ExitCode;

use chrono::{Datelike, Days, NaiveDate};
use clap::Args;
use slipcast::Error;

#[derive(Args)]
pub struct InitArgs {
    /// The folder to create (it must not exist, or be empty).
    pub dir: PathBuf,
    /// The plan's first working day (default: the Monday after today).
    #[arg(long, value_parser = super::parse_date)]
    pub start: Option<NaiveDate>,
}

/// The starter plan's files, dated from `start`: a website relaunch with two
/// milestones (one committed), a risk, a holiday and two scenarios.
fn files(start: NaiveDate) -> Vec<(&'static str, String)> {
    // `n` calendar days after the start, moved on to a weekday.
    let day = |n: u64| {
        let mut d = start + Days::new(n);
        while d.weekday().number_from_monday() > 5 {
            d = d + Days::new(1);
        }
        d
    };
    let plan = format!(
        "# slipcast plan settings. Every file in this folder is explained in the README.\n\
         name = \"Website relaunch\"\n\
         # The first working day (working days count from here; Saturday and Sunday are off).\n\
         start = {start}\n\
         # Simulated futures and the random seed: the same seed gives the same forecast.\n\
         iterations = 10000\n\
         seed = 1\n"
    );
    let tasks = format!(
        "# One row per task: a three-point estimate in working days (min, likely, max),\n\
         # its predecessors separated by ; (finish-to-start; B+2 adds a lag, B SS+2 links starts).\n\
         # A milestone takes no time; a target is the date promised to the steering committee.\n\
         id,name,min,likely,max,predecessors,milestone,target\n\
         D1,Discovery workshops,4,5,8,,,\n\
         D2,Content inventory,3,5,10,D1,,\n\
         UX,Wireframes and visual design,8,10,16,D1,,\n\
         M_DESIGN,Design signed off,,,,UX;D2,true,{}\n\
         B1,Front-end build,12,15,25,M_DESIGN,,\n\
         B2,CMS set-up and migration,8,12,20,M_DESIGN,,\n\
         T1,Testing and fixes,5,8,15,B1;B2,,\n\
         M_LIVE,Site live,,,,T1,true,{}\n",
        day(25),
        day(60)
    );
    let risks = "# Discrete risks: a probability and an impact (working days here, or % of the\n\
         # task's duration with unit = %) on the tasks they hit (ids separated by ;).\n\
         id,name,probability,min,likely,max,unit,tasks\n\
         R1,Legal review asks for content rewrites,0.3,3,5,10,days,B2\n"
        .to_string();
    // A weekday about a month in: a holiday the plan works around.
    let holiday = day(30);
    let calendar = format!(
        "# Days off besides weekends: one row per holiday or closure (from, to inclusive).\n\
         from,to,kind,tags,name\n\
         {holiday},{holiday},holiday,,Company day off\n"
    );
    let scenarios = "# What-if scenarios for slipcast compare: each row changes the baseline.\n\
         # scale multiplies durations; delay pushes a task; probability changes a risk's.\n\
         scenario,target,action,value,note\n\
         second-developer,B1,scale,0.7,A second front-end developer\n\
         legal-early,R1,probability,0.1,Legal reviews the content inventory up front\n"
        .to_string();
    vec![
        ("plan.toml", plan),
        ("tasks.csv", tasks),
        ("risks.csv", risks),
        ("calendar.csv", calendar),
        ("scenarios.csv", scenarios),
    ]
}

pub fn run(a: InitArgs) -> slipcast::Result<ExitCode> {
    let occupied = match std::fs::read_dir(&a.dir) {
        Ok(mut entries) => entries.next().is_some(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
        Err(source) => {
            return Err(Error::Read {
                path: a.dir.clone(),
                source,
            });
        }
    };
    if occupied {
        return Err(Error::Usage(format!(
            "{} is not empty: slipcast init writes a new plan folder (name one that does not exist)",
            a.dir.display()
        )));
    }
    let start = a.start.unwrap_or_else(|| {
        // The Monday after today.
        let today = super::today_date();
        today + Days::new(8 - u64::from(today.weekday().number_from_monday()))
    });
    let mut set = slipcast::report::out::OutSet::new();
    for (name, body) in files(start) {
        set.add(name, body);
    }
    super::commit_out(set, &a.dir)?;
    println!(
        "wrote a starter plan to {0}: slipcast run {0} forecasts it, slipcast compare {0} weighs its scenarios",
        a.dir.display()
    );
    Ok(ExitCode::SUCCESS)
}
