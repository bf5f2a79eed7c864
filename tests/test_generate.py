"""`mnist-ae generate` and `mnist-ae sample-quality` end to end, each in its own process (the functions behind them are
tested in nbs/06_generate.ipynb, nbs/06a_classifier.ipynb and nbs/06b_quality.ipynb)."""
import json, subprocess
import pytest
from PIL import Image
from conftest import ROOT, script

PAPER = ROOT/'results'/'paper'

def mnist_ae(*args, **kw):
    "Run `mnist-ae ARGS` as a user does"
    return subprocess.run([script('mnist-ae'), *map(str, args)], capture_output=True, text=True, **kw)

@pytest.fixture(scope='module')
def recorded():
    "The recorded AE and VAE weights and the recorded classifier's folder"
    fs = PAPER/'ae_latent6_seed17'/'weights.safetensors', PAPER/'vae_latent6_seed17'/'weights.safetensors', PAPER/'classifier'
    missing = [str(f) for f in fs if not f.exists()]
    if missing: pytest.skip(f"recorded results missing: {missing} (see the learner and classifier notebooks)")
    return fs

def png_meta(f):
    with Image.open(f) as im:
        assert im.format == 'PNG' and im.size[0] > 50
        return json.loads(im.info['Description'])

def test_generate_writes_a_png_with_its_settings(recorded, tmp_path):
    ae, vae, _ = recorded
    out = tmp_path/'grid'/'vae.png'
    res = mnist_ae('generate', vae, '--n', 12, '--nrow', 4, '--out', out, '--seed', 3, '--device', 'cpu')
    assert res.returncode == 0, res.stderr
    assert f'wrote {out}' in res.stdout
    meta = png_meta(out)
    assert meta['sampler'] == 'prior' and meta['n'] == 12 and meta['seed'] == 3
    res = mnist_ae('generate', ae, '--n', 5, '--out', tmp_path/'ae.png', '--sampler', 'mixture', '--n-components', 2, '--n-train', 200,
                   '--device', 'cpu')
    assert res.returncode == 0, res.stderr
    meta = png_meta(tmp_path/'ae.png')
    assert (meta['sampler'], meta['n_components'], meta['n_train']) == ('mixture', 2, 200)

def test_generate_errors_write_nothing(recorded, tmp_path):
    "A bad option and a missing model each end the process with a message, and write no file (every message is tested in the notebook)"
    for argv, msg in (([recorded[0], '--sampler', 'prior'], "kind='prior' needs a VAE"), ([tmp_path/'none.safetensors'], 'No weights file')):
        res = mnist_ae('generate', *argv, '--out', tmp_path/'x.png', '--device', 'cpu')
        assert res.returncode != 0 and 'mnist-ae generate: error:' in res.stderr and msg in res.stderr, res.stderr
    assert not (tmp_path/'x.png').exists()
    res = mnist_ae('generate', recorded[0], '--out', tmp_path, '--device', 'cpu')       # a folder where the PNG file goes
    assert res.returncode != 0 and f"out must be a .png file, got the folder {str(tmp_path)!r}: name a file in it" in res.stderr, res.stderr
    assert 'Traceback' not in res.stderr and list(tmp_path.iterdir()) == []

def test_sample_quality_writes_its_record(recorded, tmp_path):
    "A small run (100 images a row) with the recorded models and classifier: the table, the grids and the interpolation"
    ae, vae, clf = recorded
    out = tmp_path/'q'
    res = mnist_ae('sample-quality', '--ae', ae, '--vae', vae, '--out', out, '--classifier', clf, '--n', 100, '--device', 'cpu')
    assert res.returncode == 0, res.stderr
    assert 'training images (floor)' in res.stdout and f'wrote {out}/sample_quality.json and 5 PNG files' in res.stdout
    from mnist_autoencoders.quality import load_sample_quality, QUALITY_ROWS
    q = load_sample_quality(out)
    assert list(q.index) == list(QUALITY_ROWS) + ['training images (floor)'] and (q.fid > 0).all()
    rec = q.attrs['record']
    assert rec['config']['n'] == 100 and rec['config']['classifier'] == str(clf) and rec['classifier']['test_accuracy'] > 0.99
    for f in [*rec['grids'].values(), rec['interpolation']]: assert (out/f).stat().st_size > 0
    assert png_meta(out/rec['grids']['VAE, prior'])['sampler'] == 'prior'

def test_sample_quality_needs_its_models_and_folder(tmp_path):
    "No repository path is a default: both models and the output folder must be named"
    res = mnist_ae('sample-quality', '--out', tmp_path/'q')
    assert res.returncode == 2 and 'the following arguments are required: --ae, --vae' in res.stderr, res.stderr
    assert not (tmp_path/'q').exists()
