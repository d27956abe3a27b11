//! Hand-built SVG charts: S-curve with histogram, drivers tornado, scenario ranges.
//!
//! Every user-supplied string goes through [`esc`]; long labels are cut with "…" and keep
//! their full text in a `<title>` (a tooltip in browsers). Axis ticks are spaced so that
//! their labels never overlap: the number of ticks is chosen from the plot width and the
//! widest label.

use std::fmt::Write as _;

use crate::stats::{Forecast, MilestoneForecast, fmt_p};

/// Escapes text for XML/HTML content and attributes.
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

/// Approximate width in pixels of `s` at `size` px (sans-serif average advance).
pub fn text_width(s: &str, size: f64) -> f64 {
    s.chars().count() as f64 * size * 0.58
}

/// A label cut to `max` characters, with the full text as a tooltip when cut.
fn label(x: f64, y: f64, anchor: &str, text: &str, max: usize, class: &str) -> String {
    let n = text.chars().count();
    if n <= max {
        format!(
            r#"<text x="{x:.1}" y="{y:.1}" text-anchor="{anchor}" class="{class}">{}</text>"#,
            esc(text)
        )
    } else {
        let cut: String = text.chars().take(max.saturating_sub(1)).collect();
        format!(
            r#"<text x="{x:.1}" y="{y:.1}" text-anchor="{anchor}" class="{class}"><title>{}</title>{}…</text>"#,
            esc(text),
            esc(&cut)
        )
    }
}

const STYLE: &str = "<style>.t{font:600 14px sans-serif;fill:#1f2933}.l{font:11px sans-serif;fill:#3e4c59}.s{font:10px sans-serif;fill:#52606d}.m{font:600 11px sans-serif;paint-order:stroke;stroke:#fff;stroke-width:3px}.marker{fill:#0b6e4f}.target{fill:#c81e1e}.plan{fill:#3e4c59}</style>";

/// "Nice" tick step for a range over about `n` ticks.
fn nice_step(range: f64, n: usize) -> f64 {
    let raw = (range / n.max(1) as f64).max(1e-9);
    let mag = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag)
}

/// Ticks from `lo` to `hi` whose labels (from `fmt`) fit in `width` pixels without
/// overlapping. Returns (value, label) pairs.
pub fn ticks(
    lo: f64,
    hi: f64,
    width: f64,
    min_step: f64,
    fmt: &dyn Fn(f64) -> String,
) -> Vec<(f64, String)> {
    let widest = text_width(&fmt(hi), 10.0).max(text_width(&fmt(lo), 10.0)) + 12.0;
    let mut n = ((width / widest).floor() as usize).clamp(2, 10);
    loop {
        let step = nice_step(hi - lo, n).max(min_step);
        let first = (lo / step).ceil() * step;
        let mut v = Vec::new();
        let mut x = first;
        while x <= hi + step * 1e-9 {
            v.push((x, fmt(x)));
            x += step;
        }
        let px = width * step / (hi - lo).max(1e-9);
        let w = v
            .iter()
            .map(|(_, l)| text_width(l, 10.0))
            .fold(0.0, f64::max);
        if px >= w + 8.0 || n <= 2 {
            return v;
        }
        n -= 1;
    }
}

/// Histogram with the cumulative S-curve of one milestone, P50/P80/P90 markers, the
/// single-point plan and the target line. The markers' labels sit in a band above the
/// plot, one row each, so neither the bars nor the curve cross them. `date_of` labels the
/// axis with dates when the plan has a calendar.
pub fn scurve(
    f: &Forecast,
    m: &MilestoneForecast,
    date_of: &dyn Fn(f64) -> Option<String>,
) -> String {
    let hist = f.histograms.iter().find(|x| x.milestone == m.id);
    let bins = hist.map(|x| x.bins.as_slice()).unwrap_or(&[]);
    let when = |days: f64, date: &Option<String>| match date {
        Some(d) => super::long_date(d),
        None => format!("day {days:.1}"),
    };
    // (value, label, class, line style): the labels in the band, left to right.
    let mut marks: Vec<(f64, String, &str, &str)> = m
        .percentiles
        .iter()
        .filter(|q| [50.0, 80.0, 90.0].contains(&q.p))
        .map(|q| {
            (
                q.days,
                format!("P{} {}", fmt_p(q.p), when(q.days, &q.date)),
                "m marker",
                MARKER_LINE,
            )
        })
        .collect();
    marks.push((
        m.deterministic,
        format!("plan {}", when(m.deterministic, &m.deterministic_date)),
        "m plan",
        PLAN_LINE,
    ));
    if let Some(tg) = &m.target {
        marks.push((
            tg.days,
            format!(
                "target {} · {:.0} %",
                when(tg.days, &tg.date),
                tg.probability * 100.0
            ),
            "m target",
            TARGET_LINE,
        ));
    }
    marks.sort_by(|a, b| a.0.total_cmp(&b.0));
    let row = 14.0;
    let (w, l, r) = (760.0, 60.0, 52.0);
    let t = 48.0 + row * marks.len() as f64;
    let (ph, b) = (220.0, 58.0);
    let h = t + ph + b;
    let pw = w - l - r;
    let mut lo = bins.first().map_or(m.min, |b| b.from);
    let mut hi = bins.last().map_or(m.max, |b| b.to);
    for (v, ..) in &marks {
        lo = lo.min(*v);
        hi = hi.max(*v);
    }
    let (lo, hi) = padded(lo, hi, 4.0);
    let x = |v: f64| l + (v - lo) / (hi - lo) * pw;
    let maxc = bins.iter().map(|b| b.count).max().unwrap_or(1).max(1) as f64;
    // The count axis tops out above the tallest bar.
    let top = maxc / 0.9;
    let mut s = open(w, h, "scurve");
    let title = match &m.name {
        Some(n) => format!("{} — {}", m.id, n),
        None => m.id.clone(),
    };
    s.push_str(&label(
        l,
        20.0,
        "start",
        &format!("Finish of {title}"),
        80,
        "t",
    ));
    // Counts up the left, with light grid lines.
    let y = |c: f64| t + ph - c / top * ph;
    for (v, text) in ticks(0.0, top, ph * 3.0, 1.0, &|v| {
        super::table::group_thousands(v.round() as u64)
    }) {
        let yy = y(v);
        let _ = write!(
            s,
            r##"<line x1="{l}" y1="{yy:.1}" x2="{:.1}" y2="{yy:.1}" stroke="#eef1f4"/>"##,
            l + pw
        );
        s.push_str(&label(l - 5.0, yy + 3.0, "end", &text, 10, "s tick"));
    }
    s.push_str(&label(l - 5.0, t - 8.0, "end", "futures", 10, "s"));
    for bin in bins {
        let bh = bin.count as f64 / top * ph;
        let _ = write!(
            s,
            r##"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="#9fb3c8"/>"##,
            x(bin.from),
            t + ph - bh,
            (x(bin.to) - x(bin.from) - 1.0).max(0.5),
            bh
        );
    }
    // S-curve, from zero at the first bin's lower edge.
    let mut path = String::new();
    if let Some(first) = bins.first() {
        let _ = write!(path, "M{:.1},{:.1}", x(first.from), t + ph);
    }
    for bin in bins {
        let _ = write!(
            path,
            " L{:.1},{:.1}",
            x(bin.to),
            t + ph - bin.cumulative * ph
        );
    }
    if !path.is_empty() {
        let _ = write!(
            s,
            r##"<path d="{path}" fill="none" stroke="#243b53" stroke-width="2"/>"##
        );
    }
    date_axis(&mut s, (lo, hi), (l, t, pw, ph), date_of, h, None);
    for k in 0..=4 {
        let yy = t + ph - ph * k as f64 / 4.0;
        let _ = write!(
            s,
            r##"<text x="{:.1}" y="{:.1}" text-anchor="start" class="s">{}%</text>"##,
            l + pw + 6.0,
            yy + 3.0,
            k * 25
        );
    }
    s.push_str(&label(w - 4.0, t - 8.0, "end", "cumulative", 20, "s"));
    let px: Vec<_> = marks
        .iter()
        .map(|(v, a, b, c)| (x(*v), a.as_str(), *b, *c))
        .collect();
    marks_band(&mut s, &px, 42.0, l + pw, t + ph);
    s.push_str("</svg>");
    s
}

