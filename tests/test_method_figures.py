import numpy as np
import pandas as pd
from scipy.cluster import hierarchy

from custseg.engine.ward import dendrogram_data
from custseg.method_figures import dendrogram_figure, method_agreement_figure


def test_dendrogram_draws_every_top_merge_and_the_cut():
    points = np.r_[np.zeros((5, 1)), np.full((5, 1), 10.0), np.full((3, 1), 30.0)]
    points = points + np.arange(13)[:, None] * 0.01
    tree = dendrogram_data(hierarchy.ward(points), leaves=4)
    fig = dendrogram_figure(tree, k=3)
    assert len(fig.data) == 3  # four leaves, three merges
    cut = fig.layout.shapes[0].y0
    assert tree["heights"][2] < cut < tree["heights"][1]  # 2 merges above the cut: 3 segments
    assert len(tree["leaf_labels"]) == 4


def test_agreement_heat_map_holds_the_table():
    table = pd.DataFrame(
        {"method": ["kmeans", "ward"], "ari_kmeans": [1.0, 0.4], "ari_ward": [0.4, 1.0]}
    )
    heat = method_agreement_figure(table).data[0]
    np.testing.assert_allclose(heat.z, [[1.0, 0.4], [0.4, 1.0]])
    assert list(heat.x) == ["kmeans", "ward"]
