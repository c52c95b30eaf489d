"""Feature selection by (trimmed) variance, as a scikit-learn transformer."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.feature_selection import SelectorMixin
from sklearn.utils.validation import check_is_fitted, validate_data

#: Share cut from each tail for the trimmed variance of the reference analysis.
DEFAULT_TRIM = 0.1


def _weighted_variance(values: np.ndarray, weights: np.ndarray) -> float:
    # The population (ddof=0) form: with survey weights there is no sample size to correct by.
    mean = np.average(values, weights=weights)
    return float(np.average((values - mean) ** 2, weights=weights))


def _column_variance(column: np.ndarray, weights: np.ndarray | None, trim: float) -> float:
    keep = np.isfinite(column)
    column = column[keep]
    weights = None if weights is None else weights[keep]
    n = column.size
    if n == 0:
        return np.nan
    order = np.argsort(column, kind="stable")
    column = column[order]
    if weights is None:
        cut = int(trim * n)  # as scipy.stats.mstats.trimmed_var with inclusive limits
        kept = column[cut : n - cut]
        if kept.size == 0:
            return np.nan
        return float(kept.var(ddof=0 if trim else min(1, kept.size - 1)))
    weights = weights[order]
    if trim:
        # Keep the values whose cumulative weight share (at the value's midpoint) lies inside
        # [trim, 1 - trim]: with equal weights this is the unweighted rule.
        share = (np.cumsum(weights) - weights / 2) / weights.sum()
        inside = (share >= trim) & (share <= 1 - trim)
        column, weights = column[inside], weights[inside]
        if column.size == 0:
            return np.nan
    return _weighted_variance(column, weights)


def variance_scores(
    X: np.ndarray, *, trim: float = DEFAULT_TRIM, sample_weight: np.ndarray | None = None
) -> np.ndarray:
    """Variance of each column after cutting ``trim`` of the values from each tail.

    Unweighted, ``trim > 0`` equals :func:`scipy.stats.mstats.trimmed_var` with relative,
    inclusive limits (``ddof=0``) and ``trim == 0`` equals :meth:`pandas.DataFrame.var`
    (``ddof=1``). Weighted, the variance is the weighted population variance (``ddof=0``).
    Non-finite values are ignored column by column.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    trim : float in [0, 0.5), default 0.1
    sample_weight : array-like of shape (n_samples,), optional
        Weights; the tails are then cut by weighted share.

    Returns
    -------
    ndarray of shape (n_features,)
        NaN for a column with no finite value left.
    """
    if not 0 <= trim < 0.5:
        raise ValueError(f"trim must be in [0, 0.5), got {trim}")
    X = np.asarray(X, dtype=float)
    weights = None if sample_weight is None else np.asarray(sample_weight, dtype=float)
    if weights is None and np.isfinite(X).all() and X.shape[0] > 0:
        n = X.shape[0]
        cut = int(trim * n)
        if n - 2 * cut > (0 if trim else 1):
            # Partitioning puts exactly the kept values in the middle, in O(n) per column.
            kept = np.partition(X, (cut, n - cut - 1), axis=0)[cut : n - cut] if trim else X
            return kept.var(axis=0, ddof=0 if trim else 1)
    return np.array([_column_variance(X[:, j], weights, trim) for j in range(X.shape[1])])


class TrimmedVarianceSelector(SelectorMixin, BaseEstimator):
    """Keep the ``n_features`` columns with the highest (trimmed) variance.

    Parameters
    ----------
    n_features : int, default 5
        How many columns to keep.
    trim : float, default 0.1
        Share of values cut from each tail before the variance is taken; 0 gives the plain
        variance.

    Attributes
    ----------
    scores_ : ndarray of shape (n_features_in_,)
        The (trimmed) variance of every input column.
    ranking_ : ndarray of shape (n_features_in_,)
        Column indices from highest to lowest score.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Set when ``X`` has column names.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0, 1, 10], [0, 2, 20], [0, 3, 30]])
    >>> TrimmedVarianceSelector(n_features=1, trim=0).fit(X).get_support()
    array([False, False,  True])
    """

    def __init__(self, *, n_features: int = 5, trim: float = DEFAULT_TRIM) -> None:
        self.n_features = n_features
        self.trim = trim

    def fit(self, X, y=None, sample_weight=None):
        """Score every column of ``X`` of shape (n_samples, n_features_in_)."""
        X = validate_data(self, X, ensure_all_finite="allow-nan", dtype=float)
        if not 1 <= self.n_features <= X.shape[1]:
            raise ValueError(
                f"n_features={self.n_features} must be between 1 and the {X.shape[1]} columns"
            )
        if sample_weight is not None:
            sample_weight = np.asarray(sample_weight, dtype=float)
            if sample_weight.shape != (X.shape[0],):
                raise ValueError(
                    f"sample_weight has shape {sample_weight.shape}, expected ({X.shape[0]},)"
                )
            if (sample_weight < 0).any() or not sample_weight.sum() > 0:
                raise ValueError("sample_weight must be non-negative and not all zero")
        self.scores_ = variance_scores(X, trim=self.trim, sample_weight=sample_weight)
        ordering = np.where(np.isnan(self.scores_), -np.inf, self.scores_)
        self.ranking_ = np.argsort(-ordering, kind="stable")
        return self

    def _get_support_mask(self) -> np.ndarray:
        check_is_fitted(self, "scores_")
        mask = np.zeros(self.n_features_in_, dtype=bool)
        mask[self.ranking_[: self.n_features]] = True
        return mask

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags


def rank_features(
    frame: pd.DataFrame,
    candidates: list[str],
    *,
    trim: float,
    sample_weight: np.ndarray | None = None,
) -> pd.Series:
    """The (trimmed) variance of each candidate column, highest first.

    Returns
    -------
    pandas.Series indexed by column name
        Columns with no finite value or zero variance are left out.
    """
    # Column by column: a copy of every candidate at once would double a large table.
    scores = pd.Series(
        [
            variance_scores(
                frame[c].to_numpy(dtype=float)[:, None], trim=trim, sample_weight=sample_weight
            )[0]
            for c in candidates
        ],
        index=candidates,
        dtype=float,
    )
    scores = scores[scores > 0]
    return scores.sort_values(ascending=False, kind="stable")
