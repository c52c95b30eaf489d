"""What a dashboard view shows, and how it travels in the page's URL.

The URL is the only per-user state: a view can be shared and reloaded, and no user's choice is
kept on the server.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from urllib.parse import parse_qs, urlencode

from custseg import defaults
from custseg.config import SELECT_CHOICES
from custseg.engine import METHODS
from custseg.preprocess import TRANSFORM_CHOICES

K_MIN, K_MAX = defaults.K_RANGE
N_FEATURES_MAX = 10


@dataclass(frozen=True)
class ViewState:
    """Every control of the segments view; the defaults are the command line's
    (:mod:`custseg.defaults`), so the opening view shows the segments ``custseg segment`` finds.

    ``select`` is ``--select``: ``auto`` takes the population's feature set, the seed's
    rankings take the ``n_features`` with the highest (trimmed) variance. ``features`` (named
    features) overrides both. ``weighted`` uses the dataset's survey weight, if it has one.
    ``k`` None is the recommended k.
    """

    dataset: str = defaults.DASHBOARD_SOURCE
    population: str = defaults.DASHBOARD_SCF_POPULATION
    weighted: bool = defaults.WEIGHT is not None
    select: str = defaults.SELECT
    n_features: int = defaults.SCF_RANKED_FEATURES
    features: tuple[str, ...] = ()
    transform: str = defaults.TRANSFORM
    k: int | None = defaults.K
    method: str = defaults.METHOD

    def to_search(self) -> str:
        """The URL query string, ``?dataset=...``."""
        query = {
            "dataset": self.dataset,
            "population": self.population,
            "weighted": int(self.weighted),
            "select": self.select,
            "n_features": self.n_features,
            "transform": self.transform,
        }
        if self.k is not None:
            query["k"] = self.k
        if self.features:
            query["features"] = ",".join(self.features)
        if self.method != "kmeans":
            query["method"] = self.method
        return "?" + urlencode(query)

    def sweep_key(self) -> ViewState:
        """The part of the state that decides the sweep (everything but k)."""
        return replace(self, k=0)


def _int(value: str, default: int | None, low: int, high: int) -> int | None:
    try:
        number = int(value)
    except ValueError:
        return default
    return number if low <= number <= high else default


def from_search(
    search: str | None, *, defaults: ViewState, datasets: list[str], populations: list[str]
) -> ViewState:
    """Read a view from a URL query string; anything unknown falls back to ``defaults``.

    Only listed datasets and populations are accepted, so a URL can never make the server read
    another file.
    """
    query = {key: values[-1] for key, values in parse_qs((search or "").lstrip("?")).items()}
    dataset = query.get("dataset", defaults.dataset)
    population = query.get("population", defaults.population)
    transform = query.get("transform", defaults.transform)
    select = query.get("select", defaults.select)
    method = query.get("method", defaults.method)
    features = tuple(f for f in query.get("features", "").split(",") if f)
    return ViewState(
        dataset=dataset if dataset in datasets else defaults.dataset,
        population=population if population in populations else defaults.population,
        weighted=query.get("weighted", str(int(defaults.weighted))) != "0",
        select=select if select in SELECT_CHOICES else defaults.select,
        n_features=_int(query.get("n_features", ""), defaults.n_features, 1, N_FEATURES_MAX),
        features=features,
        transform=transform if transform in TRANSFORM_CHOICES else defaults.transform,
        k=_int(query.get("k", ""), defaults.k, K_MIN, K_MAX),
        method=checked_method(method, defaults.method),
    )


def checked_method(value: object, default: str = "kmeans") -> str:
    """``value`` if it names a segmentation method, else ``default``: a browser may send
    anything."""
    return value if isinstance(value, str) and value in METHODS else default
