"""Where data comes from: built-in datasets and customer tables, behind one function."""

from __future__ import annotations

from pathlib import Path

from custseg import io
from custseg.dataset import Dataset, from_frame
from custseg.datasets import scf

__all__ = ["load_dataset", "builtin_names"]

_SCF_ID_COLUMNS = {"YY1", "Y1", "WGT"}


def builtin_names() -> list[str]:
    """Names of the built-in datasets (``scf2019``, ``scf2022``)."""
    return list(scf.RELEASES)


def load_dataset(
    source: str | Path,
    *,
    id_columns: tuple[str, ...] = (),
    weight_column: str | None = None,
) -> Dataset:
    """Load a built-in dataset by name, or a customer table from a file.

    Parameters
    ----------
    source : str or path
        ``scf2019``/``scf2022``, or a CSV/TSV/Parquet file. A file with the SCF's id and weight
        columns is described as the SCF.
    id_columns : tuple of str
        For plain tables: the columns identifying a customer.
    weight_column : str, optional
        For plain tables: a column of row weights.

    Returns
    -------
    Dataset

    Raises
    ------
    CustsegError
        If the source cannot be found or read.
    """
    text = str(source)
    if scf.is_scf_name(text) and not Path(text).exists():
        return scf.load(text)
    frame = io.read_table(text)
    if set(frame.columns) >= _SCF_ID_COLUMNS and not id_columns:
        return scf.scf_dataset(frame, name=Path(text).name, provenance={"file": text})
    return from_frame(
        frame, name=Path(text).name, id_columns=tuple(id_columns), weight_column=weight_column
    )
