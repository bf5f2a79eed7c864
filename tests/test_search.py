"`search_lr_wd` on SQLite with small data: reproducible, one row per trial, resumable, and clear errors before any training."
import json, subprocess, sys
import pandas as pd
import pytest
import optuna
from optuna.trial import TrialState
import mnist_autoencoders.search as S
from mnist_autoencoders.search import search_lr_wd, search_table, plan_pairs
from mnist_autoencoders.data import load_mnist
from conftest import script

SMALL = dict(lrs=[1e-3, 4e-3, 1e-2], wds=[1e-5, 1e-4], n_trials=3, n_folds=2, epochs=1, n_train=1200, device='cpu', progress=False)
COLS = ['lr', 'wd', 'fold_0', 'fold_1', 'mean', 'std', 'state', 'wall_time_s', 'retry_of', 'worker']

def search_cmd(): return [script('mnist-ae'), 'search']

def load(out, name='lr_wd'): return optuna.load_study(study_name=name, storage=f'sqlite:///{out}/search.db')

@pytest.fixture(scope='module')
def mnist(): return load_mnist()

@pytest.fixture(scope='module')
def first(mnist, tmp_path_factory):
    "One small finished search, shared by the tests that only read it"
    out = tmp_path_factory.mktemp('first')
    return out, search_lr_wd(**SMALL, data=mnist, out=out)

@pytest.fixture
def no_training(monkeypatch):
    "Make any training fail loudly: a bad setting must be refused before"
    def boom(*a, **k): raise AssertionError('training started')
    monkeypatch.setattr(S, 'fold_loss', boom)

def test_same_seed_same_pairs_and_table(first, mnist, tmp_path):
    out, r1 = first
    r2 = search_lr_wd(**SMALL, data=mnist, out=tmp_path)
    assert list(zip(r1.table.lr, r1.table.wd)) == plan_pairs(SMALL['lrs'], SMALL['wds'], 3, seed=0)
    pd.testing.assert_frame_equal(r1.table[['lr', 'wd', 'fold_0', 'fold_1', 'mean']], r2.table[['lr', 'wd', 'fold_0', 'fold_1', 'mean']])
    assert r1.best == r2.best
    assert plan_pairs(SMALL['lrs'], SMALL['wds'], 3, seed=1) != plan_pairs(SMALL['lrs'], SMALL['wds'], 3, seed=0)

def test_table_has_one_row_per_trial_with_every_field(first):
    out, r = first
    t = r.table
    assert list(t.columns) == COLS and list(t.index) == [0, 1, 2] and t.index.name == 'trial'
    assert (t.state == 'COMPLETE').all() and t.retry_of.isna().all() and t.worker.notna().all()
    assert t[['fold_0', 'fold_1', 'mean', 'std', 'wall_time_s']].notna().all().all() and (t.wall_time_s > 0).all()
    assert len(set(zip(t.lr, t.wd))) == 3
    assert r.best == dict(lr=t.lr[t['mean'].idxmin()], wd=t.wd[t['mean'].idxmin()], mean=t['mean'].min(),
                          std=t['std'][t['mean'].idxmin()], trial=int(t['mean'].idxmin()))
    study = load(out)                                         # the table comes back from the database alone
    pd.testing.assert_frame_equal(search_table(study), t)
    for tr in study.trials:
        assert tr.state == TrialState.COMPLETE and list(tr.intermediate_values) == [0, 1]
        assert tr.value == pytest.approx(t['mean'][tr.number])
    csv = pd.read_csv(out/'search.csv', index_col='trial')
    assert list(csv.columns) == COLS and csv['mean'].tolist() == pytest.approx(t['mean'].tolist())
    rec = json.loads((out/'search.json').read_text())
    assert rec['best'] == r.best and rec['finished'] and rec['config']['seed'] == 0 and rec['config']['n_folds'] == 2
    assert rec['storage'] == f'sqlite:///{out}/search.db' and rec['wall_time_s'] > 0
    for k in ('python', 'torch', 'fastai', 'device', 'cpu_count'): assert k in rec['environment']

def test_resume_after_stop_does_not_rerun_finished_trials(mnist, tmp_path):
    part = search_lr_wd(**SMALL, data=mnist, out=tmp_path, max_trials=2)
    assert len(part.table) == 2 and not part.record['finished']
    before = {t.number: (t.datetime_complete, t.user_attrs['wall_time_s'], t.user_attrs['worker']) for t in load(tmp_path).trials
              if t.state == TrialState.COMPLETE}
    assert len(before) == 2
    rest = search_lr_wd(**SMALL, data=mnist, out=tmp_path)
    assert rest.record['trials_run_here'] == 1 and rest.record['finished']
    trials = load(tmp_path).trials
    assert len(trials) == 3 and all(t.state == TrialState.COMPLETE for t in trials)
    for t in trials:
        if t.number in before: assert (t.datetime_complete, t.user_attrs['wall_time_s'], t.user_attrs['worker']) == before[t.number]
    assert list(rest.table.index) == [0, 1, 2]

