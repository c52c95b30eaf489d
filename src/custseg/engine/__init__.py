"""Segmentation methods behind one seam.

Every method is a :class:`~custseg.engine.base.Method` in a module of its own, registered in
``_REGISTRY``; the core (sweep, stability, result, saved model) talks to methods only through
:func:`get_method`. Adding a method is one module plus one line here (and its tests). Method
modules are imported on first use, so that importing custseg stays light.
"""

from __future__ import annotations

import importlib
from functools import cache

from custseg.engine.base import NOISE, Assignment, Fit, Method, MethodOptions
from custseg.engine.kmeans import (
    ENGINES,
    Engine,
    KMeansFit,
    LocalEngine,
    get_engine,
    order_clusters,
)
from custseg.errors import CustsegError

#: Method name -> (module, class).
_REGISTRY = {
    "kmeans": ("custseg.engine.kmeans", "KMeansMethod"),
    "gmm": ("custseg.engine.gmm", "GaussianMixtureMethod"),
    "ward": ("custseg.engine.ward", "WardMethod"),
    "hdbscan": ("custseg.engine.density", "HDBSCANMethod"),
    "kprototypes": ("custseg.engine.prototypes", "KPrototypesMethod"),
}
#: The method names, in the order they are offered.
METHODS = tuple(_REGISTRY)
#: Covariance types of the Gaussian mixture (``method="gmm"``).
COVARIANCE_TYPES = ("full", "diag", "tied", "spherical")

__all__ = [
    "COVARIANCE_TYPES",
    "ENGINES",
    "METHODS",
    "NOISE",
    "Assignment",
    "Engine",
    "Fit",
    "KMeansFit",
    "LocalEngine",
    "Method",
    "MethodOptions",
    "get_engine",
    "get_method",
    "order_clusters",
]


@cache
def get_method(name: str) -> Method:
    """The method called ``name``.

    Raises
    ------
    CustsegError
        For an unknown method.
    """
    if name not in _REGISTRY:
        raise CustsegError(
            f"Unknown --method {name!r}.", hint=f"Choose one of: {', '.join(METHODS)} (or all)."
        )
    module, cls = _REGISTRY[name]
    return getattr(importlib.import_module(module), cls)()
