"""Short human labels for SCF summary-extract variables and codes, in custseg's own words.

The variable labels live in ``scf_labels.csv`` beside this module (``variable,label``, every
column of the 2019 and 2022 extracts), checked against the Fed's codebook (variable definitions
of the summary extract). Dollar amounts are household totals in the dollars of the copy loaded
(``provenance["dollars_of"]``: the survey year's for a copy released with the survey, the newest
survey's for a later download). INCOME is the income of the calendar year before the survey.
Since the 2016 survey the credit questions (CRDAPP, TURNDOWN, FEARDENIAL and so TURNFEAR) cover
the past 12 months, no longer the past 5 years (the codebook's TURNDOWN/FEARDENIAL/TURNFEAR texts
still say 5 years; its CRDAPP text states the change). BNPL, HBNPL and NOBNPL (2022 only) are
read from the data: HBNPL is 1 exactly when the BNPL amount is positive.
"""

from __future__ import annotations

from custseg import io
from custseg.dataset import YES_NO

LABELS_FILE = "scf_labels.csv"

#: Every variable of the 2019 and 2022 extracts with its label (package data, one CSV).
VARIABLE_LABELS: dict[str, str] = {
    row["variable"]: row["label"] for row in io.read_package_csv("custseg.datasets", LABELS_FILE)
}


def _percentile_groups(*ranges: str) -> dict[int, str]:
    """Codes 1, 2... of a percentile-group variable (INCCAT...) as the groups they stand for."""
    return {code: f"Percentile {span}" for code, span in enumerate(ranges, start=1)}


_TENTHS = tuple(f"{low}-{low + 9.9:g}" for low in range(0, 90, 10))
_AGREEMENT = {
    1: "Strongly agree",
    2: "Somewhat agree",
    3: "Neither",
    4: "Somewhat disagree",
    5: "Strongly disagree",
}

#: Labels for coded categories, by variable then code.
VALUE_LABELS: dict[str, dict[int, str]] = {
    "HBUS": {0: "No business", 1: "Business owner"},
    "TURNFEAR": {0: "Not credit-fearful", 1: "Credit-fearful"},
    "TURNDOWN": {0: "No", 1: "Yes"},
    "FEARDENIAL": {0: "No", 1: "Yes"},
    "INCCAT": _percentile_groups("0-20", "20-39.9", "40-59.9", "60-79.9", "80-89.9", "90-100"),
    "ASSETCAT": _percentile_groups("0-20", "20-39.9", "40-59.9", "60-79.9", "80-89.9", "90-100"),
    "NINCCAT": _percentile_groups("0-20", "20-39.9", "40-59.9", "60-79.9", "80-89.9", "90-100"),
    "NWCAT": _percentile_groups("0-24.9", "25-49.9", "50-74.9", "75-89.9", "90-100"),
    "INCQRTCAT": _percentile_groups("0-24.9", "25-49.9", "50-74.9", "75-100"),
    "NINCQRTCAT": _percentile_groups("0-24.9", "25-49.9", "50-74.9", "75-100"),
    "NINC2CAT": _percentile_groups("0-49.9", "50-89.9", "90-100"),
    **{
        variable: _percentile_groups(*_TENTHS, "90-94.9", "95-98.9", "99-100")
        for variable in ("NWPCTLECAT", "INCPCTLECAT", "NINCPCTLECAT")
    },
    "AGECL": {1: "Under 35", 2: "35-44", 3: "45-54", 4: "55-64", 5: "65-74", 6: "75 or older"},
    "EDCL": {
        1: "No high-school diploma",
        2: "High school",
        3: "Some college",
        4: "Bachelor's or more",
    },
    "RACE": {1: "White", 2: "Black", 3: "Hispanic", 4: "Asian", 5: "Other or several"},
    "RACECL": {1: "White non-Hispanic", 2: "Other"},
    "RACECL4": {1: "White", 2: "Black", 3: "Hispanic", 4: "Asian, other or several"},
    "RACECL5": {1: "White", 2: "Black", 3: "Hispanic", 4: "Asian", 5: "Other or several"},
    "HHSEX": {1: "Male", 2: "Female"},
    "MARRIED": {1: "Married or partnered", 2: "Single"},
    "LF": {0: "Not working", 1: "Working"},
    "LIFECL": {
        1: "Under 55, single, no children",
        2: "Under 55, couple, no children",
        3: "Under 55, couple with children",
        4: "Under 55, single with children",
        5: "55+, working",
        6: "55+, not working",
    },
    "FAMSTRUCT": {
        1: "Single parent",
        2: "Single under 55",
        3: "Single 55+",
        4: "Couple with children",
        5: "Couple, no children",
    },
    "OCCAT1": {1: "Employee", 2: "Self-employed", 3: "Retired or disabled", 4: "Not working"},
    "OCCAT2": {
        1: "Managerial or professional",
        2: "Technical, sales or services",
        3: "Manual and other",
        4: "Not working",
    },
    "INDCAT": {1: "Mining, construction, manufacturing", 2: "Other industries", 4: "Not working"},
    "HOUSECL": {1: "Owns home", 2: "Does not own"},
    "RACECL_EX": {1: "Asian", 2: "Other or several", 99: "White, Black or Hispanic"},
    "EDUC": {
        -1: "Less than grade 1",
        1: "Grades 1-4",
        2: "Grades 5-6",
        3: "Grades 7-8",
        4: "Grade 9",
        5: "Grade 10",
        6: "Grade 11",
        7: "Grade 12, no diploma",
        8: "High-school diploma",
        9: "College, no degree",
        10: "Associate degree (vocational)",
        11: "Associate degree (academic)",
        12: "Bachelor's degree",
        13: "Master's degree",
        14: "Doctorate or professional degree",
    },
    "WSAVED": {
        1: "Spent more than income",
        2: "Spent about as much as income",
        3: "Spent less than income",
    },
    "EXPENSHILO": {1: "Unusually high", 2: "Unusually low", 3: "About normal"},
    "SPENDMOR": _AGREEMENT,
    "SPENDLESS": _AGREEMENT,
    # EHCHKG and WHYNOCKG are asked only without a checking account (0 otherwise); the codes
    # of WHYNOCKG are those its yes/no breakdowns (DONTWRIT, MINBAL...) are 1 for.
    "EHCHKG": {0: "Has a checking account", 1: "Had one before", 5: "Never had one"},
    "WHYNOCKG": {
        0: "Has a checking account",
        -1: "Hard to manage",
        1: "Writes too few checks",
        2: "Minimum balance too high",
        3: "Dislikes banks",
        4: "Fees too high",
        20: "Has no use for one",
        21: "Credit problems",
        95: "Too little money",
        **{code: f"Other reason ({code})" for code in (5, 12, 13, 14, 15, 16, 22)},
    },
}


def extract_value_labels(columns: set[str], flags: frozenset[str]) -> dict[str, dict[int, str]]:
    """The code labels for one extract: its flags read Yes/No unless labelled otherwise (HBUS);
    before 2022 (no RACECL5 column) RACE folds Asian respondents into code 5."""
    labels = {**{flag: dict(YES_NO) for flag in sorted(flags)}, **VALUE_LABELS}
    if "RACECL5" not in columns:
        labels["RACE"] = {**VALUE_LABELS["RACE"], 5: "Asian, other or several"}
    return labels


def scf_label(variable: str) -> str:
    """A short label for an SCF variable (its name when none is known).

    Examples
    --------
    >>> scf_label("NETWORTH")
    'Net worth'
    >>> scf_label("PAYEDU3")
    'Payment on third student loan'
    """
    return VARIABLE_LABELS.get(variable, variable)
