"""The MID targets computed by sim.targets against the independent reference numbers in
data/reference/targets.json, and the core moment vector's own behaviour."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from sim import record, targets
from sim.targets import CORE_NAMES, Quantiles, Share

REFERENCE = json.loads((record.DATA / "reference" / "targets.json").read_text())
MID = REFERENCE["mid"]
EXTRA = REFERENCE["g_extra"]
A, B, C, D, E = ("(a) highest hostility level", "(b) reciprocated force",
                 "(c) duration (days, maxdur)", "(d) fatality level",
                 "(e) war share given force")
G_INCIDENTS, G_MID = "(g) incidents, 1992-2014", "(g) outcomes and escalation"
LABELS = {"all_mids": "all MIDs", "given_force_used": "given force",
          "bilateral_given_force": "bilateral, given force"}
STRATA = {"by_nuclear_status_bleek": "nuclear", "by_nuclear_status_fas_sensitivity":
          "nuclear_fas", "by_land_contiguity": "land_contiguity",
          "by_contiguity_le150mi_water": "water_150", "by_era": "era"}


@pytest.fixture(scope="module")
def built() -> targets.Targets:
    return targets.mid_targets()


def reference_shares():
    """(section, our name, reference entry) for every share of sections (a)-(e) and (g)
    that the reference reports."""
    a = MID["a_hostility_mix"]
    for level, entry in a["levels"].items():
        yield A, level, entry
    for era, block in a["by_era"].items():
        for level, entry in block["levels"].items():
            yield A, f"{era}: {level}", entry
    b = MID["b_reciprocated_force"]
    yield B, "all MIDs", b["all_mids"]
    yield B, "given force", b["given_force_used"]
    yield B, "bilateral, given force", b["bilateral_mids_only_given_force"]
    yield B, "COW recip (side B acted), all MIDs", b["cow_recip_any_militarized_response"]
    for key, column in STRATA.items():
        for label, block in b[key].items():
            for value, entry in block.items():
                yield B, f"{column} = {value}, {LABELS[label]}", entry
    for value, entry in b["by_defense_pact_1945_2012"]["given_force_used"].items():
        yield B, f"defense_pact = {value}, given force", entry
    c = MID["c_duration_days"]
    for key, name in (("share_1day_or_less", "1 day or less"),
                      ("share_over_365d", "over 365 days")):
        for level, entry in c[key].items():
            yield C, f"hostlev {level[-1]}: {name}", entry
    d = MID["d_fatality_mix"]
    for key, label in (("all_mids", "all MIDs"), ("use_of_force_mids", "force MIDs")):
        for level, entry in d[key]["levels"].items():
            yield D, f"{level}, {label}", entry
    yield D, "any fatality given force", d["any_fatality_given_force"]
    yield D, "over 100 deaths given force", d["over_100_deaths_given_force"]
    e = MID["e_war_share_given_force"]
    yield E, "overall", e["overall"]
    for tercile, entry in e["by_capability_ratio_tercile"].items():
        yield E, f"capability ratio tercile {tercile[:2]}", entry
    for key, column in STRATA.items():
        if key in e:
            for value, entry in e[key].items():
                yield E, f"{column} = {value}", entry
    for value, entry in e["by_major_power_on_both_sides"].items():
        yield E, f"major_both = {value}", entry
    m = EXTRA["mid"]
    for level, entry in m["mid_outcome_mix"]["levels"].items():
        yield G_MID, f"outcome {level}", entry
    for level, entry in m["mid_outcome_mix_force"]["levels"].items():
        yield G_MID, f"outcome {level}, force MIDs", entry
    for level, entry in m["mid_settlement_mix"]["levels"].items():
        yield G_MID, f"settlement {level}", entry
    escalation = m["escalation_given_reciprocation"]
    for name in ("any fatality | force reciprocated", "any fatality | force not reciprocated",
                 "war | force reciprocated", "war | force not reciprocated"):
        yield G_MID, name, escalation[f"P({name})"]
    yield G_MID, "bilateral", m["participants"]["share_bilateral"]
    yield G_MID, "multilateral given force", m["participants"]["share_multilateral_given_force"]
    i = EXTRA["incidents"]
    yield G_INCIDENTS, "MIDs with an incident of unknown start day", \
        i["share_disputes_with_any_approx_day"]
    yield G_INCIDENTS, "first use of force reciprocated", i["first_force_reciprocated_ever"]
    yield G_INCIDENTS, "first force by side A", i["first_force_by_side_A_initiator"]
    for day in (7, 365):     # days 0, 1, 30 and 90: see test_incident_timing_differences
        yield G_INCIDENTS, f"reciprocated by day {day}", \
            i["cum_share_reciprocated_by_day"][f"by_day_{day}"]


REFERENCE_SHARES = list(reference_shares())


def test_every_reference_share_is_reproduced(built):
    """k and n exactly, so p, its binomial SE and its Wilson interval agree to the
    reference's rounding (4 decimals)."""
    assert len(REFERENCE_SHARES) == 127
    for section, name, entry in REFERENCE_SHARES:
        ours = built.sections[section][name]
        assert (ours.k, ours.n) == (entry["k"], entry["n"]), (section, name)
        assert round(ours.p, 4) == pytest.approx(entry["p"], abs=1e-9), (section, name)
        assert round(ours.se, 4) == pytest.approx(entry["se"], abs=1e-9), (section, name)
        low, high = ours.as_dict()["ci95"]
        assert (round(low, 4), round(high, 4)) == pytest.approx(entry["ci95"], abs=1.5e-4)


