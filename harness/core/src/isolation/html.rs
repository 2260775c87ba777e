//! A self-contained HTML page for a checked transactional history: the verdict for every model,
//! each cycle drawn as a ring of transactions with its edges named and coloured by kind, and
//! every witness explained in words. Nothing is fetched, so the page opens from a file anywhere.

use super::explain::{describe, explain, summary};
use super::graph::{PROCESS, REALTIME, RW, WR, WW, kind_name};
use super::txn::TxnHistory;
use super::{Analysis, Anomaly, Model};
use crate::linearizability::html::escape;
use std::fmt::Write as _;

fn colour(kind: u8) -> &'static str {
    match kind {
        WW => "#1f5fbf",
        WR => "#1e7b34",
        RW => "#b3261e",
        PROCESS => "#7446c9",
        _ => "#9a6700",
    }
}

/// One cycle as an SVG ring: transaction `i` at angle `i / k` of a turn, each edge a curve
/// bowed outwards (so the two edges of a 2-cycle do not overlap) with its kind at its middle.
fn ring(analysis: &Analysis, h: &TxnHistory, nodes: &[u32], kinds: &[u8]) -> String {
    let k = nodes.len();
    let radius = (k as f64 * 34.0).max(90.0);
    let size = 2.0 * radius + 160.0;
    let centre = size / 2.0;
    let at = |i: usize| {
        let a = std::f64::consts::TAU * i as f64 / k as f64 - std::f64::consts::FRAC_PI_2;
        (centre + radius * a.cos(), centre + radius * a.sin())
    };
    let mut svg = format!(
        r#"<svg width="{size:.0}" height="{size:.0}" viewBox="0 0 {size:.0} {size:.0}" role="img">"#
    );
    for (i, &kind) in kinds.iter().enumerate() {
        let ((x1, y1), (x2, y2)) = (at(i), at((i + 1) % k));
        let (dx, dy) = (x2 - x1, y2 - y1);
        let length = (dx * dx + dy * dy).sqrt().max(1.0);
        // Bow away from the ring's centre (for a 2-cycle, whose chord passes through it, to
        // the left of the direction of travel).
        let (mx, my) = ((x1 + x2) / 2.0, (y1 + y2) / 2.0);
        let (ox, oy) = (mx - centre, my - centre);
        let norm = (ox * ox + oy * oy).sqrt();
        let (bx, by) =
            if norm < 1.0 { (dy / length, -dx / length) } else { (ox / norm, oy / norm) };
        let bow = 0.25 * length + 10.0;
        let (cx, cy) = (mx + bx * bow, my + by * bow);
        // Leave and enter the circles towards the control point, so arrows meet their rims.
        let rim = |x: f64, y: f64| {
            let (ux, uy) = (cx - x, cy - y);
            let n = (ux * ux + uy * uy).sqrt().max(1.0);
            (x + ux / n * 24.0, y + uy / n * 24.0)
        };
        let ((sx, sy), (ex, ey)) = (rim(x1, y1), rim(x2, y2));
        // The arrowhead, drawn as a triangle along the curve's last tangent (markers render
        // unevenly across viewers).
        let (tx, ty) = (ex - cx, ey - cy);
        let tn = (tx * tx + ty * ty).sqrt().max(1.0);
        let (tx, ty) = (tx / tn, ty / tn);
        let (base_x, base_y) = (ex - tx * 11.0, ey - ty * 11.0);
        let (lx1, ly1, lx2, ly2) =
            (base_x - ty * 5.0, base_y + tx * 5.0, base_x + ty * 5.0, base_y - tx * 5.0);
        let _ = write!(
            svg,
            r#"<path d="M{sx:.1},{sy:.1} Q{cx:.1},{cy:.1} {ex:.1},{ey:.1}" fill="none" stroke="{c}" stroke-width="2"/><polygon points="{ex:.1},{ey:.1} {lx1:.1},{ly1:.1} {lx2:.1},{ly2:.1}" fill="{c}"/><text x="{lx:.1}" y="{ly:.1}" fill="{c}" class="edge">{name}</text>"#,
            c = colour(kind),
            name = kind_name(kind),
            lx = mx + bx * (bow * 0.5 + 12.0),
            ly = my + by * (bow * 0.5 + 12.0) + 4.0,
        );
    }
    for (i, &n) in nodes.iter().enumerate() {
        let (x, y) = at(i);
        let _ = write!(
            svg,
            r#"<g class="txn"><title>{title}</title><circle cx="{x:.1}" cy="{y:.1}" r="22"/><text x="{x:.1}" y="{ty:.1}">T{n1}</text></g>"#,
            title = escape(&describe(h, analysis.op_of(n))),
            ty = y + 5.0,
            n1 = i + 1,
        );
    }
    svg.push_str("</svg>");
    svg
}

