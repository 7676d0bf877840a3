"""The historical record as tidy tables: MID 5.0 disputes and incidents, ICB v14 crises.

Pure functions over the raw files in ``data/`` (see data/README.md for each file, its
citation and its caveats). Every table starts on or after :data:`CUTOFF` (the Japanese
surrender, 1945-09-02). A missing file or column is an :class:`~sim.errors.InputError`
naming the file and the column.

Disputes. A MID has two sides; the *originators* (MIDB ``orig`` = 1) are the states that
were in the dispute on its first day. The dispute's covariates are measured on them, in the
start year: side capability ``cinc_a``/``cinc_b`` is the sum of the side's originators' CINC
and ``capability_ratio`` is stronger over weaker; a side is nuclear when one of its
originators possessed nuclear weapons (Bleek); ``land_contiguity``, ``water_150`` and
``defense_pact`` hold when any originator of side A and any originator of side B share a
land border, a border or a stretch of at most 150 miles of water, or a defence pact; and
``major_both`` when each side has a major power among its originators. The principal pair
``state_a``/``state_b`` is each side's originator with the largest CINC (the lower COW code
on a tie). One dispute (4182) has no originator on one side; that side's participants stand
in. ``reciprocated`` uses every participant: some state on side A and some state on side B
reached hostility 4 (use of force) or more.

Crises. Each ICB crisis reduces to a principal pair: B is the system-level triggering entity
when it is a state, A the crisis actor whose own trigger entity is B (earliest actor trigger
date, ties to the larger CINC). When the system trigger is not a single state (non-state
995/996, multi-state 997, or a state no actor names), A is the earliest crisis actor whose own
trigger entity is a single state, and B that state. Covariates knowable at the crisis's onset
(:data:`ONSET_FIELDS`) and those measured over the whole crisis (:data:`OUTCOME_FIELDS`) live
in two separate tables, and :func:`forecast_inputs` refuses to hand an outcome to a forecast.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.errors import InputError

DATA = Path(__file__).resolve().parents[1] / "data"
CUTOFF = pd.Timestamp("1945-09-02")
PRIOR_YEARS = 10          # the look-back window of ``prior_mids``
UNKNOWN = -9              # COW's code for a missing value

FILES = {
    "disputes": "MIDA_5.0.csv",
    "participants": "MIDB_5.0.csv",
    "incidents": "MIDI_5.0.csv",
    "incident_participants": "MIDIP_5.0.csv",
    "capabilities": "NMC-70-abridged_via_peacesciencer.csv",
    "contiguity": "cow_contdir_3.2_via_peacesciencer.csv",
    "alliances": "cow_alliance_4.1_ddy_via_peacesciencer.csv",
    "majors": "cow_majors_2016_via_peacesciencer.csv",
    "states": "cow_states_2016_via_peacesciencer.csv",
    "nuclear": "nuclear_weapons_proliferation_owid_bleek2017.csv",
    "stockpiles": "nuclear_weapons_stockpiles_fas2023.csv",
    "icb1": "icb1v14.csv",
    "icb2": "icb2v14.csv",
}

# The nuclear files name countries; these are the ten that ever held weapons, by COW code.
NUCLEAR_STATES = {"United States": 2, "United Kingdom": 200, "France": 220, "Russia": 365,
                  "China": 710, "Israel": 666, "India": 750, "Pakistan": 770,
                  "South Africa": 560, "North Korea": 731}
NOT_A_STATE = {995: "internal", 996: "non-state actor", 997: "multi-state"}

ONSET_FIELDS: tuple[str, ...] = (
    "crisno", "title", "trigger_date", "year", "era", "pair_rule", "state_a", "state_b",
    "cinc_a", "cinc_b", "capability_ratio", "nuclear_a", "nuclear_b", "major_a", "major_b",
    "contiguity", "defense_pact", "prior_mids", "trigger", "gravity", "protracted", "region",
    "both_actors",
)
"""ICB fields knowable when a crisis begins: the only legitimate inputs of a forecast."""

OUTCOME_FIELDS: tuple[str, ...] = (
    "severity", "war", "violence", "centrality", "duration", "termination_date", "mediated",
    "superpower", "superpower_actor", "crisis_management", "outcome_a", "outcome_b",
)
"""ICB fields measured over the whole crisis (ex post): never inputs of a forecast."""


class LeakageError(ValueError):
    """A forecast asked for a field that is not knowable at a crisis's onset."""


