//! The one table `scripts/bench` prints (and writes to `target/bench/report.md`).

use std::fmt::Write as _;

/// One measured line.
pub struct Row {
    pub section: &'static str,
    pub what: String,
    /// Median p50 latency, µs.
    pub p50: Option<f64>,
    /// Median p99 latency, µs.
    pub p99: Option<f64>,
    /// Median operations per second.
    pub rate: Option<f64>,
    pub note: String,
}

/// One target of issue #6 and how this run did against it.
pub struct Target {
    pub what: &'static str,
    pub goal: String,
    pub measured: String,
    pub met: bool,
}

#[derive(Default)]
pub struct Report {
    pub header: Vec<String>,
    pub rows: Vec<Row>,
    pub targets: Vec<Target>,
    pub notes: Vec<String>,
}

impl Report {
    pub fn row(
        &mut self,
        section: &'static str,
        what: impl Into<String>,
        p50: Option<f64>,
        p99: Option<f64>,
        rate: Option<f64>,
        note: impl Into<String>,
    ) {
        let row = Row {
            section,
            what: what.into(),
            p50,
            p99,
            rate,
            note: note.into(),
        };
        eprintln!(
            "  {:<58} p50 {:>10}  p99 {:>10}  {:>12}/s  {}",
            row.what,
            opt_us(row.p50),
            opt_us(row.p99),
            row.rate.map_or("-".into(), self::rate),
            row.note
        );
        self.rows.push(row);
    }

    pub fn target(
        &mut self,
        what: &'static str,
        goal: impl Into<String>,
        measured: String,
        met: bool,
    ) {
        let goal = goal.into();
        eprintln!(
            "  target {what}: {goal}; measured {measured} -> {}",
            if met { "met" } else { "MISSED" }
        );
        self.targets.push(Target {
            what,
            goal,
            measured,
            met,
        });
    }

    pub fn note(&mut self, note: impl Into<String>) {
        let note = note.into();
        eprintln!("  note: {note}");
        self.notes.push(note);
    }

    pub fn markdown(&self) -> String {
        let mut out = String::new();
        for line in &self.header {
            let _ = writeln!(out, "{line}");
        }
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "| # | measurement | p50 | p99 | per second | notes |\n|---|---|---:|---:|---:|---|"
        );
        for r in &self.rows {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} |",
                r.section,
                r.what,
                opt_us(r.p50),
                opt_us(r.p99),
                r.rate.map_or("".into(), rate),
                r.note
            );
        }
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "| target | goal | measured (same run) | met |\n|---|---|---|---|"
        );
        for t in &self.targets {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                t.what,
                t.goal,
                t.measured,
                if t.met { "yes" } else { "**no**" }
            );
        }
        if !self.notes.is_empty() {
            let _ = writeln!(out);
            for n in &self.notes {
                let _ = writeln!(out, "- {n}");
            }
        }
        out
    }
}

/// A duration in µs, shown in ns, µs, ms or s.
pub fn us(v: f64) -> String {
    if v.is_nan() {
        "n/a".into()
    } else if v < 1.0 {
        format!("{:.0} ns", v * 1000.0)
    } else if v < 100.0 {
        format!("{v:.1} µs")
    } else if v < 1000.0 {
        format!("{v:.0} µs")
    } else if v < 1_000_000.0 {
        format!("{:.2} ms", v / 1000.0)
    } else {
        format!("{:.2} s", v / 1_000_000.0)
    }
}

fn opt_us(v: Option<f64>) -> String {
    v.map_or(String::new(), us)
}

/// A rate, with thousands separated.
pub fn rate(v: f64) -> String {
    if v.is_nan() {
        return "n/a".into();
    }
    if v < 100.0 {
        return format!("{v:.1}");
    }
    let digits = format!("{:.0}", v);
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A ratio, e.g. `1.23x`.
pub fn x(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0}x")
    } else if v >= 10.0 {
        format!("{v:.1}x")
    } else {
        format!("{v:.2}x")
    }
}

/// KiB as MiB.
pub fn mib(kib: f64) -> String {
    format!("{:.2} MiB", kib / 1024.0)
}