def test_counts_and_cut_points(built):
    assert built.sections[A]["MIDs"] == MID["n_disputes"] == 1729
    assert built.sections[D]["unknown, excluded"] == MID["d_fatality_mix"]["n_unknown_excluded"]
    assert built.sections[E]["capability ratio tercile cut points"] == \
        MID["e_war_share_given_force"]["capability_ratio_tercile_cutpoints"]
    assert built.sections[G_INCIDENTS]["MIDs with incident data"] == 667


def _quantile_pairs():
    c = MID["c_duration_days"]
    for key, name in (("all", "all"), ("hostlev_2_threat", "hostlev 2 threat"),
                      ("hostlev_3_display", "hostlev 3 display"),
                      ("hostlev_4_use of force", "hostlev 4 use of force"),
                      ("hostlev_5_war", "hostlev 5 war"),
                      ("use_of_force_mids_mindur", "force MIDs, mindur")):
        yield C, name, c[key]
    escalation = EXTRA["mid"]["escalation_given_reciprocation"]
    yield G_MID, "maxdur, force reciprocated", escalation["median_maxdur_reciprocated"]
    yield G_MID, "maxdur, force not reciprocated", escalation["median_maxdur_not_reciprocated"]
    i = EXTRA["incidents"]
    yield G_INCIDENTS, "force incidents per force MID", i["n_force_incidents_per_force_mid"]


@pytest.mark.parametrize(("section", "name", "entry"), list(_quantile_pairs()),
                         ids=lambda x: x if isinstance(x, str) else "")
def test_quantile_estimates_match(built, section, name, entry):
    """Quantiles are deterministic: equal to the reference's (means to its 2 decimals)."""
    ours: Quantiles = built.sections[section][name]
    assert ours.n == entry["n"]
    for q in ("q10", "q25", "q50", "q75", "q90"):
        assert ours.estimates[q] == pytest.approx(entry[q]["est"], abs=1e-6), q
    assert round(ours.estimates["mean"], 2) == pytest.approx(entry["mean"]["est"], abs=1e-9)


def _bootstrap_se_spread(values: np.ndarray, q: float, n_boot: int, repeats: int = 20
                         ) -> float:
    """The Monte-Carlo standard deviation of a bootstrap SE of quantile ``q`` from
    ``n_boot`` resamples, measured by repeating the bootstrap with other seeds."""
    estimates = []
    for seed in range(repeats):
        rng = np.random.default_rng(1000 + seed)
        draws = values[rng.integers(0, values.size, size=(n_boot, values.size))]
        estimates.append(np.quantile(draws, q, axis=1).std(ddof=1))
    return float(np.std(estimates, ddof=1))


@pytest.mark.parametrize("level", [3, 4])
def test_bootstrap_se_of_median_duration_within_monte_carlo_error(built, level):
    """The bootstrap SE of the median duration (display, force) agrees with the reference
    within 4 Monte-Carlo standard deviations of the difference of two bootstrap SEs (ours
    from 1000 resamples, the reference's from its meta n_boot), the spread measured."""
    name = {3: "hostlev 3 display", 4: "hostlev 4 use of force"}[level]
    key = {3: "hostlev_3_display", 4: "hostlev_4_use of force"}[level]
    durations = record.disputes().query("hostlev == @level")["duration"].to_numpy(float)
    ours = built.sections[C][name].boot_se["q50"]
    theirs = MID["c_duration_days"][key]["q50"]["boot_se"]
    spread = _bootstrap_se_spread(durations, 0.5, built.n_boot)
    tolerance = 4 * spread * math.sqrt(1 + built.n_boot / REFERENCE["meta"]["n_boot"])
    assert abs(ours - theirs) <= tolerance


