#![no_main]
//! Fuzz target: calibration and throughput histories, tracker exports, and forecast
//! records.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(rows) = slipcast::history::calibrate::parse(data, "history.csv") {
        let _ = slipcast::history::calibrate::metrics(&rows);
        if let Ok(c) = slipcast::history::calibrate::fit(&rows) {
            let _ = slipcast::history::calibrate::corrected_quantile(&rows[0].estimate, &c, 0.9);
        }
    }
    if let Ok(h) = slipcast::history::throughput::parse(data, "throughput.csv") {
        let _ = slipcast::history::throughput::forecast_weeks(&h, 4, 26, 50, 1);
        let _ = slipcast::history::throughput::forecast_items(&h, 20.0, 26, None, 20, 1);
        // Exports carry arrivals: growth, split and features over them.
        let req = slipcast::history::throughput::ThroughputRequest {
            items: Some(20.0),
            iterations: 20,
            seed: 1,
            growth: h.arrivals.is_some(),
            split: Some((1.0, 1.5)),
            horizon: 50,
            ..Default::default()
        };
        let _ = slipcast::history::throughput::report(&h, &req);
    }
    if let Ok(Some(items)) = slipcast::plan::workitems::parse(data, "export.csv")
        && let Ok(kept) = items.select(&Default::default())
    {
        use slipcast::history::throughput as tp;
        if let Ok(h) = tp::from_items(&items, &kept, None)
            && let Some(first) = h.first_week
        {
            // Features by parent, forecast and backtested.
            let tracks = tp::tracks(&kept, first);
            let req = tp::ThroughputRequest {
                iterations: 20,
                seed: 1,
                window: 2,
                backtest: true,
                horizon: 50,
                wip: 2,
                features: tp::open_features(&tracks),
                tracks,
                ..Default::default()
            };
            let _ = tp::report(&h, &req);
        }
    }
    // A forecast record scored against itself read as actuals.
    use slipcast::history::trend;
    if let Ok(rows) = trend::parse_record(data, "forecasts.csv") {
        let actuals = trend::parse_actuals(data, "actuals.csv").unwrap_or_default();
        if let Ok(t) = trend::trend(&rows, &actuals, &trend::TrendRequest::default()) {
            let _ = slipcast::report::trend::trend_html(&t, "forecasts.csv");
        }
    }
});
