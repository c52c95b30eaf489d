"""What a dashboard view shows, and how it travels in the page's URL.

The URL is the only per-user state: a view can be shared and reloaded, and no user's choice is
kept on the server.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from urllib.parse import parse_qs, urlencode

from custseg.engine import METHODS
from custseg.preprocess import TRANSFORMS

K_MIN, K_MAX = 2, 12
N_FEATURES_MAX = 10


@dataclass(frozen=True)
class ViewState:
    """Every control of the segments view.

    ``features`` (named features) overrides automatic selection of ``n_features`` by
    (trimmed) variance. ``weighted`` uses the dataset's survey weight, if it has one.
    """

    dataset: str = "scf2019"
    population: str = "small-business"
    weighted: bool = True
    trimmed: bool = True
    n_features: int = 5
    features: tuple[str, ...] = ()
    transform: str = "none"
    k: int = 3
    method: str = "kmeans"

    def to_search(self) -> str:
        """The URL query string, ``?dataset=...``."""
        query = {
            "dataset": self.dataset,
            "population": self.population,
            "weighted": int(self.weighted),
            "trimmed": int(self.trimmed),
            "n_features": self.n_features,
            "transform": self.transform,
            "k": self.k,
        }
        if self.features:
            query["features"] = ",".join(self.features)
        if self.method != "kmeans":
            query["method"] = self.method
        return "?" + urlencode(query)

    def sweep_key(self) -> ViewState:
        """The part of the state that decides the sweep (everything but k)."""
        return replace(self, k=0)


def _int(value: str, default: int, low: int, high: int) -> int:
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
    method = query.get("method", defaults.method)
    features = tuple(f for f in query.get("features", "").split(",") if f)
    return ViewState(
        dataset=dataset if dataset in datasets else defaults.dataset,
        population=population if population in populations else defaults.population,
        weighted=query.get("weighted", str(int(defaults.weighted))) != "0",
        trimmed=query.get("trimmed", str(int(defaults.trimmed))) != "0",
        n_features=_int(query.get("n_features", ""), defaults.n_features, 1, N_FEATURES_MAX),
        features=features,
        transform=transform if transform in TRANSFORMS else defaults.transform,
        k=_int(query.get("k", ""), defaults.k, K_MIN, K_MAX),
        method=checked_method(method, defaults.method),
    )


def checked_method(value: object, default: str = "kmeans") -> str:
    """``value`` if it names a segmentation method, else ``default``: a browser may send
    anything."""
    return value if isinstance(value, str) and value in METHODS else default
