"""The default of every choice of a segmentation run, stated once.

:class:`~custseg.config.SegmentationConfig` (the Python API), the command line's options and the
dashboard's opening view all take their defaults from here, so the three give the same segments
for the same data and options. Plain values only: the command line reads them before it loads
any fitting code.
"""

from __future__ import annotations

POPULATION = "all"
SELECT = "auto"
#: None: the population's feature set, 5 for the seed's rankings on the SCF, every numeric
#: column (at most 10) of other tables.
N_FEATURES: int | None = None
#: How many features the seed's rankings (--select trimmed-variance or variance) pick on the
#: SCF when --n-features is not given.
SCF_RANKED_FEATURES = 5
TRANSFORM = "auto"
MISSING = "impute"
SCALE = "standard"
K_RANGE = (2, 12)
#: None: the recommended k.
K: int | None = None
#: The smallest segment a recommended k may have, as a share of the (weighted) population.
MIN_SEGMENT = 0.02
RANDOM_STATE = 42
#: "auto": the dataset's survey weight (WGT for the SCF), none for plain tables.
WEIGHT = "auto"
IMPLICATES = "pooled"
BOOTSTRAP = 10
N_INIT = 10
ENGINE = "local"
METHOD = "kmeans"
COVARIANCE = "full"
RULE_DEPTH = 3

#: What ``custseg dashboard`` opens on without arguments: the README's main job, the 2019
#: survey's small-business owners. Other tables open on ``POPULATION``.
DASHBOARD_SOURCE = "scf2019"
DASHBOARD_SCF_POPULATION = "small-business"


def k_range_text(k_range: tuple[int, int] = K_RANGE) -> str:
    """``(2, 12)`` as the command line writes it, ``"2-12"``."""
    return f"{k_range[0]}-{k_range[1]}"
