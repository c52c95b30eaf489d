"""custseg: customer segments people can act on.

The core (this package minus :mod:`custseg.cli`, :mod:`custseg.figures`, :mod:`custseg.report`,
:mod:`custseg.runs` and :mod:`custseg.dashboard`) imports no plotting, web or command-line code.
"""

from custseg._version import __version__
from custseg.dataset import Dataset
from custseg.datasets import load_dataset
from custseg.errors import CustsegError
from custseg.model import SegmentModel
from custseg.segmentation import (
    SegmentationConfig,
    SegmentationResult,
    finish,
    prepare,
    run_sweep,
    segment,
)
from custseg.selection import TrimmedVarianceSelector

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
    "segment",
]
