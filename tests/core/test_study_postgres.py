"""A study shared by two machines on a real PostgreSQL server: every grid point once, a killed worker's
trial failed and run again by the other (heartbeats), and the same study read from both.

The server: $MNIST_GUI_TEST_POSTGRES (a URL; .ci/run starts one), else a throwaway cluster started here
with Debian's postgresql package (initdb, pg_ctl); the test is skipped, saying why, only when neither
can be had."""

import glob
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid

import pytest

from tests.conftest import ROOT, mnist_dir, mnist_skip_reason, run_cli

pytestmark = pytest.mark.skipif(mnist_dir() is None, reason=mnist_skip_reason())
TINY = ["--preset", "fast-bn", "--train-size", "500", "--max-steps", "5"]
WAIT_S = 300   # a bound on each wait, never reached when things work


def _start_cluster(tmp: str) -> str:
    """A PostgreSQL cluster in tmp, on a socket there only; its URL. RuntimeError saying why not."""
    found = shutil.which("pg_ctl") or next(iter(sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))[-1:]), None)
    if not found:
        raise RuntimeError("no PostgreSQL server here (apt-get install postgresql, or set MNIST_GUI_TEST_POSTGRES)")
    bindir = os.path.dirname(found)
    as_user: list[str] = []
    if hasattr(os, "geteuid") and os.geteuid() == 0:   # the server refuses to run as root
        import pwd
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            raise RuntimeError("running as root and there is no postgres user to run the server as") from None
        shutil.chown(tmp, "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    for cmd in ([f"{bindir}/initdb", "-D", f"{tmp}/data", "--auth=trust", "-U", "postgres", "-E", "UTF8"],
                [f"{bindir}/pg_ctl", "-D", f"{tmp}/data", "-l", f"{tmp}/log", "-w", "start", "-o",
                 f"-c listen_addresses='' -c unix_socket_directories='{tmp}' -c fsync=off"]):
        r = subprocess.run(as_user + cmd, capture_output=True, text=True, cwd=tmp)
        if r.returncode != 0:
            raise RuntimeError(f"{os.path.basename(cmd[0])} failed: {(r.stderr or r.stdout).strip()[-300:]}")
    return f"postgresql://postgres@/postgres?host={tmp}"


@pytest.fixture(scope="module")
def postgres_url():
    url = os.environ.get("MNIST_GUI_TEST_POSTGRES")
    if url:
        yield url
        return
    pytest.importorskip("psycopg", reason="the PostgreSQL driver is not installed (pip install -e '.[test]')")
    tmp = tempfile.mkdtemp(prefix="mnist-gui-pg-")
    try:
        url = _start_cluster(tmp)
    except (RuntimeError, OSError) as e:
        shutil.rmtree(tmp, ignore_errors=True)
        pytest.skip(f"no PostgreSQL server could be started: {e}")
    yield url
    subprocess.run((["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else [])
                   + [shutil.which("pg_ctl") or sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))[-1],
                      "-D", f"{tmp}/data", "-m", "immediate", "stop"], capture_output=True)
    shutil.rmtree(tmp, ignore_errors=True)


def _trials(url, name):
    """The study's trials as the server has them now ([] before the study exists)."""
    import optuna
    try:
        return optuna.load_study(study_name=name, storage=url).get_trials()
    except KeyError:
        return []


def _wait_for(what, check):
    deadline = time.monotonic() + WAIT_S
    while not (found := check()):
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.1)
    return found


