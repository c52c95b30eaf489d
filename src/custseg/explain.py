"""What explains a run's segments: rules, the segment-vs-population table and the numbers behind
the explaining charts, in the forms a run folder keeps them (``rules.csv``, ``summary.json``'s
``rules``, ``compare_segments.csv``, ``charts.json``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from custseg import io
from custseg.rules_run import result_rules
from custseg.segment_charts import result_charts
from custseg.segment_compare import result_comparison

RULES_FILE = "rules.csv"
COMPARE_FILE = "compare_segments.csv"
CHARTS_FILE = "charts.json"


@dataclass(frozen=True)
class Explanation:
    """Rules (one row per rule, and the summary with fidelity), the comparison table and the
    chart numbers of one run."""

    rules: pd.DataFrame
    rules_summary: dict[str, Any]
    comparison: pd.DataFrame
    charts: dict[str, Any]


def explain(result) -> Explanation:
    """Everything that explains a :class:`custseg.segmentation.SegmentationResult`; the rules'
    depth is the run's ``rule_depth``."""
    rules = result_rules(result, max_depth=result.config.rule_depth)
    prepared = result.prepared
    # the report says whom a rule selects in the population's own words, as the command line does
    noun = prepared.dataset.populations[prepared.selection.population].noun
    return Explanation(
        rules=rules.to_frame(),
        rules_summary={**rules.to_dict(), "noun": noun},
        comparison=result_comparison(result),
        charts=result_charts(result),
    )


def save_explanation(folder: Path, explanation: Explanation) -> None:
    """Write the explanation's files into a run folder (the rules also go in summary.json,
    which the caller writes)."""
    io.write_csv(folder / RULES_FILE, explanation.rules)
    io.write_csv(folder / COMPARE_FILE, explanation.comparison)
    io.write_json(folder / CHARTS_FILE, explanation.charts)


def load_explanation(folder: Path, summary: dict[str, Any]) -> Explanation | None:
    """The explanation kept in a run folder, or None for a run written without one."""
    if not all((folder / name).is_file() for name in (RULES_FILE, COMPARE_FILE, CHARTS_FILE)):
        return None
    return Explanation(
        rules=io.read_table(folder / RULES_FILE),
        rules_summary=summary.get("rules") or {},
        comparison=io.read_table(folder / COMPARE_FILE),
        charts=io.read_json(folder / CHARTS_FILE),
    )
