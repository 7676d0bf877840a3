"""The record as tables: known disputes and crises pinned, counts, the onset/outcome split
and its guard, and clear errors for malformed files."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from sim import record
from sim.errors import InputError
from sim.record import ONSET_FIELDS, OUTCOME_FIELDS, LeakageError

INDIA, PAKISTAN = 750, 770


@pytest.fixture(scope="module")
def disputes() -> pd.DataFrame:
    return record.disputes()


@pytest.fixture(scope="module")
def crises() -> record.Crises:
    return record.crises()


# --------------------------------------------------------------------------- disputes


def test_post_1945_disputes_and_hostility_mix(disputes):
    assert len(disputes) == 1729 and disputes.index.is_unique
    assert disputes["start"].min() >= pd.Timestamp("1945-09-02")
    assert disputes["hostlev"].value_counts().sort_index().to_dict() == {
        2: 36, 3: 469, 4: 1195, 5: 29}
    assert disputes["force"].sum() == 1224 and disputes["reciprocated"].sum() == 546
    assert disputes.groupby("era").size().to_dict() == {"1945-1989": 1018, "1990-2014": 711}
    assert disputes["fatality"].isna().sum() == 174


def test_known_war_india_pakistan_1993_to_1999(disputes):
    """MID 4007 is the India-Pakistan dispute of 1993-1999 that holds the Kargil war: a war
    (hostility 5, over 999 battle deaths) between two nuclear states, Pakistan the
    originator on side A, land neighbours."""
    war = disputes.loc[4007]
    assert (war["state_a"], war["state_b"]) == (PAKISTAN, INDIA)
    assert war["hostlev"] == 5 and war["war"] and war["reciprocated"]
    assert war["fatality"] == 6 and war["nuclear"] == "both" and war["land_contiguity"]
    assert war["start"] == pd.Timestamp("1993-09-17") and war["duration"] == 2130
    assert war["start"] + pd.Timedelta(days=int(war["duration"])) > pd.Timestamp("1999-07-01")
    assert war["capability_ratio"] == pytest.approx(war["cinc_b"] / war["cinc_a"])


def test_known_display_only_dispute(disputes):
    """MID 1077 (India against Pakistan, September 1947): a show of force, nobody fired."""
    display = disputes.loc[1077]
    assert (display["state_a"], display["state_b"]) == (INDIA, PAKISTAN)
    assert display["hostlev"] == 3 and not display["force"] and not display["reciprocated"]
    assert display["fatality"] == 0 and display["duration"] == 50
    assert display["nuclear"] == "neither" and display["bilateral"]


def test_dispute_covariates_as_the_reference_counts_them(disputes):
    """The originator-based strata give the reference's stratum sizes."""
    force = disputes[disputes["force"]]
    assert disputes["nuclear"].value_counts().to_dict() == {"neither": 1109, "one": 524,
                                                            "both": 96}
    assert disputes["nuclear_fas"].value_counts().to_dict() == {"neither": 1134, "one": 503,
                                                                "both": 92}
    assert disputes["land_contiguity"].sum() == 1081 and disputes["water_150"].sum() == 1282
    assert force["major_both"].sum() == 65
    assert force["defense_pact"].value_counts(dropna=False).to_dict() == {
        False: 928, True: 256, pd.NA: 40}
    assert disputes.loc[disputes["year"] > 2012, "defense_pact"].isna().all()
    assert disputes["bilateral"].sum() == 1520
    both = disputes["nuclear_a"] & disputes["nuclear_b"]
    assert (both == (disputes["nuclear"] == "both")).all()
    assert ((disputes["nuclear_a"] ^ disputes["nuclear_b"]) == (disputes["nuclear"] == "one")).all()
    assert force["capability_ratio"].notna().all() and (force["capability_ratio"] >= 1).all()


def test_prior_mids_count_the_pair_s_earlier_disputes(disputes):
    """MID 4007's pair had six MIDs (either side first) in the ten years before it."""
    start = disputes.loc[4007, "start"]
    pair = {INDIA, PAKISTAN}
    people = pd.read_csv(record.DATA / "MIDB_5.0.csv")
    people = people[people.groupby("dispnum")["ccode"].transform(lambda c: pair <= set(c))]
    sides = people.groupby("dispnum").apply(
        lambda g: any(set(g.loc[g.sidea == s, "ccode"]) & {a} and
                      set(g.loc[g.sidea != s, "ccode"]) & (pair - {a})
                      for s in (0, 1) for a in pair), include_groups=False)
    starts = record._dispute_starts(record.DATA)
    window = (starts < start) & (starts >= start - pd.DateOffset(years=10))
    assert (sides & window.reindex(sides.index)).sum() == disputes.loc[4007, "prior_mids"] == 6