/// Labelled vertical lines with their labels in a band above a plot, one row per label
/// from `first_row` down, leftmost on top: a line runs down from its label through the
/// rows below, whose labels start further right, so no line strikes a label. `marks` are
/// (x, label, text class, line attributes), sorted by x.
fn marks_band(
    s: &mut String,
    marks: &[(f64, &str, &str, &str)],
    first_row: f64,
    right: f64,
    bottom: f64,
) {
    for (i, (xx, text, class, stroke)) in marks.iter().enumerate() {
        let ly = first_row + 14.0 * i as f64;
        let _ = write!(
            s,
            r##"<line x1="{xx:.1}" y1="{:.1}" x2="{xx:.1}" y2="{bottom:.1}" {stroke}/>"##,
            ly - 10.0
        );
        s.push_str(&beside(*xx, ly, text, right, class));
    }
}

/// The line attributes of a percentile marker, the single-point plan and a commitment.
const MARKER_LINE: &str = r##"stroke="#0b6e4f" stroke-width="1.5""##;
const PLAN_LINE: &str = r##"stroke="#3e4c59" stroke-width="1.5" stroke-dasharray="2 3""##;
const TARGET_LINE: &str = r##"stroke="#c81e1e" stroke-width="2" stroke-dasharray="6 4""##;

/// A tornado of drivers of milestone `id` (P80 days as bars, P50 as ticks): each driver
/// named (`BD5 Interface development`), an axis of days with several ticks, and the value
/// written past both the bar and its tick.
pub fn tornado(f: &Forecast, id: &str) -> Option<String> {
    let d = f.drivers.as_ref()?;
    let bars: Vec<_> = d
        .drivers
        .iter()
        .filter(|x| x.milestone == id)
        .take(12)
        .collect();
    if bars.is_empty() {
        return None;
    }
    let names = super::names(f);
    let row = 24.0;
    let (w, l, r, t) = (760.0, 250.0, 56.0, 46.0);
    let pw = w - l - r;
    let base = t + row * bars.len() as f64;
    let h = base + 44.0;
    let lo = bars
        .iter()
        .map(|b| b.p80_days.min(b.p50_days))
        .fold(0.0, f64::min);
    let hi = bars
        .iter()
        .map(|b| b.p80_days.max(b.p50_days))
        .fold(0.0, f64::max);
    // Room on the right of the longest bar for its value.
    let (lo, hi) = if hi - lo < 1.0 {
        (lo, lo + 1.0)
    } else {
        (lo, hi)
    };
    let x = |v: f64| l + (v - lo) / (hi - lo) * pw;
    let zero = x(0.0);
    let mut s = open(w, h, "tornado");
    s.push_str(&label(
        10.0,
        22.0,
        "start",
        &format!(
            "What moves {id}: working days added by each risk or task uncertainty (bar P80, tick P50)"
        ),
        110,
        "t",
    ));
    let ticks_at = ticks(lo, hi, pw, 0.0, &|v| {
        if v.abs() < 1e-9 {
            "0".into()
        } else {
            num_label(v)
        }
    });
    for (v, _) in &ticks_at {
        let _ = write!(
            s,
            r##"<line x1="{0:.1}" y1="{t}" x2="{0:.1}" y2="{base:.1}" stroke="#eef1f4"/>"##,
            x(*v)
        );
    }
    for (i, b) in bars.iter().enumerate() {
        let y = t + row * i as f64;
        let name = match names.get(b.driver.as_str()) {
            Some(n) => format!("{} {n}", b.driver),
            None => b.driver.clone(),
        };
        s.push_str(&label(l - 8.0, y + 15.0, "end", &name, 38, "l"));
        let (x0, x1) = (zero, x(b.p80_days));
        let color = if b.kind == "risk" {
            "#d64545"
        } else {
            "#2680c2"
        };
        let _ = write!(
            s,
            r#"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="16" fill="{color}"><title>{} ({}): P50 {} d, P80 {} d</title></rect>"#,
            x0.min(x1),
            y + 3.0,
            (x1 - x0).abs().max(0.5),
            esc(&name),
            b.kind,
            super::signed(b.p50_days, 1),
            super::signed(b.p80_days, 1)
        );
        let px = x(b.p50_days);
        let _ = write!(
            s,
            r##"<line x1="{px:.1}" y1="{:.1}" x2="{px:.1}" y2="{:.1}" stroke="#1f2933" stroke-width="2"/>"##,
            y + 1.0,
            y + 21.0
        );
        // The value goes past whichever ends further out: the bar or its P50 tick.
        let text = super::signed(b.p80_days, 1);
        if b.p80_days >= 0.0 {
            let _ = write!(
                s,
                r#"<text x="{:.1}" y="{:.1}" class="s">{text}</text>"#,
                x1.max(px).max(zero) + 5.0,
                y + 15.0
            );
        } else {
            let _ = write!(
                s,
                r#"<text x="{:.1}" y="{:.1}" text-anchor="end" class="s">{text}</text>"#,
                x1.min(px).min(zero) - 5.0,
                y + 15.0
            );
        }
    }
    let _ = write!(
        s,
        r##"<line x1="{zero:.1}" y1="{t}" x2="{zero:.1}" y2="{base:.1}" stroke="#52606d"/><line x1="{l}" y1="{base:.1}" x2="{:.1}" y2="{base:.1}" stroke="#52606d"/>"##,
        l + pw
    );
    for (v, text) in &ticks_at {
        let _ = write!(
            s,
            r##"<line x1="{0:.1}" y1="{base:.1}" x2="{0:.1}" y2="{1:.1}" stroke="#52606d"/>"##,
            x(*v),
            base + 4.0
        );
        s.push_str(&label(x(*v), base + 16.0, "middle", text, 12, "s tick"));
    }
    s.push_str(&label(
        l + pw / 2.0,
        h - 8.0,
        "middle",
        "working days added",
        40,
        "l",
    ));
    s.push_str("</svg>");
    Some(s)
}

