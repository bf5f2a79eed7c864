"Exact test MSEs, corrupted sets, sweeps, t-SNE and `mnist-ae evaluate`, on hand-made or untrained models and small sets."
import subprocess, sys
import numpy as np
import pandas as pd
import pytest, torch
from torch import nn
from matplotlib.figure import Figure
import matplotlib.pyplot as plt
from fastcore.script import anno_parser
from mnist_autoencoders.evaluate import (reconstruction_mse, evaluate_corruptions, drawn_occlusion_size, occlusion_tfm,
                                         corruption_table, print_corruption_table, seed_variation, occlusion_by_size,
                                         noise_sweep, plot_noise_sweep, record_corruptions, load_corruptions, latent_sweep,
                                         load_latent_sweep, plot_latent_sweep, encode, tsne_codes, plot_tsne, load_model,
                                         evaluate, sweep, STDS)
from mnist_autoencoders.data import load_mnist, MNISTData
from mnist_autoencoders.models import ConvAutoencoder, conv_encoder, conv_decoder, load_reference_state_dict
from mnist_autoencoders.learner import make_model, save_weights, autoencoder_learner
from mnist_autoencoders.transforms import GaussianNoise, corrupt

@pytest.fixture(scope='module')
def mnist(): return load_mnist()

@pytest.fixture(scope='module')
def x300(mnist): return mnist.x_test[:300]

def model(kind='ae', n_latent=6, seed=0):
    torch.manual_seed(seed)
    return make_model(kind, n_latent).eval()

class Constant(nn.Module):
    "Reconstructs every image as the grey level `c`"
    def __init__(self, c=0.5, n_latent=2): super().__init__(); self.c, self.n_latent = c, n_latent
    def encode(self, x): return x.new_zeros(len(x), self.n_latent)
    def decode(self, z): return z.new_full((len(z), 1, 28, 28), self.c)

class Identity(nn.Module):
    "Its code is the image"
    n_latent = 784
    def encode(self, x): return x.flatten(1)
    def decode(self, z): return z.reshape(-1, 1, 28, 28)

def exit_message(f, *args, **kw):
    with pytest.raises(SystemExit) as e: f(*args, **kw)
    return str(e.value)

# Exact MSE, closed forms

def test_constant_model_mse_is_exact_for_any_batch_size():
    ims = torch.stack([torch.full((28, 28), v) for v in (0., 0.5, 1.)])       # squared errors 0.25, 0, 0.25
    for bs in (1, 2, 3, 10): assert reconstruction_mse(Constant(0.5), ims, bs=bs) == 1/6
    ims = torch.rand(11, 28, 28, generator=torch.Generator().manual_seed(0))
    want = float(((ims.double() - 0.25)**2).mean())
    assert all(abs(reconstruction_mse(Constant(0.25), ims, bs=bs) - want) < 1e-12 for bs in (1, 4, 11))

def test_identity_model_errors_are_the_corruption(x300):
    r = evaluate_corruptions(Identity(), images=x300, seed=5, std=0.3)
    x = (x300.float()/255).double()                                     # the pixels the model sees, in float64
    assert r['mse'] == 0
    assert r['mse_gaussian'] == pytest.approx(float(((corrupt(x300, GaussianNoise(std=0.3), 5).double() - x)**2).mean()), abs=1e-12)
    assert r['mse_gaussian'] == pytest.approx(0.09, rel=0.01)
    occ = corrupt(x300, occlusion_tfm('once'), 5)
    assert r['mse_occlusion'] == pytest.approx(float(((occ.double() - x)**2).mean()), abs=1e-12)
    s = drawn_occlusion_size(5)
    assert r['occlusion_size'] == s and ((occ == 0).flatten(1).sum(1) >= s*s).all()

# Determinism, models, results

def test_same_seed_same_numbers_other_seed_other_sets(x300):
    m = model()
    a, b, c = (evaluate_corruptions(m, images=x300, seed=s) for s in (1, 1, 2))
    assert a == b and a['mse'] == c['mse'] and a['mse_gaussian'] != c['mse_gaussian']
    p1, p2 = (evaluate_corruptions(m, images=x300, seed=1, occlusion='per_image') for _ in range(2))
    assert p1 == p2 and p1['occlusion_size'] is None

def test_vae_own_loss_mean_and_sampled(x300):
    v = model('vae')
    r = evaluate_corruptions(v, images=x300)
    assert r['loss'] == pytest.approx(r['mse'] + r['kl'], abs=1e-8) and r['kl'] > 0 and r['vae_sample'] is False
    s1, s2 = (evaluate_corruptions(v, images=x300, vae_sample=True, seed=4) for _ in range(2))
    assert s1 == s2 and s1['loss'] != r['loss']
    assert evaluate_corruptions(v, images=x300, vae_sample=True, seed=5)['loss'] != s1['loss']

