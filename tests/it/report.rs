//! The steering-committee report: a real browser renders it, charts are snapshot-tested,
//! user text is escaped, and a large plan stays readable.

use std::path::{Path, PathBuf};
use std::process::Command;

use assert_cmd::cargo::cargo_bin_cmd;

use super::plan_dir;

fn run_out(plan: &Path, extra: &[&str]) -> tempfile::TempDir {
    let out = tempfile::tempdir().unwrap();
    let r = cargo_bin_cmd!("slipcast")
        .args(["run", "-n", "2000"])
        .args(extra)
        .arg("--out")
        .arg(out.path())
        .arg(plan)
        .output()
        .unwrap();
    assert_eq!(
        r.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );
    out
}

fn chromium() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("SLIPCAST_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find_map(|b| {
            let out = Command::new("which").arg(b).output().ok()?;
            out.status
                .success()
                .then(|| PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
        })
}

fn browser(bin: &Path, profile: &Path, args: &[&str], url: &str) -> std::process::Output {
    Command::new(bin)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(url)
        .output()
        .expect("start chromium")
}

#[test]
fn the_report_renders_in_a_real_browser() {
    let Some(bin) = chromium() else {
        // CI installs Chromium (.ci/run); a developer machine without it skips loudly.
        assert!(
            std::env::var("CI").is_err(),
            "Chromium is required in CI: install the chromium package"
        );
        eprintln!("SKIPPED: no chromium on this machine (apt-get install chromium)");
        return;
    };
    let plan = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/cloud-migration");
    let out = run_out(&plan, &[]);
    let html_path = out.path().join("report.html");
    let html = std::fs::read_to_string(&html_path).unwrap();
    // Self-contained: nothing to load (links within the page only).
    for needle in ["src=", "url(", "@import", "<script", "<link"] {
        assert!(
            !html.contains(needle),
            "report.html must not reference {needle}"
        );
    }
    assert_eq!(
        html.matches("href=").count(),
        html.matches("href=\"#").count(),
        "report.html links outside itself"
    );
    let url = format!("file://{}", html_path.display());
    let profile = tempfile::tempdir().unwrap();
    let dom = browser(&bin, profile.path(), &["--dump-dom"], &url);
    assert!(
        dom.status.success(),
        "{}",
        String::from_utf8_lossy(&dom.stderr)
    );
    let dom_text = String::from_utf8_lossy(&dom.stdout);
    // Six milestone S-curves and the drivers tornado.
    assert_eq!(
        dom_text.matches("<svg").count(),
        7,
        "charts in the rendered page"
    );
    let log = String::from_utf8_lossy(&dom.stderr);
    assert!(
        !log.contains("Failed to load resource") && !log.contains("net::ERR_"),
        "failed loads: {log}"
    );
    let shot = out.path().join("shot.png");
    let profile = tempfile::tempdir().unwrap();
    let r = browser(
        &bin,
        profile.path(),
        &[
            "--window-size=900,2400",
            &format!("--screenshot={}", shot.display()),
        ],
        &url,
    );
    assert!(
        r.status.success() && shot.exists(),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );
    // Not blank: many colours and a real share of non-white pixels.
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&shot).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let px = info.line_size / info.width as usize;
    let pixels: Vec<&[u8]> = buf[..info.buffer_size()].chunks(px).collect();
    let non_white = pixels
        .iter()
        .filter(|p| p[..3].iter().any(|&c| c < 235))
        .count();
    let colours: std::collections::HashSet<&[u8]> = pixels.iter().map(|p| &p[..3]).collect();
    assert!(
        non_white as f64 / pixels.len() as f64 > 0.03,
        "blank screenshot"
    );
    assert!(colours.len() > 20, "only {} colours", colours.len());
}

