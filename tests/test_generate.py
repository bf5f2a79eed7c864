"Samplers, generation, the cached digit classifier, the sample-quality measures and `mnist-ae generate`, on untrained or tiny models."
import json, math, subprocess
import numpy as np
import pytest, torch
from fastcore.script import anno_parser
from PIL import Image
from matplotlib.figure import Figure
import matplotlib.pyplot as plt
import mnist_autoencoders.generate as G
from mnist_autoencoders.generate import (fit_sampler, generate, decode_codes, interpolate, plot_sample_grid, plot_interpolation,
                                         BoxSampler, PriorSampler, MixtureSampler, get_classifier, classifier_outputs,
                                         frechet_distance, frechet_gaussian, prediction_stats, knn_accuracy, sample_quality_table,
                                         write_sample_grid, generate_grid, QUALITY_ROWS)
from mnist_autoencoders.data import load_mnist, MNISTData
from mnist_autoencoders.learner import make_model, save_weights
from conftest import script

@pytest.fixture(scope='module')
def mnist(): return load_mnist()

@pytest.fixture(scope='module')
def small(mnist):
    "A small MNIST: 1,500 training images (1,000 to train, 500 to validate) and 300 test images"
    return MNISTData(mnist.x_train[:1500], mnist.y_train[:1500], mnist.x_test[:300], mnist.y_test[:300])

def model(kind, n_latent=6, seed=0):
    torch.manual_seed(seed)
    return make_model(kind, n_latent).eval()

TINY = dict(n_train=1000, n_valid=500, epochs=1, bs=128)

# Fréchet distance: closed forms

def test_frechet_one_dimension_and_diagonal():
    assert frechet_gaussian([1.], [[4.]], [3.], [[9.]]) == pytest.approx(4 + 1)
    a, b = np.array([1., 4., 9., .25]), np.array([4., 4., 1., 1.])
    assert frechet_gaussian(np.zeros(4), np.diag(a), np.full(4, 2.), np.diag(b)) == pytest.approx(16 + ((np.sqrt(a) - np.sqrt(b))**2).sum())

def test_frechet_matches_scipy_sqrtm_and_is_symmetric():
    from scipy.linalg import sqrtm
    rng = np.random.default_rng(1)
    A, B = rng.normal(size=(6, 6)), rng.normal(size=(6, 6))
    ca, cb, ma, mb = A @ A.T, B @ B.T + np.eye(6), rng.normal(size=6), rng.normal(size=6)
    ref = ((ma - mb)**2).sum() + np.trace(ca + cb - 2*sqrtm(ca @ cb).real)
    assert frechet_gaussian(ma, ca, mb, cb) == pytest.approx(ref, rel=1e-8)
    assert frechet_gaussian(mb, cb, ma, ca) == pytest.approx(ref, rel=1e-8)

def test_frechet_of_features_identical_sets_and_known_gaussians():
    rng = np.random.default_rng(0)
    f = rng.normal(size=(400, 10))
    assert abs(frechet_distance(f, f)) < 1e-8
    assert abs(frechet_distance(torch.from_numpy(f).float(), f)) < 1e-4
    def exact(n, mean, L):
        x = rng.normal(size=(n, len(mean))); x -= x.mean(0)
        x = x @ np.linalg.inv(np.linalg.cholesky(np.cov(x, rowvar=False))).T
        return x @ L.T + mean
    La, Lb = np.tril(rng.normal(size=(4, 4))) + 3*np.eye(4), np.tril(rng.normal(size=(4, 4))) + 3*np.eye(4)
    ma, mb = rng.normal(size=4), rng.normal(size=4)
    fa, fb = exact(300, ma, La), exact(500, mb, Lb)
    assert frechet_distance(fa, fb) == pytest.approx(frechet_gaussian(ma, La @ La.T, mb, Lb @ Lb.T), rel=1e-8)
    big_a, big_b = rng.normal(size=(20000, 3)), rng.normal(size=(20000, 3))*2 + 1      # N(0, I) vs N(1, 4I): 3 + 3
    assert frechet_distance(big_a, big_b) == pytest.approx(6, abs=0.2)

@pytest.mark.parametrize('args, msg', [
    ((np.zeros((1, 3)), np.zeros((5, 3))), 'feats_a must be a [N, D] array with N >= 2, got shape (1, 3)'),
    ((np.zeros((5, 3)), np.zeros(5)), 'feats_b must be a [N, D] array with N >= 2, got shape (5,)'),
    ((np.zeros((5, 3)), np.zeros((5, 2))), 'feats_a and feats_b must have as many columns, got 3 and 2'),
    ((np.full((5, 3), np.nan), np.zeros((5, 3))), 'feats_a holds NaN or infinite values'),
])
def test_frechet_bad_input(args, msg):
    with pytest.raises(ValueError, match=msg.replace('[', r'\[').replace(']', r'\]').replace('(', r'\(').replace(')', r'\)')):
        frechet_distance(*args)

