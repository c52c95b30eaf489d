"""The segmentation core: population -> features -> transform -> scale -> k sweep -> model.

Pure computation: no files, no plotting, no command line. :func:`prepare` does everything up to
the model-space matrix (:mod:`custseg.preparation`), :func:`run_sweep` fits every k
(:mod:`custseg.sweep`), and :func:`finish` turns one k into a :class:`SegmentationResult`
(:mod:`custseg.result`). :func:`segment` runs all three.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline

from custseg import drift, threads
from custseg.assess import assess
from custseg.config import MISSING_MODES, SELECTIONS, SegmentationConfig, parse_k_range
from custseg.dataset import Dataset, is_numeric
from custseg.engine import Fit, get_engine, get_method
from custseg.errors import CustsegError
from custseg.formatting import count, counted, percent
from custseg.model import SegmentModel
from custseg.personas import Persona, describe_segments, make_up
from custseg.precision import MIN_HOUSEHOLDS
from custseg.preparation import Prepared, prepare
from custseg.profiles import profile_segments
from custseg.result import WEIGHTING_NOTE, SegmentationResult, versions
from custseg.roles import yes_no_columns
from custseg.stats import principal_components
from custseg.survey import ImplicateReport, implicate_report, separate_fits
from custseg.sweep import Sweep, run_sweep, sweep_steps

__all__ = [
    "MISSING_MODES",
    "OUT_OF_RANGE_QUANTILE",
    "SELECTIONS",
    "WEIGHTING_NOTE",
    "Prepared",
    "SegmentationConfig",
    "SegmentationResult",
    "Sweep",
    "finish",
    "parse_k_range",
    "prepare",
    "run_sweep",
    "segment",
    "sweep_steps",
    "versions",
]


def _sample_households(prepared: Prepared, profiles: pd.DataFrame) -> np.ndarray | None:
    """Sample households behind each segment: its rows over the number of implicates."""
    if prepared.implicates is None:
        return None
    return profiles["n_rows"].to_numpy() / len(np.unique(prepared.implicates))


def _size_texts(prepared: Prepared, profiles: pd.DataFrame) -> list[str]:
    """``'Segment 2: 7.3 M US households (30.7% of ...; 274 sample households)'``; rows when
    unweighted, and the sample households behind them whenever a survey repeats each household
    over its implicates (its rows are not households)."""
    dataset, selection = prepared.dataset, prepared.selection
    noun = dataset.populations[selection.population].noun
    unit = dataset.weight_unit or "weighted rows"
    households = _sample_households(prepared, profiles)
    texts = []
    for i, r in enumerate(profiles.itertuples()):
        if prepared.weights is None:
            size = counted(r.n_rows, "row")
        else:
            size = f"{count(r.weighted_count)} {unit}"
        text = f"Segment {int(r.segment)}: {size} ({percent(r.share)} of {noun}"
        if households is not None:
            text += f"; {households[i]:,.0f} sample households"
            if households[i] < MIN_HOUSEHOLDS:
                text += f", fewer than {MIN_HOUSEHOLDS}: too few for a reliable estimate"
        texts.append(text + ")")
    return texts


#: The name of segment 0: the customers a density method leaves in no segment.
UNASSIGNED_NAME = "Unassigned / outliers"


def _last_first(frame: pd.DataFrame, k: int) -> pd.DataFrame:
    """Segment ``k + 1`` (unassigned, numbered last while counting) becomes segment 0, first."""
    frame = frame.copy()
    frame["segment"] = frame["segment"].replace({k + 1: 0})
    return frame.sort_values("segment", kind="stable").reset_index(drop=True)


def _implicates(
    prepared: Prepared, fit: Fit, segments: np.ndarray, k: int
) -> ImplicateReport | None:
    implicates = prepared.implicates
    if implicates is None:
        return None
    weights = prepared.weights if prepared.weights is not None else np.ones(prepared.n_rows)
    by_implicate = None
    if prepared.config.implicates == "separate":
        by_implicate = separate_fits(
            prepared.Z,
            implicates,
            weights,
            fit.centers,
            engine=get_engine(prepared.config.engine),
            random_state=prepared.config.random_state,
            n_init=prepared.config.n_init,
        )
    unassigned = bool((segments == 0).any())
    report = implicate_report(
        prepared.config.implicates,
        prepared.households,
        implicates,
        np.where(segments == 0, k + 1, segments) if unassigned else segments,
        weights,
        k + unassigned,
        by_implicate,
    )
    return replace(report, sizes=_last_first(report.sizes, k)) if unassigned else report


def _personas(
    prepared: Prepared, segments: np.ndarray, k: int, size_texts: dict[int, str]
) -> list[Persona]:
    dataset = prepared.dataset
    descriptors = [
        c
        for c in dataset.descriptors(prepared.numeric)
        if c in dataset.frame.columns
        and is_numeric(dataset.frame[c])
        and c not in dataset.categorical_columns
    ]
    frame = dataset.frame.loc[prepared.rows]
    groups = list(dict.fromkeys([*dataset.demographic_columns, *prepared.categorical]))
    demographics = make_up(frame, segments, k, groups, dataset.value_labels, prepared.weights)
    return describe_segments(
        frame[descriptors],
        segments,
        k,
        labels={c: dataset.label(c) for c in descriptors},
        noun=dataset.populations[prepared.selection.population].noun,
        size_texts=size_texts,
        weights=prepared.weights,
        money_columns=[c for c in descriptors if c in dataset.dollar_columns],
        words=dataset.trait_words,
        demographics=demographics,
        demographic_labels={c: dataset.label(c) for c in groups},
        flag_columns=yes_no_columns(frame[descriptors], dataset.flag_columns),
    )


def _trait_text(trait) -> str:
    """``'Net worth (median at percentile 31; -0.52 sd)'``; a flag by its shares of yes."""
    if trait.share:
        where = (
            f"{percent(trait.segment_median, 0)} yes against {percent(trait.population_median, 0)}"
        )
    else:
        where = f"median at percentile {trait.percentile:.0f}"
    return f"{trait.label} ({where}; {trait.difference:+.2f} sd)"


def _profile_table(
    prepared: Prepared, segments: np.ndarray, k: int, implicates: ImplicateReport | None
) -> tuple[pd.DataFrame, list[Persona]]:
    """``segment, n_rows, share`` (+ weighted count and implicate spread), the persona's name
    and size in words, feature means and medians, then description and make-up.

    Unassigned customers (segment 0) get their own first row, counted as segment k + 1 by the
    profiling code and never merged into a segment.
    """
    unassigned = bool((segments == 0).any())
    counted = np.where(segments == 0, k + 1, segments) if unassigned else segments
    n_groups = k + unassigned
    profiles = profile_segments(
        prepared.values, counted, k=n_groups, sample_weight=prepared.weights
    )
    if unassigned:
        profiles = _last_first(profiles, k)
    size_texts = _size_texts(prepared, profiles)
    numbers = [k + 1 if s == 0 else s for s in profiles["segment"]]
    personas = _personas(prepared, counted, n_groups, dict(zip(numbers, size_texts, strict=True)))
    if unassigned:
        outliers = replace(
            personas[-1],
            segment=0,
            name=UNASSIGNED_NAME,
            description="In no dense region of the data: left unassigned rather than forced "
            f"into a segment. {personas[-1].description}",
        )
        personas = [outliers, *personas[:-1]]
    columns = list(profiles.columns)
    position = (  # before the feature columns (there are none with only categorical features)
        columns.index(f"{prepared.numeric[0]}_mean") if prepared.numeric else len(columns)
    )
    inserted = {}
    if implicates is not None and implicates.n_implicates > 1:
        spread = implicates.sizes.drop(columns="segment")
        if prepared.weights is None:
            spread = spread.drop(columns=[c for c in spread if c.startswith("count")])
        inserted.update({column: spread[column].to_numpy() for column in spread})
    inserted.update({"name": [p.name for p in personas], "size": size_texts})
    if prepared.dataset.provenance.get("dollars_of"):
        # profiles.csv holds money medians: say in which year's dollars, on every row.
        inserted["dollars_of"] = prepared.dataset.provenance["dollars_of"]
    households = _sample_households(prepared, profiles)
    if households is not None:
        inserted.update(
            {"sample_households": households, "few_households": households < MIN_HOUSEHOLDS}
        )
    for offset, (column, values) in enumerate(inserted.items()):
        profiles.insert(position + offset, column, values)
    profiles["description"] = [p.description for p in personas]
    profiles["distinguishing"] = ["; ".join(map(_trait_text, p.traits)) for p in personas]
    make_up: dict[str, list[float]] = {}  # one column per category, in order of appearance
    for row, persona in enumerate(personas):
        for variable, shares in persona.make_up.items():
            for label, share in shares.items():
                make_up.setdefault(f"{variable}={label}", [np.nan] * len(personas))[row] = share
    if make_up:
        profiles = pd.concat([profiles, pd.DataFrame(make_up, index=range(len(personas)))], axis=1)
    for feature in prepared.categorical:  # categorical features: the mode and its share
        modes = [_mode(persona.make_up.get(feature, {})) for persona in personas]
        profiles[f"{feature}_mode"] = [label for label, _ in modes]
        profiles[f"{feature}_mode_share"] = [share for _, share in modes]
    return profiles, personas


def _mode(shares: dict[str, float]) -> tuple[str, float]:
    """The most common category and its share (empty and NaN for an empty segment)."""
    return max(shares.items(), key=lambda item: item[1]) if shares else ("", np.nan)


#: Scored customers farther from their centre than this quantile of the training rows'
#: distances are flagged as outside the training data.
OUT_OF_RANGE_QUANTILE = 0.999


def _distance_cutoff(Z: np.ndarray, fit: Fit, method: str) -> float:
    distances = get_method(method).row_distances(fit, Z)
    return float(np.quantile(distances, OUT_OF_RANGE_QUANTILE))


def finish(prepared: Prepared, sweep: Sweep, k: int | None = None) -> SegmentationResult:
    """Build the result for ``k`` (default: the configured or recommended k) from a sweep."""
    with threads.for_fit(*prepared.Z.shape):
        return _finish(prepared, sweep, k)


def _finish(prepared: Prepared, sweep: Sweep, k: int | None) -> SegmentationResult:
    k = k or prepared.config.k or sweep.recommendation.k
    if k not in sweep.fits:
        swept = get_method(prepared.config.method)
        if swept.parameter == "k":
            raise CustsegError(
                f"k={k} was not part of the sweep ({min(sweep.fits)}-{max(sweep.fits)})."
            )
        raise CustsegError(
            f"{swept.label} found no segmentation with k={k}; varying {swept.parameter}, it "
            f"found k = {', '.join(map(str, sweep.fits))}.",
            hint="Choose one of those k.",
        )
    fit = sweep.fits[k]
    segments = fit.labels + 1  # unassigned (-1) becomes segment 0
    method = prepared.config.method
    mean, components, ratio = principal_components(prepared.Z, sample_weight=prepared.weights)
    dataset = prepared.dataset
    model = SegmentModel(
        pipeline=Pipeline([("preprocess", prepared.preprocessor), (method, fit.estimator)]),
        features=prepared.features,
        projection_mean=mean,
        projection_components=components,
        metadata={
            "source": dataset.name,
            "population": prepared.selection.population,
            "population_description": prepared.selection.description,
            "conditions": list(prepared.selection.conditions),
            "where": list(prepared.config.where),
            "k": k,
            "n_rows": prepared.n_rows,
            "feature_labels": {f: dataset.label(f) for f in prepared.features},
            "numeric_features": prepared.numeric,
            "categorical_features": prepared.categorical,
            "transform": prepared.transform,
            "distance_cutoff": _distance_cutoff(prepared.Z, fit, method),
            "method": method,
            **get_method(method).model_metadata(fit),
            "scale": prepared.config.scale,
            "weight": prepared.weight_column,
            "random_state": prepared.config.random_state,
            "dollars_of": dataset.provenance.get("dollars_of"),
            "dollar_features": [f for f in prepared.features if f in dataset.dollar_columns],
        },
    )
    coords = model.project(prepared.Z)
    result_pca = pd.DataFrame({"pc1": coords[:, 0], "pc2": coords[:, 1], "segment": segments})
    implicates = _implicates(prepared, fit, segments, k)
    profiles, personas = _profile_table(prepared, segments, k, implicates)
    model.metadata["segment_names"] = {str(p.segment): p.name for p in personas}
    model.metadata["drift_reference"] = drift.reference(
        prepared.values,
        segments,
        k=k,
        sample_weight=prepared.weights,
        random_state=prepared.config.random_state,
    )

    return SegmentationResult(
        prepared=prepared,
        sweep=sweep,
        k=k,
        segments=segments,
        model=model,
        pca=result_pca,
        explained_variance_ratio=ratio,
        profiles=profiles,
        personas=personas,
        implicates=implicates,
        warnings=assess(prepared, sweep, k, segments, ratio),
    )


def segment(
    dataset: Dataset | str,
    config: SegmentationConfig | None = None,
    *,
    progress: Callable[[], None] | None = None,
    **options: Any,
) -> SegmentationResult:
    """Run a whole segmentation.

    Parameters
    ----------
    dataset : Dataset or str
        A loaded dataset, or a source name/path for :func:`custseg.load_dataset`.
    config : SegmentationConfig, optional
        All choices; alternatively pass them as keyword ``options``.
    progress : callable, optional
        Called after each step of the sweep (see :func:`sweep_steps`).

    Examples
    --------
    >>> result = segment("scf2019", population="small-business", k=3)  # doctest: +SKIP
    >>> result.profiles  # doctest: +SKIP
    """
    if isinstance(dataset, str):
        from custseg.datasets import load_dataset

        dataset = load_dataset(dataset)
    if config is None:
        config = SegmentationConfig(**options)
    elif options:
        raise TypeError("pass either config or keyword options, not both")
    prepared = prepare(dataset, config)
    return finish(prepared, run_sweep(prepared, progress=progress))