/// The report's health section holds every check of `slipcast check`, in its order and
/// with its status, and the first screen says when some fail.
#[test]
fn the_report_carries_the_health_check() {
    let plan = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/erp-cutover");
    let out = run_out(&plan, &[]);
    let html = std::fs::read_to_string(out.path().join("report.html")).unwrap();
    let check = cargo_bin_cmd!("slipcast")
        .args(["check", "--format", "json"])
        .arg(&plan)
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&check.stdout).unwrap();
    let checks = json["checks"].as_array().unwrap();
    let section = &html[html.find("id=\"health\"").unwrap()..];
    let section = &section[..section.find("</table>").unwrap()];
    let rows: Vec<&str> = section.split("<tr>").skip(2).collect();
    assert_eq!(rows.len(), checks.len());
    let failed = checks.iter().filter(|c| c["status"] == "fail").count();
    assert!(failed > 0, "the example plan fails some checks");
    for (row, c) in rows.iter().zip(checks) {
        let label = match c["family"].as_str().unwrap() {
            "dcma" => c["number"].to_string(),
            _ => format!("R{}", c["number"]),
        };
        let status = c["status"].as_str().unwrap();
        assert!(
            row.starts_with(&format!(
                "<td>{label}</td><td>{}</td>",
                c["check"].as_str().unwrap()
            )),
            "{row}"
        );
        assert!(row.contains(&format!(">{status}</td>")), "{row}");
    }
    // The risk register gives each risk's impact range and the tasks it hits, by name
    // (risks.csv: V1 5–20 days on BD5, D1 10–60 % on DM2 and DM3).
    let register = &html[html.find("<h2>Risk register</h2>").unwrap()..];
    let row = |id: &str| {
        let r = &register[register.find(&format!("title=\"{id} — ")).unwrap()..];
        r[..r.find("</tr>").unwrap()].to_string()
    };
    let v1 = row("V1");
    assert!(
        v1.contains(">5–20 d<") && v1.contains("BD5 — Interface development (middleware)"),
        "{v1}"
    );
    let d1 = row("D1");
    assert!(
        d1.contains(">10–60 %<") && d1.contains("DM2 — ") && d1.contains("DM3 — "),
        "{d1}"
    );
    let first_screen = &html[..html.find("<h2>Headline</h2>").unwrap()];
    assert!(first_screen.contains("Schedule health: "), "{first_screen}");
    let dcma_failed = checks
        .iter()
        .filter(|c| c["family"] == "dcma" && c["status"] == "fail")
        .count();
    assert!(
        first_screen.contains(&format!("Schedule health: {dcma_failed} of ")),
        "{first_screen}"
    );
}

const FIXED: &str = "id,name,distribution,likely,predecessors,milestone,target\n\
A,Design,fixed,5,,,\n\
B,Build,discrete,,A,,\n\
M,Launch,fixed,0,B,true,2027-01-20\n";

fn fixed_plan() -> tempfile::TempDir {
    plan_dir(&[
        ("plan.toml", "name = \"Fixed\"\nstart = 2027-01-04\n"),
        (
            "tasks.csv",
            &FIXED.replace("B,Build,discrete,,A,,", "B,Build,fixed,7,A,,"),
        ),
    ])
}

#[test]
fn svg_and_markdown_snapshots_for_a_fixed_plan() {
    let dir = fixed_plan();
    let out = run_out(dir.path(), &[]);
    let svg = std::fs::read_to_string(out.path().join("M-scurve.svg")).unwrap();
    insta::assert_snapshot!("fixed_scurve_svg", svg);
    let md = cargo_bin_cmd!("slipcast")
        .args(["run", "-n", "500", "--format", "markdown"])
        .arg(dir.path())
        .output()
        .unwrap();
    insta::assert_snapshot!("fixed_markdown", String::from_utf8(md.stdout).unwrap());
}

#[test]
fn user_text_is_escaped_everywhere() {
    let evil = "<script>alert(1)</script>";
    let dir = plan_dir(&[
        (
            "plan.toml",
            &format!("name = \"{evil}\"\nstart = 2027-01-04\n"),
        ),
        (
            "tasks.csv",
            &format!(
                "id,name,min,likely,max,predecessors,milestone\nA,\"{evil}\",2,4,9,,\nM,\"{evil} & co\",,,,A,true\n"
            ),
        ),
        (
            "risks.csv",
            &format!("id,name,probability,likely,tasks\n{evil},\"{evil}\",0.5,2,A\n"),
        ),
    ]);
    let out = run_out(dir.path(), &[]);
    for f in ["report.html", "M-scurve.svg", "drivers.svg"] {
        let text = std::fs::read_to_string(out.path().join(f)).unwrap();
        assert!(!text.contains("<script"), "{f} contains a raw script tag");
        assert!(
            text.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{f} shows the name as text"
        );
    }
    let md = cargo_bin_cmd!("slipcast")
        .args(["run", "-n", "200", "--format", "markdown"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&md.stdout).contains("&"));
}

