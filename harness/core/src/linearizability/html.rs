//! A self-contained HTML page that draws a checked history: one row per client, each operation a
//! bar from its invocation to its completion, the operations of the longest prefix found numbered
//! in their order, and the operations that cannot follow it in red. Styles and script are inline
//! and nothing is fetched, so the page opens from a file anywhere.

use super::evidence::describe_op;
use super::model::Model;
use super::{Answer, Guarantee, Violation};
use crate::history::{History, Outcome, ProcessId};
use crate::time::Time;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// Escapes text for HTML element content and attribute values.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const ROW: f64 = 26.0;
const BAR: f64 = 18.0;
const AXIS: f64 = 30.0;
const LABELS: f64 = 110.0;
const STEP: f64 = 20.0;
const CHAR: f64 = 6.6;
const CALLOUT_CHAR: f64 = 7.4;

/// How an operation is drawn.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    /// In the prefix found, at this position.
    Prefix(usize),
    /// Cannot follow the prefix.
    Stuck,
    /// Neither (or the history is consistent).
    Other,
}

/// The page for `history` as judged by `answer`. For a violation on one key, only that key's
/// operations are drawn.
pub fn page<M: Model>(
    model: &M,
    history: &History<M::Input, M::Output>,
    answer: &Answer,
    title: &str,
) -> String {
    let violation: Option<&Violation> = match answer {
        Answer::Violated(v) => Some(v),
        _ => None,
    };
    let shown: Vec<usize> = (0..history.ops.len())
        .filter(|&i| match violation.and_then(|v| v.part.as_ref()) {
            Some(part) => model.partition(&history.ops[i].input).as_ref() == Some(part),
            None => true,
        })
        .collect();
    let mut role: BTreeMap<usize, Role> = BTreeMap::new();
    if let Some(v) = violation {
        for (n, &i) in v.prefix.iter().enumerate() {
            role.insert(i, Role::Prefix(n + 1));
        }
        for &i in &v.stuck {
            role.insert(i, Role::Stuck);
        }
    }

    // Times map to columns by rank, so long idle stretches do not squeeze the bars.
    let mut times: BTreeSet<Time> = BTreeSet::new();
    for &i in &shown {
        let op = &history.ops[i];
        times.insert(op.invoked);
        if let Some(t) = op.ended() {
            times.insert(t);
        }
    }
    let column: BTreeMap<Time, usize> = times.iter().enumerate().map(|(c, t)| (*t, c)).collect();
    let columns = times.len().max(1);
    // Room on the right for the label beside an offending operation.
    let width = (columns as f64 + 2.0) * STEP + 180.0;
    let x = |t: Time| (column[&t] as f64 + 0.5) * STEP;
    let right_end = width - 4.0;

    let processes: Vec<ProcessId> = {
        let mut ps: Vec<ProcessId> = shown.iter().map(|&i| history.ops[i].process).collect();
        ps.sort_unstable();
        ps.dedup();
        ps
    };
    let row_of: BTreeMap<ProcessId, usize> =
        processes.iter().enumerate().map(|(r, p)| (*p, r)).collect();
    let height = processes.len() as f64 * ROW + 6.0;
    let deadline = violation.and_then(|v| v.deadline(history)).map(x);

    // The time axis, a tick and a label every hundred pixels or so; it stays on top as the chart
    // scrolls.
    let every = (110.0 / STEP).ceil() as usize;
    let mut axis = String::new();
    let _ = write!(
        axis,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0}" height="{AXIS}">"#
    );
    let mut lanes = String::new();
    let _ = write!(
        lanes,
        r#"<svg id="timeline" xmlns="http://www.w3.org/2000/svg" width="{width:.0}" height="{height:.0}">"#
    );
    for r in 0..processes.len() {
        let y = r as f64 * ROW;
        let class = if r % 2 == 0 { "lane even" } else { "lane" };
        let _ = write!(
            lanes,
            r#"<rect class="{class}" x="0" y="{y:.1}" width="{width:.0}" height="{ROW}"/>"#
        );
    }
    for (c, t) in times.iter().enumerate().step_by(every) {
        let tx = (c as f64 + 0.5) * STEP;
        let _ = write!(
            axis,
            r#"<line class="tick" x1="{tx:.1}" y1="20" x2="{tx:.1}" y2="{AXIS}"/><text class="axis" x="{lx:.1}" y="14">{}</text>"#,
            escape(&history.timeline.show(*t)),
            lx = tx + 3.0,
        );
        let _ = write!(
            lanes,
            r#"<line class="tick" x1="{tx:.1}" y1="0" x2="{tx:.1}" y2="{height:.0}"/>"#
        );
    }
    if let Some(dx) = deadline {
        let _ = write!(
            axis,
            r#"<line class="deadline" x1="{dx:.1}" y1="16" x2="{dx:.1}" y2="{AXIS}"/><text class="deadline-label" x="{lx:.1}" y="27">no order fits past here</text>"#,
            lx = dx + 5.0
        );
        let _ = write!(
            lanes,
            r#"<line class="deadline" x1="{dx:.1}" y1="0" x2="{dx:.1}" y2="{height:.0}"/>"#
        );
    }
    axis.push_str("</svg>");

    let first_stuck = violation.and_then(|v| v.stuck.first().copied());
    // Only real time makes one operation the one that had to come next.
    let had_to = violation.is_some_and(|v| v.guarantee == Guarantee::Linearizability);
    let mut stuck_processes: BTreeSet<ProcessId> = BTreeSet::new();
    let mut callouts = String::new();
    let mut details: Vec<String> = Vec::with_capacity(shown.len());
    for &i in &shown {
        let op = &history.ops[i];
        let r = row_of[&op.process];
        let y = r as f64 * ROW + (ROW - BAR) / 2.0;
        let x0 = x(op.invoked) - STEP * 0.35;
        let (x1, open) = match op.ended() {
            Some(t) if !matches!(op.outcome, Outcome::Info(_)) => (x(t) + STEP * 0.35, false),
            _ => (right_end, true),
        };
        let w = (x1 - x0).max(4.0);
        let role = role.get(&i).copied().unwrap_or(Role::Other);
        let mut class = String::from(match op.outcome {
            Outcome::Ok(..) => "op ok",
            Outcome::Fail(_) => "op fail",
            Outcome::Info(_) => "op info",
        });
        match role {
            Role::Prefix(_) => class.push_str(" prefix"),
            Role::Stuck => class.push_str(" stuck"),
            Role::Other => {}
        }
        let what = model.describe(&op.input, op.outcome.output());
        let note = match role {
            Role::Prefix(n) => format!(": #{n} in the longest prefix found"),
            Role::Stuck if first_stuck == Some(i) && had_to => {
                ": cannot take effect after the prefix, and had to come next".to_string()
            }
            Role::Stuck => ": cannot take effect after the prefix".to_string(),
            Role::Other => String::new(),
        };
        let detail = format!("{}{note}", describe_op(model, history, op));
        let id = if first_stuck == Some(i) { r#" id="first-stuck""# } else { "" };
        let _ = write!(
            lanes,
            r#"<g class="{class}"{id} data-i="{d}"><title>{t}</title><rect x="{x0:.1}" y="{y:.1}" width="{w:.1}" height="{BAR}" rx="3"/>"#,
            d = details.len(),
            t = escape(&detail),
        );
        details.push(detail);
        // The label: the description, or for a prefix operation its number first; cut to fit.
        let fits = ((w - 6.0) / CHAR).floor().max(0.0) as usize;
        let text = match role {
            Role::Prefix(n) => {
                let full = format!("{n}: {what}");
                if full.chars().count() <= fits {
                    full
                } else if n.to_string().len() <= fits {
                    n.to_string()
                } else {
                    String::new()
                }
            }
            _ if what.chars().count() <= fits => what.clone(),
            _ if fits >= 4 => {
                let mut t: String = what.chars().take(fits - 1).collect();
                t.push('…');
                t
            }
            _ => String::new(),
        };
        if !text.is_empty() {
            let _ = write!(
                lanes,
                r#"<text x="{tx:.1}" y="{ty:.1}">{}</text>"#,
                escape(&text),
                tx = x0 + 3.0,
                ty = y + 13.0
            );
        }
        if open {
            let _ = write!(
                lanes,
                r#"<text class="open" x="{tx:.1}" y="{ty:.1}">?</text>"#,
                tx = right_end - 9.0,
                ty = y + 13.0
            );
        }
        lanes.push_str("</g>");
        // An offending operation always shows what it did, beside its bar, on top of the rest.
        if role == Role::Stuck {
            stuck_processes.insert(op.process);
            // On an opaque box, so it stays legible over the row's later bars.
            let label = format!("✗ {what}");
            let _ = write!(
                callouts,
                r#"<rect class="callout-box" x="{bx:.1}" y="{by:.1}" width="{bw:.1}" height="{bh:.1}" rx="3"/><text class="callout" x="{tx:.1}" y="{ty:.1}">{}</text>"#,
                escape(&label),
                bx = x1 + 4.0,
                by = y - 2.0,
                bw = label.chars().count() as f64 * CALLOUT_CHAR + 10.0,
                bh = BAR + 4.0,
                tx = x1 + 9.0,
                ty = y + 13.5
            );
        }
    }
    lanes.push_str(&callouts);
    lanes.push_str("</svg>");

    let mut labels = String::new();
    let _ = write!(
        labels,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{LABELS}" height="{height:.0}">"#
    );
    for (r, p) in processes.iter().enumerate() {
        let y = r as f64 * ROW + ROW / 2.0 + 4.0;
        let class = if stuck_processes.contains(p) { "process stuck-row" } else { "process" };
        let _ = write!(
            labels,
            r#"<text class="{class}" x="{lx}" y="{y:.1}">process {p}</text>"#,
            lx = LABELS - 8.0
        );
    }
    labels.push_str("</svg>");

    let (verdict, evidence_lines, scope) = match answer {
        Answer::Holds => ("consistent".to_string(), Vec::new(), "all operations".to_string()),
        Answer::Unknown(e) => {
            ("unknown".to_string(), vec![e.to_string()], "all operations".to_string())
        }
        Answer::Violated(v) => (
            format!("not {}", v.guarantee.adjective()),
            v.lines(model, history),
            match &v.part {
                Some(k) => format!("key {k:?} only (every other key is fine)"),
                None => "all operations".to_string(),
            },
        ),
    };
    let evidence: String = evidence_lines.iter().map(|l| escape(l)).collect::<Vec<_>>().join("\n");
    // `<` escaped, so no string can close the script element early.
    let details_json =
        serde_json::to_string(&details).expect("strings serialize").replace('<', "\\u003c");
    let verdict_class = if answer.holds() { "good" } else { "bad" };
    format!(
        r##"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title_e}: {verdict}</title>
<style>
body {{ font: 14px/1.4 system-ui, sans-serif; margin: 16px 20px; color: #1d232a; background: #fff; }}
h1 {{ font-size: 20px; margin: 0 0 6px; overflow-wrap: anywhere; }}
h1 .bad {{ color: #b3261e; }} h1 .good {{ color: #1e7b34; }}
pre {{ background: #f6f7f9; border: 1px solid #dde1e6; padding: 10px 12px; white-space: pre-wrap; margin: 8px 0; }}
.legend span {{ display: inline-block; margin-right: 16px; }}
.swatch {{ display: inline-block; width: 26px; height: 12px; border-radius: 3px; vertical-align: -1px; margin-right: 5px; }}
.chart {{ border: 1px solid #dde1e6; margin-top: 8px; overflow: auto; max-height: 72vh; }}
.grid {{ display: grid; grid-template-columns: {LABELS}px max-content; width: max-content; }}
.corner {{ position: sticky; top: 0; left: 0; z-index: 3; background: #fff; border-bottom: 1px solid #dde1e6; border-right: 1px solid #dde1e6; }}
.axis-row {{ position: sticky; top: 0; z-index: 2; background: #fff; border-bottom: 1px solid #dde1e6; }}
.labels {{ position: sticky; left: 0; z-index: 2; background: #fff; border-right: 1px solid #dde1e6; }}
svg {{ display: block; }}
.lane {{ fill: #ffffff; }} .lane.even {{ fill: #f4f6f8; }}
.tick {{ stroke: #e3e6ea; stroke-width: 1; }}
.axis {{ font-size: 10px; fill: #6b7480; }}
.process {{ font-size: 12px; fill: #39424d; text-anchor: end; font-family: ui-monospace, monospace; }}
.process.stuck-row {{ fill: #b3261e; font-weight: bold; }}
.op rect {{ stroke-width: 1; }}
.op text {{ font: 11px ui-monospace, monospace; fill: #1d232a; pointer-events: none; }}
.op.ok rect {{ fill: #cfe3fb; stroke: #5b8fd0; }}
.op.ok.prefix rect {{ fill: #d3efd9; stroke: #4c9a62; }}
.op.info rect {{ fill: #fdf1d6; stroke: #c99a2e; stroke-dasharray: 4 3; }}
.op.info.prefix rect {{ fill: #e6f3d9; stroke: #4c9a62; stroke-dasharray: 4 3; }}
.op.fail rect {{ fill: #eceef1; stroke: #a4abb5; }}
.op.stuck rect {{ fill: #f9c9c5; stroke: #b3261e; stroke-width: 2.5; }}
.op.stuck text {{ fill: #7a1510; font-weight: bold; }}
.op text.open {{ fill: #9a7414; font-weight: bold; }}
.op:hover rect {{ stroke: #111; stroke-width: 2.5; }}
.callout {{ font: bold 12px ui-monospace, monospace; fill: #b3261e; pointer-events: none; }}
.callout-box {{ fill: #fff; stroke: #b3261e; stroke-width: 1.5; pointer-events: none; }}
.deadline {{ stroke: #b3261e; stroke-width: 2; stroke-dasharray: 6 4; }}
.deadline-label {{ font-size: 11px; fill: #b3261e; font-weight: bold; }}
#detail {{ min-height: 1.4em; margin-top: 6px; font-family: ui-monospace, monospace; font-size: 13px; }}
</style>
</head>
<body>
<h1>{title_e}: <span class="{verdict_class}">{verdict}</span></h1>
<div>Drawn: {scope_e}. One row per client; each bar runs from an operation's invocation to its reply, in event order from left to right. Point at a bar to read it.</div>
{evidence_block}
<div class="legend">
<span><i class="swatch" style="background:#d3efd9;border:1px solid #4c9a62"></i>in the longest prefix found (numbered in its order)</span>
<span><i class="swatch" style="background:#f9c9c5;border:2px solid #b3261e"></i>cannot take effect after it</span>
<span><i class="swatch" style="background:#cfe3fb;border:1px solid #5b8fd0"></i>other completed operation</span>
<span><i class="swatch" style="background:#fdf1d6;border:1px dashed #c99a2e"></i>outcome unknown (may take effect later, or never)</span>
<span><i class="swatch" style="background:#eceef1;border:1px solid #a4abb5"></i>failed (did not take effect)</span>
</div>
<div class="chart" id="chart"><div class="grid">
<div class="corner"></div><div class="axis-row">{axis}</div>
<div class="labels">{labels}</div><div>{lanes}</div>
</div></div>
<div id="detail"></div>
<script>
(function () {{
  var details = {details_json};
  var box = document.getElementById("detail");
  var ops = document.querySelectorAll("#timeline .op");
  for (var i = 0; i < ops.length; i++) {{
    ops[i].addEventListener("mouseenter", function (e) {{
      box.textContent = details[+e.currentTarget.getAttribute("data-i")];
    }});
  }}
  // Bring the operation that had to come next into view.
  var stuck = document.getElementById("first-stuck");
  var chart = document.getElementById("chart");
  if (stuck && chart) {{
    var b = stuck.querySelector("rect").getBBox();
    chart.scrollLeft = Math.max(0, b.x + {LABELS} - chart.clientWidth * 0.6);
    chart.scrollTop = Math.max(0, b.y + {AXIS} - chart.clientHeight * 0.5);
    box.textContent = details[+stuck.getAttribute("data-i")];
  }}
}})();
</script>
</body>
</html>
"##,
        title_e = escape(title),
        scope_e = escape(&scope),
        evidence_block =
            if evidence.is_empty() { String::new() } else { format!("<pre>{evidence}</pre>") },
    )
}