def test_incidents_cover_1992_to_2014(disputes):
    incidents = record.incidents()
    assert incidents["dispnum"].nunique() == 667
    assert incidents["dispnum"].isin(disputes.index).all()
    assert incidents["incident_start"].dt.year.between(1992, 2014).all()


def test_missing_mid_column_is_one_line(tmp_path):
    for name in record.FILES.values():
        (tmp_path / name).symlink_to(record.DATA / name)
    (tmp_path / "MIDA_5.0.csv").unlink()
    pd.read_csv(record.DATA / "MIDA_5.0.csv").drop(columns="hostlev").to_csv(
        tmp_path / "MIDA_5.0.csv", index=False)
    with pytest.raises(InputError) as caught:
        record.disputes(tmp_path)
    message = str(caught.value)
    assert "\n" not in message and "MIDA_5.0.csv" in message and "'hostlev'" in message
    (tmp_path / "MIDA_5.0.csv").unlink()
    (tmp_path / "MIDA_5.0.csv").symlink_to(record.DATA / "MIDA_5.0.csv")
    (tmp_path / "MIDB_5.0.csv").unlink()
    with pytest.raises(InputError, match=r"MIDB_5\.0\.csv: file not found"):
        record.disputes(tmp_path)


# --------------------------------------------------------------------------- crises


def test_crisis_counts_on_the_development_file(crises):
    """This ICB file holds back some crises: 298 post-1945 crises with a trigger date (378
    in full ICB v14), of which 235 are usable (315 in full). Those excluded are the same
    as in the full set's count (59 without state principals, 4 without CINC, and crisis
    474 with no coded values), so the held-back crises were all usable ones."""
    assert len(crises.onset) == len(crises.outcome) == 235
    assert crises.excluded["reason"].value_counts().to_dict() == {
        "no state principals": 59, "missing cinc": 4, "not coded": 1}
    assert crises.excluded.loc[crises.excluded["reason"] == "not coded", "crisno"].tolist() \
        == [474]
    assert crises.onset["pair_rule"].value_counts().to_dict() == {"system trigger": 190,
                                                                  "actor trigger": 45}
    assert not set(crises.excluded["crisno"]) & set(crises.onset.index)
    assert (crises.onset["trigger_date"] >= pd.Timestamp("1945-09-02")).all()


def test_tables_have_exactly_their_fields(crises):
    assert list(crises.onset.columns) == list(ONSET_FIELDS)
    assert list(crises.outcome.columns) == list(OUTCOME_FIELDS)
    assert not set(ONSET_FIELDS) & set(OUTCOME_FIELDS)
    assert crises.onset.index.equals(crises.outcome.index)
    assert (crises.onset.index == crises.onset["crisno"]).all()


def test_known_crisis_pair_kashmir_1947(crises):
    """ICB 119, Kashmir I: Pakistan's tribal invasion triggers India's crisis (system
    trigger 770), so A = India, B = Pakistan, land neighbours, a serious-clashes war."""
    onset, outcome = crises.onset.loc[119], crises.outcome.loc[119]
    assert onset["title"] == "KASHMIR I"
    assert (onset["state_a"], onset["state_b"]) == (INDIA, PAKISTAN)
    assert onset["pair_rule"] == "system trigger" and onset["both_actors"]
    assert onset["contiguity"] == "land" and onset["trigger_date"] == pd.Timestamp("1947-10-24")
    assert not onset["nuclear_a"] and not onset["nuclear_b"]
    assert outcome["severity"] == 4 and outcome["war"]


def test_crisis_covariates(crises):
    onset = crises.onset
    assert onset.loc[473, ["state_a", "state_b", "nuclear_a", "nuclear_b"]].tolist() == [
        INDIA, PAKISTAN, True, True]
    assert onset.loc[onset["year"] > 2012, "defense_pact"].isna().all()
    assert onset["defense_pact"].notna().sum() == (onset["year"] <= 2012).sum()
    assert set(onset["contiguity"]) == {"land", "water", "none"}
    assert (onset["state_a"] != onset["state_b"]).all()
    assert onset[["cinc_a", "cinc_b"]].notna().all().all()
    assert set(crises.outcome["severity"]) == {1, 2, 3, 4}
    assert (crises.outcome["war"] == (crises.outcome["severity"] == 4)).all()


def test_forecast_inputs_refuse_outcomes(crises):
    chosen = record.forecast_inputs(crises.onset, ["trigger", "capability_ratio"])
    assert list(chosen.columns) == ["trigger", "capability_ratio"]
    for field in ("severity", "mediated", "superpower", "war"):
        with pytest.raises(LeakageError, match=f"'{field}' is an outcome"):
            record.forecast_inputs(crises.outcome, [field])
        with pytest.raises(LeakageError):
            record.forecast_inputs(crises.onset.join(crises.outcome), ["trigger", field])
    with pytest.raises(LeakageError, match="'sevviosy' is not an onset field"):
        record.forecast_inputs(crises.onset, ["sevviosy"])
    assert issubclass(LeakageError, ValueError)


# --------------------------------------------------------------------------- ICB files


def test_subset_file_gives_the_subset(tmp_path, crises):
    """Half the crises written to new files load, and each keeps its row."""
    system = pd.read_csv(record.DATA / "icb1v14.csv")
    actors = pd.read_csv(record.DATA / "icb2v14.csv")
    half = system.iloc[::2]
    half.to_csv(tmp_path / "a.csv", index=False)
    actors[actors["crisno"].isin(half["crisno"])].to_csv(tmp_path / "b.csv", index=False)
    subset = record.crises(tmp_path / "a.csv", tmp_path / "b.csv")
    assert 0 < len(subset.onset) < len(crises.onset)
    assert set(subset.onset.index) == set(crises.onset.index) & set(half["crisno"])
    pd.testing.assert_frame_equal(subset.onset, crises.onset.loc[subset.onset.index])
    pd.testing.assert_frame_equal(subset.outcome, crises.outcome.loc[subset.onset.index])


def test_missing_icb_column_is_one_line(tmp_path):
    path = tmp_path / "icb1.csv"
    pd.read_csv(record.DATA / "icb1v14.csv").drop(columns="sevviosy").to_csv(path, index=False)
    with pytest.raises(InputError) as caught:
        record.crises(path)
    message = str(caught.value)
    assert "\n" not in message and str(path) in message and "'sevviosy'" in message


def test_empty_icb_file_is_one_line(tmp_path):
    path = tmp_path / "icb2.csv"
    pd.read_csv(record.DATA / "icb2v14.csv").iloc[:0].to_csv(path, index=False)
    with pytest.raises(InputError, match="no rows") as caught:
        record.crises(icb2=path)
    assert "\n" not in str(caught.value)
    blank = tmp_path / "blank.csv"
    blank.write_text("")
    with pytest.raises(InputError, match=r"blank\.csv: not a readable CSV"):
        record.crises(blank)


def test_missing_icb_file(tmp_path):
    with pytest.raises(InputError, match=r"nothing\.csv: file not found"):
        record.crises(tmp_path / "nothing.csv")


def test_data_folder_is_self_contained(tmp_path):
    """Everything the record reads is in data/ (listed in FILES and in its README)."""
    readme = (record.DATA / "README.md").read_text()
    for name in record.FILES.values():
        assert (record.DATA / name).is_file() and name in readme
    shutil.copytree(record.DATA, tmp_path / "data")
    assert len(record.disputes(tmp_path / "data")) == 1729


@pytest.mark.parametrize(("value", "expected"), [("severe", "'severe' in row 2"),
                                                 (7, "is 7 in crisis 1 \\(allowed")])
def test_bad_icb_value_is_one_line(tmp_path, value, expected):
    path = tmp_path / "icb1.csv"
    system = pd.read_csv(record.DATA / "icb1v14.csv").astype({"sevviosy": object})
    system.loc[0, "sevviosy"] = value
    system.to_csv(path, index=False)
    with pytest.raises(InputError, match=f"'sevviosy' .*{expected}") as caught:
        record.crises(path)
    assert "\n" not in str(caught.value)
