"""Turning a population's feature columns into the matrix KMeans works on.

Numeric features: missing values imputed with the median, optionally log/asinh transformed,
then scaled (with the weights, for the standard scaler). Categorical features: imputed with the
most frequent value and one-hot encoded; one-hot columns enter unscaled, so two customers who
differ in one category are as far apart (squared distance 2) as two customers two standard
deviations apart on one numeric feature. All of it is one scikit-learn ColumnTransformer, saved
inside the model so that scoring repeats it exactly.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, RobustScaler, StandardScaler

from custseg.errors import CustsegError

TRANSFORMS = {"none": None, "log": np.log1p, "asinh": np.arcsinh}
TRANSFORM_CHOICES = (*TRANSFORMS, "auto")
SCALERS = {"standard": StandardScaler, "robust": RobustScaler}
#: "auto" transforms when the features' median absolute skewness exceeds this.
SKEW_THRESHOLD = 2.0


def choose_transform(values: pd.DataFrame, requested: str) -> tuple[str, str]:
    """The transform to apply to numeric features, and why.

    Raises
    ------
    CustsegError
        For ``log`` on negative values.
    """
    negative = [c for c in values.columns if (values[c] < 0).any()]
    if requested == "log" and negative:
        raise CustsegError(
            f"--transform log cannot take negative values, and {', '.join(negative)} has some.",
            hint="Use --transform asinh, which handles signed amounts.",
        )
    if requested != "auto":
        return requested, "as requested"
    if values.empty:
        return "none", "no numeric features"
    skew = float(values.skew().abs().median())
    if skew <= SKEW_THRESHOLD:
        return "none", f"the features are not strongly skewed (median |skewness| {skew:.1f})"
    chosen = "asinh" if negative else "log"
    return chosen, (
        f"the features are strongly skewed (median |skewness| {skew:.1f}); "
        f"{'asinh keeps the sign of negative values' if negative else 'log1p'}"
    )


def build(
    numeric: list[str], categorical: list[str], *, transform: str, scale: str
) -> ColumnTransformer:
    """An unfitted preprocessor for the given feature columns."""
    steps: list[tuple[str, object]] = [("impute", SimpleImputer(strategy="median"))]
    if TRANSFORMS[transform] is not None:
        steps.append(
            (
                "transform",
                FunctionTransformer(TRANSFORMS[transform], feature_names_out="one-to-one"),
            )
        )
    steps.append(("scale", SCALERS[scale]()))
    parts = []
    if numeric:
        parts.append(("numeric", Pipeline(steps), numeric))
    if categorical:
        parts.append(
            (
                "categorical",
                Pipeline(
                    [
                        ("impute", SimpleImputer(strategy="most_frequent")),
                        ("onehot", OneHotEncoder(handle_unknown="ignore", sparse_output=False)),
                    ]
                ),
                categorical,
            )
        )
    return ColumnTransformer(parts, verbose_feature_names_out=False)


def fit(
    numeric: list[str],
    categorical: list[str],
    X: pd.DataFrame,
    *,
    transform: str,
    scale: str,
    weights: np.ndarray | None,
) -> tuple[ColumnTransformer, np.ndarray]:
    """Build and fit the preprocessor on ``X``; return it and the model-space matrix.

    With weights, the standard scaler is refit in place with ``sample_weight``: a
    ColumnTransformer passes weights on only through metadata routing, whose request objects
    the model file format (skops) cannot store.
    """
    preprocessor = build(numeric, categorical, transform=transform, scale=scale).fit(X)
    if weights is not None and numeric and scale == "standard":
        steps = preprocessor.named_transformers_["numeric"]
        steps[-1].fit(steps[:-1].transform(X[numeric]), sample_weight=weights)
    return preprocessor, np.asarray(preprocessor.transform(X), dtype=float)


def clean_numeric(frame: pd.DataFrame) -> pd.DataFrame:
    """Numeric features as floats with infinities turned into missing values."""
    return frame.astype(float).replace([np.inf, -np.inf], np.nan)
