"""Every segmentation method on the same data, side by side: are the segments robust to the
choice of algorithm?"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import adjusted_rand_score

from custseg.config import SegmentationConfig
from custseg.dataset import Dataset
from custseg.engine import METHODS, get_method
from custseg.errors import CustsegError
from custseg.preparation import prepare
from custseg.result import SegmentationResult
from custseg.segmentation import finish
from custseg.sweep import describe_method, run_sweep


@dataclass(frozen=True)
class MethodComparison:
    """Every applicable method fitted at its recommended k.

    Attributes
    ----------
    results : dict of method name to SegmentationResult
    skipped : dict of method name to the reason it does not apply
    table : DataFrame with one row per fitted method
        ``method, label, k, silhouette, stability, smallest_segment, unassigned_share``, then
        ``ari_<method>``: the adjusted Rand agreement of its segments with every method's.
    """

    results: dict[str, SegmentationResult]
    skipped: dict[str, str]
    table: pd.DataFrame

    def summary(self) -> dict[str, Any]:
        """JSON-ready: the table's rows, the skipped methods and what the columns mean."""
        return {
            "methods": self.table.replace({np.nan: None}).to_dict("records"),
            "skipped": self.skipped,
            "columns": {
                "k": "the method's recommended number of segments (unassigned not counted)",
                "silhouette": "mean silhouette in model space (HDBSCAN: assigned rows only)",
                "stability": "mean bootstrap adjusted Rand index against the full-data fit",
                "smallest_segment": "(weighted) share of the smallest segment",
                "unassigned_share": "(weighted) share left unassigned (HDBSCAN's segment 0)",
                "ari_<method>": "adjusted Rand index between the two methods' segments "
                "(1: the same segments; 0: no more alike than chance)",
            },
        }


def _row(result: SegmentationResult) -> dict[str, Any]:
    weights = result.prepared.weights
    segments = result.segments
    sizes = np.bincount(segments, weights=weights, minlength=result.k + 1)
    total = sizes.sum()
    metrics = result.metrics
    method = get_method(result.config.method)
    return {
        "method": method.name,
        "label": method.label,
        "k": result.k,
        "silhouette": metrics["silhouette"],
        "stability": metrics.get("stability", np.nan),
        "smallest_segment": float(sizes[1:].min() / total),
        "unassigned_share": float(sizes[0] / total),
    }


def compare_methods(
    dataset: Dataset,
    config: SegmentationConfig,
    *,
    methods: Sequence[str] | None = None,
    progress: Callable[[str], None] | None = None,
) -> MethodComparison:
    """Fit every method (``config.method`` is ignored) at its recommended k and compare them.

    The data are prepared once (population, features, transform, scaling); a method that does
    not apply to them (k-prototypes without a categorical feature, HDBSCAN finding no k in the
    range) is skipped with its reason.

    Parameters
    ----------
    methods : sequence of str, optional
        The methods to try (default: all of ``custseg.engine.METHODS``).
    progress : callable, optional
        Called with each method's name before it is fitted.

    Raises
    ------
    CustsegError
        If no method applies.
    """
    names = list(methods or METHODS)
    prepared = prepare(dataset, replace(config, method="kmeans"))
    results, skipped = {}, {}
    for name in names:
        if progress is not None:
            progress(name)
        ready = replace(prepared, config=replace(config, method=name))
        try:
            describe_method(ready)
            results[name] = finish(ready, run_sweep(ready))
        except CustsegError as err:
            skipped[name] = err.message
    if not results:
        raise CustsegError(
            "No method applies to these data: "
            + "; ".join(f"{m}: {reason}" for m, reason in skipped.items())
        )
    table = pd.DataFrame([_row(result) for result in results.values()])
    for other, other_result in results.items():
        table[f"ari_{other}"] = [
            adjusted_rand_score(result.segments, other_result.segments)
            for result in results.values()
        ]
    return MethodComparison(results, skipped, table)