#[test]
fn a_large_plan_stays_readable() {
    let long = "Integrate the legacy order management platform with the new fulfilment hub including data reconciliation";
    let mut csv = String::from("id,name,min,likely,max,predecessors,milestone,target\n");
    for i in 0..150 {
        let pred = if i % 30 == 0 {
            String::new()
        } else {
            format!("T{}", i - 1)
        };
        let name = if i == 120 {
            long.to_string()
        } else {
            format!("Task {i}")
        };
        csv += &format!("T{i},\"{name}\",2,4,9,{pred},,\n");
    }
    for m in 0..5 {
        csv += &format!(
            "M{m},Milestone {m},,,,T{},true,{}\n",
            m * 30 + 29,
            110 + m * 5
        );
    }
    let dir = plan_dir(&[("plan.toml", "start = 2027-01-04\n"), ("tasks.csv", &csv)]);
    let out = run_out(dir.path(), &[]);
    for m in 0..5 {
        let svg = std::fs::read_to_string(out.path().join(format!("M{m}-scurve.svg"))).unwrap();
        // Tick labels: no two overlap (estimated width of 10 px sans-serif text).
        let mut ticks: Vec<(f64, usize)> = svg
            .split("<text ")
            .filter(|t| t.contains("class=\"s tick\""))
            .map(|t| {
                let x: f64 = t
                    .split("x=\"")
                    .nth(1)
                    .unwrap()
                    .split('"')
                    .next()
                    .unwrap()
                    .parse()
                    .unwrap();
                let text = t.split('>').nth(1).unwrap().split('<').next().unwrap();
                (x, text.chars().count())
            })
            .collect();
        ticks.sort_by(|a, b| a.0.total_cmp(&b.0));
        assert!(ticks.len() >= 3, "M{m}: {} ticks", ticks.len());
        for w in ticks.windows(2) {
            let half = |n: usize| n as f64 * 10.0 * 0.58 / 2.0;
            assert!(
                w[1].0 - w[0].0 > half(w[0].1) + half(w[1].1),
                "M{m}: tick labels overlap"
            );
        }
    }
    let html = std::fs::read_to_string(out.path().join("report.html")).unwrap();
    assert!(
        html.contains(&format!("title=\"T120 — {long}\"")),
        "a long name keeps its full text as a tooltip"
    );
    assert!(
        html.contains("text-overflow: ellipsis"),
        "and is cut on screen"
    );
}

#[test]
fn compare_writes_a_report_with_scenario_charts_and_markdown() {
    let plan = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/cloud-migration");
    let out = tempfile::tempdir().unwrap();
    cargo_bin_cmd!("slipcast")
        .args(["compare", "-n", "1000", "--out"])
        .arg(out.path())
        .arg(&plan)
        .assert()
        .success();
    let html = std::fs::read_to_string(out.path().join("report.html")).unwrap();
    assert!(html.contains("<h2>Scenarios</h2>"));
    assert_eq!(html.matches("class=\"chart scenarios\"").count(), 6);
    assert!(out.path().join("M_EXIT-scenarios.svg").exists());
    let md = cargo_bin_cmd!("slipcast")
        .args(["compare", "-n", "500", "--format", "markdown"])
        .arg(&plan)
        .output()
        .unwrap();
    let md = String::from_utf8(md.stdout).unwrap();
    assert!(md.starts_with(
        "| Scenario | Milestone | P50 | ΔP50 | P80 | ΔP80 | Typical change | Earlier | P(on time) |\n"
    ));
    assert!(md.lines().count() > 30);
    // No negative zero in any view of the comparison.
    let table = cargo_bin_cmd!("slipcast")
        .args(["compare", "-n", "500"])
        .arg(&plan)
        .output()
        .unwrap();
    for text in [md.as_str(), &String::from_utf8_lossy(&table.stdout), &html] {
        assert!(!text.contains("-0.0") && !text.contains("−0.0"), "{text}");
    }
}

/// In a 100-column terminal every line of `run --drivers` fits: the milestone table
/// drops the working days after its dates, then mean ± sd, then long names; long critical
/// paths wrap. Without a width (a pipe, `--wide`) the table is whole.
#[test]
fn the_terminal_tables_fit_100_columns() {
    let plan = slipcast::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/erp-cutover"))
        .unwrap();
    let net = slipcast::compile(&plan).unwrap();
    let f = slipcast::Forecaster::new(&net)
        .iterations(slipcast::Iterations::Fixed(2000))
        .drivers(true)
        .run(&slipcast::NoProgress)
        .unwrap();
    let fitted =
        slipcast::report::table_within(&f, Some(100)) + &slipcast::report::drivers_table(&f);
    for line in fitted.lines() {
        assert!(
            line.chars().count() <= 100,
            "{} columns: {line}",
            line.chars().count()
        );
    }
    assert!(!fitted.contains("Mean ± sd"));
    // Every milestone's P80 date is still there.
    for m in &f.milestones {
        let p80 = m.percentiles.iter().find(|q| q.p == 80.0).unwrap();
        assert!(fitted.contains(p80.date.as_deref().unwrap()));
    }
    let whole = slipcast::report::table(&f);
    assert!(whole.contains("Mean ± sd") && whole.lines().any(|l| l.chars().count() > 100));
    // A pipe gets the whole table.
    let out = cargo_bin_cmd!("slipcast")
        .args(["run", "-n", "500"])
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/erp-cutover"))
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("Mean ± sd"));
}
