"""The customers a saved model scores, from whatever table shape a Python user has at hand."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import pandas as pd

from custseg.dataset import Dataset
from custseg.errors import CustsegError

#: The shapes :func:`as_table` accepts, for messages.
ACCEPTED = (
    "a pandas DataFrame, a custseg Dataset, a dict of columns ({'AGE': [34, 51], ...}), "
    "one customer as a dict or Series, or a list of such dicts"
)


def as_table(data: Any, features: Sequence[str]) -> pd.DataFrame:
    """The customers in ``data`` as a DataFrame of shape (n_customers, n_columns).

    Parameters
    ----------
    data : DataFrame, Dataset, mapping, Series or list of mappings
        A table; a dataset (its rows); a dict of columns; one customer (a dict of scalars or
        a Series indexed by column names); a list of customers (dicts).
    features : sequence of str
        The model's input columns, named in the message when ``data`` is none of these.

    Raises
    ------
    CustsegError
        For anything else (an array, a path, None...), saying what is expected.
    """
    if isinstance(data, pd.DataFrame):
        return data
    if isinstance(data, Dataset):
        return data.frame
    if isinstance(data, pd.Series):
        return pd.DataFrame([data.to_dict()], index=[data.name if data.name is not None else 0])
    if isinstance(data, Mapping):
        values = list(data.values())
        if values and not any(pd.api.types.is_list_like(v) for v in values):
            return pd.DataFrame([dict(data)])
        try:
            return pd.DataFrame(dict(data))
        except ValueError as exc:  # columns of different lengths
            raise CustsegError(f"The customers' columns do not line up: {exc}.") from None
    is_records = isinstance(data, Sequence) and not isinstance(data, str | bytes)
    if is_records and all(isinstance(row, Mapping) for row in data):
        return pd.DataFrame.from_records(list(data))
    hint = f"Pass {ACCEPTED}."
    if isinstance(data, str | os.PathLike):
        hint = "Load the file first: custseg.load_dataset(path), then score that dataset."
    elif hasattr(data, "shape"):
        hint = "Name the columns: pandas.DataFrame(values, columns=model.features)."
    raise CustsegError(
        f"A model scores a table of customers with the columns {', '.join(features)}; "
        f"got {'None' if data is None else type(data).__name__}.",
        hint=hint,
    )


@contextlib.contextmanager
def model_step(step: str) -> Iterator[None]:
    """Turn a failure of a loaded model's ``step`` into one message: its input was checked, so
    what fails is a model file whose parts do not fit together."""
    try:
        yield
    except (AttributeError, KeyError, IndexError, TypeError, ValueError) as exc:
        raise CustsegError(
            f"The model's {step} failed ({type(exc).__name__}): the model is damaged.",
            hint="Refit the model with custseg segment.",
        ) from None