def test_prediction_stats_and_knn():
    st = prediction_stats(torch.eye(10)[torch.arange(50) % 10])
    assert st['confidence'] == 1 and st['class_entropy'] == pytest.approx(math.log(10)) and st['class_counts'] == [5]*10
    assert prediction_stats(torch.full((4, 10), .1))['confidence'] == pytest.approx(.1)
    z = torch.cat([torch.randn(50, 2), torch.randn(50, 2) + 10])
    y = torch.arange(100) // 50
    assert knn_accuracy(z[::2], y[::2], z[1::2], y[1::2], k=3) == 1
    with pytest.raises(ValueError, match='k must be an integer >= 1, got 0'): knn_accuracy(z, y, z, y, k=0)
    with pytest.raises(ValueError, match='train_labels and test_labels must have one label per code'): knn_accuracy(z, y[:10], z, y)

# Samplers and generation

def test_samplers_are_deterministic_for_a_seed(small):
    ae, vae = model('ae'), model('vae')
    for s in (fit_sampler(ae, 'box', small.x_train[:500]), fit_sampler(ae, 'mixture', small.x_train[:500], n_components=3),
              fit_sampler(vae), fit_sampler(vae, 'mixture', small.x_train[:500], n_components=3)):
        assert s.n_latent == 6
        assert torch.equal(s(20, seed=4), s(20, seed=4)) and not torch.equal(s(20, seed=4), s(20, seed=5))
        assert s(20).shape == (20, 6) and s(20).dtype == torch.float32
    m1 = fit_sampler(ae, 'mixture', small.x_train[:500], n_components=3, seed=1)
    m2 = fit_sampler(ae, 'mixture', small.x_train[:500], n_components=3, seed=1)
    assert torch.equal(m1(10, seed=0), m2(10, seed=0))                               # the fit is seeded too
    assert isinstance(fit_sampler(vae), PriorSampler) and isinstance(fit_sampler(ae, images=small.x_train[:50]), BoxSampler)

def test_box_sampler_stays_in_the_training_codes_box(small):
    ae = model('ae')
    box = fit_sampler(ae, 'box', small.x_train[:300])
    codes = G._codes(ae, small.x_train[:300])
    assert torch.equal(box.lo, codes.min(0).values) and torch.equal(box.hi, codes.max(0).values)
    z = box(2000, seed=0)
    assert ((z >= box.lo) & (z <= box.hi)).all()

def test_mixture_draws_follow_the_fitted_density():
    rng = np.random.default_rng(0)
    codes = np.concatenate([rng.normal(-5, 1, size=(2000, 2)), rng.normal(5, .5, size=(1000, 2))])
    s = MixtureSampler.fit(codes, n_components=2, seed=0)
    z = s(30000, seed=1).numpy()
    assert z.mean(0) == pytest.approx(codes.mean(0), abs=0.15)
    assert (z[:, 0] > 0).mean() == pytest.approx(1/3, abs=0.02)

def test_generate_shapes_range_and_determinism(small):
    vae = model('vae')
    s = fit_sampler(vae)
    x = generate(vae, s, n=7, seed=2)
    assert x.shape == (7, 28, 28) and x.dtype == torch.float32 and 0 <= x.min() and x.max() <= 1
    assert torch.equal(x, generate(vae, s, n=7, seed=2)) and not torch.equal(x, generate(vae, s, n=7, seed=3))
    path = interpolate(vae, small.x_test[0], small.x_test[1], n=5)
    assert path.shape == (5, 28, 28)
    za, zb = G._codes(vae, small.x_test[:2])
    assert torch.allclose(path[2], decode_codes(vae, ((za + zb)/2)[None])[0], atol=1e-6)

def test_figures(small):
    x = generate(model('vae'), PriorSampler(6), n=23)
    fig = plot_sample_grid(x, nrow=10, title='t')
    assert isinstance(fig, Figure) and len(fig.axes) == 1
    assert fig.axes[0].images[0].get_array().shape == (3*30 + 2, 10*30 + 2)
    fig2 = plot_interpolation({'AE': x[:6], 'VAE': x[6:12]}, small.x_test[0], small.x_test[1])
    assert isinstance(fig2, Figure) and len(fig2.axes) == 2*8
    assert isinstance(plot_interpolation(x[:4]), Figure)
    plt.close('all')

