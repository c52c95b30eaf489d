"""custseg: customer segments people can act on.

The core (this package minus :mod:`custseg.cli`, :mod:`custseg.figures`, :mod:`custseg.report`,
:mod:`custseg.runs` and :mod:`custseg.dashboard`) imports no plotting, web or command-line code.

The names below are imported on first use, so that ``import custseg`` (and ``custseg
--version``) does not pay for scikit-learn, pandas or SciPy until something needs them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from custseg._version import __version__

#: Public name -> the module that defines it.
_EXPORTS = {
    "CustsegError": "custseg.errors",
    "Dataset": "custseg.dataset",
    "SegmentModel": "custseg.model",
    "SegmentationConfig": "custseg.segmentation",
    "SegmentationResult": "custseg.segmentation",
    "TrimmedVarianceSelector": "custseg.selection",
    "finish": "custseg.segmentation",
    "load_dataset": "custseg.datasets",
    "prepare": "custseg.segmentation",
    "run_sweep": "custseg.segmentation",
    "save_run": "custseg.runs",
    "segment": "custseg.segmentation",
}

__all__ = [
    "CustsegError",
    "Dataset",
    "SegmentModel",
    "SegmentationConfig",
    "SegmentationResult",
    "TrimmedVarianceSelector",
    "__version__",
    "finish",
    "load_dataset",
    "prepare",
    "run_sweep",
    "save_run",
    "segment",
]

if TYPE_CHECKING:
    from custseg.dataset import Dataset
    from custseg.datasets import load_dataset
    from custseg.errors import CustsegError
    from custseg.model import SegmentModel
    from custseg.runs import save_run
    from custseg.segmentation import (
        SegmentationConfig,
        SegmentationResult,
        finish,
        prepare,
        run_sweep,
        segment,
    )
    from custseg.selection import TrimmedVarianceSelector


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'custseg' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