def test_trial_interrupted_by_an_exception_is_retried(mnist, tmp_path, monkeypatch):
    calls, fold_loss = [], S.fold_loss
    def flaky(*a, **k):
        calls.append(1)
        if len(calls) == 3: raise RuntimeError('simulated crash in the second trial')
        return fold_loss(*a, **k)
    monkeypatch.setattr(S, 'fold_loss', flaky)
    with pytest.raises(RuntimeError, match='simulated crash'): search_lr_wd(**SMALL, data=mnist, out=tmp_path)
    states = [t.state for t in load(tmp_path).trials]
    assert states == [TrialState.COMPLETE, TrialState.FAIL, TrialState.WAITING, TrialState.WAITING]   # the retry is queued
    monkeypatch.setattr(S, 'fold_loss', fold_loss)
    res = search_lr_wd(**SMALL, data=mnist, out=tmp_path)
    t = res.table
    assert t.state.tolist() == ['COMPLETE', 'FAIL', 'COMPLETE', 'COMPLETE'] and t.retry_of.tolist()[3] == 1
    done = t[t.state == 'COMPLETE']
    assert sorted(zip(done.lr, done.wd)) == sorted(plan_pairs(SMALL['lrs'], SMALL['wds'], 3))   # each planned pair once
    assert (t.lr[1], t.wd[1]) == (t.lr[3], t.wd[3])

def test_a_failed_retry_keeps_the_trials_own_error(mnist, tmp_path, monkeypatch):
    "When the trial cannot be marked FAIL and queued again, the error raised is still the trial's, with a note saying so"
    def crash(*a, **k): raise RuntimeError('simulated crash in a fold')
    def storage_down(*a, **k): raise OSError('simulated storage failure')
    monkeypatch.setattr(S, 'fold_loss', crash)
    monkeypatch.setattr(S, '_fail_and_retry', storage_down)
    with pytest.raises(RuntimeError, match='simulated crash in a fold') as e:
        search_lr_wd(**SMALL, data=mnist, out=tmp_path)
    assert any('FAIL for a retry failed too: OSError: simulated storage failure' in n for n in e.value.__notes__)

@pytest.mark.parametrize('kw, msg', [
    (dict(lrs=[]), 'lrs must be a non-empty list of learning rates, all > 0, got []'),
    (dict(wds=[]), 'wds must be a non-empty list of weight decays'),
    (dict(lrs=[1e-3, 0.]), 'lrs must hold learning rates > 0 only, got 0.0 in [0.001, 0.0]'),
    (dict(wds=[-1e-5]), 'wds must hold weight decays > 0 only, got -1e-05'),
    (dict(n_folds=1), 'n_folds must be an integer in 2..1200 (the images searched on), got 1'),
    (dict(n_trials=7), 'n_trials must be an integer in 1..6 (the distinct (lr, wd) pairs of the 3 x 2 grid), got 7'),
    (dict(epochs='paper'), "epochs must be an integer >= 1 or a preset of {'report': 40, 'code': 15}, got 'paper'"),
    (dict(score='mean'), "score must be one of ('last', 'best'), got 'mean'"),
    (dict(storage='not a url'), "storage must be a SQLAlchemy URL such as 'sqlite:///search.db'"),
    (dict(storage='nosuchdb://user:secret@host/db'), "got 'nosuchdb://user:***@host/db'"),
    (dict(storage='postgresql://user:secret@127.0.0.1:1/db'), 'Cannot open the storage postgresql://user:***@127.0.0.1:1/db'),
    (dict(storage='postgresql+psycopg2://user:secret@127.0.0.1:1/db'), 'Cannot open the storage postgresql+psycopg2://user:***@127.0.0.1:1/db'),
])
def test_bad_input_is_refused_before_training(kw, msg, mnist, tmp_path, no_training):
    with pytest.raises(ValueError) as e: search_lr_wd(**(SMALL | kw), data=mnist, out=tmp_path/'out')
    assert msg in str(e.value), str(e.value)
    assert 'secret' not in str(e.value)
    if 'storage' in kw: assert e.value.__cause__ is None and e.value.__suppress_context__   # no chained driver error to print the URL

def test_study_with_a_different_search_is_refused(first, mnist, no_training):
    out, _ = first
    for kw, msg in [(dict(epochs=2), 'epochs is 1 there, 2 here'), (dict(n_trials=4), 'n_trials is 3 there, 4 here'),
                    (dict(lrs=[1e-3, 4e-3]), 'lrs is [0.001, 0.004, 0.01] there, [0.001, 0.004] here'),
                    (dict(seed=1), 'seed is 0 there, 1 here'), (dict(n_folds=3), 'n_folds is 2 there, 3 here'),
                    (dict(score='best'), "score is 'last' there, 'best' here"), (dict(prune=True), 'prune is False there, True here')]:
        with pytest.raises(ValueError, match='holds a different search') as e: search_lr_wd(**(SMALL | kw), data=mnist, out=out)
        assert f"The study 'lr_wd' in sqlite:///{out}/search.db" in str(e.value) and msg in str(e.value), str(e.value)

def test_foreign_study_is_refused(mnist, tmp_path, no_training):
    optuna.create_study(study_name='lr_wd', storage=f'sqlite:///{tmp_path}/search.db')
    with pytest.raises(ValueError, match="The study 'lr_wd' .* was not made by search_lr_wd"):
        search_lr_wd(**SMALL, data=mnist, out=tmp_path, ready_timeout=1)

def test_command_line(tmp_path):
    res = subprocess.run(search_cmd() + ['--help'], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    for opt in ('--trials', '--folds', '--epochs', '--storage', '--study', '--out', '--prune', '--seed', '--n-train', '--device', '--quiet'):
        line = next(l for l in res.stdout.splitlines() if l.strip().startswith(opt + ' ') or l.strip() == opt)
        assert len(line.split(opt, 1)[1].strip()) > 10, f"{opt} has no description"
    res = subprocess.run(search_cmd() + ['--storage', 'postgresql://ann:hunter2@127.0.0.1:1/db', '--out', str(tmp_path/'y')],
                         capture_output=True, text=True)
    assert res.returncode != 0 and 'error: Cannot open the storage postgresql://ann:***@127.0.0.1:1/db' in res.stderr, res.stderr
    assert 'hunter2' not in res.stdout + res.stderr
