"""Run folders as custseg wrote them before its own model file format (a skops model)."""

from pathlib import Path

from custseg import io
from custseg.model import LEGACY_MODEL_FILENAME, MODEL_FILENAME, TRUSTED_TYPES


def as_skops_run(folder: Path) -> None:
    """Replace a run folder's model by the same model in skops' format, as older runs hold it."""
    import skops.io

    artifact = io.load_model(folder / MODEL_FILENAME, trusted=TRUSTED_TYPES)
    skops.io.dump(artifact, folder / LEGACY_MODEL_FILENAME)
    (folder / MODEL_FILENAME).unlink()
