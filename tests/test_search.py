"""`search_lr_wd`'s numbers against those recorded before `search` was split into `study` and `search`, and `mnist-ae search`
run as a command. The search's behaviour (resume, retries, refusals) is tested in nbs/04_search.ipynb and nbs/04a_study.ipynb;
several processes on one PostgreSQL study, and a worker killed with SIGKILL, in tests/test_search_pg.py."""
import subprocess
import numpy as np
import pandas as pd
import pytest
from mnist_autoencoders.search import search_lr_wd, plan_pairs
from conftest import script

SMALL = dict(lrs=[1e-3, 4e-3, 1e-2], wds=[1e-5, 1e-4], n_trials=3, n_folds=2, epochs=1, n_train=1200)
QUICK = dict(lrs=[1e-3, 4e-3, 1e-2], wds=[2e-5, 2e-4], n_trials=4, n_folds=2, epochs=3, n_train=6000, bs=128)   # reproduce's 'quick'
# (lr, wd, fold 0, fold 1) of each trial, as the search gave them on the CPU before the split (commit 24530ca)
BEFORE = {'small': [(0.004, 0.0001, 0.1712888777256012, 0.2456686645746231), (0.01, 0.0001, 0.1669856458902359, 0.24003395438194275),
                    (0.001, 1e-05, 0.17328602075576782, 0.2483648955821991)],
          'quick': [(0.004, 0.0002, 0.06909390538930893, 0.0899057611823082), (0.01, 0.0002, 0.06856438517570496, 0.06685088574886322),
                    (0.001, 2e-05, 0.07917901128530502, 0.09981737285852432), (0.001, 0.0002, 0.09457580745220184, 0.11072935909032822)]}

@pytest.mark.parametrize('name, kw', [('small', SMALL), ('quick', QUICK)])
def test_same_seed_same_pairs_and_fold_losses_as_before(name, kw, mnist, tmp_path):
    r1 = search_lr_wd(**kw, data=mnist, out=tmp_path/'a', device='cpu', progress=False)
    t = r1.table
    assert list(zip(t.lr, t.wd)) == plan_pairs(kw['lrs'], kw['wds'], kw['n_trials'], seed=0) == [b[:2] for b in BEFORE[name]]
    np.testing.assert_allclose(t[['fold_0', 'fold_1']].values, [b[2:] for b in BEFORE[name]], rtol=0, atol=1e-6)
    r2 = search_lr_wd(**kw, data=mnist, out=tmp_path/'b', device='cpu', progress=False)   # a second study: the same numbers
    cols = ['lr', 'wd', 'fold_0', 'fold_1', 'mean']
    pd.testing.assert_frame_equal(r1.table[cols], r2.table[cols])
    assert r1.best == r2.best
    assert plan_pairs(kw['lrs'], kw['wds'], kw['n_trials'], seed=1) != plan_pairs(kw['lrs'], kw['wds'], kw['n_trials'], seed=0)

def test_command_line(tmp_path):
    res = subprocess.run([script('mnist-ae'), 'search', '--help'], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    for opt in ('--trials', '--folds', '--epochs', '--storage', '--study', '--out', '--prune', '--seed', '--n-train', '--device', '--quiet'):
        line = next(l for l in res.stdout.splitlines() if l.strip().startswith(opt + ' ') or l.strip() == opt)
        assert len(line.split(opt, 1)[1].strip()) > 10, f"{opt} has no description"
    args = ['--trials', '2', '--folds', '2', '--epochs', '1', '--n-train', '600', '--lrs', '1e-3,1e-2', '--wds', '1e-5',
            '--device', 'cpu', '--out', str(tmp_path/'x')]
    res = subprocess.run([script('mnist-ae'), 'search'] + args, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert 'best: lr=' in res.stdout and (tmp_path/'x'/'search.csv').exists() and (tmp_path/'x'/'search.json').exists()
    res = subprocess.run([script('mnist-ae'), 'search', '--storage', 'postgresql://ann:hunter2@127.0.0.1:1/db', '--out', str(tmp_path/'y')],
                         capture_output=True, text=True)
    assert res.returncode != 0 and 'error: Cannot open the storage postgresql://ann:***@127.0.0.1:1/db' in res.stderr, res.stderr
    assert 'hunter2' not in res.stdout + res.stderr
    res = subprocess.run([script('mnist-ae'), 'search', '--lrs', '1e-3,x', '--out', str(tmp_path/'z')], capture_output=True, text=True)
    assert res.returncode != 0 and "error: lrs must be comma-separated numbers, got '1e-3,x'" in res.stderr, res.stderr
    res = subprocess.run([script('mnist-ae'), 'search', '--out', ''], capture_output=True, text=True, cwd=tmp_path)
    assert res.returncode != 0 and "error: out must be the name of a folder, got ''" in res.stderr, res.stderr
    assert list(tmp_path.iterdir()) == [tmp_path/'x']                                  # the refused runs made nothing

def test_storage_help_recommends_the_environment():
    from fastcore.script import anno_parser
    from mnist_autoencoders.search import search
    help = ' '.join(anno_parser(search, prog='mnist-ae search').format_help().split())
    assert "default: $MNIST_AE_STORAGE, else the SQLite file OUT/search.db" in help and "ps and the shell's history" in help

@pytest.mark.parametrize('bad', [dict(bs=0), dict(n_latent=0), dict(study=''), dict(max_trials=-1), dict(ready_timeout=-1),
                                 dict(device='tpu'), dict(out=''), dict(storage=''), dict(storage=5)])
def test_refused_call_leaves_nothing(bad, mnist, tmp_path):
    kw = dict(lrs=[1e-3, 1e-2], wds=[1e-5], n_trials=2, n_folds=2, epochs=1, n_train=600, data=mnist, device='cpu', progress=False)
    for storage in (None, f"sqlite:///{tmp_path/'shared.db'}"):
        with pytest.raises(ValueError, match=list(bad)[0]): search_lr_wd(**(kw | dict(storage=storage, out=tmp_path/'out') | bad))
        assert list(tmp_path.iterdir()) == []                                          # no folder, no database, no study
    res = search_lr_wd(**kw, storage=f"sqlite:///{tmp_path/'shared.db'}", out=tmp_path/'out', max_trials=0)   # the corrected call
    assert res.record['trials_run_here'] == 0 and res.record['config']['bs'] == 512
