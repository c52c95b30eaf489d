"""The explore report: the data before any segmentation, as one offline HTML page."""

from __future__ import annotations

import pandas as pd

from custseg import figures_explore
from custseg.explore import Exploration, describe_amounts
from custseg.formatting import count, money, number, percent
from custseg.report import figure_html, page, paragraphs, section, table_html


def _without_echo(frame: pd.DataFrame, name: str, echo: str) -> pd.DataFrame:
    """``frame`` without its column ``echo`` when that only repeats column ``name`` (a table
    whose columns or codes have no labels), so a reader does not see every name twice."""
    if echo in frame and (frame[echo].astype(str) == frame[name].astype(str)).all():
        return frame.drop(columns=echo)
    return frame


def explore_report(exploration: Exploration) -> str:
    """The HTML page of ``custseg explore``."""
    dataset = exploration.dataset
    body = [section("Overview", paragraphs(exploration.overview))]
    titles = {
        "HBUS": "Business owners",
        "TURNFEAR": "Credit-fearful households",
        "AGECL": "Age of the household head",
        "EDCL": "Education of the household head",
        "RACE": "Race and ethnicity of the respondent",
    }
    unit = exploration.weight_unit
    share_names = {
        "share": "share of rows",
        "weighted_count": f"{unit} (weighted)",
        "weighted_share": f"share of {unit} (weighted)",
    }
    share_formats = {
        "rows": "{:,}".format,
        share_names["share"]: percent,
        share_names["weighted_share"]: percent,
        share_names["weighted_count"]: count,
    }
    for column, (table, sentences) in exploration.shares.items():
        title = titles.get(column, dataset.label(column))
        shown = table.drop(columns="code").rename(columns=share_names)
        body.append(
            section(
                title,
                paragraphs(sentences),
                table_html(shown, share_formats),
                figure_html(figures_explore.share_figure(table, title=title)),
            )
        )
    if exploration.income_by_ownership is not None:
        table = exploration.income_by_ownership
        shown = table.rename_axis("income percentile").reset_index()
        body.append(
            section(
                "Income group by business ownership",
                paragraphs(exploration.income_sentences),
                table_html(shown, {c: percent for c in table.columns}),
                figure_html(
                    figures_explore.grouped_share_figure(
                        table,
                        title="Income group (percentile) of owners and non-owners",
                        x_title="income percentile group",
                    )
                ),
            )
        )
    if exploration.dollars is not None:
        as_money = exploration.amounts_are_money
        fmt = money if as_money else number
        summary = exploration.dollars
        basis = " (weighted)" if dataset.weight_column else " (rows)"
        amount_names = {
            "p10": "10th percentile" + basis,
            "median": "median" + basis,
            "mean": "mean" + basis,
            "p90": "90th percentile" + basis,
            "share_zero": "share zero" + basis,
            "share_negative": "share negative" + basis,
        }
        parts = [
            paragraphs(
                describe_amounts(
                    summary,
                    as_money=as_money,
                    weighted=bool(dataset.weight_column),
                    dollars_of=exploration.dollars_of,
                )
            ),
            table_html(
                _without_echo(summary, "variable", "label").rename(columns=amount_names),
                {
                    amount_names["p10"]: fmt,
                    amount_names["median"]: fmt,
                    amount_names["mean"]: fmt,
                    amount_names["p90"]: fmt,
                    amount_names["share_zero"]: percent,
                    amount_names["share_negative"]: percent,
                },
            ),
        ]
        parts += [figure_html(figure) for figure in distribution_figures(exploration)]
        weighted = " (weighted)" if dataset.weight_column else ""
        dollars = f", in {exploration.dollars_of} dollars" if exploration.dollars_of else ""
        title = ("Money" if as_money else "Numeric") + f" variables{weighted}"
        body.append(section(title + (dollars if as_money else ""), *parts))
    body += _code_sections(exploration)
    if exploration.columns is not None:
        columns = _without_echo(exploration.columns, "column", "label").rename(
            columns={
                "missing": "missing (share of rows)",
                "median_rows": "median of rows (unweighted)",
                "median_weighted": "median (weighted)",
            }
        )
        note = (
            f"<p class='muted'>Amounts in {exploration.dollars_of} dollars. min, max and "
            "distinct describe the rows; the weighted median describes the population.</p>"
            if exploration.dollars_of
            else ""
        )
        body.append(
            section(
                "Columns",
                note,
                table_html(
                    columns, {"missing (share of rows)": percent, "distinct": "{:,}".format}
                ),
            )
        )
    subtitle = "custseg explore" + (
        f"; amounts in {exploration.dollars_of} dollars" if exploration.dollars_of else ""
    )
    scope = f": {exploration.population}" if exploration.population else ""
    return page(f"Exploring {dataset.name}{scope}", subtitle, body)


def _code_sections(exploration: Exploration) -> list[str]:
    """Yes/no flags and coded categories as shares, of rows and (with a weight) weighted."""
    weighted = bool(exploration.dataset.weight_column)
    sections = []
    if exploration.flags is not None and not exploration.flags.empty:
        names = {
            "variable": "column",
            "share_yes": "share yes (rows)",
            "share_yes_weighted": f"share yes ({exploration.weight_unit}, weighted)",
            "missing": "missing (share of rows)",
        }
        shown = _without_echo(exploration.flags, "variable", "label").rename(columns=names)
        if not exploration.flags["missing"].any():
            shown = shown.drop(columns=names["missing"])
        note = (
            "Columns holding only 0 and 1 (or true/false) answer a yes/no question; their mean "
            "is the share of yes among the rows that answer, so that share is shown instead of a "
            "median or a variance, and flags are never ranked by variance as numeric features."
        )
        sections.append(
            section(
                "Yes/no flags" + (" (weighted and unweighted)" if weighted else ""),
                paragraphs([note]),
                table_html(shown, {name: percent for name in list(names.values())[1:]}),
            )
        )
    if exploration.categories is not None:
        names = {
            "variable": "column",
            "code_label": "meaning",
            "share": "share of rows",
            "weighted_share": f"share of {exploration.weight_unit} (weighted)",
        }
        categories = _without_echo(exploration.categories, "variable", "label")
        if not categories["code_label"].astype(bool).any():
            categories = categories.drop(columns="code_label")  # text codes say it themselves
        shown = _without_echo(categories, "code", "code_label").rename(columns=names)
        sections.append(
            section(
                "Coded categories",
                paragraphs(["Each code's share among the rows where the column is known."]),
                table_html(shown, {names["share"]: percent, names["weighted_share"]: percent}),
            )
        )
    return sections


def distribution_figures(exploration: Exploration) -> list:
    """The histogram of every amount the exploration summarises, in its order."""
    dataset, as_money = exploration.dataset, exploration.amounts_are_money
    return [
        figures_explore.distribution_figure(
            exploration.distributions[column],
            label=dataset.label(column),
            as_money=as_money,
            weights=exploration.distribution_weights.get(column),
            unit=exploration.weight_unit,
            dollars_of=exploration.dollars_of if as_money else None,
        )
        for column in exploration.dollars["variable"]
    ]