/// Scenario ranges (P50 to P90) for one milestone against the baseline, on a date axis
/// when the plan has dates, each bar's P80 written beside it.
pub fn scenario_ranges(
    c: &crate::analysis::compare::Comparison,
    milestone: &str,
    date_of: &dyn Fn(f64) -> Option<String>,
) -> String {
    let rows: Vec<_> = c.rows.iter().filter(|r| r.milestone == milestone).collect();
    let row = 26.0;
    let (w, l, r, t) = (760.0, 190.0, 120.0, 46.0);
    let ph = row * rows.len() as f64;
    let h = t + ph + 50.0;
    let lo = rows
        .iter()
        .map(|r| r.percentiles[1])
        .fold(f64::INFINITY, f64::min);
    let hi = rows
        .iter()
        .map(|r| r.percentiles[3])
        .fold(f64::NEG_INFINITY, f64::max);
    let (lo, hi) = padded(lo, hi, 2.0);
    let pw = w - l - r;
    let x = |v: f64| l + (v - lo) / (hi - lo) * pw;
    let mut s = open(w, h, "scenarios");
    s.push_str(&label(
        10.0,
        22.0,
        "start",
        &format!("{milestone}: P50 to P90 finish per scenario (baseline shaded)"),
        100,
        "t",
    ));
    if let Some(base) = rows.first() {
        let _ = write!(
            s,
            r##"<rect x="{:.1}" y="{t}" width="{:.1}" height="{ph:.1}" fill="#e4e7eb"/>"##,
            x(base.percentiles[1]),
            (x(base.percentiles[3]) - x(base.percentiles[1])).max(0.5),
        );
    }
    for (i, r) in rows.iter().enumerate() {
        let y = t + row * i as f64;
        s.push_str(&label(l - 8.0, y + 17.0, "end", &r.scenario, 28, "l"));
        let (a, b) = (x(r.percentiles[1]), x(r.percentiles[3]));
        let color = if i == 0 { "#52606d" } else { "#2680c2" };
        let _ = write!(
            s,
            r#"<rect x="{a:.1}" y="{:.1}" width="{:.1}" height="12" rx="3" fill="{color}"/>"#,
            y + 7.0,
            (b - a).max(1.0)
        );
        let p80 = x(r.percentiles[2]);
        let _ = write!(
            s,
            r##"<line x1="{p80:.1}" y1="{:.1}" x2="{p80:.1}" y2="{:.1}" stroke="#f0b429" stroke-width="3"/>"##,
            y + 4.0,
            y + 22.0
        );
        let when = r.dates.as_ref().map_or_else(
            || format!("day {:.1}", r.percentiles[2]),
            |d| super::long_date(&d[2]),
        );
        s.push_str(&label(
            b + 6.0,
            y + 17.0,
            "start",
            &format!("P80 {when}"),
            24,
            "s",
        ));
    }
    date_axis(&mut s, (lo, hi), (l, t, pw, ph), date_of, h, None);
    s.push_str(&label(
        10.0,
        h - 10.0,
        "start",
        "bar: P50–P90 · yellow tick: P80",
        60,
        "s",
    ));
    s.push_str("</svg>");
    s
}

/// A chart's opening tag and style.
fn open(w: f64, h: f64, class: &str) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" class="chart {class}">"#
    );
    s.push_str(STYLE);
    s
}

/// A commitment's dashed red line up a plot at `x` (a target, a budget on a cost axis).
fn commitment_line(s: &mut String, x: f64, (t, ph): (f64, f64)) {
    let _ = write!(
        s,
        r##"<line x1="{x:.1}" y1="{t}" x2="{x:.1}" y2="{:.1}" stroke="#c81e1e" stroke-width="2" stroke-dasharray="6 4"/>"##,
        t + ph
    );
}

/// The budget's dashed red line across a plot at height `by`, labelled at its left.
fn budget_line(s: &mut String, by: f64, (l, pw): (f64, f64), budget: f64) {
    budget_like(s, by, (l, pw), &format!("budget {}", short_money(budget)));
}

/// ` (EUR)`: the currency for a cost chart's title, when the plan names one.
fn currency_suffix(c: &crate::stats::cost::CostForecast) -> String {
    c.currency
        .as_deref()
        .map(|c| format!(" ({c})"))
        .unwrap_or_default()
}

