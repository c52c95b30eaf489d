"""Short human labels for SCF summary-extract variables, in custseg's own words.

Checked against the Fed's codebook (variable definitions of the summary extract). Dollar amounts
are household totals in the dollars of the copy loaded (``provenance["dollars_of"]``: the survey
year's for a copy released with the survey, the newest survey's for a later download). INCOME is
the income of the calendar year before the survey. Since the 2016 survey the credit questions
(CRDAPP, TURNDOWN, FEARDENIAL and so TURNFEAR) cover the past 12 months, no longer the past 5
years (the codebook's TURNDOWN/FEARDENIAL/TURNFEAR texts still say 5 years; its CRDAPP text states
the change). Variables without a label here are shown by their SCF name.
"""

from __future__ import annotations

import re

VARIABLE_LABELS: dict[str, str] = {
    "YY1": "Household id",
    "Y1": "Household-implicate id",
    "WGT": "Survey weight (households)",
    # Demographics
    "HHSEX": "Sex of head",
    "AGE": "Age of head",
    "AGECL": "Age group",
    "EDUC": "Schooling of head",
    "EDCL": "Education",
    "MARRIED": "Married or partnered",
    "KIDS": "Number of children in household",
    "LF": "Head is working",
    "LIFECL": "Life stage",
    "FAMSTRUCT": "Family type",
    "RACE": "Race/ethnicity (of respondent)",
    "RACECL": "White non-Hispanic or not",
    "RACECL4": "Race/ethnicity (4 groups)",
    "RACECL5": "Race/ethnicity (5 groups)",
    "OCCAT1": "Work status",
    "OCCAT2": "Occupation group",
    "INDCAT": "Industry group",
    # Spending and income
    "FOODHOME": "Groceries per year",
    "FOODAWAY": "Eating out per year",
    "FOODDELV": "Food delivery per year",
    "RENT": "Monthly rent",
    "INCOME": "Income (previous year)",
    "WAGEINC": "Wages and salaries",
    "BUSSEFARMINC": "Business and farm income",
    "INTDIVINC": "Interest and dividends",
    "KGINC": "Realised capital gains",
    "SSRETINC": "Social Security and pensions",
    "TRANSFOTHINC": "Transfers and other income",
    "PENACCTWD": "Retirement-account withdrawals",
    "NORMINC": "Usual income",
    # Attitudes and credit
    "SAVED": "Saved over the past 12 months",
    "WSAVED": "Spending vs income last year",
    "LATE": "Any late payment last year",
    "LATE60": "Payment 60+ days late last year",
    "HPAYDAY": "Payday loan in the past year",
    "BNKRUPLAST5": "Bankruptcy in the last 5 years",
    "KNOWL": "Self-rated financial knowledge",
    "YESFINRISK": "Willing to take financial risk",
    "NOFINRISK": "Unwilling to take financial risk",
    "CRDAPP": "Applied for credit (past 12 months)",
    "TURNDOWN": "Turned down for credit (past 12 months)",
    "FEARDENIAL": "Did not apply, expecting refusal (past 12 months)",
    "TURNFEAR": "Credit-fearful (turned down or feared refusal, past 12 months)",
    "FORECLLAST5": "Foreclosure in the last 5 years",
    "FINLIT": "Financial-literacy score (0-3)",
    "INTERNET": "Banks online",
    # Financial assets
    "CHECKING": "Checking accounts",
    "PREPAID": "Prepaid cards",
    "SAVING": "Savings accounts",
    "MMDA": "Money-market deposit accounts",
    "MMMF": "Money-market mutual funds",
    "MMA": "Money-market accounts",
    "CALL": "Brokerage call accounts",
    "LIQ": "Cash accounts (all transaction accounts)",
    "CDS": "Certificates of deposit",
    "STMUTF": "Stock mutual funds",
    "TFBMUTF": "Tax-free bond funds",
    "GBMUTF": "Government bond funds",
    "OBMUTF": "Other bond funds",
    "COMUTF": "Mixed mutual funds",
    "OMUTF": "Other mutual funds",
    "NMMF": "Pooled investment funds",
    "STOCKS": "Stocks held directly",
    "NSTOCKS": "Companies whose stock is held",
    "NOTXBND": "Municipal bonds",
    "MORTBND": "Mortgage-backed bonds",
    "GOVTBND": "Government bonds",
    "OBND": "Corporate and foreign bonds",
    "BOND": "Bonds held directly",
    "IRAKH": "IRA and Keogh accounts",
    "THRIFT": "Workplace retirement accounts",
    "FUTPEN": "Future pension accounts",
    "CURRPEN": "Pensions being drawn (account value)",
    "RETQLIQ": "Retirement accounts",
    "SAVBND": "Savings bonds",
    "CASHLI": "Cash value of life insurance",
    "ANNUIT": "Annuities",
    "TRUSTS": "Trusts",
    "OTHMA": "Managed assets",
    "OTHFIN": "Other financial assets",
    "EQUITY": "Stock holdings, direct and indirect",
    "DEQ": "Directly held stock and stock funds",
    "RETEQ": "Stock in retirement accounts",
    "EQUITINC": "Stock holdings to usual income",
    "FIN": "Financial assets",
    # Non-financial assets
    "VEHIC": "Vehicles",
    "VLEASE": "Leased vehicles",
    "NVEHIC": "Number of vehicles",
    "FARMBUS": "Farm business (net)",
    "HOUSES": "Home value",
    "HOUSECL": "Home ownership",
    "ORESRE": "Other homes and residential property",
    "NNRESRE": "Commercial real estate equity",
    "BUS": "Business equity",
    "ACTBUS": "Actively managed business",
    "NONACTBUS": "Passive business interests",
    "HBUS": "Has a business (actively or passively managed)",
    "OTHNFIN": "Other non-financial assets",
    "NFIN": "Non-financial assets",
    "NHNFIN": "Non-financial assets besides the home",
    "ASSET": "Total assets",
    # Debts
    "HELOC": "Home-equity line balance",
    "MRTHEL": "Debt secured by the home",
    "NH_MORT": "Home mortgage and home-equity loans",
    "HOMEEQ": "Home equity",
    "OTHLOC": "Other credit lines",
    "MORT1": "First mortgage balance",
    "MORT2": "Second mortgage balance",
    "MORT3": "Third mortgage balance",
    "RESDBT": "Debt on other residential property",
    "CCBAL": "Credit-card balances",
    "VEH_INST": "Vehicle loans",
    "EDN_INST": "Student loans",
    "INSTALL": "Instalment loans",
    "OTH_INST": "Other instalment loans",
    "ODEBT": "Other debts",
    "DEBT": "Total debt",
    "NETWORTH": "Net worth",
    "LEVRATIO": "Debt to assets",
    "DEBT2INC": "Debt to income",
    "KGHOUSE": "Unrealised gain on the home",
    "KGORE": "Unrealised gain on other real estate",
    "KGBUS": "Unrealised gain on businesses",
    "FARMBUS_KG": "Unrealised gain on farm businesses",
    "KGSTMF": "Unrealised gain on stocks and funds",
    "KGTOTAL": "Unrealised capital gains",
    "TPAY": "Monthly debt payments",
    "MORTPAY": "Monthly mortgage payments",
    "CONSPAY": "Monthly consumer-loan payments",
    "REVPAY": "Monthly revolving-credit payments",
    "PIRTOTAL": "Debt payments to income",
    "PIRMORT": "Mortgage payments to income",
    "PIRCONS": "Consumer-loan payments to income",
    "PIRREV": "Revolving payments to income",
    "PIR40": "Debt payments above 40% of income",
    # Percentile groups
    "NWCAT": "Net-worth group",
    "INCCAT": "Income group",
    "ASSETCAT": "Asset group",
    "NINCCAT": "Usual-income group",
    "NINC2CAT": "Usual-income group (3 bands)",
    "NWPCTLECAT": "Net-worth percentile band",
    "INCPCTLECAT": "Income percentile band",
    "NINCPCTLECAT": "Usual-income percentile band",
    "INCQRTCAT": "Income quartile",
    "NINCQRTCAT": "Usual-income quartile",
}

