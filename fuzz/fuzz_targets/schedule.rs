#![no_main]
//! Fuzz target: schedule import (MSPDI XML, MPX, XER, P6 XML), detected by content, then
//! written as a plan and compiled.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = slipcast::import::read_bytes(data, "schedule") {
        let dir = std::env::temp_dir().join(format!("slipcast-fuzz-{}", std::process::id()));
        if let Ok(w) = slipcast::import::write_plan(&s, &dir, &slipcast::import::ImportOptions::default()) {
            let _ = slipcast::import::fidelity(&s, &w);
        }
    }
});
