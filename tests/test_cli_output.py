"""What the command line prints reads well: help, numbers, counts, progress in logs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import typer

from custseg import segment
from custseg.cli import _progress, app, run
from custseg.datasets.scf import scf_dataset
from custseg.formatting import number
from custseg.precision import share_with_se


def _commands(group, path=()):
    for name, command in group.commands.items():
        if hasattr(command, "commands"):
            yield from _commands(command, (*path, name))
        else:
            yield (*path, name)


@pytest.mark.parametrize("command", [(), *_commands(typer.main.get_command(app))], ids=" ".join)
def test_help_shows_no_python_types_for_flags_and_lists(command, capsys):
    assert run([*command, "--help"]) == 0
    shown = capsys.readouterr().out
    assert "Show this message and exit." in shown
    assert "<bool>" not in shown and "<list" not in shown


def test_flags_and_repeatable_options_read_as_such(capsys):
    assert run(["dashboard", "--help"]) == 0
    assert "--debug         --no-debug           Dash debug mode" in capsys.readouterr().out
    assert run(["relabel", "--help"]) == 0
    shown = capsys.readouterr().out
    assert "--name            <segment=name>" in shown and "<segments>" in shown


def test_progress_prints_lines_when_stderr_is_not_a_terminal(capsys):
    with _progress("Fitting k=2-4", 3) as advance:
        for _ in range(3):
            advance()
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == "Fitting k=2-4..."
    assert lines[-1].startswith("Fitting k=2-4: 3/3 (100%), ")


@pytest.fixture(scope="module")
def noisy_survey():
    """60 households x 5 implicates of one continuous group whose imputed values differ, so
    fitting each implicate on its own moves the segment boundary."""
    rng = np.random.default_rng(7)
    households = np.arange(1, 61)
    return scf_dataset(
        pd.DataFrame(
            {
                "YY1": np.repeat(households, 5),
                "Y1": np.repeat(households, 5) * 10 + np.tile(np.arange(1, 6), 60),
                "WGT": np.repeat(rng.uniform(20_000, 60_000, 60), 5),
                "INCOME": np.repeat(rng.normal(150, 60, 60), 5) + rng.normal(0, 40, 300),
                "NETWORTH": rng.normal(450, 150, 300),
            }
        ),
        name="mini",
    )


def _printed(result, capsys) -> str:
    from custseg.cli_segment import _print_result

    _print_result(result, "out")
    return " ".join(capsys.readouterr().out.split())  # Rich wraps long lines


def test_separate_implicates_print_their_larger_spread(noisy_survey, capsys):
    options = {"k": 2, "k_range": (2, 3), "bootstrap": 0, "random_state": 0}
    results = {m: segment(noisy_survey, implicates=m, **options) for m in ("pooled", "separate")}
    pooled, separate = (results[m].profiles["share_se"] for m in ("pooled", "separate"))
    assert (separate > pooled).all()
    for mode, result in results.items():
        printed = _printed(result, capsys)
        assert f"Implicates ({mode}: one model" in printed
        assert (
            "Segment shares across the 5 implicates (± SE, imputation uncertainty only" in printed
        )
        for row in result.profiles.itertuples():
            low, high = f"{100 * row.share_min:.1f}%", f"{100 * row.share_max:.1f}%"
            shown = f"segment {row.segment}: {share_with_se(row.share, row.share_se)}"
            assert f"{shown} ({low} to {high})" in printed
        assert "e+" not in printed and f"inertia {number(result.metrics['inertia'])}" in printed


@pytest.mark.parametrize("weighted", [False, True])
def test_segment_table_shows_rows_once(blobs, weighted, capsys):
    """Unweighted, the size already says "40 rows": no column repeating it."""
    from custseg.dataset import from_frame

    table = blobs.assign(w=np.linspace(1, 3, len(blobs)))
    dataset = from_frame(
        table, name="t.csv", id_columns=("customer",), weight_column="w" if weighted else None
    )
    result = segment(dataset, features=("spend", "visits"), k=3, k_range=(2, 3), bootstrap=0)
    assert ("┃ rows ┃" in _printed(result, capsys)) == weighted


def test_features_are_printed_with_their_labels(noisy_survey, capsys):
    result = segment(noisy_survey, k=2, k_range=(2, 3), bootstrap=0, random_state=0)
    printed = _printed(result, capsys)
    assert "Features: Income (previous year) (INCOME), Net worth (NETWORTH)" in printed


@pytest.mark.parametrize("min_segment", [0.02, 0.49])
def test_the_recommendation_is_said_once(blobs, min_segment, capsys):
    """Without a qualifying k its reason is the no_qualifying_k warning, printed once."""
    from custseg.dataset import from_frame

    dataset = from_frame(blobs, name="t.csv", id_columns=("customer",))
    result = segment(
        dataset, features=("spend", "visits"), k_range=(2, 4), bootstrap=0, min_segment=min_segment
    )
    printed = _printed(result, capsys)
    reason = " ".join(result.sweep.recommendation.reason.split())
    assert printed.count(reason) == 1
    qualified = result.sweep.recommendation.qualified
    assert qualified == (min_segment == 0.02)
    assert ("see the no_qualifying_k warning below" in printed) == (not qualified)