def test_learner_and_bare_model_agree(mnist, x300, tmp_path):
    learn = autoencoder_learner('vae', data=mnist, n_train=512, device='cpu', path=tmp_path, beta=2.)
    a, b = evaluate_corruptions(learn, images=x300), evaluate_corruptions(learn.model, images=x300)
    assert a['mse'] == b['mse'] and a['mse_gaussian'] == b['mse_gaussian']
    assert a['kl'] == b['kl'] and b['loss'] == pytest.approx(b['mse'] + b['kl'], abs=1e-8)
    assert a['loss'] == pytest.approx(a['mse'] + 2*a['kl'], abs=1e-8)  # the Learner's loss weighs the KL term by beta=2

def test_reference_state_dict_model(x300):
    src = model(seed=3)
    foreign = {f'w{i}': t for i, t in enumerate(src.state_dict().values())}
    assert evaluate_corruptions(load_reference_state_dict(ConvAutoencoder(6), foreign), images=x300) == evaluate_corruptions(src, images=x300)
    with pytest.raises(ValueError, match=r"has shape \(4, 64\) but the state dict's 'w8' has shape \(6, 64\)"):
        load_reference_state_dict(ConvAutoencoder(4), foreign)

def test_table_and_printing(x300, capsys):
    rs = {'AE': evaluate_corruptions(model(), images=x300), 'VAE': evaluate_corruptions(model('vae'), images=x300)}
    df = corruption_table(rs, {'AE': {'mse': 0.021}})
    assert list(df.columns) == ['AE', 'AE (report)', 'VAE'] and df.loc['original', 'AE (report)'] == 0.021
    assert np.isnan(df.loc['own loss (VAE)', 'AE']) and df.loc['own loss (VAE)', 'VAE'] == rs['VAE']['loss']
    print_corruption_table(rs['AE'])
    out = capsys.readouterr().out
    assert '300 test images, seed 0' in out and f"side {drawn_occlusion_size(0)}" in out and f"{rs['AE']['mse']:.4f}" in out

def test_sweeps_and_spreads(x300):
    ms = {'a': model(seed=0), 'b': model(seed=1)}
    ns = noise_sweep(ms, stds=(0, 0.5), images=x300)
    assert ns.shape == (2, 2) and ns.loc[0., 'a'] == reconstruction_mse(ms['a'], x300)
    sv = seed_variation(ms, seeds=(0, 1), images=x300)
    assert len(sv) == 4 and sv.loss_sampled.isna().all()
    bs = occlusion_by_size(ms, sizes=(5, 13), images=x300)
    assert list(bs.index) == [5, 13]
    r = evaluate_corruptions(ms['a'], images=x300)
    assert bs.loc[drawn_occlusion_size(0), 'a'] == r['mse_occlusion']   # the 'once' set is the set of the side it drew

# Figures

def test_plots_return_figures():
    ns = pd.DataFrame({'AE': np.linspace(.02, .08, len(STDS)), 'DAE': np.linspace(.02, .04, len(STDS))}, index=pd.Index(STDS, name='std'))
    lat = pd.DataFrame({'mse': [.04, .02, .01], 'mse_gaussian': [.05, .03, .02], 'mse_occlusion': [.06, .05, .05]}, index=[2, 6, 30])
    emb = np.random.default_rng(0).normal(size=(50, 2))
    figs = [plot_noise_sweep(ns, {'AE': .023}), plot_latent_sweep(lat), plot_tsne({'AE': emb, 'VAE': emb}, np.arange(50) % 10)]
    assert all(isinstance(f, Figure) for f in figs)
    assert len(figs[2].axes) == 3                                       # two maps and the colour bar
    plt.close('all')

def test_encode_and_tsne(x300):
    v = model('vae')
    z = encode(v, x300, bs=64)
    with torch.no_grad(): mu = v.encode(x300[:, None].float()/255)[0]
    assert z.shape == (300, 6) and torch.allclose(z, mu, atol=1e-6)
    (e1, i1), (e2, i2) = tsne_codes(z, n=60, seed=2), tsne_codes(z, n=60, seed=2)
    assert e1.shape == (60, 2) and (i1 == i2).all() and np.allclose(e1, e2) and len(set(i1)) == 60

# Bad input