@pytest.mark.parametrize('call, msg', [
    (lambda ae, vae, x: fit_sampler(ae, 'prior'), "kind='prior' needs a VAE: this ConvAutoencoder has no prior"),
    (lambda ae, vae, x: fit_sampler(ae, 'box'), "kind='box' needs images"),
    (lambda ae, vae, x: fit_sampler(vae, 'mixture'), "kind='mixture' needs images"),
    (lambda ae, vae, x: fit_sampler(ae, 'normal'), "kind (sampler) must be one of ('box', 'mixture', 'prior'), got 'normal'"),
    (lambda ae, vae, x: fit_sampler(ae, 'box', x.long()), 'images must hold uint8 pixels (0..255) or floats (0..1), got dtype torch.int64'),
    (lambda ae, vae, x: fit_sampler(ae, 'box', x[:, :20]), 'images must be a non-empty [N, 28, 28] (or [N, 1, 28, 28]) tensor, got shape (10, 20, 28)'),
    (lambda ae, vae, x: fit_sampler(ae, 'box', x[:0]), 'images must be a non-empty'),
    (lambda ae, vae, x: fit_sampler(torch.nn.Linear(3, 3), 'box', x), 'model must be an autoencoder or VAE'),
    (lambda ae, vae, x: generate(make_model('ae', 4), PriorSampler(6)), "sampler draws codes of size 6 but the model's latent size (n_latent) is 4"),
    (lambda ae, vae, x: generate(vae, 'prior'), "sampler must be a CodeSampler (see fit_sampler), got 'prior'"),
    (lambda ae, vae, x: generate(vae, PriorSampler(6), n=0), 'n must be an integer >= 1, got 0'),
    (lambda ae, vae, x: generate(vae, PriorSampler(6), n=2.5), 'n must be an integer >= 1, got 2.5'),
    (lambda ae, vae, x: PriorSampler(6)(-3), 'n must be an integer >= 1, got -3'),
    (lambda ae, vae, x: decode_codes(ae, torch.zeros(2, 5)), "codes have size 5 but the model's latent size (n_latent) is 6"),
    (lambda ae, vae, x: interpolate(ae, x[0], x[1], n=1), 'n must be an integer >= 2, got 1'),
    (lambda ae, vae, x: interpolate(ae, x[0], x[1, :5], n=3), 'img_b must be a non-empty [N, 28, 28]'),
    (lambda ae, vae, x: plot_sample_grid(x, nrow=0), 'nrow must be an integer >= 1, got 0'),
    (lambda ae, vae, x: sample_quality_table(vae, ae, torch.nn.Linear(2, 2)), 'vae must be a VAE, got a ConvAutoencoder'),
    (lambda ae, vae, x: get_classifier('/nonexistent', lr_max=1), "Unknown classifier settings ['lr_max']"),
])
def test_bad_inputs_name_the_parameter(small, call, msg):
    with pytest.raises(ValueError) as e: call(model('ae'), model('vae'), small.x_test[:10])
    assert msg in str(e.value)

# The classifier and its cache

def test_classifier_is_trained_once_then_loaded(small, tmp_path, monkeypatch):
    calls, train = [], G.train_classifier
    def counting(*a, **k):
        calls.append(1); return train(*a, **k)
    monkeypatch.setattr(G, 'train_classifier', counting)
    c1 = get_classifier(tmp_path, small, **TINY)
    assert len(calls) == 1 and (tmp_path/'classifier.pth').stat().st_size < 1_000_000
    rec = json.loads((tmp_path/'classifier.json').read_text())
    assert rec['config']['epochs'] == 1 and rec['n_train'] == 1000 and 0 <= rec['test_accuracy'] <= 1 and rec['wall_time_s'] > 0
    for k in ('python', 'torch', 'fastai', 'device', 'cpu_count'): assert k in rec['environment']
    mtime = (tmp_path/'classifier.pth').stat().st_mtime_ns
    c2 = get_classifier(tmp_path, **TINY)                                   # no data given: it must not train
    assert len(calls) == 1 and (tmp_path/'classifier.pth').stat().st_mtime_ns == mtime and c2.record == c1.record
    f1, p1 = classifier_outputs(c1, small.x_test[:30]); f2, p2 = classifier_outputs(c2, small.x_test[:30])
    assert torch.allclose(f1, f2, atol=1e-5) and torch.allclose(p1, p2, atol=1e-6) and f1.shape == (30, 128)
    with pytest.raises(ValueError, match=r'was trained with other settings \(epochs=1, not epochs=2\)'): get_classifier(tmp_path, **(TINY | dict(epochs=2)))
    assert len(calls) == 1
    get_classifier(tmp_path, small, retrain=True, **TINY)
    assert len(calls) == 2

