//! The handout's rubric against the lab's registry: the tables, part headings and totals a
//! student reads must say what `list` grades. Both are edited by hand, and they drift.
//!
//! What is read from a handout's markdown:
//! - every table whose header has a `scenario` and a `points` column (and maybe a `part` one):
//!   each row names one scenario in backticks, with its points (and part);
//! - part headings, `**Part A, name** (95 points)` or `**Part A: name** (95 points; ...)`;
//! - the sentence `The rubric totals N points` (optionally `over M scenarios`).

use crate::labs::ListedScenario;
use std::collections::BTreeMap;

/// One row of a rubric table.
struct Row {
    line: usize,
    name: String,
    part: Option<String>,
    points: Option<u32>,
}

fn cells(line: &str) -> Vec<String> {
    let inner = line.trim().trim_start_matches('|').trim_end_matches('|');
    inner.split('|').map(|c| c.trim().to_string()).collect()
}

/// The scenario names of a row's first cell: each in backticks, comma separated; a name that
/// starts with `_` shares the first name's stem (`initial_election_3`, `_5`, `_7`).
fn names(cell: &str) -> Vec<String> {
    let quoted: Vec<&str> = cell.split('`').skip(1).step_by(2).collect();
    let stem = quoted.first().and_then(|n| n.rsplit_once('_')).map_or("", |(stem, _)| stem);
    quoted
        .iter()
        .map(|n| if n.starts_with('_') { format!("{stem}{n}") } else { n.to_string() })
        .collect()
}

/// A cell that holds one value per name: `4, 4` for two names, or one value for all of them
/// (`B`, `5`, `5 each`). `None` where the count does not fit.
fn per_name(cell: &str, names: usize) -> Vec<Option<String>> {
    let values: Vec<String> =
        cell.trim_end_matches(" each").split(',').map(|v| v.trim().to_string()).collect();
    match values.len() {
        1 => vec![Some(values[0].clone()); names],
        n if n == names => values.into_iter().map(Some).collect(),
        _ => vec![None; names],
    }
}

/// A table's header separator, like `|---|:---:|`.
fn is_separator(line: &str) -> bool {
    let line = line.trim();
    line.starts_with('|') && line.contains('-') && line.chars().all(|c| "|-: ".contains(c))
}