@pytest.mark.parametrize('kw, msg', [
    (dict(std=-0.1), 'std must be a number >= 0, got -0.1'),
    (dict(std=float('nan')), 'std must be a number >= 0, got nan'),
    (dict(occlusion='sometimes'), "occlusion must be one of ('once', 'per_image'), got 'sometimes'"),
    (dict(bs=0), 'bs must be an integer >= 1, got 0'),
    (dict(images=torch.zeros(3, 28, 27)), 'images must be a non-empty [N, 28, 28] (or [N, 1, 28, 28]) tensor, got shape (3, 28, 27)'),
    (dict(images=torch.zeros(0, 28, 28)), 'got shape (0, 28, 28)'),
    (dict(images=torch.zeros(3, 28, 28, dtype=torch.int64)), 'images must hold uint8 pixels (0..255) or floats (0..1), got dtype torch.int64'),
    (dict(images='digits'), 'images must be a tensor of images, got str'),
    (dict(images=None, data=torch.zeros(3, 28, 28)), 'data must be an MNISTData'),
])
def test_bad_arguments(kw, msg):
    kw = dict(images=torch.rand(4, 28, 28)) | kw
    with pytest.raises(ValueError) as e: evaluate_corruptions(model(), **kw)
    assert msg in str(e.value)

def test_latent_size_mismatch():
    x = torch.rand(4, 28, 28)
    with pytest.raises(ValueError, match="the decoder does not take the encoder's codes of size 6"):
        evaluate_corruptions(ConvAutoencoder(6, decoder=conv_decoder(4)), images=x)
    with pytest.raises(ValueError, match=r"the encoder gives codes of size 6 but the model's latent size \(n_latent\) is 4"):
        encode(ConvAutoencoder(4, encoder=conv_encoder(6)), x)

def test_bad_lists():
    ms = {'a': model()}
    with pytest.raises(ValueError, match='stds must hold at least one value, got an empty list'): noise_sweep(ms, stds=[], images=torch.rand(2, 28, 28))
    with pytest.raises(ValueError, match='stds must be a number >= 0, got -1'): noise_sweep(ms, stds=[-1], images=torch.rand(2, 28, 28))
    with pytest.raises(ValueError, match='models must be a non-empty dict'): noise_sweep({}, images=torch.rand(2, 28, 28))
    with pytest.raises(ValueError, match=r"models\['a'\] must be an autoencoder or VAE"): noise_sweep({'a': nn.Linear(2, 2)}, images=torch.rand(2, 28, 28))
    with pytest.raises(ValueError, match='n must be at most the 40 codes given, got 50'): tsne_codes(torch.rand(40, 6), n=50)

def test_model_files(tmp_path):
    with pytest.raises(FileNotFoundError, match='No weights file'): load_model(tmp_path/'none.pth')
    with pytest.raises(FileNotFoundError, match='No exported Learner'): load_model(tmp_path/'none.pkl')
    (tmp_path/'junk.pkl').write_bytes(b'\x80\x04junk')
    with pytest.raises(ValueError, match='junk.pkl is not an exported Learner'): load_model(tmp_path/'junk.pkl')
    f = save_weights(model(), tmp_path/'ae.pth', dict(kind='ae', n_latent=6))
    f.write_bytes(f.read_bytes()[:100])                                  # truncated
    with pytest.raises(ValueError, match='ae.pth is not a weights file'): load_model(f)
    g = save_weights(model(), tmp_path/'ae8.pth', dict(kind='ae', n_latent=8))
    with pytest.raises(ValueError, match='does not hold ae weights of latent size 8'): load_model(g)

# Records and the latent-size sweep

def test_record_corruptions_round_trip(mnist, tmp_path):
    small = MNISTData(mnist.x_train[:10], mnist.y_train[:10], mnist.x_test[:200], mnist.y_test[:200])
    files = {'AE': save_weights(model(), tmp_path/'ae.pth', dict(kind='ae', n_latent=6)),
             'VAE': save_weights(model('vae'), tmp_path/'vae.pth', dict(kind='vae', n_latent=6, beta=1.))}
    rec = record_corruptions(files, tmp_path/'out', seeds=range(2), stds=(0., 0.3), sizes=(5, 9), data=small)
    back = load_corruptions(tmp_path/'out')
    assert set(back['table']) == {'AE', 'VAE', 'VAE, sampled z'} and back['config']['n_test'] == 200
    assert list(back['noise_sweep'].index) == [0., 0.3] and list(back['occlusion_by_size'].index) == [5, 9]
    assert len(back['seed_variation']) == 4 and back['wall_time_s'] > 0 and 'torch' in back['environment']
    assert back['table']['AE']['mse'] == rec['table']['AE']['mse']
    with pytest.raises(FileNotFoundError, match='No corruptions.json'): load_corruptions(tmp_path)

