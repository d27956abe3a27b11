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

/// `slipcast compare -n N [extra] --out TMP PLAN`, which must succeed.
fn compare_out(plan: &Path, n: &str, extra: &[&str]) -> tempfile::TempDir {
    let out = tempfile::tempdir().unwrap();
    cargo_bin_cmd!("slipcast")
        .args(["compare", "-n", n])
        .args(extra)
        .arg("--out")
        .arg(out.path())
        .arg(plan)
        .assert()
        .success();
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

/// Chromium, or None after one skip line on a developer machine without it (CI installs
/// it in .ci/run, and there its absence fails the test).
fn browser_or_skip() -> Option<PathBuf> {
    let bin = chromium();
    if bin.is_none() {
        assert!(
            std::env::var("CI").is_err(),
            "Chromium is required in CI: install the chromium package"
        );
        eprintln!("SKIPPED: no chromium on this machine (apt-get install chromium)");
    }
    bin
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
    let plan = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/cloud-migration");
    let out = run_out(&plan, &[]);
    renders_in_a_browser(&out.path().join("report.html"), 7);
}

/// A page slipcast wrote renders in headless Chromium: self-contained (no external
/// reference), `svgs` charts in the rendered DOM, nothing failed to load, and a
/// screenshot that is neither blank nor flat. Skips (one line) without Chromium.
pub fn renders_in_a_browser(html_path: &Path, svgs: usize) {
    let Some(bin) = browser_or_skip() else {
        return;
    };
    let html = std::fs::read_to_string(html_path).unwrap();
    for needle in ["src=", "url(", "@import", "<script", "<link"] {
        assert!(
            !html.contains(needle),
            "{} must not reference {needle}",
            html_path.display()
        );
    }
    assert_eq!(
        html.matches("href=").count(),
        html.matches("href=\"#").count(),
        "{} links outside itself",
        html_path.display()
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
    assert_eq!(
        dom_text.matches("<svg").count(),
        svgs,
        "charts in the rendered page"
    );
    let log = String::from_utf8_lossy(&dom.stderr);
    assert!(
        !log.contains("Failed to load resource") && !log.contains("net::ERR_"),
        "failed loads: {log}"
    );
    let shots = tempfile::tempdir().unwrap();
    let shot = shots.path().join("shot.png");
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
        // Date axis labels (centred under their ticks): no two overlap (estimated width
        // of 10 px sans-serif text).
        let mut ticks: Vec<(f64, usize)> = svg
            .split("<text ")
            .filter(|t| t.contains("class=\"s tick\"") && t.contains("text-anchor=\"middle\""))
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
    let out = compare_out(&plan, "1000", &[]);
    let html = std::fs::read_to_string(out.path().join("report.html")).unwrap();
    assert!(html.contains("<h2>Scenarios</h2>"));
    assert_eq!(html.matches("class=\"chart scenarios\"").count(), 6);
    // Grouped by milestone, with P(on time), and the baseline's drivers: the tornado and
    // the sensitivities are there.
    assert_eq!(html.matches("<tr class=\"group\">").count(), 6);
    assert!(html.contains("<th>P(on time)</th>"));
    assert!(html.contains("What moves M_EXIT"));
    // A focus milestone: the report describes it.
    let focus = compare_out(&plan, "1000", &["--milestone", "M_W1"]);
    let focused = std::fs::read_to_string(focus.path().join("report.html")).unwrap();
    assert!(focused.contains("What moves M_W1") && !focused.contains("What moves M_EXIT"));
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
    // A negative zero: a minus, zeros after the point and no other digit (`-0.01` is a
    // real value).
    let negative_zero = regex::Regex::new(r"[-−]0\.0+(?:[^0-9]|$)").unwrap();
    for text in [md.as_str(), &String::from_utf8_lossy(&table.stdout), &html] {
        assert!(!negative_zero.is_match(text), "{text}");
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

/// Paper the report is printed on: the `@page` size and the width of the page's content
/// box in CSS pixels (the paper's width less the report's 14 mm margins each side).
const PAPERS: [(&str, f64); 2] = [
    ("A4", (210.0 - 28.0) / 25.4 * 96.0),
    ("letter", (215.9 - 28.0) / 25.4 * 96.0),
];

/// One printed page: how far down its content reaches, as a share of the page's height.
fn page_fills(pdf: &[u8]) -> Vec<f64> {
    use std::io::Read as _;
    let text = String::from_utf8_lossy(pdf);
    let find = |re: &str, from: &str| -> Vec<String> { regex_lite(re, from) };
    let object = |id: &str| -> usize {
        let head = format!("\n{id} 0 obj");
        text.find(&head)
            .unwrap_or_else(|| panic!("object {id} in the PDF"))
            + head.len()
    };
    let dict_of = |id: &str| -> &str {
        let at = object(id);
        &text[at..at + text[at..].find("endobj").unwrap()]
    };
    let kids = |d: &str| -> Vec<String> {
        find(r"/Kids \[([^\]]*)\]", d)[0]
            .split(" 0 R")
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect()
    };
    // The page tree, walked in order from its root (the node without a parent).
    let root = find(r"\n(\d+) 0 obj\s*<<([^>]*/Type /Pages[^>]*)>>", &text)
        .chunks(2)
        .find(|c| !c[1].contains("/Parent"))
        .map(|c| c[0].clone())
        .expect("the PDF's page tree");
    let mut ids = Vec::new();
    let mut stack = vec![root];
    while let Some(id) = stack.pop() {
        let d = dict_of(&id);
        if d.contains("/Type /Pages") {
            stack.extend(kids(d).into_iter().rev());
        } else {
            ids.push(id);
        }
    }
    ids.iter()
        .map(|id| {
            let at = object(id);
            let dict = &text[at..at + text[at..].find("endobj").unwrap()];
            let contents = find(r"/Contents (\d+) 0 R", dict);
            let c = object(&contents[0]);
            let dict = &text[c..c + text[c..].find("stream").unwrap()];
            let len: usize = find(r"/Length (\d+)", dict)[0].parse().unwrap();
            // Byte offsets: the lossy text keeps ASCII positions only up to the first
            // replaced byte, so find the stream in the bytes.
            let head = format!("\n{} 0 obj", contents[0]);
            let start = pdf
                .windows(head.len())
                .position(|w| w == head.as_bytes())
                .unwrap();
            let s = start
                + pdf[start..]
                    .windows(7)
                    .position(|w| w == b"stream\n")
                    .unwrap()
                + 7;
            let mut page = String::new();
            flate2::read::ZlibDecoder::new(&pdf[s..s + len])
                .read_to_string(&mut page)
                .expect("a Flate content stream");
            // The page's content box (its clip rectangle, in device units) and the map
            // from the document's CSS pixels to the device: y ↦ scale · y + shift. A
            // page shows the document from `top` for `height` pixels.
            let num = r"(-?[\d.]+)";
            let clip: Vec<f64> = find(&format!("{num} {num} {num} {num} re\nW\\* n"), &page)
                .iter()
                .map(|x| x.parse().unwrap())
                .collect();
            let map: Vec<f64> = find(&format!(r"q\n{num} 0 0 {num} {num} {num} cm"), &page)
                .iter()
                .take(4)
                .map(|x| x.parse().unwrap())
                .collect();
            assert!(
                clip.len() >= 4 && map.len() == 4,
                "cannot read the page geometry of {}",
                &page[..page.len().min(400)]
            );
            let (scale, shift) = (map[0], map[3]);
            let height = clip[3] / scale;
            let top = (clip[1] - shift) / scale;
            let lowest = find(&format!(r"1 0 0 -1 {num} {num} Tm"), &page)
                .chunks(2)
                .map(|xy| xy[1].parse::<f64>().unwrap() - top)
                .filter(|y| (0.0..=height).contains(y))
                .fold(0.0, f64::max);
            lowest / height
        })
        .collect()
}

/// The capture groups of every match of `re` in `text` (first group of each match, or
/// all groups when there are several).
fn regex_lite(re: &str, text: &str) -> Vec<String> {
    let re = regex::Regex::new(re).unwrap();
    re.captures_iter(text)
        .flat_map(|c| {
            (1..c.len())
                .filter_map(|i| c.get(i).map(|m| m.as_str().to_string()))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Prints a report to PDF on each paper and measures it: the page count stays within
/// `pages`, the first page is more than half full, no page holds only a stray line or the
/// footer, and laid out at the page's width no date wraps, no cell overflows and no table
/// is wider than the page.
fn prints_whole(html_path: &Path, pages: std::ops::RangeInclusive<usize>) {
    let Some(bin) = browser_or_skip() else {
        return;
    };
    let html = std::fs::read_to_string(html_path).unwrap();
    let dir = tempfile::tempdir().unwrap();
    for (paper, width) in PAPERS {
        // Printed on this paper.
        let print = dir.path().join(format!("print-{paper}.html"));
        std::fs::write(
            &print,
            html.replacen(
                "</style>",
                &format!("@page {{ size: {paper}; }}</style>"),
                1,
            ),
        )
        .unwrap();
        let pdf = dir.path().join(format!("{paper}.pdf"));
        let profile = tempfile::tempdir().unwrap();
        let r = browser(
            &bin,
            profile.path(),
            &[
                "--no-pdf-header-footer",
                &format!("--print-to-pdf={}", pdf.display()),
            ],
            &format!("file://{}", print.display()),
        );
        assert!(pdf.exists(), "{}", String::from_utf8_lossy(&r.stderr));
        let fills = page_fills(&std::fs::read(&pdf).unwrap());
        eprintln!("{paper}: page fills {fills:.2?}");
        assert!(
            pages.contains(&fills.len()),
            "{paper}: {} pages, expected {pages:?}",
            fills.len()
        );
        assert!(
            fills[0] > 0.5,
            "{paper}: the first page is {:.0} % full",
            fills[0] * 100.0
        );
        for (i, f) in fills.iter().enumerate() {
            assert!(
                *f > 0.2,
                "{paper}: page {} holds only {:.0} % of a page",
                i + 1,
                f * 100.0
            );
        }
        // Laid out at the page's width with the print rules, measured by the browser.
        let measure = dir.path().join(format!("measure-{paper}.html"));
        let script = r#"<script>(function(){var bad=[];
document.querySelectorAll('.date,.days').forEach(function(e){if(e.getClientRects().length!==1)bad.push('date over lines: '+e.textContent);});
document.querySelectorAll('td,th').forEach(function(e){if(e.scrollWidth>e.clientWidth+1)bad.push('cell overflows: '+e.textContent.slice(0,40));});
var right=document.body.getBoundingClientRect().right;
document.querySelectorAll('table,figure').forEach(function(t){if(t.getBoundingClientRect().right>right+1)bad.push('wider than the page: '+t.textContent.slice(0,40));});
var n=document.querySelectorAll('.date').length;
var p=document.createElement('pre');p.textContent='MEASURED '+n+' dates ['+bad.join(' | ')+']';document.body.appendChild(p);})();</script>"#;
        std::fs::write(
            &measure,
            html.replace("@media print {", "@media all {")
                .replacen(
                    "</style>",
                    &format!("body {{ width: {width:.0}px !important; }}</style>"),
                    1,
                )
                .replacen("</body>", &format!("{script}</body>"), 1),
        )
        .unwrap();
        let profile = tempfile::tempdir().unwrap();
        let dom = browser(
            &bin,
            profile.path(),
            &["--dump-dom"],
            &format!("file://{}", measure.display()),
        );
        let dom = String::from_utf8_lossy(&dom.stdout);
        // The script's own text holds the word too: its output is the last.
        let at = dom.rfind("MEASURED ").expect("the measuring script ran");
        let line = &dom[at..at + dom[at..].find(']').unwrap() + 1];
        assert!(line.ends_with("[]"), "{paper}: {line}");
        let dates: usize = line["MEASURED ".len()..]
            .split(' ')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!(dates > 20, "{paper}: only {dates} dates measured");
    }
}

#[test]
fn the_run_report_prints_whole_on_a4_and_letter() {
    let plan = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/erp-cutover");
    let out = run_out(&plan, &[]);
    prints_whole(&out.path().join("report.html"), 5..=9);
}

#[test]
fn the_compare_report_prints_whole_on_a4_and_letter() {
    let plan = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/cloud-migration-cost");
    let out = compare_out(&plan, "2000", &[]);
    prints_whole(&out.path().join("report.html"), 11..=18);
}