_ORDINALS = {
    "1": "first",
    "2": "second",
    "3": "third",
    "4": "fourth",
    "5": "fifth",
    "6": "sixth",
    "7": "seventh",
    "M": "further",
    "V": "further",
    "O": "other",
}
_PAYMENT_FAMILIES = {
    "PAYMORT": "mortgage",
    "PAYLOC": "credit line",
    "PAYHI": "home-improvement loan",
    "PAYLC": "land contract",
    "PAYORE": "other-property loan",
    "PAYVEH": "vehicle loan",
    "PAYVEO": "other-vehicle loan",
    "PAYEDU": "student loan",
    "PAYILN": "instalment loan",
    "PAYPEN": "pension loan",
}
_LOAN_PURPOSES = {
    "1": "home purchase",
    "2": "home improvement",
    "3": "vehicles",
    "4": "goods and services",
    "5": "investment and other property",
    "6": "education",
    "7": "other purposes",
    "8": "undisclosed purposes",
}
_LENDERS = {
    "1": "banks",
    "2": "savings and loans",
    "3": "credit unions",
    "4": "finance companies",
    "5": "brokers and insurers",
    "6": "real-estate firms",
    "7": "individuals",
    "8": "other businesses",
    "9": "government",
    "10": "stores and card issuers",
    "11": "pension plans",
    "12": "other lenders",
}


def _percentile_groups(*ranges: str) -> dict[int, str]:
    """Codes 1, 2... of a percentile-group variable (INCCAT...) as the groups they stand for."""
    return {code: f"Percentile {span}" for code, span in enumerate(ranges, start=1)}


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
    "AGECL": {1: "Under 35", 2: "35-44", 3: "45-54", 4: "55-64", 5: "65-74", 6: "75 or older"},
    "EDCL": {
        1: "No high-school diploma",
        2: "High school",
        3: "Some college",
        4: "Bachelor's or more",
    },
    "RACE": {1: "White", 2: "Black", 3: "Hispanic", 4: "Asian", 5: "Other or several"},
    "RACECL": {1: "White non-Hispanic", 2: "Other"},
    "RACECL4": {1: "White", 2: "Black", 3: "Hispanic", 4: "Other or several"},
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
}


def scf_label(variable: str) -> str:
    """A short label for an SCF variable (its name when none is known).

    Examples
    --------
    >>> scf_label("NETWORTH")
    'Net worth'
    >>> scf_label("PAYEDU3")
    'Payment on third student loan'
    """
    if variable in VARIABLE_LABELS:
        return VARIABLE_LABELS[variable]
    family = re.fullmatch(r"(PAY[A-Z]+?)(\d|M|V|O)", variable)
    if family and family.group(1) in _PAYMENT_FAMILIES:
        ordinal = _ORDINALS[family.group(2)]
        return f"Payment on {ordinal} {_PAYMENT_FAMILIES[family.group(1)]}"
    purpose = re.fullmatch(r"PLOAN(\d)", variable)
    if purpose and purpose.group(1) in _LOAN_PURPOSES:
        return f"Loans for {_LOAN_PURPOSES[purpose.group(1)]}"
    lender = re.fullmatch(r"LLOAN(\d+)", variable)
    if lender and lender.group(1) in _LENDERS:
        return f"Loans from {_LENDERS[lender.group(1)]}"
    return variable
