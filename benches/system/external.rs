//! Sections 3 and 4: what integrators use today. curl per lookup (a process per call, as a
//! `System()`/`SHELL()` dialplan does) and Python in a warm process.

use crate::report::{x, Report};
use crate::stats::{ratio, Sample, Series};
use crate::util::{self, timed_threads, NUMBER};
use crate::Plan;
use cbstatus_sim::Simulator;
use std::time::Duration;

pub fn section(report: &mut Report, plan: &Plan, sim: &Simulator) {
    let endpoint = format!("{}/callback_status", sim.organization_url());
    let payload = format!("{{\"contact_number\":\"{NUMBER}\"}}");
    // One client per thread count (see section 1).
    let client = util::client(&sim.organization_url(), util::NO_CACHE);
    let client16 = util::client(&sim.organization_url(), util::NO_CACHE);

    eprintln!("[3] curl per lookup");
    let curl_once = || {
        let out = util::command("curl")
            .args([
                "-sS",
                "--max-time",
                "5",
                "-X",
                "POST",
                "-H",
                "Content-Type: application/json",
                "-H",
                "Accept: application/json",
                "--data-binary",
                &payload,
                &endpoint,
            ])
            .output()
            .expect("run curl (is it installed?)");
        assert!(
            out.status.success() && out.stdout.starts_with(b"{\"data\":[{"),
            "curl failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    curl_once();
    let (mut curl1, mut curl16) = (Series::default(), Series::default());
    let (mut lib1, mut lib16) = (Series::default(), Series::default());
    for _ in 0..plan.reps {
        curl1.push(&timed_threads(
            1,
            plan.curl_calls,
            |_| (),
            |_, _| curl_once(),
        ));
        curl16.push(&timed_threads(
            16,
            plan.curl_calls.div_ceil(4),
            |_| (),
            |_, _| curl_once(),
        ));
        // The library again, right next to it (same noise).
        lib1.push(&crate::inproc::lookups(&client, 1, plan.single / 4));
        lib16.push(&crate::inproc::lookups(&client16, 16, plan.multi / 4));
    }
    report.row(
        "3",
        "curl per lookup, 1 at a time (process per call)",
        Some(curl1.p50()),
        Some(curl1.p99()),
        Some(curl1.rate()),
        "",
    );
    report.row(
        "3",
        "curl per lookup, 16 at a time",
        Some(curl16.p50()),
        Some(curl16.p99()),
        Some(curl16.rate()),
        "",
    );
    let t1 = ratio(&lib1.rate, &curl1.rate);
    let t16 = ratio(&lib16.rate, &curl16.rate);
    report.target(
        "throughput vs curl per lookup",
        "at least 20x",
        format!(
            "{} on 1 thread, {} on 16 threads (library re-measured in the same repetitions)",
            x(t1),
            x(t16)
        ),
        t1 >= 20.0 && t16 >= 20.0,
    );

    eprintln!("[4] Python in a warm process");
    let Some(python) = util::python() else {
        report.note("python3 not found: section 4 skipped");
        return;
    };
    let script = util::root().join("benches/system/py_lookup.py");
    let run = |threads: usize, per_thread: usize, mode: &str| -> Sample {
        let out = util::command(&python)
            .arg(&script)
            .args([
                &endpoint,
                NUMBER,
                &threads.to_string(),
                &per_thread.to_string(),
                mode,
            ])
            .output()
            .expect("run python3");
        assert!(
            out.status.success(),
            "py_lookup.py failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("py_lookup JSON");
        let lat = v["lat_ns"]
            .as_array()
            .expect("lat_ns")
            .iter()
            .map(|n| n.as_u64().unwrap_or(0))
            .collect();
        Sample::new(
            lat,
            Duration::from_nanos(v["wall_ns"].as_u64().expect("wall_ns")),
        )
    };
    let (mut py1, mut py16, mut url1) = (Series::default(), Series::default(), Series::default());
    let (mut lib1, mut lib16) = (Series::default(), Series::default());
    let n1 = plan.python_calls;
    let n16 = (plan.python_calls / 16).max(1);
    for _ in 0..plan.reps {
        py1.push(&run(1, n1, "keepalive"));
        py16.push(&run(16, n16, "keepalive"));
        url1.push(&run(1, n1 / 4, "urllib"));
        lib1.push(&crate::inproc::lookups(&client, 1, plan.single / 2));
        lib16.push(&crate::inproc::lookups(&client16, 16, plan.multi / 2));
    }
    let version = util::command(&python)
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    report.row(
        "4",
        "Python warm, 1 thread: http.client.HTTPConnection reused",
        Some(py1.p50()),
        Some(py1.p99()),
        Some(py1.rate()),
        format!("{version}; keep-alive, json.loads of the reply"),
    );
    report.row(
        "4",
        "Python warm, 16 threads: one HTTPConnection each",
        Some(py16.p50()),
        Some(py16.p99()),
        Some(py16.rate()),
        "the GIL serialises them",
    );
    report.row(
        "4",
        "Python warm, 1 thread: urllib.request.urlopen per lookup",
        Some(url1.p50()),
        Some(url1.p99()),
        Some(url1.rate()),
        "new connection per lookup (urllib closes it)",
    );
    let p1 = ratio(&lib1.rate, &py1.rate);
    let p16 = ratio(&lib16.rate, &py16.rate);
    report.target(
        "throughput vs Python in a warm process",
        "at least 3x (vs http.client keep-alive)",
        format!(
            "{} on 1 thread, {} on 16 threads; latency p50 {} lower",
            x(p1),
            x(p16),
            x(ratio(&py1.p50, &lib1.p50))
        ),
        p1 >= 3.0 && p16 >= 3.0,
    );
}
