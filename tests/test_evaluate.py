"""`mnist-ae evaluate`, `evaluate-record` and `sweep` end to end, each in its own process (the functions behind them are
tested in nbs/05_evaluate.ipynb and nbs/05a_sweep.ipynb)."""
import json, subprocess
import pytest
from conftest import ROOT, script

PAPER = ROOT/'results'/'paper'

def mnist_ae(*args, **kw):
    "Run `mnist-ae ARGS` as a user does"
    return subprocess.run([script('mnist-ae'), *map(str, args)], capture_output=True, text=True, **kw)

@pytest.fixture(scope='module')
def recorded():
    f = PAPER/'ae_latent6_seed17'/'weights.safetensors'
    if not f.is_file(): pytest.skip(f"no recorded autoencoder {f}: run `mnist-ae train --kind ae --out results/paper/ae_latent6_seed17`")
    return f

def table_rows(out): return [l.split() for l in out.splitlines() if l.split() and l.split()[0] in ('original', 'Gaussian', 'occlusion')]

def test_evaluate_weights_and_exported_learner_agree(recorded, tmp_path, mnist):
    "The recorded weights, the run folder, and the same model exported as a Learner pickle (trusted) print the same table"
    res = mnist_ae('evaluate', recorded, '--seed', '2', '--occlusion', 'per_image', '--device', 'cpu')
    assert res.returncode == 0, res.stderr
    assert '10,000 test images, seed 2' in res.stdout and 'a square per image' in res.stdout
    summary = json.loads((recorded.parent/'summary.json').read_text())
    assert table_rows(res.stdout)[0][-1] == f"{summary['test']['mse']:.4f}"         # the clean set is the run's own number
    from mnist_autoencoders.learner import autoencoder_learner, load_model
    learn = autoencoder_learner('ae', data=mnist, n_train=512, device='cpu', path=tmp_path, model=load_model(recorded, 'cpu'))
    learn.export(tmp_path/'model.pkl')
    res2 = mnist_ae('evaluate', tmp_path/'model.pkl', '--seed', '2', '--occlusion', 'per_image', '--device', 'cpu', '--trust-pickle')
    assert res2.returncode == 0, res2.stderr
    assert table_rows(res2.stdout) == table_rows(res.stdout)
    res3 = mnist_ae('evaluate', recorded.parent, '--seed', '2', '--occlusion', 'per_image', '--device', 'cpu')
    assert res3.returncode == 0 and res3.stdout == res.stdout, res3.stderr   # the column is named after the run folder both ways

def test_evaluate_errors_exit_nonzero(recorded, tmp_path):
    "A bad model file and a bad option each end the process with a message (every message is tested in the notebook)"
    res = mnist_ae('evaluate', tmp_path/'none.safetensors')
    assert res.returncode != 0 and 'mnist-ae evaluate: error: No weights file' in res.stderr, res.stderr
    res = mnist_ae('evaluate', recorded, '--occlusion', 'x')
    assert res.returncode != 0 and "occlusion must be one of ('once', 'per_image'), got 'x'" in res.stderr, res.stderr

def test_evaluate_help_describes_every_option():
    res = mnist_ae('evaluate', '--help')
    assert res.returncode == 0 and '--trust-pickle' in res.stdout            # a pickle runs code when loaded: refused unless trusted
    for opt in ('--std', '--seed', '--occlusion', '--sample', '--device'):
        line = next(l for l in res.stdout.splitlines() if l.strip().startswith(opt))
        assert len(line.split(opt, 1)[1].strip()) > 10, f"{opt} has no description"

def test_evaluate_record_needs_its_models_and_folder(tmp_path):
    "No repository path is a default: the three models and the output folder must be named"
    res = mnist_ae('evaluate-record', '--out', tmp_path/'rec')
    assert res.returncode == 2 and 'the following arguments are required: --ae, --dae, --vae' in res.stderr, res.stderr
    res = mnist_ae('evaluate-record', '--ae', tmp_path/'none.safetensors', '--dae', tmp_path/'none.safetensors', '--vae', tmp_path/'none.safetensors',
                   '--out', tmp_path/'rec', '--seeds', '0')
    assert res.returncode != 0 and 'mnist-ae evaluate-record: error: seeds must be an integer >= 1, got 0' in res.stderr, res.stderr
    assert not (tmp_path/'rec').exists()

def test_sweep_trains_once_then_resumes(tmp_path):
    out = tmp_path/'latent'
    args = ['sweep', '--out', out, '--sizes', '3', '--epochs', '1', '--n-train', '256', '--device', 'cpu']
    res = mnist_ae(*args)
    assert res.returncode == 0, res.stderr
    assert 'n_latent=3: 1 epochs' in res.stdout and (out/'n_latent_03'/'summary.json').is_file()
    stamp = (out/'n_latent_03'/'summary.json').stat().st_mtime_ns
    res = mnist_ae(*args)
    assert res.returncode == 0 and 'not trained again' in res.stdout, res.stderr
    assert (out/'n_latent_03'/'summary.json').stat().st_mtime_ns == stamp
    res = mnist_ae(*[2 if a == '1' else a for a in args])                  # --epochs 2: another run, refused
    assert res.returncode != 0 and 'epochs 1 recorded, 2 requested' in res.stderr, res.stderr

def test_sweep_errors_write_nothing(tmp_path):
    res = mnist_ae('sweep', '--sizes', '2')
    assert res.returncode == 2 and 'the following arguments are required: --out' in res.stderr, res.stderr
    res = mnist_ae('sweep', '--out', tmp_path/'out', '--sizes', '2,x')
    assert res.returncode != 0 and "sizes must be comma-separated integers >= 1, got '2,x'" in res.stderr, res.stderr
    assert not (tmp_path/'out').exists()
