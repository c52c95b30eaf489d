"""Multiply-imputed surveys: implicate modes, household agreement and imputation uncertainty.

The SCF stores every household 5 times, once per implicate (imputation of missing answers).
Point estimates pool all rows with the weights; the spread across implicates is the
uncertainty due to imputation, combined by Rubin's rule as ``sqrt((1 + 1/M) * B)`` with B the
between-implicate variance. (Sampling variance needs replicate weights, which the summary
extract does not carry.)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment

from custseg.engine import Engine

IMPLICATE_MODES = ("pooled", "first", "separate")
UNCERTAINTY_NOTE = (
    "Spread across implicates measures imputation uncertainty only; sampling uncertainty needs "
    "the Fed's replicate weights, which are not part of the summary extract."
)


def household_assignments(
    households: np.ndarray, segments: np.ndarray, weights: np.ndarray | None = None
) -> pd.DataFrame:
    """One row per household: its majority segment and how many of its rows agree.

    Parameters
    ----------
    households : ndarray of shape (n_rows,)
        Household id of every row (the SCF's ``YY1``).
    segments : ndarray of shape (n_rows,)
    weights : ndarray of shape (n_rows,), optional
        Summed per household into ``weight``.

    Returns
    -------
    DataFrame with columns ``household, segment, agreement, rows`` (and ``weight``)
        ``agreement`` is the share of the household's rows in its majority segment; ties go to
        the lower segment number.
    """
    frame = pd.DataFrame({"household": households, "segment": segments})
    counts = frame.groupby(["household", "segment"]).size().rename("n").reset_index()
    counts = counts.sort_values(["household", "n", "segment"], ascending=[True, False, True])
    majority = counts.drop_duplicates("household").set_index("household")
    rows = frame.groupby("household").size()
    result = pd.DataFrame(
        {
            "household": majority.index,
            "segment": majority["segment"].to_numpy(),
            "agreement": (majority["n"] / rows.loc[majority.index]).to_numpy(),
            "rows": rows.loc[majority.index].to_numpy(),
        }
    )
    if weights is not None:
        totals = pd.Series(weights).groupby(households).sum()
        result["weight"] = totals.loc[majority.index].to_numpy()
    return result


@dataclass(frozen=True)
class ImplicateReport:
    """How a segmentation holds up across the implicates of a multiply-imputed survey.

    Attributes
    ----------
    mode : str
        ``pooled`` (one model on all rows), ``first`` (implicate 1 only) or ``separate`` (one
        model per implicate, aligned to the pooled one, for the spread).
    n_implicates : int
    households : int
    all_agree_share : float
        Share of households whose rows all land in the same segment.
    mean_agreement : float
        Mean over households of the share of its rows in its majority segment.
    sizes : DataFrame
        Per segment: ``share_min, share_max, share_se, count_min, count_max, count_se`` across
        implicates (NaN where there is a single implicate).
    """

    mode: str
    n_implicates: int
    households: int
    all_agree_share: float
    mean_agreement: float
    sizes: pd.DataFrame

    def to_dict(self) -> dict:
        return {
            "mode": self.mode,
            "n_implicates": self.n_implicates,
            "households": self.households,
            "households_all_rows_agree": self.all_agree_share,
            "mean_agreement": self.mean_agreement,
            "note": UNCERTAINTY_NOTE,
        }


def implicate_sizes(
    implicates: np.ndarray,
    segments_by_implicate: dict[int, np.ndarray],
    weights: np.ndarray,
    k: int,
) -> pd.DataFrame:
    """Each segment's share and weighted count in every implicate, and their spread.

    Parameters
    ----------
    implicates : ndarray of shape (n_rows,)
        Implicate number of every row.
    segments_by_implicate : dict of implicate to ndarray
        Segment numbers (1..k) of that implicate's rows, in row order.
    weights : ndarray of shape (n_rows,)
        Survey weights; each implicate's weights stand for 1/M of the population, so its counts
        are multiplied by M.
    """
    numbers = sorted(segments_by_implicate)
    m = len(numbers)
    shares, counts = [], []
    for implicate in numbers:
        w = weights[implicates == implicate]
        sizes = np.bincount(segments_by_implicate[implicate], weights=w, minlength=k + 1)[1:]
        shares.append(sizes / w.sum())
        counts.append(sizes * m)
    shares, counts = np.array(shares), np.array(counts)
    inflate = (1 + 1 / m) if m > 1 else np.nan
    return pd.DataFrame(
        {
            "segment": np.arange(1, k + 1),
            "share_min": shares.min(axis=0),
            "share_max": shares.max(axis=0),
            "share_se": np.sqrt(inflate * shares.var(axis=0, ddof=1)) if m > 1 else np.nan,
            "count_min": counts.min(axis=0),
            "count_max": counts.max(axis=0),
            "count_se": np.sqrt(inflate * counts.var(axis=0, ddof=1)) if m > 1 else np.nan,
        }
    )


def separate_fits(
    Z: np.ndarray,
    implicates: np.ndarray,
    weights: np.ndarray,
    reference_centers: np.ndarray,
    *,
    engine: Engine,
    random_state: int,
    n_init: int,
) -> dict[int, np.ndarray]:
    """Fit each implicate on its own and number its segments like the reference model.

    Segments are matched to the reference centres by minimum total distance (Hungarian
    assignment), so "segment 2" means the same group in every implicate.

    Returns
    -------
    dict of implicate to ndarray of segment numbers (1..k) of its rows
    """
    k = reference_centers.shape[0]
    result = {}
    for implicate in np.unique(implicates):
        rows = implicates == implicate
        fit = engine.fit_kmeans(
            Z[rows], k, sample_weight=weights[rows], random_state=random_state, n_init=n_init
        )
        cost = np.linalg.norm(fit.centers[:, None, :] - reference_centers[None, :, :], axis=2)
        own, matched = linear_sum_assignment(cost)
        mapping = np.empty(k, dtype=int)
        mapping[own] = matched
        result[int(implicate)] = mapping[fit.labels] + 1
    return result


def implicate_report(
    mode: str,
    households: np.ndarray,
    implicates: np.ndarray,
    segments: np.ndarray,
    weights: np.ndarray,
    k: int,
    segments_by_implicate: dict[int, np.ndarray] | None = None,
) -> ImplicateReport:
    """Agreement of households across implicates and the spread of segment sizes.

    ``segments_by_implicate`` (from :func:`separate_fits`) replaces the split of the pooled
    assignment by implicate, for the spread of sizes and for the households' agreement.
    """
    if segments_by_implicate is None:
        segments_by_implicate = {int(m): segments[implicates == m] for m in np.unique(implicates)}
    else:
        segments = segments.copy()
        for implicate, labels in segments_by_implicate.items():
            segments[implicates == implicate] = labels
    per_household = household_assignments(households, segments)
    return ImplicateReport(
        mode=mode,
        n_implicates=len(segments_by_implicate),
        households=len(per_household),
        all_agree_share=float((per_household["agreement"] == 1).mean()),
        mean_agreement=float(per_household["agreement"].mean()),
        sizes=implicate_sizes(implicates, segments_by_implicate, weights, k),
    )
