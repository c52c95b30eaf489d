"""Every choice of a segmentation run, checked when it is made."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from custseg import defaults
from custseg.engine import COVARIANCE_TYPES, METHODS
from custseg.errors import CustsegError
from custseg.limits import check_counts
from custseg.metrics import SILHOUETTE_MAX_ROWS
from custseg.population import parse_condition
from custseg.preprocess import SCALERS, TRANSFORM_CHOICES
from custseg.selection import DEFAULT_TRIM
from custseg.survey import IMPLICATE_MODES

MISSING_MODES = ("impute", "drop")
#: The seed's selection methods and the share each cuts from each tail.
SELECTIONS = {"trimmed-variance": DEFAULT_TRIM, "variance": 0.0}
SELECT_CHOICES = ("auto", *SELECTIONS)
#: Default smallest segment a recommended k may have, as a share of the (weighted) population.
MIN_SEGMENT_SHARE = defaults.MIN_SEGMENT


def parse_k_range(text: str) -> tuple[int, int]:
    """Read ``"2-12"`` as (2, 12).

    Raises
    ------
    CustsegError
        If the text is not two whole numbers joined by a dash, in order, from 2 up.
    """
    match = re.fullmatch(r"\s*(\d+)\s*[-:]\s*(\d+)\s*", text)
    if not match:
        raise CustsegError(
            f"Cannot read the k range {text!r}.", hint="Write it as LOW-HIGH, e.g. 2-12."
        )
    return int(match[1]), int(match[2])


@dataclass(frozen=True, kw_only=True)
class SegmentationConfig:
    """Every choice of a segmentation run; the same names and defaults
    (:mod:`custseg.defaults`) as the CLI options and the dashboard's opening view.

    Parameters
    ----------
    population : str, default "all"
        A named population of the dataset (``small-business``...).
    where : tuple of str
        Extra ``COLUMN OP VALUE`` conditions, all of which must hold.
    select : {"auto", "trimmed-variance", "variance"}
        How to choose features when ``features`` is empty. ``auto``: the population's feature
        set (SCF populations) or the numeric columns ranked in model space, skipping
        near-duplicates (see :mod:`custseg.feature_choice`); the others are the seed's ranking
        by raw (trimmed) variance, without the guard.
    n_features : int, optional
        How many numeric features to select; by default the population's feature set, 5 for
        the seed's methods on the SCF, and every numeric column (at most 10) for other
        tables.
    features : tuple of str
        Features named explicitly (overrides ``select``); categorical ones are one-hot encoded.
    categorical : tuple of str
        Extra columns to treat as categorical features.
    transform : {"auto", "none", "log", "asinh", "scaled-asinh"}
        Applied to numeric features before scaling; ``asinh`` handles negative amounts;
        ``scaled-asinh`` is asinh(x / s), s the typical non-zero magnitude; ``auto`` applies
        scaled-asinh to money and strongly skewed features and leaves the others.
    missing : {"impute", "drop"}
        Missing values: imputed inside the saved model (median, most frequent category), or
        their rows dropped.
    scale : {"standard", "robust"}
    k_range : (int, int), default (2, 12)
        The sweep, inclusive.
    k : int, optional
        The final number of segments; the recommended k when None.
    min_segment : float, default 0.02
        The smallest segment a recommended k may have, as a share of the (weighted)
        population; surveys also need ``MIN_SEGMENT_HOUSEHOLDS`` households per segment.
    random_state : int, default 42
        Seeds KMeans and the silhouette sample.
    weight : str or None, default "auto"
        A column of row weights; "auto" uses the dataset's survey weight (``WGT`` for the SCF,
        none for plain tables); None fits unweighted.
    implicates : {"pooled", "first", "separate"}
        For multiply-imputed surveys: fit on all rows with the weights (pooled), on implicate 1
        only, or also refit every implicate on its own to measure the spread of the results
        (separate; the saved model is the pooled one).
    bootstrap : int, default 10
        Resamples (of households, or rows) for the stability of every k; 0 skips it.
    n_init : int, default 10
        KMeans restarts per k.
    engine : str, default "local"
    silhouette_max_rows : int, default 20000
        Above this many rows the silhouette is estimated on a seeded sample.
    method : {"kmeans", "gmm", "ward", "hdbscan", "kprototypes"}
        The segmentation algorithm (see :mod:`custseg.engine`). For ``hdbscan`` the sweep
        varies the minimum segment size and ``k_range`` bounds the k it may find.
    covariance : {"full", "diag", "tied", "spherical"}
        Covariance type of the Gaussian mixture (``method="gmm"``).
    rule_depth : int, default 3
        Depth of the decision tree that describes the segments as rules (1-8).
    """

    population: str = defaults.POPULATION
    where: tuple[str, ...] = ()
    select: str = defaults.SELECT
    n_features: int | None = defaults.N_FEATURES
    features: tuple[str, ...] = ()
    categorical: tuple[str, ...] = ()
    transform: str = defaults.TRANSFORM
    missing: str = defaults.MISSING
    scale: str = defaults.SCALE
    k_range: tuple[int, int] = defaults.K_RANGE
    k: int | None = defaults.K
    min_segment: float = defaults.MIN_SEGMENT
    random_state: int = defaults.RANDOM_STATE
    weight: str | None = defaults.WEIGHT
    implicates: str = defaults.IMPLICATES
    bootstrap: int = defaults.BOOTSTRAP
    n_init: int = defaults.N_INIT
    engine: str = defaults.ENGINE
    silhouette_max_rows: int = SILHOUETTE_MAX_ROWS
    method: str = defaults.METHOD
    covariance: str = defaults.COVARIANCE
    rule_depth: int = defaults.RULE_DEPTH

    def __post_init__(self) -> None:
        for value, choices, option in (
            (self.select, SELECT_CHOICES, "--select"),
            (self.transform, TRANSFORM_CHOICES, "--transform"),
            (self.missing, MISSING_MODES, "--missing"),
            (self.scale, SCALERS, "--scale"),
            (self.implicates, IMPLICATE_MODES, "--implicates"),
            (self.method, METHODS, "--method"),
            (self.covariance, COVARIANCE_TYPES, "--covariance"),
        ):
            if value not in choices:
                raise CustsegError(
                    f"Unknown {option} {value!r}.", hint=f"Choose one of: {', '.join(choices)}."
                )
        for condition in self.where:
            parse_condition(condition)  # a typo fails here, before any data is read
        low, high = self.k_range
        if low < 2 or high < low:
            raise CustsegError(
                f"The k range {low}-{high} is invalid: it must start at 2 or more "
                "and not end below its start."
            )
        if self.k is not None and self.k < 2:
            raise CustsegError(
                f"k={self.k} is too small: a segmentation needs at least 2 segments."
            )
        if self.n_features is not None and self.n_features < 1:
            raise CustsegError(f"--n-features {self.n_features} must be at least 1.")
        if not 0 <= self.min_segment < 0.5:
            raise CustsegError(
                f"--min-segment {self.min_segment} must be a share from 0 up to 0.5 "
                "(e.g. 0.02 for 2%)."
            )
        if self.n_init < 1:
            raise CustsegError(f"n_init={self.n_init} must be at least 1.")
        if self.implicates == "separate" and self.method != "kmeans":
            raise CustsegError(
                "--implicates separate refits KMeans on every implicate; it is not available "
                f"for --method {self.method}.",
                hint="Use --implicates pooled (the default) or first.",
            )
        if self.bootstrap < 0:
            raise CustsegError(f"--bootstrap {self.bootstrap} must be 0 or more.")
        check_counts(
            k_high=high,
            k=self.k,
            bootstrap=self.bootstrap,
            n_features=self.n_features,
            random_state=self.random_state,
        )
        if not 1 <= self.rule_depth <= 8:
            raise CustsegError(
                f"--rule-depth {self.rule_depth} must be from 1 to 8.",
                hint="Rules deeper than 8 conditions are no longer readable.",
            )

    @property
    def ks(self) -> list[int]:
        """Every k to fit: the range, plus the chosen k if it lies outside."""
        ks = set(range(self.k_range[0], self.k_range[1] + 1))
        if self.k is not None:
            ks.add(self.k)
        return sorted(ks)


#: The reference analysis custseg reproduces exactly (README "Segment"): SCF small-business
#: owners, unweighted, the five features of highest 10%-trimmed variance, StandardScaler +
#: KMeans for k = 2..12 with random_state 42, three segments shown.
REFERENCE = SegmentationConfig(
    population="small-business",
    select="trimmed-variance",
    n_features=5,
    transform="none",
    scale="standard",
    weight=None,
    k=3,
    k_range=(2, 12),
    random_state=42,
)


def fit_sweep_to(
    config: SegmentationConfig, n_points: int, points: str, warnings: list[str]
) -> SegmentationConfig:
    """``config`` with a sweep every k of which is below ``n_points``.

    A chosen ``--k`` that fits keeps the run going with the sweep cut short (and a warning
    appended to ``warnings``); otherwise the message names what the user asked for.

    Raises
    ------
    CustsegError
        If the chosen k, or the whole sweep without one, needs more points.
    """
    low, high = config.k_range
    if max(config.ks) < n_points:
        return config
    if config.k is not None and config.k >= n_points:
        raise CustsegError(
            f"The population has {points}, too few for --k {config.k} "
            "(k must be below the number of points).",
            hint="Lower --k or widen the population.",
        )
    if config.k is not None:
        warnings.append(
            f"The population has {points}: the k sweep stops at {n_points - 1} instead of {high}."
        )
        return replace(config, k_range=(min(low, config.k), n_points - 1))
    raise CustsegError(
        f"The population has {points}, too few for --k-range {low}-{high} "
        "(k must be below the number of points).",
        hint="Lower --k-range (or choose --k) or widen the population.",
    )
