"""A table plus what custseg knows about its columns."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import pandas as pd

from custseg.errors import CustsegError

if TYPE_CHECKING:
    from custseg.roles import ColumnRole


#: How the codes of a yes/no flag read.
YES_NO = {0: "No", 1: "Yes"}


@dataclass(frozen=True)
class Population:
    """A named subset of a dataset's rows.

    Parameters
    ----------
    name : str
        The name used on the command line (``small-business``).
    description : str
        What the subset is, for reports.
    conditions : tuple of str
        Structured conditions (see :mod:`custseg.population`), all of which must hold.
    noun : str
        What its members are called in sentences ("small-business owners").
    features : tuple of str
        The features that answer this population's question, by priority: the default of
        ``--select auto`` (near-duplicates among them are still skipped).
    features_reason : str
        Why these features, for the README, summaries and reports.
    """

    name: str
    description: str
    conditions: tuple[str, ...] = ()
    noun: str = "customers"
    features: tuple[str, ...] = ()
    features_reason: str = ""


@dataclass(frozen=True)
class Dataset:
    """A customer table with its column roles.

    Parameters
    ----------
    name : str
        How the dataset is addressed (``scf2019`` or a file path).
    frame : pandas.DataFrame of shape (n_rows, n_columns)
        The data, one row per customer (or household x implicate for the SCF).
    id_columns : tuple of str
        Columns that identify a row; never features.
    weight_column : str or None
        The column holding survey or frequency weights, if the source has one.
    household_column, implicate_column : str or None
        For multiply-imputed surveys: the household id, and the column whose last digit is the
        implicate number.
    dollar_columns, categorical_columns : frozenset of str
        Columns holding money amounts, and columns holding coded categories.
    flag_columns : frozenset of str
        Yes/no columns holding 0 and 1 (or true/false): reported as the share with 1, never
        ranked by variance; their codes read as :data:`YES_NO` unless labelled otherwise.
    labels : mapping of str to str
        Short human labels by column.
    value_labels : mapping of str to mapping of int to str
        Labels of the codes of coded categories.
    populations : mapping of str to Population
        Named subsets that this dataset offers.
    provenance : dict
        Where the data came from (file, checksum, dollar year), for summaries.
    label_fallback : callable, optional
        Labels for columns missing from ``labels``.
    weight_unit : str, optional
        What a weighted count counts ("US households").
    descriptor_columns : tuple of str
        Variables that describe segments in personas (default: the candidate features).
    demographic_columns : tuple of str
        Coded categories whose make-up personas report.
    trait_words : mapping of str to custseg.naming.TraitWords (or plain tuples of its fields)
        Words for a variable being high or low in a persona name.
    categorical_features : tuple of str
        Categorical columns used as (one-hot encoded) features by default.
    default_n_features : int, optional
        How many numeric features automatic selection keeps (all, at most 10, when None).
    column_roles : tuple of ColumnRole
        The role of every column and why (plain tables).
    """

    name: str
    frame: pd.DataFrame
    id_columns: tuple[str, ...] = ()
    weight_column: str | None = None
    household_column: str | None = None
    implicate_column: str | None = None
    dollar_columns: frozenset[str] = frozenset()
    categorical_columns: frozenset[str] = frozenset()
    flag_columns: frozenset[str] = frozenset()
    labels: Mapping[str, str] = field(default_factory=dict)
    value_labels: Mapping[str, Mapping[int, str]] = field(default_factory=dict)
    populations: Mapping[str, Population] = field(default_factory=dict)
    provenance: dict[str, Any] = field(default_factory=dict)
    label_fallback: Callable[[str], str] | None = None
    weight_unit: str | None = None
    descriptor_columns: tuple[str, ...] = ()
    demographic_columns: tuple[str, ...] = ()
    trait_words: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    categorical_features: tuple[str, ...] = ()
    default_n_features: int | None = None
    column_roles: tuple[ColumnRole, ...] = ()

    @property
    def n_rows(self) -> int:
        return len(self.frame)

    # The pandas habits a newcomer brings: the table itself stays in ``frame``.
    def __len__(self) -> int:
        return len(self.frame)

    @property
    def shape(self) -> tuple[int, int]:
        """(n_rows, n_columns) of the table."""
        return self.frame.shape

    @property
    def columns(self) -> pd.Index:
        """The table's column names."""
        return self.frame.columns

    def head(self, n: int = 5) -> pd.DataFrame:
        """The first ``n`` rows of the table, as a DataFrame of shape (n, n_columns)."""
        return self.frame.head(n)

    def __repr__(self) -> str:
        n_rows, n_columns = self.shape
        parts = [f"{n_rows:,} rows x {n_columns:,} columns"]
        if self.id_columns:
            parts.append(f"ids {', '.join(self.id_columns)}")
        if self.weight_column:
            unit = f" ({self.weight_unit})" if self.weight_unit else ""
            parts.append(f"weight {self.weight_column}{unit}")
        if set(self.populations) - {"all"}:
            parts.append(f"populations {', '.join(self.populations)}")
        dollars = self.provenance.get("dollars_of")
        if dollars:
            parts.append(f"in {dollars} dollars")
        return f"Dataset({self.name!r}: {'; '.join(parts)})"

    def label(self, column: str) -> str:
        """A short human label for ``column`` (its name if none is known)."""
        if column in self.labels:
            return self.labels[column]
        return self.label_fallback(column) if self.label_fallback else column

    def value_label(self, column: str, code: Any) -> str:
        """The label of one code of a coded category (the code itself if unknown)."""
        try:
            return self.value_labels[column][int(code)]
        except (KeyError, TypeError, ValueError):
            return str(code)

    def reserved_columns(self) -> set[str]:
        """Columns that can never be features: ids and the weight."""
        reserved = set(self.id_columns)
        if self.weight_column:
            reserved.add(self.weight_column)
        return reserved

    def candidate_features(self) -> list[str]:
        """Numeric columns that automatic feature selection may choose from.

        Ids, the weight, coded categories and 0/1 flags are left out: a category code's variance
        means nothing, and a flag's is its share times one minus its share. They can still be
        named explicitly as features.
        """
        excluded = self.reserved_columns() | set(self.categorical_columns) | set(self.flag_columns)
        excluded |= {role.column for role in self.column_roles if role.role == "excluded"}
        return [
            column
            for column in self.frame.columns
            if column not in excluded and is_numeric(self.frame[column])
        ]

    def descriptors(self, features: list[str]) -> list[str]:
        """The variables personas compare: the features, then the dataset's descriptors."""
        extra = [
            c
            for c in (self.descriptor_columns or self.candidate_features()[:30])
            if c in self.frame.columns and c not in features
        ]
        return [*features, *extra]

    def implicates(self) -> pd.Series | None:
        """The implicate number of every row (1-5 for the SCF), or None."""
        if not self.implicate_column:
            return None
        return (self.frame[self.implicate_column] % 10).astype("int64").rename("implicate")

    def with_frame(self, frame: pd.DataFrame) -> Dataset:
        """The same dataset description over other rows (a population, a sample)."""
        return replace(self, frame=frame)

    def with_labels(
        self,
        labels: Mapping[str, str],
        value_labels: Mapping[str, Mapping[int, str]],
    ) -> Dataset:
        """The same dataset with a user's labels of columns and codes added (they win).

        Raises
        ------
        CustsegError
            If a label names a column the dataset does not have.
        """
        self.require_columns(sorted({*labels, *value_labels}), purpose="--labels")
        merged_values = {column: dict(codes) for column, codes in self.value_labels.items()}
        for column, codes in value_labels.items():
            merged_values.setdefault(column, {}).update(codes)
        return replace(self, labels={**self.labels, **labels}, value_labels=merged_values)

    def require_columns(self, columns: list[str], *, purpose: str) -> None:
        """Raise a clear error if any of ``columns`` is missing."""
        missing = [c for c in columns if c not in self.frame.columns]
        if missing:
            raise CustsegError(
                f"{self.name} has no column {', '.join(map(repr, missing))} "
                f"(needed for {purpose}).",
                hint=_closest_hint(missing[0], list(map(str, self.frame.columns))),
            )