def test_classifier_training_is_seeded(small):
    kw = dict(TINY, n_train=500)
    (c1, r1), (c2, r2) = G.train_classifier(small, **kw), G.train_classifier(small, **kw)
    assert r1['valid_accuracy'] == r2['valid_accuracy']
    assert all(torch.equal(a, b) for a, b in zip(c1.state_dict().values(), c2.state_dict().values()))

def test_sample_quality_table_small(mnist, small, tmp_path):
    clf = get_classifier(tmp_path, small, **TINY)
    data = MNISTData(mnist.x_train[:12300], mnist.y_train[:12300], mnist.x_test[:300], mnist.y_test[:300])   # 300 to fit, 12,000 valid
    q = sample_quality_table(model('ae'), model('vae'), clf, data, n=100, n_components=2)
    assert list(q.index) == list(QUALITY_ROWS) + ['training images (floor)']
    assert list(q.columns) == ['fid', 'confidence', 'class_entropy', 'knn_accuracy']
    assert q[['fid', 'confidence', 'class_entropy']].notna().all().all() and (q.fid >= 0).all()
    assert np.isnan(q.loc['training images (floor)', 'knn_accuracy']) and 0 <= q.loc['AE, box', 'knn_accuracy'] <= 1
    assert all(sum(c) == 100 for c in q.attrs['class_counts'].values())

# The command

@pytest.fixture
def saved(tmp_path):
    f_ae = save_weights(model('ae'), tmp_path/'ae.pth', dict(kind='ae', n_latent=6))
    f_vae = save_weights(model('vae'), tmp_path/'vae.pth', dict(kind='vae', n_latent=6, beta=1., sample_eval=False))
    return f_ae, f_vae

def run_generate(argv):
    "Run `generate_grid` as `mnist-ae generate` does: options parsed from its signature"
    args = vars(anno_parser(generate_grid, prog='mnist-ae generate').parse_args([str(a) for a in argv]))
    args.pop('pdb', None); args.pop('xtra', None)
    return generate_grid(**args)

def test_command_writes_a_png(saved, tmp_path, capsys):
    f_ae, f_vae = saved
    out = tmp_path/'grid'/'vae.png'
    run_generate([f_vae, '--n', 12, '--nrow', 4, '--out', out, '--seed', 3])
    with Image.open(out) as im:
        assert im.format == 'PNG' and im.size[0] > 50
        meta = json.loads(im.info['Description'])
    assert meta['sampler'] == 'prior' and meta['n'] == 12 and meta['seed'] == 3
    assert f'wrote {out}' in capsys.readouterr().out
    run_generate([f_ae, '--n', 5, '--out', tmp_path/'ae.png', '--sampler', 'mixture', '--components', 2, '--n-train', 200])
    with Image.open(tmp_path/'ae.png') as im: assert json.loads(im.info['Description'])['sampler'] == 'mixture'

@pytest.mark.parametrize('argv, msg', [
    (['AE', '--sampler', 'prior'], "kind='prior' needs a VAE"),
    (['AE', '--sampler', 'uniform'], "sampler must be one of ('box', 'mixture', 'prior'), got 'uniform'"),
    (['AE', '--n', '0'], 'n must be an integer >= 1, got 0'),
    (['AE', '--out', 'x.jpg'], "out must be a .png file, got 'x.jpg'"),
    (['MISSING'], 'No weights file'),
])
def test_command_errors(saved, tmp_path, argv, msg):
    argv = [str(saved[0]) if a == 'AE' else str(tmp_path/'none.pth') if a == 'MISSING' else a for a in argv]
    if '--out' not in argv: argv += ['--out', str(tmp_path/'x.png')]
    with pytest.raises(SystemExit) as e: run_generate(argv)
    assert 'mnist-ae generate: error:' in str(e.value) and msg in str(e.value)
    assert not (tmp_path/'x.png').exists()

def test_command_loads_an_exported_learner(tmp_path, small):
    from mnist_autoencoders.learner import autoencoder_learner
    learn = autoencoder_learner('vae', data=small, n_train=256, device='cpu', path=tmp_path, n_valid=500)
    learn.export(tmp_path/'vae.pkl')
    write_sample_grid(G.load_autoencoder(tmp_path/'vae.pkl'), tmp_path/'s.png', n=4)
    assert (tmp_path/'s.png').stat().st_size > 0

def test_console_script(saved, tmp_path):
    from mnist_autoencoders.cli import COMMANDS
    if 'generate' not in COMMANDS: pytest.skip("'generate' is not registered in cli.COMMANDS yet")
    out = tmp_path/'c.png'
    res = subprocess.run([script('mnist-ae'), 'generate', str(saved[1]), '--n', '9', '--out', str(out)], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert out.stat().st_size > 0