def test_latent_sweep_resumes_and_refuses_other_settings(mnist, tmp_path, capsys):
    kw = dict(epochs=1, seed=0, n_train=256, device='cpu', data=mnist, bs=128)
    df = latent_sweep((3,), tmp_path, **kw)
    assert list(df.index) == [3] and df.epochs_run.tolist() == [1] and (tmp_path/'n_latent_03'/'summary.json').is_file()
    stamp = (tmp_path/'n_latent_03'/'summary.json').stat().st_mtime_ns
    capsys.readouterr()
    pd.testing.assert_frame_equal(latent_sweep((3,), tmp_path, **kw), df)
    assert 'not trained again' in capsys.readouterr().out
    assert (tmp_path/'n_latent_03'/'summary.json').stat().st_mtime_ns == stamp
    with pytest.raises(ValueError, match=r'was trained with other settings \(bs=128, not bs=64\)'): latent_sweep((3,), tmp_path, **(kw | dict(bs=64)))
    pd.testing.assert_frame_equal(load_latent_sweep(tmp_path), df)
    with pytest.raises(ValueError, match='sizes must not repeat a size'): latent_sweep((3, 3), tmp_path)

def test_sweep_command_errors(tmp_path):
    assert "sizes must be comma-separated integers >= 1, got '2,x'" in exit_message(sweep, '2,x', out=str(tmp_path))
    assert 'sizes must be an integer >= 1, got 0' in exit_message(sweep, '0,2', out=str(tmp_path))
    assert 'epochs must be an integer >= 1, got 0' in exit_message(sweep, '2', epochs=0, out=str(tmp_path))
    assert not any(tmp_path.iterdir())

# The command line, through `mnist-ae`'s dispatcher (registering `evaluate` if the installed cli does not yet)

DISPATCH = ("import sys; from mnist_autoencoders import cli; cli.COMMANDS.setdefault('evaluate', 'evaluate:evaluate'); "
            "sys.exit(cli.main(sys.argv[1:]))")

def mnist_ae(*args): return subprocess.run([sys.executable, '-c', DISPATCH, *map(str, args)], capture_output=True, text=True)

def test_evaluate_command_weights_and_pickle(mnist, tmp_path, capsys):
    m = model(seed=1)
    f = save_weights(m, tmp_path/'run'/'weights.pth', dict(kind='ae', n_latent=6))
    res = mnist_ae('evaluate', f, '--seed', '2', '--occlusion', 'per_image', '--device', 'cpu')
    assert res.returncode == 0, res.stderr
    assert '10,000 test images, seed 2' in res.stdout and 'a square per image' in res.stdout
    learn = autoencoder_learner('ae', data=mnist, n_train=512, device='cpu', path=tmp_path, model=m)
    learn.export(tmp_path/'model.pkl')
    evaluate(str(tmp_path/'model.pkl'), seed=2, occlusion='per_image', device='cpu')  # the same model, pickled: the same table
    rows = lambda out: [l.split() for l in out.splitlines()[2:]]
    assert rows(capsys.readouterr().out) == rows(res.stdout)
    assert float(rows(res.stdout)[0][-1]) == round(reconstruction_mse(m, mnist.x_test), 4)

def test_evaluate_command_bad_input(tmp_path):
    res = mnist_ae('evaluate', tmp_path/'none.pth')
    assert res.returncode != 0 and 'mnist-ae evaluate: error: No weights file' in res.stderr
    (tmp_path/'bad.pkl').write_bytes(b'not a pickle')
    assert 'bad.pkl is not an exported Learner' in exit_message(evaluate, str(tmp_path/'bad.pkl'))
    f = save_weights(model(), tmp_path/'w.pth', dict(kind='ae', n_latent=6))
    assert 'std must be a number >= 0, got -1' in exit_message(evaluate, str(f), std=-1)
    assert "occlusion must be one of ('once', 'per_image'), got 'x'" in exit_message(evaluate, str(f), occlusion='x')

def test_evaluate_help_describes_every_option():
    txt = anno_parser(evaluate, prog='mnist-ae evaluate').format_help()
    assert 'trust' in txt                                                 # a pickle runs code when loaded
    for opt in ('--std', '--seed', '--occlusion', '--vae-sample', '--device'):
        line = next(l for l in txt.splitlines() if l.strip().startswith(opt))
        assert len(line.split(opt, 1)[1].strip()) > 10, f"{opt} has no description"