/// An amount in a few characters for an axis: `850k`, `1.25M`, `3.4bn`.
pub fn short_money(x: f64) -> String {
    let a = x.abs();
    let (v, unit) = if a >= 1e9 {
        (x / 1e9, "bn")
    } else if a >= 1e6 {
        (x / 1e6, "M")
    } else if a >= 1e3 {
        (x / 1e3, "k")
    } else {
        (x, "")
    };
    let s = format!("{v:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    format!("{s}{unit}")
}

/// `[lo, hi]` padded by 3 % each side, at least `min` wide.
fn padded(lo: f64, hi: f64, min: f64) -> (f64, f64) {
    let (lo, hi) = if hi - lo < min {
        let mid = (hi + lo) / 2.0;
        (mid - min / 2.0, mid + min / 2.0)
    } else {
        (lo, hi)
    };
    let pad = (hi - lo) * 0.03;
    (lo - pad, hi + pad)
}

/// Money ticks up the left edge of a plot, with light grid lines across it.
fn money_axis(s: &mut String, (lo, hi): (f64, f64), (l, t, pw, ph): (f64, f64, f64, f64)) {
    let y = |v: f64| t + ph - (v - lo) / (hi - lo) * ph;
    // The vertical room per label is a line of text: ticks from the height.
    for (v, text) in ticks(lo, hi, ph * 3.0, 0.0, &|v| short_money(v)) {
        let yy = y(v);
        let _ = write!(
            s,
            r##"<line x1="{l}" y1="{yy:.1}" x2="{:.1}" y2="{yy:.1}" stroke="#e4e7eb"/>"##,
            l + pw
        );
        s.push_str(&label(l - 5.0, yy + 3.0, "end", &text, 10, "s tick"));
    }
}

/// A date (or working-day) axis along the bottom of a plot, captioned "finish date"
/// (or "working days from the start") unless `caption` says otherwise.
fn date_axis(
    s: &mut String,
    (lo, hi): (f64, f64),
    (l, t, pw, ph): (f64, f64, f64, f64),
    date_of: &dyn Fn(f64) -> Option<String>,
    h: f64,
    caption: Option<&str>,
) {
    let x = |v: f64| l + (v - lo) / (hi - lo) * pw;
    let _ = write!(
        s,
        r##"<line x1="{l}" y1="{0}" x2="{1}" y2="{0}" stroke="#52606d"/>"##,
        t + ph,
        l + pw
    );
    let fmt = |v: f64| date_of(v).map_or_else(|| format!("{v:.0}"), |d| super::long_date(&d));
    let dated = date_of(lo).is_some();
    for (v, text) in ticks(lo, hi, pw, if dated { 1.0 } else { 0.0 }, &fmt) {
        let _ = write!(
            s,
            r##"<line x1="{0:.1}" y1="{1}" x2="{0:.1}" y2="{2}" stroke="#52606d"/>"##,
            x(v),
            t + ph,
            t + ph + 4.0
        );
        s.push_str(&label(x(v), t + ph + 16.0, "middle", &text, 12, "s tick"));
    }
    s.push_str(&label(
        l + pw / 2.0,
        h - 10.0,
        "middle",
        match caption {
            Some(c) => c,
            None if dated => "finish date",
            None => "working days from the start",
        },
        40,
        "l",
    ));
}

/// A label beside a vertical line at `x`: right of it, or left when it would pass the
/// plot's right edge `right`.
fn beside(x: f64, y: f64, text: &str, right: f64, class: &str) -> String {
    if x + 3.0 + text_width(text, 11.0) <= right {
        label(x + 3.0, y, "start", text, 40, class)
    } else {
        label(x - 3.0, y, "end", text, 40, class)
    }
}

/// The cost–schedule scatter of milestone `mi`: each drawn iteration's finish against the
/// plan's total cost, with the target and budget lines, the four outcomes' shares (over
/// every iteration) and the first joint-confidence frontier. None when the milestone has
/// no scatter.
pub fn cost_scatter(
    f: &Forecast,
    mi: usize,
    date_of: &dyn Fn(f64) -> Option<String>,
) -> Option<String> {
    let (m, c) = (f.milestones.get(mi)?, f.cost.as_ref()?);
    let mc = c.milestones.get(mi)?;
    if mc.scatter.is_empty() {
        return None;
    }
    let (w, h) = (760.0, 400.0);
    let (l, r, t, b) = (64.0, 24.0, 40.0, 58.0);
    let (pw, ph) = (w - l - r, h - t - b);
    let frontier = mc.frontiers.first();
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for &(d, cost) in &mc.scatter {
        (x0, x1) = (x0.min(d as f64), x1.max(d as f64));
        (y0, y1) = (y0.min(cost), y1.max(cost));
    }
    if let Some(tg) = &m.target {
        (x0, x1) = (x0.min(tg.days), x1.max(tg.days));
    }
    if let Some(bud) = c.budget {
        (y0, y1) = (y0.min(bud), y1.max(bud));
    }
    let (x0, x1) = padded(x0, x1, 4.0);
    let (y0, y1) = padded(y0, y1, (y1.abs() * 0.02).max(1.0));
    let x = |v: f64| l + (v - x0) / (x1 - x0) * pw;
    let y = |v: f64| t + ph - (v - y0) / (y1 - y0) * ph;
    let mut s = open(w, h, "scatter");
    let title = match &m.name {
        Some(n) => format!("{} — {}", m.id, n),
        None => m.id.clone(),
    };
    let cur = currency_suffix(c);
    s.push_str(&label(
        l,
        22.0,
        "start",
        &format!("Finish of {title} and total cost{cur}"),
        90,
        "t",
    ));
    money_axis(&mut s, (y0, y1), (l, t, pw, ph));
    date_axis(&mut s, (x0, x1), (l, t, pw, ph), date_of, h, None);
    // One round dot per iteration: a zero-length path segment each.
    let mut d = String::with_capacity(mc.scatter.len() * 16);
    for &(f_days, cost) in &mc.scatter {
        let _ = write!(d, "M{:.1} {:.1}h0", x(f_days as f64), y(cost));
    }
    let _ = write!(
        s,
        r##"<path d="{d}" stroke="#486581" stroke-width="3.2" stroke-linecap="round" opacity=".45"/>"##
    );
    if let Some(fr) = frontier.filter(|fr| !fr.points.is_empty()) {
        let mut d = String::new();
        for (i, p) in fr.points.iter().enumerate() {
            let _ = write!(
                d,
                "{}{:.1} {:.1}",
                if i == 0 { "M" } else { " L" },
                x(p.days),
                y(p.budget)
            );
        }
        let _ = write!(
            s,
            r##"<path d="{d}" fill="none" stroke="#0b6e4f" stroke-width="2.5"/>"##
        );
        let last = fr.points.last().map(|p| (x(p.days), y(p.budget)));
        if let Some((lx, ly)) = last {
            s.push_str(&label(
                lx,
                ly - 7.0,
                "end",
                &format!("{:.0} % joint-confidence frontier", fr.level * 100.0),
                40,
                "m marker",
            ));
        }
    }
    if let Some(tg) = &m.target {
        let tx = x(tg.days);
        commitment_line(&mut s, tx, (t, ph));
        let text = format!(
            "target {}",
            tg.date
                .as_deref()
                .map_or_else(|| format!("day {:.1}", tg.days), super::long_date)
        );
        s.push_str(&beside(tx, t + 12.0, &text, l + pw, "m target"));
    }
    if let Some(bud) = c.budget {
        budget_line(&mut s, y(bud), (l, pw), bud);
    }
    if let Some(q) = mc.quadrants {
        let pct = |v: f64| format!("{:.0} %", v * 100.0);
        let (left, right, top, bottom) = (l + 6.0, l + pw - 6.0, t + 30.0, t + ph - 8.0);
        for (xx, yy, anchor, text) in [
            (
                left,
                bottom,
                "start",
                format!("on time, within budget {}", pct(q.on_time_within_budget)),
            ),
            (
                left,
                top,
                "start",
                format!("on time, over budget {}", pct(q.on_time_over_budget)),
            ),
            (
                right,
                bottom,
                "end",
                format!("late, within budget {}", pct(q.late_within_budget)),
            ),
            (
                right,
                top,
                "end",
                format!("late, over budget {}", pct(q.late_over_budget)),
            ),
        ] {
            s.push_str(&label(xx, yy, anchor, &text, 40, "m"));
        }
    }
    s.push_str("</svg>");
    Some(s)
}

/// The total cost's cumulative distribution with its P50 and P80, the deterministic
/// plan's cost and the budget.
pub fn cost_curve(c: &crate::stats::cost::CostForecast) -> Option<String> {
    let total = c.items.first()?;
    if c.cdf.len() < 2 {
        return None;
    }
    let mut marks: Vec<(f64, String, &str, &str)> = total
        .percentiles
        .iter()
        .filter(|q| [50.0, 80.0].contains(&q.p))
        .map(|q| {
            (
                q.value,
                format!("P{} {}", fmt_p(q.p), short_money(q.value)),
                "m marker",
                MARKER_LINE,
            )
        })
        .collect();
    marks.push((
        total.deterministic,
        format!("plan {}", short_money(total.deterministic)),
        "m plan",
        PLAN_LINE,
    ));
    if let (Some(bud), Some(p)) = (c.budget, c.p_budget) {
        marks.push((
            bud,
            format!("budget {} · {:.0} %", short_money(bud), p * 100.0),
            "m target",
            TARGET_LINE,
        ));
    }
    marks.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (w, l, r, b, ph) = (760.0, 40.0, 24.0, 50.0, 210.0);
    let t = 48.0 + 14.0 * marks.len() as f64;
    let h = t + ph + b;
    let pw = w - l - r;
    let (mut lo, mut hi) = (c.cdf[0].min(total.deterministic), c.cdf[c.cdf.len() - 1]);
    hi = hi.max(total.deterministic);
    if let Some(bud) = c.budget {
        (lo, hi) = (lo.min(bud), hi.max(bud));
    }
    let (lo, hi) = padded(lo, hi, (hi.abs() * 0.02).max(1.0));
    let x = |v: f64| l + (v - lo) / (hi - lo) * pw;
    let y = |p: f64| t + ph - p * ph;
    let mut s = open(w, h, "costcurve");
    let cur = currency_suffix(c);
    s.push_str(&label(
        l,
        22.0,
        "start",
        &format!("Total cost{cur}"),
        60,
        "t",
    ));
    let _ = write!(
        s,
        r##"<line x1="{l}" y1="{0}" x2="{1}" y2="{0}" stroke="#52606d"/>"##,
        t + ph,
        l + pw
    );
    for (v, text) in ticks(lo, hi, pw, 0.0, &|v| short_money(v)) {
        let _ = write!(
            s,
            r##"<line x1="{0:.1}" y1="{1}" x2="{0:.1}" y2="{2}" stroke="#52606d"/>"##,
            x(v),
            t + ph,
            t + ph + 4.0
        );
        s.push_str(&label(x(v), t + ph + 16.0, "middle", &text, 12, "s tick"));
    }
    s.push_str(&label(
        l + pw / 2.0,
        h - 10.0,
        "middle",
        "total cost",
        40,
        "l",
    ));
    for k in 0..=4 {
        let _ = write!(
            s,
            r##"<text x="{:.1}" y="{:.1}" text-anchor="end" class="s">{}%</text>"##,
            l - 5.0,
            y(k as f64 / 4.0) + 3.0,
            k * 25
        );
    }
    let mut d = String::new();
    for (p, &v) in c.cdf.iter().enumerate() {
        let _ = write!(
            d,
            "{}{:.1} {:.1}",
            if p == 0 { "M" } else { " L" },
            x(v),
            y(p as f64 / 100.0)
        );
    }
    let _ = write!(
        s,
        r##"<path d="{d}" fill="none" stroke="#243b53" stroke-width="2"/>"##
    );
    let px: Vec<_> = marks
        .iter()
        .map(|(v, a, b, c)| (x(*v), a.as_str(), *b, *c))
        .collect();
    marks_band(&mut s, &px, 42.0, l + pw, t + ph);
    s.push_str("</svg>");
    Some(s)
}

/// The spend S-curve: the cumulative spend by each period's end, its P10–P90 band, P50
/// and the deterministic plan's, with the budget.
pub fn cash_flow(c: &crate::stats::cost::CostForecast) -> Option<String> {
    let cf = c.cashflow.as_ref()?;
    let ps = &cf.periods;
    if ps.is_empty() {
        return None;
    }
    let (w, h) = (760.0, 330.0);
    let (l, r, t, b) = (64.0, 24.0, 40.0, 58.0);
    let (pw, ph) = (w - l - r, h - t - b);
    let top = ps
        .iter()
        .map(|p| p.p90.max(p.deterministic))
        .fold(c.budget.unwrap_or(0.0), f64::max);
    let (y0, y1) = (0.0, top * 1.05 + 1.0);
    // Periods evenly spaced, the origin (nothing spent) first.
    let step = pw / ps.len() as f64;
    let x = |j: usize| l + step * j as f64;
    let y = |v: f64| t + ph - (v - y0) / (y1 - y0) * ph;
    let mut s = open(w, h, "cashflow");
    let cur = currency_suffix(c);
    s.push_str(&label(
        l,
        22.0,
        "start",
        &format!("Cumulative spend{cur}"),
        60,
        "t",
    ));
    money_axis(&mut s, (y0, y1), (l, t, pw, ph));
    let _ = write!(
        s,
        r##"<line x1="{l}" y1="{0}" x2="{1}" y2="{0}" stroke="#52606d"/>"##,
        t + ph,
        l + pw
    );
    // Period labels: as many as fit, the last always.
    let every = ((60.0 / step).ceil() as usize).max(1);
    for (j, p) in ps.iter().enumerate() {
        // The last period's label always; no other one too close to it.
        let last = j + 1 == ps.len();
        if !last && ((j + 1) % every != 0 || ps.len() - (j + 1) < every) {
            continue;
        }
        let text = if cf.period == "month" {
            p.end.get(..7).unwrap_or(&p.end).to_string()
        } else {
            p.end.clone()
        };
        s.push_str(&label(
            x(j + 1),
            t + ph + 16.0,
            "middle",
            &text,
            10,
            "s tick",
        ));
    }
    s.push_str(&label(
        l + pw / 2.0,
        h - 10.0,
        "middle",
        &format!("end of each {}", cf.period),
        40,
        "l",
    ));
    let line = |v: &dyn Fn(&crate::stats::cost::CashPeriod) -> f64| {
        let mut d = format!("M{:.1} {:.1}", x(0), y(0.0));
        for (j, p) in ps.iter().enumerate() {
            let _ = write!(d, " L{:.1} {:.1}", x(j + 1), y(v(p)));
        }
        d
    };
    // The band: up along P90, back along P10.
    let mut band = line(&|p| p.p90);
    for (j, p) in ps.iter().enumerate().rev() {
        let _ = write!(band, " L{:.1} {:.1}", x(j + 1), y(p.p10));
    }
    band.push_str(" Z");
    let _ = write!(s, r##"<path d="{band}" fill="#bcccdc" opacity=".7"/>"##);
    let _ = write!(
        s,
        r##"<path d="{}" fill="none" stroke="#243b53" stroke-width="2"/>"##,
        line(&|p| p.p50)
    );
    let _ = write!(
        s,
        r##"<path d="{}" fill="none" stroke="#7b8794" stroke-width="1.5" stroke-dasharray="4 3"/>"##,
        line(&|p| p.deterministic)
    );
    if let Some(bud) = c.budget {
        budget_line(&mut s, y(bud), (l, pw), bud);
    }
    // A legend in the top left corner, clear of the curves (which rise to the right).
    let (lx, ly) = (l + 10.0, t + 30.0);
    let _ = write!(
        s,
        r##"<rect x="{lx}" y="{:.1}" width="14" height="8" fill="#bcccdc"/><line x1="{lx}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#243b53" stroke-width="2"/><line x1="{lx}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#7b8794" stroke-width="1.5" stroke-dasharray="4 3"/>"##,
        ly - 8.0,
        ly + 10.0,
        lx + 14.0,
        ly + 10.0,
        ly + 24.0,
        lx + 14.0,
        ly + 24.0
    );
    s.push_str(&label(lx + 20.0, ly, "start", "P10–P90", 20, "s"));
    s.push_str(&label(lx + 20.0, ly + 14.0, "start", "P50", 20, "s"));
    s.push_str(&label(
        lx + 20.0,
        ly + 28.0,
        "start",
        "plan (no risk)",
        20,
        "s",
    ));
    s.push_str("</svg>");
    Some(s)
}

/// One resource's units in use per period: bars the mean over the iterations, a step
/// line their P90, a dashed grey step line the single-point plan, a dashed red line
/// the capacity.
pub fn loading(r: &crate::stats::resources::ResourceForecast) -> Option<String> {
    let lo = r.loading.as_ref()?;
    let ps = &lo.periods;
    if ps.is_empty() {
        return None;
    }
    let (w, h) = (760.0, 250.0);
    let (l, rt, t, b) = (48.0, 24.0, 40.0, 46.0);
    let (pw, ph) = (w - l - rt, h - t - b);
    let top = ps
        .iter()
        .map(|p| p.p90.max(p.plan).max(p.mean))
        .fold(r.capacity, f64::max)
        .max(1.0)
        * 1.15;
    let step = pw / ps.len() as f64;
    let x = |j: usize| l + step * j as f64;
    let y = |v: f64| t + ph - v / top * ph;
    let mut s = open(w, h, "loading");
    let title = match &r.name {
        Some(n) => format!("{} {n}: units in use per {}", r.id, lo.period),
        None => format!("{}: units in use per {}", r.id, lo.period),
    };
    s.push_str(&label(l, 22.0, "start", &title, 90, "t"));
    // Units up the side.
    let unit = nice_step(top, 4).max(if top > 2.0 { 1.0 } else { 0.25 });
    value_grid(&mut s, top, unit, (l, pw), &y);
    let _ = write!(
        s,
        r##"<line x1="{l}" y1="{0}" x2="{1}" y2="{0}" stroke="#52606d"/>"##,
        t + ph,
        l + pw
    );
    // The mean as bars.
    let gap = if step > 4.0 { 1.0 } else { 0.0 };
    for (j, p) in ps.iter().enumerate() {
        if p.mean > 0.0 {
            let _ = write!(
                s,
                r##"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="#9fb3c8"/>"##,
                x(j) + gap / 2.0,
                y(p.mean),
                (step - gap).max(0.5),
                t + ph - y(p.mean)
            );
        }
    }
    let steps = |v: &dyn Fn(&crate::stats::resources::LoadPeriod) -> f64| {
        let mut d = String::new();
        for (j, p) in ps.iter().enumerate() {
            let c = if j == 0 { 'M' } else { 'L' };
            let _ = write!(
                d,
                "{c}{:.1} {:.1} L{:.1} {:.1} ",
                x(j),
                y(v(p)),
                x(j + 1),
                y(v(p))
            );
        }
        d
    };
    let _ = write!(
        s,
        r##"<path d="{}" fill="none" stroke="#7b8794" stroke-width="1.5" stroke-dasharray="4 3"/>"##,
        steps(&|p| p.plan)
    );
    let _ = write!(
        s,
        r##"<path d="{}" fill="none" stroke="#243b53" stroke-width="1.8"/>"##,
        steps(&|p| p.p90)
    );
    budget_like(
        &mut s,
        y(r.capacity),
        (l, pw),
        &format!("capacity {}", num_label(r.capacity)),
    );
    // Period labels: as many as fit, the last always.
    let every = ((70.0 / step).ceil() as usize).max(1);
    for (j, p) in ps.iter().enumerate() {
        let last = j + 1 == ps.len();
        if !last && ((j + 1) % every != 0 || ps.len() - (j + 1) < every) {
            continue;
        }
        let anchor = if last { "end" } else { "middle" };
        s.push_str(&label(
            x(j + 1),
            t + ph + 16.0,
            anchor,
            &p.end,
            10,
            "s tick",
        ));
    }
    s.push_str(&label(
        l + pw / 2.0,
        h - 10.0,
        "middle",
        &format!(
            "end of each {} (the first {} simulated futures)",
            lo.period,
            super::table::group_thousands(lo.iterations as u64)
        ),
        70,
        "l",
    ));
    // The legend, top right.
    let (lx, ly) = (l + pw - 300.0, 22.0);
    let _ = write!(
        s,
        r##"<rect x="{lx}" y="{:.1}" width="14" height="8" fill="#9fb3c8"/><line x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#243b53" stroke-width="1.8"/><line x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#7b8794" stroke-width="1.5" stroke-dasharray="4 3"/>"##,
        ly - 8.0,
        lx + 60.0,
        ly - 4.0,
        lx + 74.0,
        ly - 4.0,
        lx + 120.0,
        ly - 4.0,
        lx + 134.0,
        ly - 4.0
    );
    s.push_str(&label(lx + 18.0, ly, "start", "mean", 10, "s"));
    s.push_str(&label(lx + 78.0, ly, "start", "P90", 10, "s"));
    s.push_str(&label(lx + 138.0, ly, "start", "plan (no risk)", 20, "s"));
    s.push_str("</svg>");
    Some(s)
}

/// Values from 0 to `top` every `unit` up the left edge of a plot, with light grid
/// lines across it.
fn value_grid(s: &mut String, top: f64, unit: f64, (l, pw): (f64, f64), y: &dyn Fn(f64) -> f64) {
    let mut v = 0.0;
    while v <= top + 1e-9 {
        let _ = write!(
            s,
            r##"<line x1="{l}" y1="{0:.1}" x2="{1:.1}" y2="{0:.1}" stroke="#e4e7eb"/>"##,
            y(v),
            l + pw
        );
        s.push_str(&label(l - 6.0, y(v) + 3.5, "end", &num_label(v), 8, "s"));
        v += unit;
    }
}

/// A number of units: whole when it is, else with up to two decimals.
pub fn num_label(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("{v:.0}")
    } else {
        let s = format!("{v:.2}");
        s.trim_end_matches('0').to_string()
    }
}

/// A dashed red line across a plot at `y`, labelled (a budget, a capacity).
fn budget_like(s: &mut String, by: f64, (l, pw): (f64, f64), text: &str) {
    let _ = write!(
        s,
        r##"<line x1="{l}" y1="{by:.1}" x2="{:.1}" y2="{by:.1}" stroke="#c81e1e" stroke-width="2" stroke-dasharray="6 4"/>"##,
        l + pw
    );
    s.push_str(&label(l + 4.0, by - 5.0, "start", text, 30, "m target"));
}

/// Days since 1970-01-01 of an ISO date (the fan chart's coordinates).
fn day_number(iso: &str) -> Option<f64> {
    let d = chrono::NaiveDate::parse_from_str(iso, "%Y-%m-%d").ok()?;
    Some((d - chrono::NaiveDate::default()).num_days() as f64)
}

/// The ISO date of a day number.
fn day_iso(v: f64) -> String {
    (chrono::NaiveDate::default() + chrono::Duration::days(v.round() as i64)).to_string()
}

/// The fan chart of one milestone's recorded forecasts: across, the status date of each
/// recording; up, the forecast date. The P10–P90 band (the cone of uncertainty that
/// should narrow as work is done), P50 and P80, the latest target and, once known, the
/// actual finish.
pub fn fan(s: &crate::history::trend::Series, label_text: &str) -> String {
    let (w, h) = (760.0, 300.0);
    let (l, rt, t, b) = (86.0, 24.0, 46.0, 46.0);
    let (pw, ph) = (w - l - rt, h - t - b);
    let num = |iso: &str| day_number(iso).unwrap_or(0.0);
    let pts: Vec<[f64; 5]> = s
        .points
        .iter()
        .map(|p| {
            [
                num(&p.recorded_at),
                num(&p.p10),
                num(&p.p50),
                num(&p.p80),
                num(&p.p90),
            ]
        })
        .collect();
    let target = s.points.last().and_then(|p| p.target.as_deref()).map(num);
    let actual = s.actual.as_deref().map(num);
    let (x0, x1) = (pts[0][0], pts[pts.len() - 1][0]);
    let (xlo, xhi) = padded(x0, x1, 28.0);
    let ys = pts
        .iter()
        .flat_map(|p| [p[1], p[4]])
        .chain(target)
        .chain(actual);
    let (ymin, ymax) = ys.fold((f64::MAX, f64::MIN), |(a, b), v| (a.min(v), b.max(v)));
    let (ylo, yhi) = padded(ymin, ymax, 14.0);
    let x = |v: f64| l + (v - xlo) / (xhi - xlo) * pw;
    let y = |v: f64| t + ph - (v - ylo) / (yhi - ylo) * ph;
    let date = |v: f64| super::long_date(&day_iso(v));
    let mut out = open(w, h, "fan");
    out.push_str(&label(
        l,
        20.0,
        "start",
        &format!("{label_text}: forecast at each recording"),
        70,
        "t",
    ));
    // Dates up the side, with light grid lines.
    for (v, text) in ticks(ylo, yhi, ph * 3.0, 1.0, &date) {
        let yy = y(v);
        let _ = write!(
            out,
            r##"<line x1="{l}" y1="{yy:.1}" x2="{:.1}" y2="{yy:.1}" stroke="#e4e7eb"/>"##,
            l + pw
        );
        out.push_str(&label(l - 5.0, yy + 3.0, "end", &text, 14, "s tick"));
    }
    // Recording dates along the bottom.
    date_axis(
        &mut out,
        (xlo, xhi),
        (l, t, pw, ph),
        &|v| Some(day_iso(v)),
        h,
        Some("status date of the recording"),
    );
    // The band: a polygon through the P90s forward and the P10s back; a single
    // recording is a short bar.
    let half = if pts.len() == 1 { 5.0 } else { 0.0 };
    let mut d = String::new();
    for (i, p) in pts.iter().enumerate() {
        let c = if i == 0 { 'M' } else { 'L' };
        let _ = write!(d, "{c}{:.1} {:.1} ", x(p[0]) - half, y(p[4]));
        if half > 0.0 {
            let _ = write!(d, "L{:.1} {:.1} ", x(p[0]) + half, y(p[4]));
        }
    }
    for p in pts.iter().rev() {
        if half > 0.0 {
            let _ = write!(d, "L{:.1} {:.1} ", x(p[0]) + half, y(p[1]));
        }
        let _ = write!(d, "L{:.1} {:.1} ", x(p[0]) - half, y(p[1]));
    }
    let _ = write!(out, r##"<path d="{d}Z" fill="#bcccdc" opacity="0.8"/>"##);
    if let Some(tv) = target {
        budget_like(&mut out, y(tv), (l, pw), &format!("target {}", date(tv)));
    }
    if let Some(av) = actual {
        let yy = y(av);
        let _ = write!(
            out,
            r##"<line x1="{l}" y1="{yy:.1}" x2="{:.1}" y2="{yy:.1}" stroke="#0b6e4f" stroke-width="2"/>"##,
            l + pw
        );
        // Its label at the right end, clear of the target's at the left; and the day it
        // finished across, where the cone should have closed.
        out.push_str(&label(
            l + pw - 4.0,
            yy - 5.0,
            "end",
            &format!("actual {}", date(av)),
            30,
            "m marker",
        ));
        if av >= xlo && av <= xhi {
            let xx = x(av);
            let _ = write!(
                out,
                r##"<line x1="{xx:.1}" y1="{t}" x2="{xx:.1}" y2="{:.1}" stroke="#0b6e4f" stroke-width="1" stroke-dasharray="2 3"/>"##,
                t + ph
            );
        }
    }
    let line = |k: usize, style: &str| {
        let mut d = String::new();
        for (i, p) in pts.iter().enumerate() {
            let c = if i == 0 { 'M' } else { 'L' };
            let _ = write!(d, "{c}{:.1} {:.1} ", x(p[0]), y(p[k]));
        }
        let mut dots = String::new();
        for p in &pts {
            let _ = write!(
                dots,
                r##"<circle cx="{:.1}" cy="{:.1}" r="2.6" fill="#243b53"/>"##,
                x(p[0]),
                y(p[k])
            );
        }
        format!(r##"<path d="{d}" fill="none" stroke="#243b53" {style}/>{dots}"##)
    };
    out.push_str(&line(2, r#"stroke-width="1.6""#));
    out.push_str(&line(3, r#"stroke-width="2.2" stroke-dasharray="6 3""#));
    // The legend, top right.
    let (lx, ly) = (l + pw - 330.0, 38.0);
    let _ = write!(
        out,
        r##"<rect x="{lx}" y="{:.1}" width="14" height="8" fill="#bcccdc"/><line x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#243b53" stroke-width="1.6"/><line x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#243b53" stroke-width="2.2" stroke-dasharray="6 3"/>"##,
        ly - 8.0,
        lx + 110.0,
        ly - 4.0,
        lx + 130.0,
        ly - 4.0,
        lx + 170.0,
        ly - 4.0,
        lx + 190.0,
        ly - 4.0
    );
    out.push_str(&label(lx + 18.0, ly, "start", "P10–P90 band", 14, "s"));
    out.push_str(&label(lx + 134.0, ly, "start", "P50", 6, "s"));
    out.push_str(&label(lx + 194.0, ly, "start", "P80", 6, "s"));
    out.push_str("</svg>");
    out
}

/// Where the actuals fell: one bar per band (before P10, P10–P50, P50–P80, P80–P90,
/// after P90), as wide as the band's probability and as high as the share of actuals
/// in it divided by that width, so calibrated forecasts give bars level with the dashed
/// line at 1 (a PIT histogram on the recorded percentiles' bins).
pub fn pit_bars(sc: &crate::history::trend::Score) -> String {
    use crate::history::trend::BANDS;
    let (w, h) = (760.0, 230.0);
    let (l, rt, t, b) = (48.0, 24.0, 40.0, 46.0);
    let (pw, ph) = (w - l - rt, h - t - b);
    let dens: Vec<f64> = BANDS
        .iter()
        .zip(&sc.bands)
        .map(|((_, width), share)| share / width)
        .collect();
    let top = dens.iter().copied().fold(1.0, f64::max) * 1.15;
    let y = |v: f64| t + ph - v / top * ph;
    let mut s = open(w, h, "pit");
    s.push_str(&label(
        l,
        22.0,
        "start",
        &format!(
            "Where {} actuals fell in their forecasts ({} forecasts)",
            sc.group, sc.forecasts
        ),
        90,
        "t",
    ));
    let unit = nice_step(top, 4);
    value_grid(&mut s, top, unit, (l, pw), &y);
    let mut x = l;
    for (((name, width), d), share) in BANDS.iter().zip(&dens).zip(&sc.bands) {
        let bw = width * pw;
        let fill = if name.starts_with("before") || name.starts_with("after") {
            "#c81e1e"
        } else {
            "#9fb3c8"
        };
        let _ = write!(
            s,
            r##"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="{fill}" opacity="0.85"/>"##,
            x + 1.0,
            y(*d),
            (bw - 2.0).max(0.5),
            t + ph - y(*d)
        );
        s.push_str(&label(
            x + bw / 2.0,
            (y(*d) - 4.0).max(t - 2.0),
            "middle",
            &format!("{:.0} %", share * 100.0),
            8,
            "s",
        ));
        s.push_str(&label(
            x + bw / 2.0,
            t + ph + 16.0,
            "middle",
            name,
            14,
            "s tick",
        ));
        x += bw;
    }
    let _ = write!(
        s,
        r##"<line x1="{l}" y1="{0:.1}" x2="{1:.1}" y2="{0:.1}" stroke="#1f2933" stroke-width="1.5" stroke-dasharray="6 4"/>"##,
        y(1.0),
        l + pw
    );
    s.push_str(&label(
        l + pw / 2.0,
        h - 10.0,
        "middle",
        "band of the forecast the actual fell in (width: its probability)",
        80,
        "l",
    ));
    s.push_str("</svg>");
    s
}

/// Most items a cycle-time scatter draws (the most recent finishes).
pub const MAX_SCATTER: usize = 5_000;

/// Cycle-time scatter: across, the day each item finished; up, its cycle time in days;
/// dashed lines at the percentiles, the SLE's in red. At most [`MAX_SCATTER`] dots, the
/// most recent.
pub fn cycle_scatter(c: &crate::history::cycletime::CycleTime) -> String {
    let (w, h) = (760.0, 320.0);
    let (l, rt, t, b) = (56.0, 96.0, 40.0, 46.0);
    let (pw, ph) = (w - l - rt, h - t - b);
    let from = c.finished.len().saturating_sub(MAX_SCATTER);
    let pts = &c.finished[from..];
    let day = |d: chrono::NaiveDate| (d - chrono::NaiveDate::default()).num_days() as f64;
    let (x0, x1) = (day(pts[0].done), day(pts[pts.len() - 1].done));
    let (xlo, xhi) = padded(x0, x1, 14.0);
    let top = pts.iter().map(|p| p.days).max().unwrap_or(1).max(1) as f64;
    let unit = nice_step(top, 5);
    let ytop = (top / unit).ceil() * unit;
    let x = |v: f64| l + (v - xlo) / (xhi - xlo) * pw;
    let y = |v: f64| t + ph - v / ytop * ph;
    let mut out = open(w, h, "scatter");
    out.push_str(&label(
        l,
        20.0,
        "start",
        "Cycle time of each finished item (calendar days, start and finish included)",
        90,
        "t",
    ));
    value_grid(&mut out, ytop, unit, (l, pw), &y);
    date_axis(
        &mut out,
        (xlo, xhi),
        (l, t, pw, ph),
        &|v| Some(day_iso(v)),
        h,
        Some("day the item finished"),
    );
    for p in pts {
        let _ = write!(
            out,
            r##"<circle cx="{:.1}" cy="{:.1}" r="3" fill="#486581" fill-opacity="0.55"><title>{}: {} days</title></circle>"##,
            x(day(p.done)),
            y(p.days as f64),
            esc(&p.id),
            p.days
        );
    }
    // Percentile lines, labelled at the right; labels pushed apart when close.
    let mut last_y = f64::MAX;
    for lv in &c.levels {
        let yy = y(lv.days as f64);
        let sle = lv.level == c.sle.level;
        let colour = if sle { "#c81e1e" } else { "#7b8794" };
        let _ = write!(
            out,
            r##"<line x1="{l}" y1="{yy:.1}" x2="{:.1}" y2="{yy:.1}" stroke="{colour}" stroke-width="{}" stroke-dasharray="6 4"/>"##,
            l + pw,
            if sle { 2 } else { 1 }
        );
        let ly = (yy + 3.5).min(last_y - 12.0);
        last_y = ly;
        out.push_str(&label(
            l + pw + 6.0,
            ly,
            "start",
            &format!(
                "{}{} % {} d",
                if sle { "SLE " } else { "" },
                crate::stats::round4(lv.level),
                lv.days
            ),
            16,
            if sle { "m target" } else { "s" },
        ));
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_and_cutting() {
        assert_eq!(
            esc("<script>alert('x')</script> & \""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;"
        );
        let l = label(0.0, 0.0, "start", "a very long task name indeed", 10, "l");
        assert!(l.contains("<title>a very long task name indeed</title>a very lo…"));
    }

    #[test]
    fn ticks_never_overlap() {
        let fmt = |v: f64| format!("2027-01-{:02}", (v as i64).rem_euclid(28) + 1);
        for width in [120.0, 300.0, 650.0] {
            let t = ticks(0.0, 400.0, width, 1.0, &fmt);
            assert!(t.len() >= 2);
            let step_px = width * (t[1].0 - t[0].0) / 400.0;
            assert!(step_px >= text_width("2027-01-01", 10.0), "width {width}");
        }
    }

    #[test]
    fn short_amounts() {
        assert_eq!(short_money(850_000.0), "850k");
        assert_eq!(short_money(1_250_000.0), "1.25M");
        assert_eq!(short_money(-3_400_000_000.0), "-3.4bn");
        assert_eq!(short_money(12.5), "12.5");
        assert_eq!(short_money(0.0), "0");
    }
}
