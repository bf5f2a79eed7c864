"""`export_onnx` (nbs/06c_export.ipynb) on the recorded models: the ONNX files, run by ONNX Runtime, give PyTorch's codes
and images for random codes and for test images, for the AE and the VAE (and the DAE), encoder and decoder; a latent-6
decoder's file stays small; the library imports without the `[onnx]` extra and says what to install."""
import json, subprocess, sys
import pytest
import torch
from conftest import ROOT

PAPER = ROOT/'results'/'paper'
KINDS = ('ae', 'dae', 'vae')

@pytest.fixture(scope='module')
def models():
    "The paper reproduction's latent-6 AE, DAE and VAE"
    from mnist_autoencoders.learner import load_model
    runs = {k: PAPER/f'{k}_latent6_seed17' for k in KINDS}
    if missing := [r.name for r in runs.values() if not (r/'weights.safetensors').is_file()]:
        pytest.skip(f"recorded runs missing under {PAPER}: {missing}")
    return {k: load_model(r, 'cpu') for k, r in runs.items()}

@pytest.fixture(scope='module')
def files(models, tmp_path_factory):
    "Each model's decoder and encoder exported to ONNX"
    from mnist_autoencoders.export import export_onnx
    out = tmp_path_factory.mktemp('onnx')
    return {(k, p): export_onnx(m, out/f'{k}_{p}.onnx', p) for k, m in models.items() for p in ('decoder', 'encoder')}

@pytest.fixture(scope='module')
def images(mnist):
    "300 test images as floats [N, 1, 28, 28]"
    return mnist.x_test[:300].float().div(255)[:, None]

@pytest.mark.parametrize('kind', KINDS)
def test_decoder_matches_pytorch(kind, models, files, images):
    from mnist_autoencoders.export import onnx_run
    from mnist_autoencoders.inference import encode, decode
    m, f = models[kind], files[kind, 'decoder']
    g = torch.Generator().manual_seed(0)
    codes = torch.cat([torch.randn(200, 6, generator=g)*3, encode(m, images[:, 0])])   # random codes, test images' codes
    for n in (1, 7, len(codes)):                                                          # the batch size is free
        got, = onnx_run(f, codes[:n])
        assert got.shape == (n, 1, 28, 28)
        torch.testing.assert_close(got[:, 0], decode(m, codes[:n]), atol=1e-5, rtol=0)

@pytest.mark.parametrize('kind', KINDS)
def test_encoder_matches_pytorch(kind, models, files, images):
    from mnist_autoencoders.export import onnx_run
    m = models[kind]
    got = onnx_run(files[kind, 'encoder'], images)
    with torch.no_grad(): want = m.encode(images)
    want = want if isinstance(want, tuple) else (want,)
    assert len(got) == (2 if kind == 'vae' else 1)
    for o, w in zip(got, want): torch.testing.assert_close(o, w, atol=1e-5, rtol=0)
    g = torch.Generator().manual_seed(1)
    noise = torch.rand(5, 1, 28, 28, generator=g)                                      # not only digits
    with torch.no_grad(): want = m.encode(noise)
    for o, w in zip(onnx_run(files[kind, 'encoder'], noise), want if isinstance(want, tuple) else (want,)):
        torch.testing.assert_close(o, w, atol=1e-5, rtol=0)

def test_files_are_small_checked_and_labelled(files):
    import onnx
    for (k, p), f in files.items():
        assert f.stat().st_size < 500_000, (k, p, f.stat().st_size)
        proto = onnx.load(f)
        onnx.checker.check_model(proto, full_check=True)
        meta = json.loads({m.key: m.value for m in proto.metadata_props}['mnist_autoencoders'])
        assert meta == dict(kind=k, n_latent=6, part=p)
        assert proto.graph.input[0].type.tensor_type.shape.dim[0].dim_param   # a named, free batch dimension

def test_subpixel_model_exports_stock_layers(tmp_path):
    "A model with the training's sub-pixel layer exports PyTorch's ConvTranspose, with the training model's outputs"
    import onnx
    from mnist_autoencoders.export import export_onnx, onnx_run
    from mnist_autoencoders.learner import make_model
    from mnist_autoencoders.subpixel import use_subpixel, SubpixelConvTranspose2d
    from mnist_autoencoders.inference import decode
    torch.manual_seed(0)
    m = use_subpixel(make_model('vae', 6)).eval()
    assert isinstance(m.decoder[-2], SubpixelConvTranspose2d)
    f = export_onnx(m, tmp_path/'sub.onnx')
    assert [n.op_type for n in onnx.load(f).graph.node].count('ConvTranspose') == 3
    z = torch.randn(50, 6)
    torch.testing.assert_close(onnx_run(f, z)[0][:, 0], decode(m, z), atol=1e-5, rtol=0)
    assert isinstance(m.decoder[-2], SubpixelConvTranspose2d)                            # the model is left alone

def test_bad_part_writes_nothing(tmp_path):
    from mnist_autoencoders.export import export_onnx
    from mnist_autoencoders.learner import make_model
    with pytest.raises(ValueError, match="part must be one of"): export_onnx(make_model('ae', 2), tmp_path/'x.onnx', 'both')
    assert not list(tmp_path.iterdir())

def test_without_the_onnx_extra():
    "The library imports without onnx; the export names the extra to install"
    code = ("import sys; sys.modules['onnx'] = sys.modules['onnxscript'] = None\n"
            "from mnist_autoencoders.export import export_onnx\n"
            "from mnist_autoencoders.learner import make_model\n"
            "try: export_onnx(make_model('ae', 2), 'x.onnx')\n"
            "except ImportError as e: print('ImportError:', e)\n")
    res = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, cwd=ROOT)
    assert res.returncode == 0, res.stderr
    assert "needs the `[onnx]` extra: pip install 'mnist_autoencoders[onnx]'" in res.stdout, res.stdout

@pytest.mark.parametrize('kind', ['ae', 'vae'])
def test_latent2_runs_export(kind, tmp_path):
    "The recorded latent-2 runs that the site's explorer decodes"
    from mnist_autoencoders.learner import load_model
    from mnist_autoencoders.export import export_onnx, onnx_run
    from mnist_autoencoders.inference import decode
    folder = ROOT/'results'/'latent2'/kind
    if not (folder/'summary.json').is_file(): pytest.skip(f'no latent-2 run recorded in {folder}')
    m = load_model(folder, 'cpu')
    assert m.n_latent == 2
    z = torch.cartesian_prod(torch.linspace(-4, 4, 9), torch.linspace(-4, 4, 9))
    torch.testing.assert_close(onnx_run(export_onnx(m, tmp_path/'d.onnx'), z)[0][:, 0], decode(m, z), atol=1e-5, rtol=0)