# --------------------------------------------------------------------------- reading


def read_csv(path: Path, columns: Iterable[str]) -> pd.DataFrame:
    """The CSV at ``path`` with at least ``columns``; a one-line InputError otherwise."""
    columns = list(columns)
    if not path.is_file():
        raise InputError(f"{path}: file not found (a {path.name} from data/ is needed)")
    try:
        table = pd.read_csv(path, low_memory=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise InputError(f"{path}: not a readable CSV file ({error})".splitlines()[0]) from None
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise InputError(f"{path}: column {missing[0]!r} is missing "
                         f"(needed: {', '.join(columns)})")
    return table


def _raw(data: Path, name: str, columns: Iterable[str]) -> pd.DataFrame:
    return read_csv(Path(data) / FILES[name], columns)


def _date(year: pd.Series, month: pd.Series, day: pd.Series) -> pd.Series:
    """Dates from COW/ICB parts; an unknown or impossible day counts as the 1st, a day past
    the month's end as its last day, and an unknown year gives NaT."""
    known = year.notna() & (year != UNKNOWN)
    month = month.where((month >= 1) & (month <= 12), 1).fillna(1)
    day = day.where((day >= 1) & (day <= 31), 1).fillna(1)
    first = pd.to_datetime(pd.DataFrame({"year": year.where(known, 2000), "month": month,
                                         "day": 1}).astype(int))
    date = first + pd.to_timedelta(day.astype(float) - 1, unit="D")
    return date.clip(upper=first + pd.offsets.MonthEnd(0)).where(known)


def _era(year: pd.Series, last: int) -> pd.Series:
    return pd.Series(np.where(year < 1990, "1945-1989", f"1990-{last}"), index=year.index)


def _unknown(series: pd.Series) -> pd.Series:
    return series.where(series != UNKNOWN)


# --------------------------------------------------------------------------- context tables


def _cinc(data: Path) -> pd.Series:
    """CINC by (ccode, year), NMC 7.0; COW's -9 is missing."""
    nmc = _raw(data, "capabilities", ["ccode", "year", "cinc"])
    return _unknown(nmc.set_index(["ccode", "year"])["cinc"]).dropna()


def _cinc_in(cinc: pd.Series, codes: pd.Series, years: pd.Series) -> np.ndarray:
    """The CINC of each state code in the matching year (NaN where NMC has none)."""
    index = pd.MultiIndex.from_arrays([codes.astype(int).to_numpy(),
                                       years.astype(int).to_numpy()])
    return cinc.reindex(index).to_numpy()


def _nuclear(data: Path, source: str = "nuclear") -> set[tuple[int, int]]:
    """(ccode, year) in which a state held nuclear weapons: Bleek (2017) possession, or
    (``source="stockpiles"``) a positive FAS warhead stockpile."""
    column = "nuclear_weapons_possession" if source == "nuclear" else "nuclear_weapons_stockpile"
    table = _raw(data, source, ["country_name", "year", column])
    name = table["country_name"].str.replace(r"\s+", " ", regex=True).str.strip()
    held = table[name.isin(NUCLEAR_STATES) & (table[column] > 0)]
    return set(zip(name[held.index].map(NUCLEAR_STATES), held["year"], strict=True))


def _majors(data: Path) -> pd.DataFrame:
    table = _raw(data, "majors", ["ccode", "styear", "stmonth", "stday", "endyear", "endmonth",
                                  "endday"])
    return pd.DataFrame({"ccode": table["ccode"],
                         "begin": _date(table["styear"], table["stmonth"], table["stday"]),
                         "end": _date(table["endyear"], table["endmonth"], table["endday"])})


REVISION_TYPES = ("none", "territory", "policy", "regime", "other")
"""MID revision types (``revtype`` 0-4) by name: what a side sought to revise, the dyad's
``issue`` in a scenario."""


def _contiguity_name(conttype: pd.Series) -> np.ndarray:
    """COW Direct Contiguity types as the dyad's ``contiguity`` names: 1 land (or river),
    2-4 water up to 150 miles, anything else none."""
    return np.select([conttype == 1, conttype <= 4], ["land", "water"], "none")


def _contiguity(data: Path) -> pd.DataFrame:
    table = _raw(data, "contiguity", ["ccode1", "ccode2", "conttype", "stdate", "enddate"])
    table = table[table["conttype"].between(1, 5)]
    return table.assign(stdate=pd.to_datetime(table["stdate"]),
                        enddate=pd.to_datetime(table["enddate"]))


def _defense(data: Path) -> tuple[pd.DataFrame, int]:
    """Dyad-years with a defence pact (COW 4.1), and the last year the file covers."""
    table = _raw(data, "alliances", ["ccode1", "ccode2", "year", "cow_defense"])
    pacts = table.loc[table["cow_defense"] == 1, ["ccode1", "ccode2", "year"]]
    both = pd.concat([pacts, pacts.rename(columns={"ccode1": "ccode2", "ccode2": "ccode1"})])
    return both.drop_duplicates(), int(table["year"].max())


def _states(data: Path) -> set[int]:
    return set(_raw(data, "states", ["ccode"])["ccode"])


def _pair_context(pairs: pd.DataFrame, data: Path) -> pd.DataFrame:
    """For rows of ``key, ccode1, ccode2, date`` (one or more per key): the closest
    contiguity in force on the date (1 land .. 5 water up to 400 miles, NaN none) and whether
    a defence pact bound the two that year, aggregated over each key's rows."""
    contiguity = _contiguity(data)
    near = pairs.merge(contiguity, on=["ccode1", "ccode2"])
    near = near[(near["stdate"] <= near["date"]) & (near["date"] <= near["enddate"])]
    pacts, last = _defense(data)
    bound = pairs.assign(year=pairs["date"].dt.year).merge(pacts, on=["ccode1", "ccode2",
                                                                      "year"])
    keys = pd.Index(pairs["key"].unique())
    result = pd.DataFrame(index=keys)
    result["conttype"] = near.groupby("key")["conttype"].min().reindex(keys)
    pact = pd.Series(keys.isin(bound["key"].unique()), index=keys).astype("boolean")
    late = pairs.groupby("key")["date"].max().reindex(keys).dt.year > last
    result["defense_pact"] = pact.mask(late)
    return result


def _prior_mids(pairs: pd.DataFrame, data: Path, dyads: pd.DataFrame | None = None
                ) -> pd.Series:
    """For rows ``key, ccode1, ccode2, date`` (one per key): how many MIDs (any year) set the
    two states on opposite sides and began in the ``PRIOR_YEARS`` years before the date."""
    dyads = _mid_dyads(data) if dyads is None else dyads
    both = pd.concat([dyads, dyads.rename(columns={"ccode1": "ccode2", "ccode2": "ccode1"})])
    match = pairs.merge(both, on=["ccode1", "ccode2"])
    window = (match["start"] < match["date"]) & (
        match["start"] >= match["date"] - pd.DateOffset(years=PRIOR_YEARS))
    counts = match[window].groupby("key")["dispnum"].nunique()
    return counts.reindex(pairs["key"].unique(), fill_value=0).astype(int)


def _mid_dyads(data: Path) -> pd.DataFrame:
    """Every MID 5.0 (from 1816) as pairs of states on opposite sides, with its start."""
    people = _participants(data)
    a, b = people[people["sidea"] == 1], people[people["sidea"] == 0]
    pairs = a[["dispnum", "ccode"]].merge(b[["dispnum", "ccode"]], on="dispnum",
                                          suffixes=("1", "2")).drop_duplicates()
    starts = _dispute_starts(data)
    return pairs.join(starts, on="dispnum")


# --------------------------------------------------------------------------- disputes


def _dispute_starts(data: Path) -> pd.Series:
    mida = _raw(data, "disputes", ["dispnum", "stday", "stmon", "styear"])
    return pd.Series(_date(mida["styear"], mida["stmon"], mida["stday"]).values,
                     index=mida["dispnum"], name="start")


def _participants(data: Path) -> pd.DataFrame:
    return _raw(data, "participants", ["dispnum", "ccode", "sidea", "orig", "hostlev",
                                       "revtype1"])


def disputes(data: Path = DATA) -> pd.DataFrame:
    """Post-1945 MIDs (MID 5.0), one row per dispute, indexed by ``dispnum``.

    Columns: ``start`` (date; unknown day = 1st), ``year``, ``era``, ``hostlev`` (highest
    hostility 2-5), ``duration`` (``maxdur``, days), ``mindur``, ``fatality`` (0-6, NaN
    unknown), ``force`` (hostlev >= 4), ``war`` (hostlev 5), ``reciprocated``, ``recip_cow``
    (COW's ``recip``: side B took any militarized action), ``numa``, ``numb``, ``bilateral``,
    ``state_a``, ``state_b``, ``cinc_a``, ``cinc_b``, ``capability_ratio``, ``nuclear``
    and ``nuclear_fas`` ("both"/"one"/"neither"), ``nuclear_a`` and ``nuclear_b`` (a side's
    originators hold nuclear weapons, Bleek), ``contiguity`` ("land", "water" up to 150
    miles, "none"), ``land_contiguity``, ``water_150``, ``defense_pact`` (NA after the
    alliance data end, 2012), ``major_both``, ``major_a`` and ``major_b`` (a side's
    originators include a COW major power), ``prior_mids``, ``revtype`` (the principal A's
    first revision type: 0 none, 1 territory, 2 policy, 3 regime, 4 other; NA unknown),
    ``issue`` (its name, :data:`REVISION_TYPES`; unknown: none), ``territorial`` (the issue
    is territory), ``outcome``, ``settlement`` (NA unknown). Definitions: the module
    docstring.
    """
    data = Path(data)
    mida = _raw(data, "disputes", ["dispnum", "stday", "stmon", "styear", "outcome", "settle",
                                   "fatality", "maxdur", "mindur", "hostlev", "recip", "numa",
                                   "numb"])
    mida = mida.set_index("dispnum")
    start = _date(mida["styear"], mida["stmon"], mida["stday"])
    mida = mida[start >= CUTOFF]
    start = start[mida.index]
    table = pd.DataFrame(index=mida.index)
    table["start"] = start
    table["year"] = mida["styear"]
    table["era"] = _era(mida["styear"], 2014)
    table["hostlev"] = mida["hostlev"]
    table["duration"] = mida["maxdur"]
    table["mindur"] = mida["mindur"]
    table["fatality"] = _unknown(mida["fatality"]).astype(float)
    table["force"] = mida["hostlev"] >= 4
    table["war"] = mida["hostlev"] == 5
    table["recip_cow"] = mida["recip"] == 1
    table["numa"], table["numb"] = mida["numa"], mida["numb"]
    table["bilateral"] = (mida["numa"] == 1) & (mida["numb"] == 1)
    table["outcome"] = _unknown(mida["outcome"]).astype("Int64")
    table["settlement"] = _unknown(mida["settle"]).astype("Int64")

    people = _participants(data)
    people = people[people["dispnum"].isin(table.index)].join(table[["start", "year"]],
                                                              on="dispnum")
    forceful = people.assign(force=people["hostlev"] >= 4).groupby(["dispnum", "sidea"])
    by_side = forceful["force"].any().unstack(fill_value=False)
    table["reciprocated"] = (by_side[0] & by_side[1]).reindex(table.index, fill_value=False)

    cinc = _cinc(data)
    people["cinc"] = _cinc_in(cinc, people["ccode"], people["year"])
    # The originators, or a side's participants where that side has none.
    has_origin = people.groupby(["dispnum", "sidea"])["orig"].transform("max") == 1
    origin = people[(people["orig"] == 1) | ~has_origin]
    origin = origin.drop_duplicates(["dispnum", "ccode", "sidea"])

    side_cinc = origin.groupby(["dispnum", "sidea"])["cinc"].sum(min_count=1).unstack()
    table["cinc_a"] = side_cinc[1].reindex(table.index)
    table["cinc_b"] = side_cinc[0].reindex(table.index)
    table["capability_ratio"] = (np.maximum(table["cinc_a"], table["cinc_b"])
                                 / np.minimum(table["cinc_a"], table["cinc_b"]))

    principal = (origin.sort_values(["cinc", "ccode"], ascending=[False, True])
                 .drop_duplicates(["dispnum", "sidea"]).set_index(["dispnum", "sidea"]))
    table["state_a"] = principal.xs(1, level="sidea")["ccode"].reindex(table.index)
    table["state_b"] = principal.xs(0, level="sidea")["ccode"].reindex(table.index)
    revtype = principal.xs(1, level="sidea")["revtype1"].reindex(table.index)
    table["revtype"] = revtype.where(revtype >= 0).astype("Int64")
    table["issue"] = table["revtype"].map(dict(enumerate(REVISION_TYPES))).fillna("none")
    table["territorial"] = table["issue"] == "territory"

    for column, source in (("nuclear", "nuclear"), ("nuclear_fas", "stockpiles")):
        held = _nuclear(data, source)
        armed = origin.assign(armed=[(c, y) in held for c, y in
                                     zip(origin["ccode"], origin["year"], strict=True)])
        sides = armed.groupby(["dispnum", "sidea"])["armed"].any().unstack(fill_value=False)
        count = (sides[0].astype(int) + sides[1].astype(int)).reindex(table.index, fill_value=0)
        table[column] = count.map({0: "neither", 1: "one", 2: "both"})
        if column == "nuclear":  # which side: the template gives each state its own flag
            table["nuclear_a"] = sides[1].reindex(table.index, fill_value=False).astype(bool)
            table["nuclear_b"] = sides[0].reindex(table.index, fill_value=False).astype(bool)

    majors = _majors(data)
    big = origin[["dispnum", "sidea", "ccode", "start"]].merge(majors, on="ccode")
    big = big[(big["begin"] <= big["start"]) & (big["start"] <= big["end"])]
    sides = big.groupby("dispnum")["sidea"].nunique()
    table["major_both"] = (sides == 2).reindex(table.index, fill_value=False)
    for column, side in (("major_a", 1), ("major_b", 0)):  # as nuclear_a and nuclear_b
        table[column] = table.index.isin(big.loc[big["sidea"] == side, "dispnum"])

    a, b = origin[origin["sidea"] == 1], origin[origin["sidea"] == 0]
    cross = a[["dispnum", "ccode", "start"]].merge(b[["dispnum", "ccode"]], on="dispnum",
                                                   suffixes=("1", "2"))
    cross = cross.rename(columns={"dispnum": "key", "start": "date"})
    context = _pair_context(cross, data).reindex(table.index)
    table["contiguity"] = _contiguity_name(context["conttype"])
    table["land_contiguity"] = table["contiguity"] == "land"
    table["water_150"] = table["contiguity"] != "none"
    table["defense_pact"] = context["defense_pact"].astype("boolean")

    pair = pd.DataFrame({"key": table.index, "ccode1": table["state_a"].values,
                         "ccode2": table["state_b"].values, "date": table["start"].values})
    table["prior_mids"] = _prior_mids(pair, data).reindex(table.index).to_numpy()
    return table


def incidents(data: Path = DATA) -> pd.DataFrame:
    """Post-1945 MID 5.0 incidents (MIDI/MIDIP, which exist for 1992-2014 only), one row per
    state in an incident: ``dispnum``, ``incidnum``, ``ccode``, ``sidea`` (the state's side
    in the dispute), ``start`` and ``end`` (the state's own dates in the incident; unknown
    day = 1st), ``approximate`` (a day was unknown), ``hostlev`` (the state's action's
    hostility level), ``fatality`` (NaN unknown), and the incident's own ``incident_hostlev``,
    ``incident_start`` (MIDI start date, unknown day = 1st) and ``incident_approximate`` (its
    start day is unknown)."""
    data = Path(data)
    midi = _raw(data, "incidents", ["dispnum", "incidnum", "stday", "stmon", "styear",
                                    "hostlev"])
    midip = _raw(data, "incident_participants", ["dispnum", "incidnum", "ccode", "stday",
                                                 "stmon", "styear", "endday", "endmon",
                                                 "endyear", "sidea", "fatality", "hostlev"])
    starts = _dispute_starts(data)
    post = set(starts.index[starts >= CUTOFF])
    midip = midip[midip["dispnum"].isin(post)]
    table = pd.DataFrame({
        "dispnum": midip["dispnum"], "incidnum": midip["incidnum"], "ccode": midip["ccode"],
        "sidea": midip["sidea"] == 1,
        "start": _date(midip["styear"], midip["stmon"], midip["stday"]),
        "end": _date(midip["endyear"], midip["endmon"], midip["endday"]),
        "approximate": (midip["stday"] == UNKNOWN) | (midip["endday"] == UNKNOWN),
        "hostlev": midip["hostlev"],
        "fatality": _unknown(midip["fatality"]).astype(float),
    })
    midi = midi.drop_duplicates("incidnum").set_index("incidnum")
    table["incident_hostlev"] = table["incidnum"].map(midi["hostlev"])
    table["incident_start"] = table["incidnum"].map(
        _date(midi["styear"], midi["stmon"], midi["stday"]))
    table["incident_approximate"] = table["incidnum"].map(midi["stday"] == UNKNOWN)
    return table.sort_values(["dispnum", "start", "incidnum", "ccode"]).reset_index(drop=True)


# --------------------------------------------------------------------------- crises

ICB1_COLUMNS = ("crisno", "crisname", "break", "trigent", "yrtrig", "motrig", "datrig",
                "yrterm", "moterm", "daterm", "brexit", "gravcr", "sevviosy", "viol",
                "cenviosy", "crismg", "mediate", "usinv", "suinv", "protrac", "geog")
ICB2_COLUMNS = ("crisno", "cracid", "yrtrig", "motrig", "datrig", "trigent", "outcom")
SUPERPOWERS = (2, 365)    # the United States, the USSR/Russia
ICB_RANGES = {"sevviosy": (1, 4), "break": (1, 9)}


def _check_numbers(path: Path, table: pd.DataFrame, columns: Iterable[str]) -> None:
    """A one-line InputError for the first cell of ``columns`` that is not a number."""
    for column in columns:
        if pd.api.types.is_numeric_dtype(table[column]):
            continue
        numbers = pd.to_numeric(table[column], errors="coerce")
        bad = table[column][numbers.isna() & table[column].notna()]
        if not bad.empty:
            raise InputError(f"{path}: column {column!r} has {str(bad.iloc[0])!r} in row "
                             f"{bad.index[0] + 2} (a number or empty is allowed)")
        table[column] = numbers


@dataclass(frozen=True)
class Crises:
    """Post-1945 ICB crises with a usable principal pair, in two tables that share the index
    ``crisno``: ``onset`` (columns :data:`ONSET_FIELDS`) and ``outcome`` (columns
    :data:`OUTCOME_FIELDS`); ``excluded`` lists the post-1945 crises left out
    (``crisno``, ``reason``)."""

    onset: pd.DataFrame
    outcome: pd.DataFrame
    excluded: pd.DataFrame


def crises(icb1: Path | None = None, icb2: Path | None = None, data: Path = DATA) -> Crises:
    """The ICB crises (v14 format, system level ``icb1`` and actor level ``icb2``; the
    files in ``data`` by default) triggered on or after :data:`CUTOFF`, reduced to their
    principal pair (the rule in the module docstring), with MID/COW covariates from
    ``data``. A crisis is usable when both principals are COW states with a CINC value in
    the trigger year and its severity and trigger are coded; the others go to ``excluded``
    with the reason: ``not coded``, ``no state principals``, ``invalid cow code`` or
    ``missing cinc``.

    Onset fields: ``trigger`` (ICB ``break``, 1-9), ``gravity`` (``gravcr``), ``protracted``
    (``protrac`` >= 2), ``region`` (``geog``), ``contiguity`` ("land", "water" up to 150
    miles, "none"), ``nuclear_a``/``nuclear_b`` (Bleek possession in the trigger year),
    ``major_a``/``major_b`` (COW major power on the trigger date), ``defense_pact`` (NA after
    2012), ``prior_mids`` (MIDs between the two in the previous ten years), ``both_actors``
    (B is itself an ICB crisis actor). Outcome fields: ``severity`` (``sevviosy`` 1-4),
    ``war`` (severity 4, ICB's full-scale war), ``violence`` (``viol``), ``centrality``
    (``cenviosy``), ``duration`` (``brexit`` days, else trigger to termination),
    ``mediated`` (``mediate`` = 4), ``superpower`` (max of ``usinv`` and ``suinv``),
    ``superpower_actor`` (the US or USSR/Russia is a crisis actor), ``crisis_management``
    (``crismg``), ``outcome_a``/``outcome_b`` (the principals' ICB ``outcom``; NA for a B that
    is not a crisis actor).
    """
    data = Path(data)
    icb1 = Path(icb1) if icb1 is not None else data / FILES["icb1"]
    icb2 = Path(icb2) if icb2 is not None else data / FILES["icb2"]
    system = read_csv(icb1, ICB1_COLUMNS)
    actors = read_csv(icb2, ICB2_COLUMNS)
    for path, table in ((icb1, system), (icb2, actors)):
        if table.empty:
            raise InputError(f"{path}: no rows (an ICB v14 file with at least one crisis "
                             "is needed)")
    for path, table, columns in ((icb1, system, ICB1_COLUMNS), (icb2, actors, ICB2_COLUMNS)):
        _check_numbers(path, table, [c for c in columns if c != "crisname"])
    for path, table, column in ((icb1, system, "crisno"), (icb2, actors, "crisno"),
                                (icb2, actors, "cracid")):
        if table[column].isna().any():
            raise InputError(f"{path}: column {column!r} is empty in some rows (a number "
                             "is needed in every row)")
    for column, (low, high) in ICB_RANGES.items():
        values = system[column].dropna()
        wrong = values[(values < low) | (values > high) | (values % 1 != 0)]
        if not wrong.empty:
            crisno = system.loc[wrong.index[0], "crisno"]
            raise InputError(f"{icb1}: column {column!r} is {wrong.iloc[0]:g} in crisis "
                             f"{crisno:g} (allowed: whole numbers {low}-{high})")
    if system["crisno"].duplicated().any():
        first = int(system.loc[system["crisno"].duplicated(), "crisno"].iloc[0])
        raise InputError(f"{icb1}: column 'crisno' repeats crisis {first} (one row per "
                         "crisis expected)")

    system = system.set_index("crisno")
    trigger_date = _date(system["yrtrig"], system["motrig"], system["datrig"])
    coded = system["yrtrig"].notna()
    post = system[coded & (trigger_date >= CUTOFF)]
    uncoded = system[~coded].index
    trigger_date = trigger_date[post.index]
    actors = actors[actors["crisno"].isin(post.index)].copy()
    actors["date"] = _date(actors["yrtrig"], actors["motrig"], actors["datrig"])

    states = _states(data)
    cinc = _cinc(data)
    year = post["yrtrig"].astype(int)

    actors["cinc"] = _cinc_in(cinc, actors["cracid"], actors["crisno"].map(year))
    actors = actors.sort_values(["crisno", "date", "cinc"], ascending=[True, True, False],
                                na_position="last")
    single = actors[actors["trigent"].isin(states) & (actors["trigent"] != actors["cracid"])]

    pairs = {}
    by_crisis = dict(tuple(single.groupby("crisno")))
    for crisno, trigger in post["trigent"].items():
        own = by_crisis.get(crisno, single.iloc[:0])
        named = own[own["trigent"] == trigger] if trigger in states else own.iloc[:0]
        if not named.empty:
            pairs[crisno] = (int(named["cracid"].iloc[0]), int(trigger), "system trigger")
        elif not own.empty:
            pairs[crisno] = (int(own["cracid"].iloc[0]), int(own["trigent"].iloc[0]),
                             "actor trigger")

    reasons = {c: "not coded" for c in uncoded}
    for crisno in post.index:
        if pd.isna(post.at[crisno, "sevviosy"]) or pd.isna(post.at[crisno, "break"]):
            reasons[crisno] = "not coded"
        elif crisno not in pairs:
            reasons[crisno] = "no state principals"
        elif not {pairs[crisno][0], pairs[crisno][1]} <= states:
            reasons[crisno] = "invalid cow code"
    kept = [c for c in post.index if c not in reasons]
    a = pd.Series({c: pairs[c][0] for c in kept}, dtype="int64")
    b = pd.Series({c: pairs[c][1] for c in kept}, dtype="int64")
    cinc_a = pd.Series(_cinc_in(cinc, a, year[a.index]), index=a.index, dtype=float)
    cinc_b = pd.Series(_cinc_in(cinc, b, year[b.index]), index=b.index, dtype=float)
    for crisno in kept:
        if np.isnan(cinc_a[crisno]) or np.isnan(cinc_b[crisno]):
            reasons[crisno] = "missing cinc"
    kept = pd.Index([c for c in kept if c not in reasons], name="crisno", dtype="int64")
    a, b, cinc_a, cinc_b = a[kept], b[kept], cinc_a[kept], cinc_b[kept]
    rows = post.loc[kept]
    date = trigger_date[kept]
    year = year[kept]

    onset = pd.DataFrame(index=kept)
    onset["crisno"] = kept
    onset["title"] = rows["crisname"].astype(str).str.strip()
    onset["trigger_date"] = date
    onset["year"] = year
    onset["era"] = _era(year, 2017)
    onset["pair_rule"] = pd.Series({c: pairs[c][2] for c in kept})
    onset["state_a"], onset["state_b"] = a, b
    onset["cinc_a"], onset["cinc_b"] = cinc_a, cinc_b
    onset["capability_ratio"] = np.maximum(cinc_a, cinc_b) / np.minimum(cinc_a, cinc_b)
    held = _nuclear(data)
    onset["nuclear_a"] = [(s, y) in held for s, y in zip(a, year, strict=True)]
    onset["nuclear_b"] = [(s, y) in held for s, y in zip(b, year, strict=True)]
    majors = _majors(data)
    for column, codes in (("major_a", a), ("major_b", b)):
        spans = pd.DataFrame({"key": kept, "ccode": codes.values, "date": date.values}).merge(
            majors, on="ccode")
        spans = spans[(spans["begin"] <= spans["date"]) & (spans["date"] <= spans["end"])]
        onset[column] = kept.isin(spans["key"])
    pair = pd.DataFrame({"key": kept, "ccode1": a.values, "ccode2": b.values,
                         "date": date.values})
    context = _pair_context(pair, data).reindex(kept)
    onset["contiguity"] = _contiguity_name(context["conttype"])
    onset["defense_pact"] = context["defense_pact"].astype("boolean")
    onset["prior_mids"] = _prior_mids(pair, data).reindex(kept).to_numpy()
    onset["trigger"] = rows["break"].astype(int)
    onset["gravity"] = rows["gravcr"].astype("Int64")
    onset["protracted"] = (rows["protrac"] >= 2).astype("boolean").mask(rows["protrac"].isna())
    onset["region"] = rows["geog"].astype("Int64")
    members = set(zip(actors["crisno"], actors["cracid"], strict=True))
    onset["both_actors"] = [(c, s) in members for c, s in zip(kept, b, strict=True)]

    outcome = pd.DataFrame(index=kept)
    outcome["severity"] = rows["sevviosy"].astype(int)
    outcome["war"] = outcome["severity"] == 4
    outcome["violence"] = rows["viol"].astype("Int64")
    outcome["centrality"] = rows["cenviosy"].astype("Int64")
    end = _date(rows["yrterm"], rows["moterm"], rows["daterm"]).where(rows["yrterm"].notna())
    outcome["duration"] = rows["brexit"].fillna((end - date).dt.days)
    outcome["termination_date"] = end
    outcome["mediated"] = (rows["mediate"] == 4).astype("boolean").mask(rows["mediate"].isna())
    outcome["superpower"] = rows[["usinv", "suinv"]].max(axis=1, skipna=True).astype("Int64")
    outcome["superpower_actor"] = [any((c, s) in members for s in SUPERPOWERS) for c in kept]
    outcome["crisis_management"] = rows["crismg"].astype("Int64")
    result = actors.drop_duplicates(["crisno", "cracid"]).set_index(["crisno", "cracid"])
    result = result["outcom"]
    outcome["outcome_a"] = [result.get((c, s), pd.NA) for c, s in zip(kept, a, strict=True)]
    outcome["outcome_b"] = [result.get((c, s), pd.NA) for c, s in zip(kept, b, strict=True)]
    for column in ("outcome_a", "outcome_b"):
        outcome[column] = pd.array(outcome[column], dtype="Float64").astype("Int64")

    excluded = pd.DataFrame(sorted(reasons.items()), columns=["crisno", "reason"])
    return Crises(onset=onset[list(ONSET_FIELDS)], outcome=outcome[list(OUTCOME_FIELDS)],
                  excluded=excluded)


def forecast_inputs(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """The ``columns`` of ``frame`` a forecast may use: each must be one of
    :data:`ONSET_FIELDS` (knowable at the crisis's onset). Anything else — an outcome such
    as ``severity``, ``war``, ``mediated`` or ``superpower``, or an unknown name — raises
    :class:`LeakageError` naming it."""
    columns = [columns] if isinstance(columns, str) else list(columns)
    for column in columns:
        if column not in ONSET_FIELDS:
            kind = "an outcome measured over the whole crisis" if column in OUTCOME_FIELDS \
                else "not an onset field"
            raise LeakageError(f"forecast input {column!r} is {kind}; allowed: "
                               f"{', '.join(ONSET_FIELDS)}")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(f"forecast inputs: column {missing[0]!r} is not in the table")
    return frame[columns].copy()
