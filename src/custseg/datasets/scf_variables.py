"""The SCF summary extract's variables as custseg reads them: the columns it relies on, which
hold dollars and which hold codes, what describes a persona, how variables read in segment
names, and the named populations with their feature sets."""

from __future__ import annotations

from custseg.dataset import Population
from custseg.naming import TraitWords

#: Columns every summary extract has and that custseg relies on.
REQUIRED_COLUMNS = (
    "YY1",
    "Y1",
    "WGT",
    "HBUS",
    "INCOME",
    "TURNFEAR",
    "INCCAT",
    "NETWORTH",
    "ASSET",
    "DEBT",
    "BUS",
    "NFIN",
    "NHNFIN",
    "FIN",
    "AGECL",
    "EDCL",
    "RACE",
)

DOLLAR_VARIABLES = frozenset(
    """
FOODHOME FOODAWAY FOODDELV RENT INCOME WAGEINC BUSSEFARMINC INTDIVINC KGINC SSRETINC TRANSFOTHINC
PENACCTWD NORMINC CHECKING PREPAID SAVING MMDA MMMF MMA CALL LIQ CDS STMUTF TFBMUTF GBMUTF OBMUTF
COMUTF OMUTF NMMF STOCKS NOTXBND MORTBND GOVTBND OBND BOND IRAKH THRIFT FUTPEN CURRPEN RETQLIQ
SAVBND CASHLI ANNUIT TRUSTS OTHMA OTHFIN EQUITY DEQ RETEQ FIN VEHIC VLEASE FARMBUS HOUSES ORESRE
NNRESRE BUS ACTBUS NONACTBUS OTHNFIN NFIN NHNFIN ASSET HELOC MRTHEL NH_MORT HOMEEQ OTHLOC MORT1
MORT2 MORT3 RESDBT CCBAL VEH_INST EDN_INST INSTALL OTH_INST ODEBT DEBT NETWORTH KGHOUSE KGORE
KGBUS FARMBUS_KG KGSTMF KGTOTAL PAYMORT1 PAYMORT2 PAYMORT3 PAYMORTO PAYLOC1 PAYLOC2 PAYLOC3
PAYLOCO PAYHI1 PAYHI2 PAYLC1 PAYLC2 PAYLCO PAYORE1 PAYORE2 PAYOREV PAYORE3 PAYVEH1 PAYVEH2
PAYVEH3 PAYVEH4 PAYVEHM PAYVEO1 PAYVEO2 PAYVEOM PAYEDU1 PAYEDU2 PAYEDU3 PAYEDU4 PAYEDU5 PAYEDU6
PAYEDU7 PAYILN1 PAYILN2 PAYILN3 PAYILN4 PAYILN5 PAYILN6 PAYILN7 PAYMARG PAYINS PAYPEN1 PAYPEN2
PAYPEN3 PAYPEN4 PAYPEN5 PAYPEN6 TPAY MORTPAY CONSPAY REVPAY PLOAN1 PLOAN2 PLOAN3 PLOAN4 PLOAN5
PLOAN6 PLOAN7 PLOAN8 LLOAN1 LLOAN2 LLOAN3 LLOAN4 LLOAN5 LLOAN6 LLOAN7 LLOAN8 LLOAN9 LLOAN10
LLOAN11 LLOAN12 BNPL
""".split()
)

#: Columns holding category codes rather than quantities.
CODED_VARIABLES = frozenset(
    """
HHSEX AGECL EDUC EDCL MARRIED LIFECL FAMSTRUCT RACECL RACECL4 RACECL5 RACE OCCAT1 OCCAT2 INDCAT
WSAVED EXPENSHILO SPENDMOR SPENDLESS WHYNOCKG EHCHKG HOUSECL NWCAT INCCAT ASSETCAT NINCCAT
NINC2CAT NWPCTLECAT INCPCTLECAT NINCPCTLECAT INCQRTCAT NINCQRTCAT RACECL_EX
""".split()
)

#: Variables that describe a segment in its persona, besides its features.
PERSONA_VARIABLES = (
    "AGE",
    "INCOME",
    "NETWORTH",
    "ASSET",
    "DEBT",
    "FIN",
    "NFIN",
    "HOUSES",
    "BUS",
    "KIDS",
)
DEMOGRAPHIC_VARIABLES = ("AGECL", "EDCL", "INCCAT", "RACE")
#: How SCF variables read in segment names: (high, low, concept, word when the median is
#: below zero). Variables of one concept give a name one word at most: total assets, net worth
#: and non-financial assets move together in most households, so all three speak of wealth.
TRAIT_WORDS = {
    "AGE": TraitWords("older", "younger", "age"),
    "INCOME": TraitWords("higher-income", "lower-income", "income"),
    "NETWORTH": TraitWords("wealthy", "less wealthy", "wealth", "with negative net worth"),
    "ASSET": TraitWords("asset-rich", "asset-light", "wealth"),
    "NFIN": TraitWords("property-rich", "with little property", "wealth"),
    "NHNFIN": TraitWords(
        "with large holdings besides their home", "with little besides their home", "wealth"
    ),
    "HOUSES": TraitWords("with valuable homes", "with modest or no homes", "home"),
    "FIN": TraitWords("with large savings and investments", "with few financial assets", "savings"),
    "LIQ": TraitWords("cash-rich", "cash-poor", "savings"),
    "DEBT": TraitWords("with heavy debts", "with little debt", "debt"),
    "BUS": TraitWords("with larger businesses", "with smaller businesses", "business"),
    "KGTOTAL": TraitWords("with large unrealised gains", "with little unrealised gain", "gains"),
    "KIDS": TraitWords("with more children", "with fewer children", "children"),
}

#: Each population's question and the codebook variables that answer it (``--select auto``).
#: Totals that are sums of others (ASSET = FIN + NFIN, NETWORTH = ASSET - DEBT) are not stacked:
#: net worth and debt stand for the balance sheet, and the guard skips any near-duplicate.
POPULATIONS = {
    population.name: population
    for population in (
        Population(
            "all",
            "all households",
            noun="US households",
            features=("INCOME", "NETWORTH", "DEBT", "LIQ", "HOUSES", "AGE"),
            features_reason=(
                "the household balance sheet over the life cycle: income (INCOME), net worth "
                "(NETWORTH), debt (DEBT), liquid savings in transaction accounts (LIQ), the "
                "value of the home (HOUSES) and the age of the reference person (AGE)"
            ),
        ),
        Population(
            "small-business",
            "small-business owners (households with an actively or passively managed business "
            "and income under $500,000)",
            ("HBUS==1", "INCOME<500000"),
            noun="small-business owners",
            features=("BUS", "BUSSEFARMINC", "INCOME", "NETWORTH", "DEBT", "AGE"),
            features_reason=(
                "the business and its owner: value of the business interests (BUS), income "
                "from business, sole proprietorship and farm (BUSSEFARMINC), household income "
                "(INCOME), net worth (NETWORTH), debt (DEBT) and age (AGE)"
            ),
        ),
        Population(
            "credit-fearful",
            "credit-fearful households (turned down for credit, or did not apply expecting to be "
            "turned down, in the past 12 months)",
            ("TURNFEAR==1",),
            noun="credit-fearful households",
            features=("INCOME", "NETWORTH", "DEBT", "LIQ", "AGE"),
            features_reason=(
                "what a lender looks at: income (INCOME), net worth (NETWORTH), debt (DEBT), "
                "liquid assets in transaction accounts (LIQ) and age (AGE)"
            ),
        ),
    )
}
