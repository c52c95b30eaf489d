"""Where data comes from: built-in datasets and customer tables, behind one function."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from custseg import io
from custseg.dataset import Dataset, from_frame
from custseg.datasets import scf

__all__ = ["load_dataset", "builtin_names", "record_load_options"]

_SCF_ID_COLUMNS = {"YY1", "Y1", "WGT"}


def builtin_names() -> list[str]:
    """Names of the built-in datasets (``scf2019``, ``scf2022``)."""
    return list(scf.RELEASES)


def load_dataset(
    source: str | Path,
    *,
    id_columns: tuple[str, ...] = (),
    weight_column: str | None = None,
    categorical: tuple[str, ...] = (),
    exclude: tuple[str, ...] = (),
    sheet: str | None = None,
) -> Dataset:
    """Load a built-in dataset by name, or a customer table from a file.

    Parameters
    ----------
    source : str or path
        ``scf2019``/``scf2022``; a CSV/TSV/Parquet/Excel file; or a SQL source
        (``duckdb:///file.db?table=T``, ``sqlite:///file.db?query=...``, a SQLAlchemy URL with
        ``?table=``). A table with the SCF's id and weight columns is described as the SCF.
    id_columns : tuple of str
        For plain tables: the columns identifying a customer (inferred when empty).
    weight_column : str, optional
        For plain tables: a column of row weights.
    categorical, exclude : tuple of str
        For plain tables: columns to treat as categorical, and columns never to use.
    sheet : str, optional
        The Excel sheet (the first by default).

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
        return _recording_load(scf.load(text), text)
    if io.is_sql(text):
        frame = io.read_sql(text)
        name = io.parse_sql(text).table or "query"
    else:
        frame = io.read_table(text, sheet=sheet)
        name = Path(text).name
    if set(frame.columns) >= _SCF_ID_COLUMNS and not id_columns:
        provenance = scf.file_provenance(frame, Path(text)) if not io.is_sql(text) else {}
        dataset = scf.scf_dataset(frame, name=name, provenance=provenance or {"file": text})
    else:
        dataset = from_frame(
            frame,
            name=name,
            id_columns=tuple(id_columns),
            weight_column=weight_column,
            categorical=tuple(categorical),
            exclude=tuple(exclude),
        )
    source_spec = text if io.is_sql(text) else str(Path(text).expanduser().resolve())
    return _recording_load(
        dataset,
        source_spec,
        id_columns=list(id_columns),
        weight_column=weight_column,
        categorical=list(categorical),
        exclude=list(exclude),
        sheet=sheet,
    )


def _recording_load(dataset: Dataset, source: str, **options) -> Dataset:
    """``dataset`` with how to load it again in its provenance (``load``), so that a run can
    be edited later; a password in a database URL is not kept."""
    return record_load_options(dataset, source=io.redact_password(source), **options)


def record_load_options(dataset: Dataset, **options) -> Dataset:
    """``dataset`` with ``options`` added to how it was loaded (``provenance["load"]``)."""
    load = {**dataset.provenance.get("load", {}), **options}
    return replace(dataset, provenance={**dataset.provenance, "load": load})
