"""Segmentation methods behind one seam.

Every method is a :class:`~custseg.engine.base.Method` in its own module, registered in
``METHODS``; the core (sweep, stability, result, saved model) talks to methods only through it.
Adding a method is one module plus one line here (and its tests).
"""

from __future__ import annotations

from custseg.engine.base import NOISE, Assignment, Fit, Method, MethodOptions
from custseg.engine.density import HDBSCANMethod
from custseg.engine.gmm import GaussianMixtureMethod
from custseg.engine.kmeans import (
    ENGINES,
    Engine,
    KMeansFit,
    KMeansMethod,
    LocalEngine,
    get_engine,
    order_clusters,
)
from custseg.engine.prototypes import KPrototypesMethod
from custseg.engine.ward import WardMethod
from custseg.errors import CustsegError

METHODS: dict[str, Method] = {
    method.name: method
    for method in (
        KMeansMethod(),
        GaussianMixtureMethod(),
        WardMethod(),
        HDBSCANMethod(),
        KPrototypesMethod(),
    )
}

__all__ = [
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


def get_method(name: str) -> Method:
    """The method called ``name``.

    Raises
    ------
    CustsegError
        For an unknown method.
    """
    if name not in METHODS:
        raise CustsegError(
            f"Unknown --method {name!r}.", hint=f"Choose one of: {', '.join(METHODS)} (or all)."
        )
    return METHODS[name]