def test_incident_timing_differences(built):
    """Where the reference's incident timings differ from ours, by how much, pinned.

    The reference does not say how it dates a side's first use of force when an incident's
    day is unknown or several incidents share a day; we take each participant's own MIDIP
    start date (unknown day = the 1st) and, for the opening incident, the highest hostility
    on the dispute's first incident day (MIDI dates). That reproduces the counts above
    exactly (164 reciprocated of 401, 271 first by side A, 112 approximate) and leaves these
    few disputes apart: reciprocated by day 0/1/30/90 98/101/122/140 against 97/100/120/139;
    the opening incident threat/display/force 18/325/324 against 19/325/323 (one dispute);
    days to reciprocation q75 38.25 against 42.5 (mean 37.85 against 37.88); days from
    start to first force q90 59 against 58."""
    rows = built.sections[G_INCIDENTS]
    i = EXTRA["incidents"]
    cum = i["cum_share_reciprocated_by_day"]
    for day, ours in ((0, 98), (1, 101), (30, 122), (90, 140)):
        assert rows[f"reciprocated by day {day}"].k == ours
        assert 0 < ours - cum[f"by_day_{day}"]["k"] <= 2
    opening = {level: rows[f"first incident day {level}: reaches force"]
               for level in ("threat", "display", "use of force")}
    assert [s.n for s in opening.values()] == [18, 325, 324]
    escalation = i["escalation_from_first_incident"]
    assert [escalation[f"first_incident_{lv}"]["n"] for lv in opening] == [19, 325, 323]
    assert [s.k for s in opening.values()] == [4, 73, 324]
    delay = rows["days first force to reciprocation"]
    reference = i["days_first_force_to_reciprocation_among_reciprocated"]
    assert delay.n == reference["n"] == 164
    assert delay.estimates["q50"] == reference["q50"]["est"] == 0
    assert delay.estimates["q90"] == pytest.approx(reference["q90"]["est"])
    assert delay.estimates["q75"] == pytest.approx(38.25)
    assert delay.estimates["mean"] == pytest.approx(reference["mean"]["est"], abs=0.05)
    start = rows["days MID start to first force"]
    assert (start.n, start.estimates["q50"], start.estimates["q90"]) == (401, 0, 59)
    gaps = rows["median days between incidents (per MID)"]
    reference = i["median_days_between_incidents"]
    assert (gaps.n, gaps.estimates["q25"], gaps.estimates["q50"]) == (350, 3, 14)
    assert gaps.estimates["q90"] == pytest.approx(reference["q90"]["est"])


# --------------------------------------------------------------------------- core vector


REFERENCE_CORE = len(MID["core_moment_vector"]["names"])
"""The reference's core vector has the first 15 moments; the others (how often an exchange
of blows ends within three weeks, and the lopsided and territorial pairs) are counted below
straight from the raw files."""


def test_core_vector_matches_reference(built):
    core = MID["core_moment_vector"]
    assert list(CORE_NAMES[:REFERENCE_CORE]) == core["names"]
    for name, estimate in zip(core["names"], core["est"], strict=True):
        assert round(built.core[name], 5) == pytest.approx(estimate, abs=1e-9), name


