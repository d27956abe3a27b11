#![no_main]
//! Fuzz target: calibration and throughput histories, and forecast records.

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
