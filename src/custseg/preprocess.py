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
) -> Pipeline | ColumnTransformer:
    """An unfitted preprocessor for the given feature columns.

    Numeric features alone need no ColumnTransformer, whose stacking of outputs would cost
    another copy of the matrix.
    """
    # Numeric-only, the imputer and the scaler work in place on a matrix that custseg owns (the
    # model copies its input before transforming), so a large table is not duplicated. Inside a
    # ColumnTransformer their input may be a view of the caller's frame: they must copy.
    copy = bool(categorical)
    steps: list[tuple[str, object]] = [("impute", SimpleImputer(strategy="median", copy=copy))]
    if TRANSFORMS[transform] is not None:
        steps.append(
            (
                "transform",
                FunctionTransformer(TRANSFORMS[transform], feature_names_out="one-to-one"),
            )
        )
    steps.append(("scale", SCALERS[scale](copy=copy)))
    if not categorical:
        return Pipeline(steps)
    parts = []
    if numeric:
        parts.append(("numeric", Pipeline(steps), numeric))
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
) -> tuple[Pipeline | ColumnTransformer, np.ndarray]:
    """Build and fit the preprocessor on ``X``; return it and the model-space matrix.

    With weights, the standard scaler is fitted with ``sample_weight`` on its own: a
    ColumnTransformer passes weights on only through metadata routing, whose request objects
    the model file format (skops) cannot store. On large numeric tables the imputation
    medians come from a seeded sample (``IMPUTATION_SAMPLE``).
    """
    preprocessor = build(numeric, categorical, transform=transform, scale=scale)
    scale_weights = weights if scale == "standard" else None
    if isinstance(preprocessor, Pipeline):
        preprocessor[:-1].fit(model_input(preprocessor, _imputation_sample(X)))
        Z = preprocessor[:-1].transform(model_input(preprocessor, X))
        if scale_weights is not None:
            preprocessor[-1].fit(Z, sample_weight=scale_weights)
        else:
            preprocessor[-1].fit(Z)
        return preprocessor, np.asarray(preprocessor[-1].transform(Z), dtype=float)
    preprocessor.fit(X)
    if scale_weights is not None and numeric:
        steps = preprocessor.named_transformers_["numeric"]
        steps[-1].fit(steps[:-1].transform(X[numeric]), sample_weight=scale_weights)
    return preprocessor, np.asarray(preprocessor.transform(X), dtype=float)


#: Numeric imputation medians come from a seeded sample of at most this many rows: the exact
#: median of millions of rows costs a sort, and the sample's is as good a fill value.
IMPUTATION_SAMPLE = 100_000


def _imputation_sample(X: pd.DataFrame) -> pd.DataFrame:
    if len(X) <= IMPUTATION_SAMPLE:
        return X
    rows = np.random.default_rng(0).choice(len(X), IMPUTATION_SAMPLE, replace=False)
    return X.iloc[np.sort(rows)]


def model_input(preprocessor: Pipeline | ColumnTransformer, X: pd.DataFrame):
    """What ``preprocessor.transform`` takes: a numeric-only pipeline gets the bare float array
    (a view of a float table, where a DataFrame would be copied once more on the way in)."""
    if isinstance(preprocessor, ColumnTransformer):
        return X
    return X.to_numpy(dtype=float)


def clean_numeric(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The numeric ``columns`` of ``frame`` as one C-ordered float matrix that the caller owns
    (a single allocation, in the layout KMeans needs), infinities turned into missing values."""
    values = np.empty((len(frame), len(columns)))
    for j, column in enumerate(columns):
        values[:, j] = frame[column].to_numpy(dtype=float)
    values[np.isinf(values)] = np.nan
    return pd.DataFrame(values, index=frame.index, columns=columns, copy=False)