class Raw:
    """MIDA, MIDB and NMC read as they are, for moments counted a second time: the post-1945
    disputes those starting from 2 September 1945 (an unknown day read as the 1st), a
    dispute reciprocated when participants on both sides reached hostility 4, a state's
    CINC that of NMC 7.0 in the dispute's start year (-9: missing)."""

    def __init__(self):
        mida = pd.read_csv(record.DATA / "MIDA_5.0.csv").set_index("dispnum")
        self.midb = pd.read_csv(record.DATA / "MIDB_5.0.csv")
        nmc = pd.read_csv(record.DATA / "NMC-70-abridged_via_peacesciencer.csv")
        day = mida["stday"].where(mida["stday"] > 0, 1)
        start = pd.to_datetime(pd.DataFrame({"year": mida["styear"], "month": mida["stmon"],
                                             "day": day}))
        self.force = mida[(start >= "1945-09-02") & (mida["hostlev"] >= 4)]
        self.sides = self.midb[self.midb["hostlev"] >= 4].groupby("dispnum")["sidea"].nunique()
        self.cinc_table = nmc[nmc["cinc"] >= 0].set_index(["ccode", "year"])["cinc"]

    def originators(self, side=None):
        """The MIDB originators of the disputes of force (of one side, if given), each with
        its CINC."""
        origin = self.midb[(self.midb["orig"] == 1) & self.midb["dispnum"].isin(self.force.index)]
        if side is not None:
            origin = origin[origin["sidea"] == side]
        origin = origin.drop_duplicates(["dispnum", "ccode", "sidea"])
        years = pd.MultiIndex.from_arrays([origin["ccode"],
                                           self.force.loc[origin["dispnum"], "styear"].to_numpy()])
        return origin.assign(cinc=self.cinc_table.reindex(years).to_numpy())

    def counts(self, disputes):
        """How many of ``disputes`` (numbers of disputes of force) there are, how many were
        reciprocated and how many were wars."""
        return (len(disputes), int(self.sides.reindex(disputes).eq(2).sum()),
                int((self.force.loc[disputes, "hostlev"] == 5).sum()))


@pytest.fixture(scope="module")
def raw():
    return Raw()


def test_quick_exchanges_counted_from_the_raw_files(built, raw):
    """short_given_recip_force by a second route (:class:`Raw`): 147 of the 546 post-1945
    reciprocated disputes of force lasted 21 days or less."""
    exchanges = raw.force[raw.force.index.isin(raw.sides[raw.sides == 2].index)]
    assert (len(exchanges), int((exchanges["maxdur"] <= 21).sum())) == (546, 147)
    assert built.core["short_given_recip_force"] == pytest.approx(147 / 546)


def test_lopsided_pairs_counted_from_the_raw_files(built, raw):
    """The _lopsided moments by a second route (:class:`Raw`): each side's CINC the sum of
    its MIDB originators', a pair lopsided when the stronger side's is over ten times the
    weaker's: of the 335 post-1945 disputes of force so lopsided, 120 were reciprocated and
    7 were wars."""
    side = raw.originators().groupby(["dispnum", "sidea"])["cinc"].sum(min_count=1).unstack()
    lopsided = side.index[side.max(axis=1) > targets.LOPSIDED * side.min(axis=1)]
    assert raw.counts(lopsided) == (335, 120, 7)
    assert built.core["recip_given_force_lopsided"] == pytest.approx(120 / 335)
    assert built.core["war_given_force_lopsided"] == pytest.approx(7 / 335)


def test_territorial_disputes_counted_from_the_raw_files(built, raw):
    """The _territorial moments by a second route (:class:`Raw`): side A's principal
    originator the one with the largest CINC (ties by COW code), the dispute territorial
    when its MIDB revtype1 is 1: of the 255 post-1945 disputes of force so coded, 167 were
    reciprocated and 13 were wars."""
    principal = (raw.originators(side=1).sort_values(["cinc", "ccode"], ascending=[False, True])
                 .drop_duplicates("dispnum"))
    territorial = principal.loc[principal["revtype1"] == 1, "dispnum"]
    assert raw.counts(territorial) == (255, 167, 13)
    assert built.core["recip_given_force_territorial"] == pytest.approx(167 / 255)
    assert built.core["war_given_force_territorial"] == pytest.approx(13 / 255)


def test_core_covariance_within_bootstrap_noise():
    """Each element of our covariance (2000 resamples) differs from the reference's (1000)
    by less than z Monte-Carlo standard errors, z Bonferroni-corrected for the 120 distinct
    elements at 1% (z = 3.9). An element's Monte-Carlo variance is the variance of the
    centred products over the resamples divided by the number of resamples; the
    reference's is taken to have the same spread per resample."""
    table = record.disputes()[list(targets.CORE_COLUMNS)]
    boots = targets.core_bootstrap(table, n_boot=2000, seed=targets.SEED)
    ours = targets.core_covariance(table, n_boot=2000, seed=targets.SEED)
    assert ours == pytest.approx(np.cov(boots, rowvar=False))
    boots, ours = boots[:, :REFERENCE_CORE], ours[:REFERENCE_CORE, :REFERENCE_CORE]
    reference = np.array(MID["core_moment_vector"]["cov"])
    n_ref = MID["core_moment_vector"]["n_boot"]
    centred = boots - boots.mean(axis=0)
    products = centred[:, :, None] * centred[:, None, :]
    spread = products.var(axis=0, ddof=1)
    se = np.sqrt(spread / len(boots) + spread / n_ref)
    z = norm.ppf(1 - 0.01 / (2 * 120))
    assert 3.8 < z < 4.0
    outside = np.argwhere(np.abs(ours - reference) > z * se)
    assert outside.size == 0, [(CORE_NAMES[i], CORE_NAMES[j]) for i, j in outside]
    # …and the check has teeth: a covariance 50% too large fails on 14 of the 15 variances.
    assert (np.abs(1.5 * ours - reference) > z * se).diagonal().sum() == 14