def _worker(home, args):
    env = dict(os.environ, MNIST_GUI_HOME=str(home), MNIST_GUI_STUDY_HEARTBEAT="1")
    return subprocess.Popen([sys.executable, "-m", "mnist_gui", "study", *args], env=env, cwd=str(ROOT),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.slow
def test_two_machines_share_a_grid_study_and_a_killed_workers_trial_runs_again(tmp_path, postgres_url):
    import optuna
    from optuna.trial import TrialState

    from mnist_gui.core.runs import RunStore
    name = f"two-{uuid.uuid4().hex[:8]}"
    args = ["--name", name, "--storage", postgres_url, "--param", "lr", "--values", "1e-3,3e-3,1e-2",
            "--repeat", "3", *TINY, "--json"]
    home_a, home_b = tmp_path / "a", tmp_path / "b"   # two machines: an app folder each
    a, b = _worker(home_a, args), _worker(home_b, args)
    try:
        # once both work on the study and A has finished a trial, A is killed in its next one
        def a_killed_mid_trial():
            assert a.poll() is None, "worker A ended before it could be killed mid-trial"
            trials = _trials(postgres_url, name)
            if not (any(t.state == TrialState.COMPLETE and t.user_attrs.get("pid") == a.pid for t in trials)
                    and any(t.user_attrs.get("pid") == b.pid for t in trials)):
                return None
            os.kill(a.pid, signal.SIGSTOP)   # held still while we look
            mine = [t for t in _trials(postgres_url, name)
                    if t.state == TrialState.RUNNING and t.user_attrs.get("pid") == a.pid]
            if not mine:
                os.kill(a.pid, signal.SIGCONT)
                return None
            a.kill()
            a.wait()
            return mine[0]
        lost = _wait_for("worker A mid-trial", a_killed_mid_trial)
        out, err = b.communicate(timeout=WAIT_S)
        assert b.returncode == 0, err
    finally:
        for p in (a, b):
            if p.poll() is None:
                p.kill()
                p.wait()

    trials = optuna.load_study(study_name=name, storage=postgres_url).get_trials()
    done = [t for t in trials if t.state == TrialState.COMPLETE]
    assert sorted((t.params["lr"], t.params["seed"]) for t in done) == [(lr, s) for lr in (1e-3, 3e-3, 1e-2)
                                                                        for s in (0, 1, 2)]
    [failed] = [t for t in trials if t.state == TrialState.FAIL]
    assert failed.number == lost.number and "error" not in failed.user_attrs   # read as interrupted
    [rerun] = [t for t in done if t.system_attrs.get("failed_trial") == lost.number]   # Optuna's retry
    assert rerun.params == lost.system_attrs["fixed_params"] and rerun.user_attrs["pid"] == b.pid
    assert {t.user_attrs["pid"] for t in done} == {a.pid, b.pid}
    report = json.loads(out)
    assert [t["state"] for t in report["trials"] if t["number"] == lost.number] == ["interrupted"]
    # each machine keeps its own runs, each naming the study; the trials name them
    for home, pid in ((home_a, a.pid), (home_b, b.pid)):
        runs, problems = RunStore(home / "runs").load()
        assert not problems and {r.study for r in runs} == {name} and {r.kind for r in runs} == {"study"}
        assert {r.id for r in runs} == {t.user_attrs["run_id"] for t in done if t.user_attrs["pid"] == pid}
    # the finished study reads the same from both machines, and running it again runs nothing
    env = {"MNIST_GUI_STUDY_HEARTBEAT": "1"}
    again = [run_cli("study", *args, env=dict(env, MNIST_GUI_HOME=str(home))) for home in (home_a, home_b)]
    assert [r.returncode for r in again] == [0, 0], again[0].stderr + again[1].stderr
    assert json.loads(again[0].stdout) == json.loads(again[1].stdout) == report
    assert len(optuna.load_study(study_name=name, storage=postgres_url).get_trials()) == len(trials)


@pytest.mark.slow
def test_a_database_that_cannot_be_reached_is_one_line(_isolated_home, postgres_url):
    bad = postgres_url.replace("/postgres?", "/no_such_database?")
    r = run_cli("study", "--storage", bad, "--param", "lr", "--values", "1e-3", *TINY)
    assert r.returncode == 2 and r.stderr.count("\n") == 1, r.stderr
    assert "cannot open the study storage" in r.stderr and "no_such_database" in r.stderr


def _cluster_ctl(url: str, action: str) -> None:
    """pg_ctl stop/start of the throwaway cluster behind url (its data folder is beside its socket)."""
    tmp = url.split("host=")[1]
    ctl = shutil.which("pg_ctl") or sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))[-1]
    cmd = [ctl, "-D", f"{tmp}/data", "-w"]
    cmd += (["-m", "fast", "stop"] if action == "stop" else
            ["-l", f"{tmp}/log", "start", "-o", f"-c listen_addresses='' -c unix_socket_directories='{tmp}' -c fsync=off"])
    r = subprocess.run((["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []) + cmd,
                       capture_output=True, text=True, cwd=tmp)
    assert r.returncode == 0, r.stderr


@pytest.mark.slow
def test_workers_wait_for_a_database_that_is_away_for_a_moment(tmp_path, postgres_url):
    """The server stopped mid-study for a few seconds: the workers say so once, wait, and go on; every grid
    point is run, no traceback (Optuna alone fails its tell and dies: "cannot access local variable
    'updated_state'")."""
    import optuna
    from optuna.trial import TrialState
    if os.environ.get("MNIST_GUI_TEST_POSTGRES"):
        pytest.skip("stops the server: only a throwaway cluster started here")
    name = f"away-{uuid.uuid4().hex[:8]}"
    env = dict(os.environ, MNIST_GUI_HOME=str(tmp_path / "home"))
    p = subprocess.Popen([sys.executable, "-m", "mnist_gui", "study", "--name", name, "--storage", postgres_url,
                          "--param", "lr", "--values", "1e-3,3e-3,1e-2", "--repeat", "2", "--workers", "2", *TINY],
                         env=env, cwd=str(ROOT), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        _wait_for("a finished trial", lambda: any(t.state == TrialState.COMPLETE for t in _trials(postgres_url, name)))
        _cluster_ctl(postgres_url, "stop")
        time.sleep(8)        # the outage itself: what is tested is that it is waited out
        _cluster_ctl(postgres_url, "start")
        out, err = p.communicate(timeout=WAIT_S)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    assert p.returncode == 0 and "Traceback" not in err, err
    assert "is not answering" in err and "answers again" in err, err
    done = [t for t in optuna.load_study(study_name=name, storage=postgres_url).get_trials()
            if t.state == TrialState.COMPLETE]
    assert sorted((t.params["lr"], t.params["seed"]) for t in done) == [(lr, s) for lr in (1e-3, 3e-3, 1e-2)
                                                                        for s in (0, 1)]