def is_numeric(series: pd.Series) -> bool:
    """True for integer, float and boolean columns."""
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_complex_dtype(series)


def _closest_hint(name: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(name, choices, n=3, cutoff=0.6)
    if close:
        return f"Did you mean {', '.join(close)}?"
    more = " ..." if len(choices) > 12 else ""
    return f"Available columns include: {', '.join(choices[:12])}{more}."


def from_frame(
    frame: pd.DataFrame,
    *,
    name: str,
    id_columns: tuple[str, ...] = (),
    weight_column: str | None = None,
    categorical: tuple[str, ...] = (),
    exclude: tuple[str, ...] = (),
) -> Dataset:
    """Describe a plain customer table, inferring what every column is for.

    Parameters
    ----------
    frame : pandas.DataFrame of shape (n_rows, n_columns)
    name : str
        How the table is named in outputs.
    id_columns : tuple of str
        Columns identifying a customer (inferred when empty).
    weight_column : str, optional
        A column of non-negative row weights.
    categorical : tuple of str
        Columns to treat as categorical features.
    exclude : tuple of str
        Columns never to use as features.

    Raises
    ------
    CustsegError
        For duplicate column names, duplicate ids, or unknown named columns.
    """
    from custseg.roles import infer_roles

    if frame.columns.duplicated().any():
        duplicated = sorted(set(frame.columns[frame.columns.duplicated()]))
        raise CustsegError(f"{name} has duplicate column names: {', '.join(duplicated)}.")
    roles = infer_roles(
        frame, ids=id_columns, weight=weight_column, categorical=categorical, exclude=exclude
    )
    ids = tuple(r.column for r in roles if r.role == "id")
    for column in ids:
        duplicates = int(frame[column].duplicated().sum())
        if duplicates:
            raise CustsegError(
                f"The id column {column} has {duplicates:,} duplicate values.",
                hint="Ids must identify one row each; fix the table or pick another --id.",
            )
    # A flag is a feature as a category is (one-hot encoded), so 0/1 and 1/2 codes fare alike.
    categorical_features = tuple(r.column for r in roles if r.role in ("categorical", "flag"))
    flags = [r.column for r in roles if r.role == "flag"]
    return Dataset(
        name=name,
        frame=frame,
        id_columns=ids,
        weight_column=weight_column,
        populations={"all": Population("all", "every row", noun="customers")},
        categorical_columns=frozenset(categorical_features),
        flag_columns=frozenset(flags),
        value_labels={column: dict(YES_NO) for column in flags},
        categorical_features=categorical_features,
        demographic_columns=categorical_features,
        column_roles=tuple(roles),
    )