def test_core_moments_of_a_simulated_table():
    """A hand-made table of six disputes (the columns a simulation provides): every moment
    worked out by hand."""
    table = pd.DataFrame({
        "hostlev": [3, 3, 4, 4, 5, 2],
        "duration": [1, 11, 10, 21, 100, 1],
        "fatality": [0, 0, np.nan, 1, 6, 0],
        "reciprocated": [False, False, False, True, True, False],
        "land_contiguity": [True, False, True, False, True, False],
        "capability_ratio": [1.0, 20.0, 20.0, 11.0, 2.0, np.nan],
        "territorial": [False, False, False, True, True, False],
        "nuclear": ["neither", "both", "both", "one", "neither", "neither"],
    })
    moments = targets.core_moments(table)
    assert list(moments) == list(CORE_NAMES)
    expected = {"share_display": 2 / 6, "share_force": 2 / 6, "share_war": 1 / 6,
                "recip_given_force": 2 / 3, "war_given_force": 1 / 3,
                "anyfatal_given_force": 2 / 2, "anyfatal_given_recip_force": 2 / 2,
                "median_dur_force": 21, "q75_dur_force": 60.5, "median_dur_display": 6,
                "recip_given_force_landcontig": 1 / 2, "recip_given_force_nonland": 1,
                "war_given_force_landcontig": 1 / 2, "war_given_force_nonland": 0,
                "recip_given_force_joint_nuclear": 0, "short_given_recip_force": 1 / 2,
                "recip_given_force_lopsided": 1 / 2, "war_given_force_lopsided": 0,
                "recip_given_force_territorial": 1, "war_given_force_territorial": 1 / 2}
    assert moments == pytest.approx(expected)


def test_core_moments_need_their_columns():
    with pytest.raises(ValueError, match="'nuclear'"):
        targets.core_moments(pd.DataFrame({c: [1] for c in targets.CORE_COLUMNS[:-1]}))


def test_covariance_is_seeded():
    table = record.disputes()[list(targets.CORE_COLUMNS)]
    first = targets.core_covariance(table, n_boot=50, seed=3)
    assert np.array_equal(first, targets.core_covariance(table, n_boot=50, seed=3))
    assert not np.array_equal(first, targets.core_covariance(table, n_boot=50, seed=4))


def test_printed_and_json(built):
    text = str(built)
    assert "(a) highest hostility level" in text and "recip_given_force_joint_nuclear" in text
    assert "0.691 (SE 0.011; 1195/1729)" in text
    as_json = json.loads(json.dumps(built.as_dict()))
    assert as_json["core_moment_vector"]["names"] == list(CORE_NAMES)
    assert as_json["sections"][A]["4 use of force"]["k"] == 1195


def test_share_and_quantiles_basics():
    assert Share(0, 0).as_dict()["n"] == 0 and math.isnan(Share(0, 0).p)
    q = targets.quantiles(np.array([1.0, 2, 3, 4, np.nan]), np.random.default_rng(0), 200)
    assert q.n == 4 and q.estimates["q50"] == 2.5 and q.boot_se["q50"] > 0


def test_tercile_difference(built):
    """T1 - T3 war share given force: 8/408 - 8/408 exactly; its bootstrap SE within four
    Monte-Carlo SDs (for a near-normal bootstrap distribution an SD from B resamples has
    relative SD 1/sqrt(2B); ours B = 1000, the reference's its meta n_boot)."""
    ours = built.sections[E]["T1 - T3 difference"]
    theirs = MID["e_war_share_given_force"]["diff_T1_minus_T3"]
    assert ours.estimate == theirs["est"] == 0.0
    relative = math.sqrt(1 / (2 * built.n_boot) + 1 / (2 * REFERENCE["meta"]["n_boot"]))
    assert abs(ours.boot_se - theirs["boot_se"]) <= 4 * relative * theirs["boot_se"]
