"""Turning a population's feature columns into the matrix KMeans works on.

Numeric features: missing values imputed with the median, optionally transformed (log, asinh,
or asinh of the value over its typical magnitude, see :mod:`custseg.transforms`), then scaled
(with the weights, for the standard scaler). Categorical features: imputed with the
most frequent value and one-hot encoded; one-hot columns enter unscaled, so two customers who
differ in one category are as far apart (squared distance 2) as two customers two standard
deviations apart on one numeric feature. All of it is one scikit-learn ColumnTransformer, saved
inside the model so that scoring repeats it exactly.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, RobustScaler, StandardScaler

from custseg.errors import CustsegError
from custseg.transforms import ScaledAsinh

#: Element-wise transforms; "scaled-asinh" is :class:`custseg.transforms.ScaledAsinh`.
TRANSFORMS = {"none": None, "log": np.log1p, "asinh": np.arcsinh, "scaled-asinh": ScaledAsinh}
TRANSFORM_CHOICES = (*TRANSFORMS, "auto")
SCALERS = {"standard": StandardScaler, "robust": RobustScaler}
#: "auto" transforms a feature that is money or whose absolute skewness exceeds this.
SKEW_THRESHOLD = 2.0


def auto_columns(values: pd.DataFrame, money_columns=()) -> list[str]:
    """The features ``--transform auto`` puts on the scaled-asinh scale: money amounts and
    strongly skewed columns (|skewness| above ``SKEW_THRESHOLD``)."""
    skew = values.skew().abs()
    return [c for c in values.columns if c in money_columns or skew[c] > SKEW_THRESHOLD]


def choose_transform(
    values: pd.DataFrame,
    requested: str,
    money_columns=(),
    label: Callable[[str], str | None] | None = None,
) -> tuple[str, str, list[str] | None]:
    """The transform to apply to numeric features, why, and the columns it applies to
    (None: all numeric features). ``label`` names the columns in the reason ("Net worth
    (NETWORTH; money)").

    ``auto`` puts money amounts and strongly skewed features on the scaled-asinh scale
    (``asinh(x / s)``, ``s`` the typical non-zero magnitude) and leaves the others as they are.

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
        return requested, "as requested", None
    columns = auto_columns(values, money_columns) if not values.empty else []
    if not columns:
        return "none", "no feature is money or strongly skewed", []
    named = []
    for c in columns:
        kind = "money" if c in money_columns else f"skewness {abs(values[c].skew()):.1f}"
        shown = (label(c) if label else None) or c
        named.append(f"{c} ({kind})" if shown == c else f"{shown} ({c}; {kind})")
    return (
        "scaled-asinh",
        (
            "asinh(x / s), s the typical non-zero magnitude (weighted median of |x|), keeps the "
            "sign and puts zero next to small amounts, for " + ", ".join(named)
        ),
        columns,
    )


def build(
    numeric: list[str],
    categorical: list[str],
    *,
    transform: str,
    scale: str,
    transformed: list[str] | None = None,
) -> Pipeline | ColumnTransformer:
    """An unfitted preprocessor for the given feature columns; ``transformed`` names the
    numeric columns the scaled-asinh transform applies to (None: all).

    Numeric features alone need no ColumnTransformer, whose stacking of outputs would cost
    another copy of the matrix.
    """
    # Numeric-only, the imputer and the scaler work in place on a matrix that custseg owns (the
    # model copies its input before transforming), so a large table is not duplicated. Inside a
    # ColumnTransformer their input may be a view of the caller's frame: they must copy.
    copy = bool(categorical)
    steps: list[tuple[str, object]] = [("impute", SimpleImputer(strategy="median", copy=copy))]
    if transform == "scaled-asinh":
        positions = None if transformed is None else tuple(numeric.index(c) for c in transformed)
        steps.append(("transform", ScaledAsinh(columns=positions, copy=copy)))
    elif TRANSFORMS[transform] is not None:
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
    transformed: list[str] | None = None,
) -> tuple[Pipeline | ColumnTransformer, np.ndarray]:
    """Build and fit the preprocessor on ``X``; return it and the model-space matrix.

    With weights, the standard scaler is fitted with ``sample_weight`` on its own: a
    ColumnTransformer passes weights on only through metadata routing, whose request objects
    the model file cannot store. On large numeric tables the imputation
    medians come from a seeded sample (``IMPUTATION_SAMPLE``). The scaled-asinh transform
    measures its typical magnitudes on all rows, with the weights.
    """
    preprocessor = build(
        numeric, categorical, transform=transform, scale=scale, transformed=transformed
    )
    scale_weights = weights if scale == "standard" else None
    if isinstance(preprocessor, Pipeline):
        preprocessor[:-1].fit(model_input(preprocessor, _imputation_sample(X)))
        if transform == "scaled-asinh":
            # The imputer works in place on custseg's own matrix; doing it twice changes nothing.
            preprocessor[1].fit(
                preprocessor[0].transform(model_input(preprocessor, X)), sample_weight=weights
            )
        Z = preprocessor[:-1].transform(model_input(preprocessor, X))
        if scale_weights is not None:
            preprocessor[-1].fit(Z, sample_weight=scale_weights)
        else:
            preprocessor[-1].fit(Z)
        return preprocessor, np.asarray(preprocessor[-1].transform(Z), dtype=float)
    preprocessor.fit(X)
    if numeric and transform == "scaled-asinh":
        steps = preprocessor.named_transformers_["numeric"]
        steps[1].fit(steps[0].transform(X[numeric]), sample_weight=weights)
        steps[-1].fit(steps[:-1].transform(X[numeric]))
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


def scaled_asinh_scales(
    preprocessor: Pipeline | ColumnTransformer, numeric: list[str]
) -> dict[str, float]:
    """The typical magnitude ``s`` of every feature on the scaled-asinh scale (empty when the
    transform is another)."""
    steps = (
        preprocessor.named_transformers_.get("numeric")
        if isinstance(preprocessor, ColumnTransformer)
        else preprocessor
    )
    transform = None if steps is None else steps.named_steps.get("transform")
    if not isinstance(transform, ScaledAsinh):
        return {}
    return {
        name: float(scale)
        for name, scale, used in zip(numeric, transform.scale_, transform.transformed_, strict=True)
        if used
    }
