"""Gaussian mixtures: elliptical segments of any orientation, with membership probabilities."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
from sklearn.metrics.pairwise import euclidean_distances
from sklearn.mixture import GaussianMixture

from custseg.engine.base import Assignment, Fit, Method, inertia, size_order
from custseg.formatting import counted
from custseg.recommend import STABILITY_THRESHOLD, Recommendation, recommend_k

#: A customer whose top membership probability is below this is flagged "borderline".
BORDERLINE_PROBABILITY = 0.6
#: EM restarts per k, each from k-means++ seeds (a full k-means initialisation tends to lock
#: EM into KMeans's round segments): fewer than KMeans's, as every one runs EM to convergence.
MAX_RESTARTS = 3


def _permute(mixture: GaussianMixture, order: np.ndarray) -> None:
    """Renumber the components in place: component ``order[i]`` becomes component ``i``."""
    mixture.weights_ = mixture.weights_[order]
    mixture.means_ = mixture.means_[order]
    if mixture.covariance_type != "tied":
        mixture.covariances_ = mixture.covariances_[order]
        mixture.precisions_ = mixture.precisions_[order]
        mixture.precisions_cholesky_ = mixture.precisions_cholesky_[order]


class GaussianMixtureMethod(Method):
    """scikit-learn's GaussianMixture for every k; segments are the most probable component.

    GaussianMixture takes no sample weights, so a weighted run is fitted on a seeded
    weight-proportional resample of the rows (the same number of rows) and every row is then
    assigned; BIC and AIC are those of the fitted rows.
    """

    name = "gmm"
    label = "Gaussian mixture"
    takes_weights = False

    def describe(self, *, n_rows, weighted, options):
        return {
            **super().describe(n_rows=n_rows, weighted=weighted, options=options),
            "covariance_type": options.covariance,
            "restarts": MAX_RESTARTS,
            "borderline_probability": BORDERLINE_PROBABILITY,
            **(
                {
                    "note": "one-hot categories enter the mixture as continuous columns; "
                    "their near-zero variance within a component inflates the likelihood and "
                    "pulls BIC towards many components: kprototypes models categories as such"
                }
                if options.category_sizes
                else {}
            ),
        }

    def recommend(self, table: pd.DataFrame, **rule) -> Recommendation:
        """The k of lowest BIC among the k whose segments are large enough (the shared rule's
        ``min_share`` and ``min_households``) and stable under resampling, if any is: BIC
        trades the mixture's fit against its number of parameters, the usual way to choose k."""
        shared = recommend_k(table, **rule)
        excluded = {}
        for row in table.itertuples():
            if getattr(row, "min_segment_share", 1.0) < rule.get("min_share", 0.0):
                excluded[int(row.k)] = f"smallest segment {row.min_segment_share:.1%}"
            elif getattr(row, "min_segment_households", np.inf) < (rule.get("min_households") or 0):
                excluded[int(row.k)] = counted(int(row.min_segment_households), "household")
            elif getattr(row, "stability", 1.0) < STABILITY_THRESHOLD:
                excluded[int(row.k)] = f"stability {row.stability:.2f}"
        qualified = table[~table["k"].isin(list(excluded))]
        pool = qualified if len(qualified) else table
        best = pool.loc[pool["bic"].idxmin()]
        k = int(best["k"])
        among = "among the k with large enough, stable segments" if excluded else "of all k"
        caution = (
            ""
            if len(qualified)
            else " No k has both large enough segments and a bootstrap stability of "
            f"{STABILITY_THRESHOLD}: treat any segmentation of these data with caution."
        )
        reason = (
            f"k={k} has the lowest BIC {among} ({best['bic']:,.0f}; silhouette "
            f"{best['silhouette']:.3f}): BIC balances the mixture's fit against its number of "
            f"parameters.{caution}"
        )
        return replace(
            shared,
            k=k,
            reason=reason,
            excluded=excluded,
            qualified=bool(len(qualified)),
            rule="Gaussian mixtures: the k of lowest BIC among the k whose smallest segment "
            "holds the minimum share (and households, for surveys) and whose bootstrap "
            f"stability is at least {STABILITY_THRESHOLD}.",
        )

    def centres(self, estimator: GaussianMixture) -> np.ndarray | None:
        return getattr(estimator, "means_", None)

    def model_metadata(self, fit: Fit) -> dict:
        return {"borderline_probability": BORDERLINE_PROBABILITY}

    def fit_all(
        self, Z, ks, *, sample_weight, random_state, n_init, options, progress=None
    ) -> dict[int, Fit]:
        chosen = self.rows_to_fit(Z.shape[0], sample_weight, random_state)
        fitted = Z[chosen.rows]
        fits = {}
        for k in ks:
            mixture = GaussianMixture(
                n_components=k,
                covariance_type=options.covariance,
                init_params="k-means++",
                n_init=min(n_init, MAX_RESTARTS),
                random_state=random_state,
            ).fit(fitted)
            labels = mixture.predict(Z)
            new_number = size_order(labels, mixture.means_, sample_weight)
            order = np.argsort(new_number)
            _permute(mixture, order)
            assignment = self.assign(mixture, Z)
            fits[k] = Fit(
                k=k,
                labels=assignment.labels,
                centers=mixture.means_,
                inertia=inertia(Z, assignment.labels, mixture.means_, sample_weight),
                n_iter=int(mixture.n_iter_),
                estimator=mixture,
                probability=assignment.probability,
                columns={"bic": float(mixture.bic(fitted)), "aic": float(mixture.aic(fitted))},
            )
            if progress is not None:
                progress()
        return fits

    def assign(self, estimator: GaussianMixture, Z: np.ndarray) -> Assignment:
        probabilities = estimator.predict_proba(Z)
        labels = probabilities.argmax(axis=1).astype(np.int32)
        return Assignment(
            labels,
            euclidean_distances(Z, estimator.means_),
            probabilities[np.arange(len(labels)), labels],
        )
