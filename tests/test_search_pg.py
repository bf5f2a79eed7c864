"""A search shared by worker processes through a real PostgreSQL server, and a worker killed with SIGKILL mid-trial.

`tools/start_postgres.sh` installs (if needed) and starts a local server; each test module run gets a fresh, empty
database on it, so the workers also race to create Optuna's tables."""
import datetime, json, os, signal, subprocess, sys, time, uuid
from pathlib import Path
import pytest
import optuna
import sqlalchemy as sa
from optuna.trial import TrialState
from mnist_autoencoders.search import plan_pairs
from conftest import ROOT, script

LRS, WDS, N = [1e-3, 4e-3, 1e-2], [1e-5, 1e-4], 4
ARGS = ['--trials', str(N), '--folds', '2', '--epochs', '1', '--n-train', '1200', '--lrs', ','.join(map(str, LRS)),
        '--wds', ','.join(map(str, WDS)), '--device', 'cpu', '--heartbeat', '1', '--grace', '3']
PLAN = plan_pairs(LRS, WDS, N, seed=0)
ENV = os.environ | {'OMP_NUM_THREADS': '1', 'MKL_NUM_THREADS': '1'}   # two workers on two cores

def search_cmd(): return [script('mnist-ae'), 'search']

@pytest.fixture(scope='module')
def pg_server():
    "The URL printed by tools/start_postgres.sh (skipped only where it cannot run at all: not root and no server)"
    res = subprocess.run(['bash', str(ROOT/'tools'/'start_postgres.sh')], capture_output=True, text=True, timeout=900)
    if res.returncode == 3: pytest.skip(f"no PostgreSQL server can be set up here: {res.stderr.strip()}")
    assert res.returncode == 0, f"tools/start_postgres.sh failed:\n{res.stderr}"
    return res.stdout.strip().splitlines()[-1]

@pytest.fixture(scope='module')
def pg_url(pg_server):
    "A fresh, empty database on the server, dropped afterwards"
    u = sa.engine.make_url(pg_server)
    name = f'search_{uuid.uuid4().hex[:10]}'
    eng = sa.create_engine(u, isolation_level='AUTOCOMMIT')
    with eng.connect() as c: c.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield u.set(database=name).render_as_string(hide_password=False)
    with eng.connect() as c: c.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    eng.dispose()

def start(url, study, out, quiet=True):
    cmd = search_cmd() + ARGS + ['--storage', url, '--study', study, '--out', str(out)] + (['--quiet'] if quiet else [])
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV)

def trials(url, study):
    storage = optuna.storages.RDBStorage(url)
    try: return optuna.load_study(study_name=study, storage=storage).get_trials()
    finally: storage.engine.dispose()

def pair(t):
    "A trial's (lr, wd): its parameters, or those it was queued with (a trial killed before it asked for them has none)"
    p = t.params or t.system_attrs['fixed_params']
    return (p['lr'], p['wd'])

def finish(p, timeout=240):
    out, err = p.communicate(timeout=timeout)
    assert p.returncode == 0, f"worker failed:\n{out[-3000:]}\n{err[-3000:]}"
    return out, err

def test_two_workers_share_one_search(pg_url, tmp_path):
    study, password = f'two-{uuid.uuid4().hex[:8]}', sa.engine.make_url(pg_url).password
    ws = [start(pg_url, study, tmp_path/f'w{i}', quiet=False) for i in range(2)]
    outs = [finish(w) for w in ws]
    ts = trials(pg_url, study)
    assert [t.state for t in ts] == [TrialState.COMPLETE] * N                 # n_trials trials, nothing else: no extra trial
    assert sorted(map(pair, ts)) == sorted(PLAN)                              # the planned pairs, none twice
    recs = [json.loads((tmp_path/f'w{i}'/'search.json').read_text()) for i in range(2)]
    assert sum(r['trials_run_here'] for r in recs) == N                       # together they ran exactly n_trials
    assert all(r['finished'] and r['best'] == recs[0]['best'] for r in recs)  # and each returned the whole search
    assert (tmp_path/'w0'/'search.csv').read_text() == (tmp_path/'w1'/'search.csv').read_text()
    for (out, err), r in zip(outs, recs):                                     # the password is never shown
        assert password not in out + err + json.dumps(r)
        assert ':***@127.0.0.1' in r['storage'] and ':***@127.0.0.1' in out and 'best: lr=' in out

def test_killed_worker_is_resumed(pg_url, tmp_path):
    study = f'kill-{uuid.uuid4().hex[:8]}'
    w = start(pg_url, study, tmp_path/'w1')
    deadline = time.time() + 180
    while True:                                    # wait for a finished trial and a trial that has just started
        assert w.poll() is None, f"the worker ended before it could be killed:\n{w.communicate()[1][-3000:]}"
        assert time.time() < deadline, 'no trial started in time'
        try: ts = trials(pg_url, study)
        except (KeyError, sa.exc.SQLAlchemyError): ts = []        # no study yet
        running = [t for t in ts if t.state == TrialState.RUNNING]
        if any(t.state == TrialState.COMPLETE for t in ts) and running and \
           datetime.datetime.now() - running[0].datetime_start < datetime.timedelta(seconds=0.5): break
        time.sleep(0.05)
    os.kill(w.pid, signal.SIGKILL); w.communicate()
    ts = trials(pg_url, study)
    killed = [t.number for t in ts if t.state == TrialState.RUNNING]
    before = {t.number: (t.datetime_complete, t.user_attrs['wall_time_s']) for t in ts if t.state == TrialState.COMPLETE}
    assert len(killed) == 1 and before, [t.state for t in ts]

    finish(start(pg_url, study, tmp_path/'w2'))
    ts = trials(pg_url, study)
    complete = [t for t in ts if t.state == TrialState.COMPLETE]
    assert sorted(map(pair, complete)) == sorted(PLAN)                        # every planned pair exactly once COMPLETE
    assert [t.number for t in ts if t.state == TrialState.FAIL] == killed     # the killed trial, marked FAIL ...
    retry = [t for t in ts if t.system_attrs.get('failed_trial') == killed[0]]
    assert len(retry) == 1 and retry[0].state == TrialState.COMPLETE and pair(retry[0]) == pair(ts[killed[0]])   # ... was retried
    assert len(ts) == N + 1                                                   # nothing else
    after = {t.number: (t.datetime_complete, t.user_attrs['wall_time_s']) for t in ts if t.number in before}
    assert after == before                                                    # what finished before the kill was not run again
    rec = json.loads((tmp_path/'w2'/'search.json').read_text())
    assert rec['finished'] and rec['trials_run_here'] == N - len(before) and rec['counts']['FAIL'] == 1
