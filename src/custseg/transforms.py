"""The money transform without a gap at zero: ``asinh(x / s)``.

``asinh`` of raw dollars puts $0 about as far from $1,000 as $1,000 is from $1,000,000
(asinh(1000) = 7.6), so zero balances dominate the distances KMeans works with. Dividing by a
typical magnitude ``s`` first (the weighted median of the column's non-zero absolute values)
keeps the sign and the log-like compression of large amounts (``asinh(x / s) ~ log(2x / s)``
for ``x >> s``) while placing $0 next to small amounts: a household with a typical balance sits
at asinh(1) = 0.88, one with $0 at 0.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from custseg.stats import weighted_quantile


def typical_magnitude(values: np.ndarray, weights: np.ndarray | None = None) -> float:
    """The weighted median of ``|values|`` over the finite, non-zero values (1 if none)."""
    values = np.asarray(values, dtype=float)
    keep = np.isfinite(values) & (values != 0)
    if not keep.any():
        return 1.0
    magnitude = weighted_quantile(
        np.abs(values[keep]), 0.5, None if weights is None else np.asarray(weights)[keep]
    )
    return magnitude if magnitude > 0 else 1.0


class ScaledAsinh(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """``asinh(x / s)`` on chosen columns, ``s`` the typical magnitude of each.

    Parameters
    ----------
    columns : tuple of int, optional
        Positions of the columns to transform; all columns when None. The others pass
        through unchanged (e.g. age beside money amounts).
    copy : bool, default True
        False transforms the caller's float matrix in place.

    Attributes
    ----------
    scale_ : ndarray of shape (n_features_in_,)
        ``s`` for every column (1 for the columns left unchanged).
    transformed_ : ndarray of bool of shape (n_features_in_,)
    n_features_in_ : int
    """

    def __init__(self, *, columns: tuple[int, ...] | None = None, copy: bool = True) -> None:
        self.columns = columns
        self.copy = copy

    def fit(self, X, y=None, sample_weight=None):
        """Measure ``s`` on ``X`` of shape (n_samples, n_features), optionally weighted."""
        X = validate_data(self, X, ensure_all_finite="allow-nan", dtype=float)
        self.transformed_ = np.zeros(X.shape[1], dtype=bool)
        self.transformed_[list(range(X.shape[1]) if self.columns is None else self.columns)] = True
        self.scale_ = np.ones(X.shape[1])
        for j in np.flatnonzero(self.transformed_):
            self.scale_[j] = typical_magnitude(X[:, j], sample_weight)
        return self

    def transform(self, X):
        """``X`` of shape (n_samples, n_features) in model units."""
        check_is_fitted(self, "scale_")
        X = validate_data(self, X, ensure_all_finite="allow-nan", dtype=float, reset=False)
        if self.copy:
            X = X.copy()
        for j in np.flatnonzero(self.transformed_):
            X[:, j] = np.arcsinh(X[:, j] / self.scale_[j])
        return X

    def inverse_transform(self, X):
        """Back to original units."""
        check_is_fitted(self, "scale_")
        X = np.array(X, dtype=float)
        for j in np.flatnonzero(self.transformed_):
            X[:, j] = np.sinh(X[:, j]) * self.scale_[j]
        return X

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags
