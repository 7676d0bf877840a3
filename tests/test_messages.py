"""Paths that used to end in a traceback or a misleading message: each ends with one clear
line (exit status 2), or works."""

import errno
import os
import subprocess
import sys

import pytest

from sim import experiment, scenario
from sim.cli import main
from sim.errors import InputError
from sim.folder import write_failure

from .conftest import FLAGSHIP, ROOT

CLI = [sys.executable, "-m", "sim.cli"]


def one_line_error(argv, capsys, *, status=2):
    code = main(argv)
    captured = capsys.readouterr()
    lines = [line for line in captured.err.strip().splitlines() if not line.startswith("note:")]
    assert code == status, captured.err
    assert len(lines) == 1 and "Traceback" not in captured.err, captured.err
    return lines[0], captured.out


SOBOL = f"""
[experiment]
id = "s"
scenario = "{FLAGSHIP.as_posix()}"
replicates = 100
design = "sobol"
samples = {{samples}}

[parameters]
"actor.CHN.leverage" = {{{{ low = 0.0, high = 1.0 }}}}
{{more}}
"""


@pytest.mark.parametrize("samples,more,says", [
    (4, "", "a sobol design needs at least two parameters"),
    (1, '"actor.PAK.restraint" = { low = 0.5, high = 2.0 }', "1 is too few"),
])
def test_sobol_designs_that_cannot_give_indices_are_refused_before_running(
        write, samples, more, says):
    path = write(SOBOL.format(samples=samples, more=more), "sobol.toml")
    with pytest.raises(InputError, match=says):
        experiment.load(path)


@pytest.mark.parametrize("argv", [
    ["run", str(FLAGSHIP), "--trace", "3"],
    ["sweep", "experiments/mediation_and_pressure.toml", "--out", "{tmp}/s"],
])
def test_piping_into_head_is_quiet(argv, tmp_path):
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    done = subprocess.run(" ".join([*CLI, *argv]) + " | head -1", shell=True, cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr, done.stderr
    assert len(done.stdout.splitlines()) == 1


def test_a_corrupt_points_file_is_one_line_for_plot(write, tmp_path, capsys):
    spec = write(f"""
[experiment]
id = "p"
scenario = "{FLAGSHIP.as_posix()}"
replicates = 100
[parameters]
"actor.CHN.leverage" = [0.0, 1.0]
""", "p.toml")
    out = tmp_path / "out"
    assert main(["sweep", str(spec), "--out", str(out), "--json"]) == 0
    capsys.readouterr()
    (out / "points.parquet").write_bytes(b"PAR1 not really")
    line, _ = one_line_error(["plot", str(out), "--kind", "sweep", "-o",
                              str(tmp_path / "f.png")], capsys)
    assert "points.parquet: unreadable" in line and "--resume" in line
    (out / "manifest.json").write_text("[1, 2]")
    line, _ = one_line_error(["plot", str(out), "--kind", "sweep", "-o",
                              str(tmp_path / "f.png")], capsys)
    assert "manifest.json: names no factors" in line


@pytest.mark.parametrize("target", ["fifo", "/dev/zero"])
def test_a_fifo_or_device_is_not_called_a_directory(tmp_path, target, capsys):
    if target == "fifo":
        target = str(tmp_path / "fifo")
        os.mkfifo(target)
    line, _ = one_line_error(["validate", target], capsys)
    assert "is not a regular file" in line and "directory" not in line


def test_a_byte_order_mark_is_accepted(tmp_path):
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + FLAGSHIP.read_bytes())
    assert scenario.load(path).id == scenario.load(FLAGSHIP).id


@pytest.mark.parametrize("code,says,not_says", [
    (errno.ENOSPC, "free space", None),
    (errno.EROFS, "read-only", "free space"),
    (errno.EISDIR, "a directory is in the way", "free space"),
    (errno.EACCES, "a folder you may write to", "free space"),
])
def test_write_errors_say_what_went_wrong(code, says, not_says):
    message = str(write_failure("x/y.parquet", OSError(code, os.strerror(code))))
    assert says in message and (not_says is None or not_says not in message)


def test_a_directory_where_the_figure_goes_is_not_a_full_disk(tmp_path, capsys):
    figure = tmp_path / "fig.png"
    figure.mkdir()
    line, _ = one_line_error(["run", str(FLAGSHIP), "--replicates", "100", "--horizon", "30",
                              "--plot", str(figure)], capsys, status=1)
    assert "free space" not in line


def test_events_replicate_out_of_range_names_its_own_flag(tmp_path, capsys):
    line, _ = one_line_error(["events", str(FLAGSHIP), "--replicate", "10000", "-o",
                              str(tmp_path / "e.csv")], capsys)
    assert line.startswith("--replicate 10000") and "--trace" not in line


def test_a_policy_for_every_state(capsys):
    loaded = scenario.load(FLAGSHIP, sets={"actor.*.policy": "hawk"})
    assert {a.policy for a in loaded.of_kind("state")} == {"hawk"}
    assert main(["run", str(FLAGSHIP), "--replicates", "100", "--horizon", "30", "--set",
                 "actor.*.policy=hawk"]) == 0


def test_validate_knows_an_experiment_file(capsys):
    assert main(["validate", "experiments/mediation_and_pressure.toml"]) == 0
    assert "valid experiment (30 design points" in capsys.readouterr().out


def test_validate_knows_a_calibration_config(capsys, tmp_path):
    assert main(["validate", "experiments/calibration.toml"]) == 0
    assert "valid calibration (12 parameters, 20 moments" in capsys.readouterr().out
    bad = tmp_path / "bad.toml"
    bad.write_text('[calibration]\nid = "x"\nwaves = 0\n[parameters]\n'
                   '"model.settle_rate" = { low = 0, high = 1 }\n')
    line, _ = one_line_error(["validate", str(bad)], capsys)
    assert "calibration.waves" in line and "allowed" in line


@pytest.mark.parametrize("extra", [["--plot", "f.png"], ["--out", "d"], ["--json"],
                                   ["--precision", "0.05"]])
def test_trace_refuses_what_it_would_ignore(extra, capsys):
    line, out = one_line_error(["run", str(FLAGSHIP), "--trace", "3", *extra], capsys)
    assert "--trace" in line and extra[0] in line and not out


def test_precision_refuses_replicates(capsys):
    line, _ = one_line_error(["run", str(FLAGSHIP), "--precision", "0.05", "--replicates",
                              "500"], capsys)
    assert "--precision and --replicates" in line


def test_an_ambiguous_dyad_path_is_refused(write):
    text = FLAGSHIP.read_text()
    dyads = """
[[actor]]
id = "A"
name = "A"
kind = "state"

[[actor]]
id = "B-C"
name = "B-C"
kind = "state"

[[actor]]
id = "A-B"
name = "A-B"
kind = "state"

[[actor]]
id = "C"
name = "C"
kind = "state"

[[dyad]]
actors = ["A", "B-C"]

[[dyad]]
actors = ["A-B", "C"]
"""
    path = write(text.replace("[[dyad]]", dyads + "\n[[dyad]]", 1))
    scenario.load(path)  # the file itself is fine
    with pytest.raises(InputError, match="names more than one dyad"):
        scenario.load(path, sets={"dyad.A-B-C.rivalry": 0.5})


def test_more_workers_than_cpus_is_said(capsys):
    assert main(["run", str(FLAGSHIP), "--replicates", "100", "--horizon", "30", "--workers",
                 str((os.cpu_count() or 1) + 14)]) == 0
    assert "more workers than CPUs" in capsys.readouterr().err


def test_the_precision_bar_ends_full(monkeypatch):
    from tqdm import tqdm

    from sim import api

    seen = []
    real_close = tqdm.close

    def close(self):
        seen.append((self.n, self.total))
        real_close(self)

    monkeypatch.setattr(tqdm, "close", close)
    api.run_to_precision(FLAGSHIP, 0.05, horizon=30, progress=True)
    assert seen and seen[-1][0] == seen[-1][1] == 10_000


# -- small counts and words -------------------------------------------------------------------

@pytest.mark.parametrize("k,n,text", [
    (0, 10_000, "0.0000 [0.0000, 0.0004]"),
    (10_000, 10_000, "1.0000 [0.9996, 1.0000]"),
    (120, 10_000, "0.012 [0.010, 0.014]"),
    (0, 1_000_000, "0.000000 [0.000000, 0.000004]"),
    (1, 3, "0.333 [0.061, 0.792]"),
])
def test_intervals_are_printed_with_the_digits_they_need(k, n, text):
    from sim.outcomes import Proportion

    assert str(Proportion(k, n)) == text


def test_counts_of_one_are_singular(capsys, tmp_path):
    import numpy as np

    from sim import api
    from sim.outcomes import Records

    assert main(["run", str(FLAGSHIP), "--replicates", "1", "--horizon", "1"]) == 0
    out = capsys.readouterr().out
    assert "1 replicate, seed 1" in out and "(1 day)" in out
    assert main(["validate", str(FLAGSHIP)]) == 0
    assert "1 dyad," in capsys.readouterr().out
    records = Records.empty(3)
    records.columns["force_reciprocated"][:] = True
    records.columns["days_to_reciprocation"][:] = np.int16(1)
    told = str(api.RunResult(scenario.load(FLAGSHIP), 3, 1, records, 0.0))
    assert "a median 1 day after the first" in told