/// The page for one history.
pub fn page(analysis: &Analysis, h: &TxnHistory, title: &str) -> String {
    let mut verdicts = String::new();
    for m in Model::ALL {
        let (class, word) =
            if analysis.violates(m) { ("bad", "violated") } else { ("good", "holds") };
        let _ =
            write!(verdicts, r#"<tr><td>{}</td><td class="{class}">{word}</td></tr>"#, m.name());
    }
    let mut drawings = String::new();
    for a in &analysis.anomalies {
        if let Anomaly::Cycle { cycle, .. } = a {
            let _ = write!(
                drawings,
                r#"<figure><figcaption>{}</figcaption>{}</figure>"#,
                escape(&a.kind().name()),
                ring(analysis, h, &cycle.nodes, &cycle.kinds)
            );
        }
    }
    let bad = !analysis.weakest_violated().is_empty();
    let text = explain(analysis, h);
    format!(
        r##"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title_e}</title>
<style>
body {{ font: 14px/1.4 system-ui, sans-serif; margin: 16px 20px; color: #1d232a; background: #fff; }}
h1 {{ font-size: 20px; margin: 0 0 6px; overflow-wrap: anywhere; }}
.bad {{ color: #b3261e; font-weight: bold; }} .good {{ color: #1e7b34; }}
pre {{ background: #f6f7f9; border: 1px solid #dde1e6; padding: 10px 12px; white-space: pre-wrap; }}
table {{ border-collapse: collapse; margin: 8px 0; }} td {{ padding: 2px 12px 2px 0; }}
figure {{ display: inline-block; margin: 8px 16px 8px 0; border: 1px solid #dde1e6; }}
figcaption {{ font-weight: bold; padding: 4px 8px; border-bottom: 1px solid #dde1e6; }}
.txn circle {{ fill: #f4f6f8; stroke: #39424d; stroke-width: 1.5; }}
.txn text {{ font: bold 13px ui-monospace, monospace; text-anchor: middle; fill: #1d232a; }}
.txn:hover circle {{ stroke-width: 3; }}
text.edge {{ font: bold 12px ui-monospace, monospace; text-anchor: middle; }}
</style>
</head>
<body>
<h1>{title_e}: <span class="{verdict_class}">{summary_e}</span></h1>
<table>{verdicts}</table>
<div>Edges: <b style="color:{ww}">ww</b> the second wrote the next version; <b style="color:{wr}">wr</b> the second read the first's write; <b style="color:{rw}">rw</b> the first read a version the second overwrote; <b style="color:{pr}">process</b> one client ran both; <b style="color:{rt}">realtime</b> the first completed before the second began. Point at a transaction to read it.</div>
{drawings}
<pre>{text_e}</pre>
</body>
</html>
"##,
        title_e = escape(title),
        verdict_class = if bad { "bad" } else { "good" },
        summary_e = escape(&summary(analysis, h)),
        ww = colour(WW),
        wr = colour(WR),
        rw = colour(RW),
        pr = colour(PROCESS),
        rt = colour(REALTIME),
        text_e = escape(if text.is_empty() { "No anomaly found." } else { &text }),
    )
}