/// The number at the start of `text`, if it starts with one.
fn leading_number(text: &str) -> Option<u32> {
    let digits: String = text.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

fn rows(readme: &str) -> Vec<Row> {
    let lines: Vec<&str> = readme.lines().collect();
    let mut found = Vec::new();
    let mut i = 0;
    while i + 1 < lines.len() {
        if !(lines[i].trim_start().starts_with('|') && is_separator(lines[i + 1])) {
            i += 1;
            continue;
        }
        let header = cells(lines[i]);
        let column = |name: &str| header.iter().position(|h| h.eq_ignore_ascii_case(name));
        let (scenario, points, part) = (column("scenario"), column("points"), column("part"));
        i += 2;
        while i < lines.len() && lines[i].trim_start().starts_with('|') {
            if let (Some(s), Some(p)) = (scenario, points) {
                let row = cells(lines[i]);
                let names = names(row.get(s).map_or("", String::as_str));
                let points = per_name(row.get(p).map_or("", String::as_str), names.len());
                let parts = match part.and_then(|c| row.get(c)) {
                    Some(cell) => per_name(cell, names.len()).into_iter().map(Some).collect(),
                    None => vec![None; names.len()],
                };
                for ((name, points), part) in names.into_iter().zip(points).zip(parts) {
                    found.push(Row {
                        line: i + 1,
                        name,
                        part: part.map(|p| p.unwrap_or_default()),
                        points: points.and_then(|p| leading_number(&p)),
                    });
                }
            }
            i += 1;
        }
    }
    found
}

/// Part headings: `(line, part letter, points)`.
fn part_headings(readme: &str) -> Vec<(usize, String, u32)> {
    let mut found = Vec::new();
    for (n, line) in readme.lines().enumerate() {
        let Some((_, after)) = line.split_once("**Part ") else { continue };
        let part: String = after.chars().take_while(char::is_ascii_uppercase).collect();
        let Some((_, rest)) = after.split_once("** (") else { continue };
        if let Some(points) = leading_number(rest)
            && rest[points.to_string().len()..].starts_with(" points")
            && !part.is_empty()
        {
            found.push((n + 1, part, points));
        }
    }
    found
}

/// `The rubric totals N points [over M scenarios]`: `(line, N, M)`.
fn totals(readme: &str) -> Vec<(usize, u32, Option<u32>)> {
    let mut found = Vec::new();
    for (n, line) in readme.lines().enumerate() {
        let Some((_, rest)) = line.split_once("rubric totals ") else { continue };
        let Some(points) = leading_number(rest) else { continue };
        let scenarios =
            rest.split_once(" points over ").and_then(|(_, after)| leading_number(after));
        found.push((n + 1, points, scenarios));
    }
    found
}

/// Every way the handout disagrees with the registry, one sentence each (empty when it agrees).
pub fn drift(handout: &str, readme: &str, listed: &[ListedScenario]) -> Vec<String> {
    let mut problems = Vec::new();
    let by_name: BTreeMap<&str, &ListedScenario> =
        listed.iter().map(|s| (s.name.as_str(), s)).collect();
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    let rows = rows(readme);
    for row in &rows {
        let Some(s) = by_name.get(row.name.as_str()) else {
            problems.push(format!(
                "{handout}:{}: the rubric lists `{}`, which the lab does not grade",
                row.line, row.name
            ));
            continue;
        };
        *seen.entry(s.name.as_str()).or_default() += 1;
        if row.points != Some(s.points) {
            problems.push(format!(
                "{handout}:{}: `{}` is worth {} points, not {}",
                row.line,
                row.name,
                s.points,
                row.points.map_or("unreadable".to_string(), |p| p.to_string())
            ));
        }
        if let Some(part) = &row.part
            && *part != s.part
        {
            problems.push(format!(
                "{handout}:{}: `{}` belongs to part {}, not {part}",
                row.line, row.name, s.part
            ));
        }
    }
    for s in listed {
        match seen.get(s.name.as_str()) {
            None => problems.push(format!("{handout}: the rubric tables omit `{}`", s.name)),
            Some(&n) if n > 1 => {
                problems.push(format!("{handout}: the rubric lists `{}` {n} times", s.name));
            }
            Some(_) => {}
        }
    }
    let mut by_part: BTreeMap<&str, u32> = BTreeMap::new();
    for s in listed {
        *by_part.entry(s.part.as_str()).or_default() += s.points;
    }
    for (line, part, points) in part_headings(readme) {
        let real = by_part.get(part.as_str()).copied().unwrap_or(0);
        if points != real {
            problems.push(format!(
                "{handout}:{line}: part {part} is worth {real} points, not {points}"
            ));
        }
    }
    let total: u32 = listed.iter().map(|s| s.points).sum();
    for (line, points, scenarios) in totals(readme) {
        if points != total {
            problems
                .push(format!("{handout}:{line}: the rubric totals {total} points, not {points}"));
        }
        if let Some(n) = scenarios
            && n as usize != listed.len()
        {
            problems.push(format!(
                "{handout}:{line}: the rubric has {} scenarios, not {n}",
                listed.len()
            ));
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listed() -> Vec<ListedScenario> {
        serde_json::from_str(
            r#"[{"name": "calm", "part": "A", "points": 5, "properties": []},
                {"name": "loss", "part": "A", "points": 10, "properties": []},
                {"name": "crash", "part": "B", "points": 5, "properties": []}]"#,
        )
        .unwrap()
    }

    const AGREES: &str = "\
- **Part A, links** (15 points): what it is.
- **Part B, crashes** (5 points): more.

The rubric totals 20 points over 3 scenarios.

| scenario | part | points | what it does |
|---|---|---|---|
| `calm`, `loss` | A | 5, 10 | no faults, then 10% loss |

**Part B: crashes** (5 points; one node)

| scenario | points | what it does |
|---|---|---|
| `crash` | 5 | a crash |

| what | where |
|---|---|
| `calm` is not a rubric row | here |
";

    #[test]
    fn a_handout_that_says_what_the_registry_grades_passes() {
        assert_eq!(drift("R", AGREES, &listed()), Vec::<String>::new());
    }

    #[test]
    fn each_kind_of_drift_is_named_with_its_line() {
        let drifted = AGREES
            .replace("| `calm`, `loss` | A | 5, 10 |", "| `calm`, `loss` | A, B | 5 each |")
            .replace("(15 points)", "(20 points)")
            .replace("totals 20 points over 3", "totals 25 points over 4")
            .replace("| `crash` | 5 | a crash |", "| `crush` | 5 | a crash |");
        let problems = drift("R", &drifted, &listed());
        assert_eq!(
            problems,
            [
                "R:8: `loss` is worth 10 points, not 5",
                "R:8: `loss` belongs to part A, not B",
                "R:14: the rubric lists `crush`, which the lab does not grade",
                "R: the rubric tables omit `crash`",
                "R:1: part A is worth 15 points, not 20",
                "R:4: the rubric totals 20 points, not 25",
                "R:4: the rubric has 3 scenarios, not 4",
            ]
        );
    }

    #[test]
    fn names_in_one_row_share_their_stem() {
        assert_eq!(
            names("`initial_election_3`, `_5`, `_7`"),
            ["initial_election_3", "initial_election_5", "initial_election_7"]
        );
        assert_eq!(per_name("5 each", 3), vec![Some("5".to_string()); 3]);
        assert_eq!(per_name("4, 4, 4", 2), vec![None, None]);
    }

    #[test]
    fn a_scenario_listed_twice_is_named() {
        let twice = AGREES.replace(
            "| `crash` | 5 | a crash |",
            "| `crash` | 5 | a crash |\n| `calm` | 5 | again |",
        );
        assert_eq!(drift("R", &twice, &listed()), ["R: the rubric lists `calm` 2 times"]);
    }
}
