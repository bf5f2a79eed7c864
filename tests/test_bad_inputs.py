"Bad input, every kind the library can be given: a clear error that names the parameter or file, raised before anything is written."
import contextlib, math, subprocess
import numpy as np
import pytest, torch
from hypothesis import given, settings, strategies as st
from conftest import script
from mnist_autoencoders.config import check_int, check_number, check_seed, SEED_MAX, TrainConfig, resolve_device, read_json
from mnist_autoencoders.data import TensorImageInput, TensorImageGray, load_mnist, mnist_splits, to_float_images, reconstruction_dls
from mnist_autoencoders.transforms import GaussianNoise, Occlusion, RandomCorruption, corrupt
from mnist_autoencoders.models import ConvAutoencoder, ConvVAE
from mnist_autoencoders.losses import VAELoss
from mnist_autoencoders.inference import as_float_images, encode, decode, reconstruction_errors

few = settings(max_examples=50, deadline=None)
not_numbers = st.one_of(st.booleans(), st.text(max_size=5), st.none(), st.lists(st.integers(), max_size=2), st.complex_numbers())
@contextlib.contextmanager
def raises(exc, *names):
    "pytest.raises(exc) that also checks that the message names each of `names`"
    with pytest.raises(exc) as info: yield info
    for n in names: assert n in str(info.value), f"{n!r} not in {str(info.value)!r}"

# ---- validators ---------------------------------------------------------------------------------------------------

@few
@given(st.integers(-10**30, 10**30), st.one_of(st.none(), st.integers(-100, 100)), st.one_of(st.none(), st.integers(-100, 100)))
def test_check_int_accepts_exactly_its_range(v, lo, hi):
    ok = (lo is None or v >= lo) and (hi is None or v <= hi)
    if ok: assert check_int(v, 'n_latent', lo, hi) == v and type(check_int(v, 'n_latent', lo, hi)) is int
    else:
        with raises(ValueError, 'n_latent must be an integer', repr(v)): check_int(v, 'n_latent', lo, hi)

@few
@given(st.one_of(not_numbers, st.floats(allow_nan=True, allow_infinity=True), st.just(np.bool_(True))))
def test_check_int_refuses_non_integers(v):
    with raises(ValueError, 'epochs must be an integer'): check_int(v, 'epochs', 1)

@few
@given(st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-10**400, 10**400)), st.floats(-10, 10), st.booleans())
def test_check_number_accepts_exactly_finite_numbers_above_lo(v, lo, lo_open):
    try: finite = math.isfinite(v)
    except OverflowError: finite = False
    if finite and (v > lo if lo_open else v >= lo): assert check_number(v, 'lr', lo, lo_open) == float(v)
    else:
        with raises(ValueError, 'lr must be a finite number'): check_number(v, 'lr', lo, lo_open)

@few
@given(not_numbers)
def test_check_number_refuses_non_numbers(v):
    with raises(ValueError, 'wd must be a finite number >= 0', repr(v)): check_number(v, 'wd', 0)

@few
@given(st.one_of(st.integers(-2**40, 2**40), st.floats(), st.booleans(), st.text(max_size=3)))
def test_check_seed(v):
    if isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= SEED_MAX: assert check_seed(v) == v
    else:
        with raises(ValueError, 'seed must be an integer in 0..4294967295'): check_seed(v)

GOOD = dict(kind=st.sampled_from(['ae', 'dae', 'vae']), n_latent=st.integers(1, 10**6), epochs=st.integers(1, 10**6),
            lr=st.floats(1e-12, 1e3), wd=st.floats(0, 1e3), bs=st.integers(1, 10**5), seed=st.integers(0, SEED_MAX),
            n_train=st.one_of(st.none(), st.integers(1, 48000)), early_stop=st.sampled_from(['reference', 'fastai', None]),
            one_cycle=st.booleans(), beta=st.floats(0, 1e3))
bad_float = st.one_of(st.floats().filter(lambda v: not math.isfinite(v) or v < 0), st.booleans(), st.text(max_size=3), st.none())
BAD = dict(kind=st.one_of(st.text(max_size=4).filter(lambda s: s not in ('ae', 'dae', 'vae')), st.none(), st.integers()),
           n_latent=st.one_of(st.integers(max_value=0), st.booleans(), st.floats(), st.text(max_size=2), st.none()),
           epochs=st.one_of(st.integers(max_value=0), st.booleans(), st.floats(), st.text(max_size=2), st.none()),
           lr=st.one_of(bad_float, st.just(0.)), wd=bad_float, beta=bad_float,
           bs=st.one_of(st.integers(max_value=0), st.booleans(), st.floats()),
           seed=st.one_of(st.integers(max_value=-1), st.integers(min_value=SEED_MAX + 1), st.booleans(), st.floats()),
           n_train=st.one_of(st.integers(max_value=0), st.integers(min_value=48001), st.booleans(), st.floats()),
           early_stop=st.one_of(st.text(max_size=4), st.just('none'), st.booleans()), one_cycle=st.one_of(st.integers(), st.text(max_size=2), st.none()))

@few
@given(st.fixed_dictionaries(GOOD))
def test_train_config_accepts_its_domain(d):
    assert TrainConfig(**d).check() == TrainConfig(**d)

@pytest.mark.parametrize('name', list(BAD))
@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_train_config_refuses_each_bad_setting(name, data):
    d = data.draw(st.fixed_dictionaries(GOOD)) | {name: data.draw(BAD[name])}
    with raises(ValueError, f'{name} must be'): TrainConfig(**d).check()

def test_epochs_true_is_not_one_epoch():
    with raises(ValueError, 'epochs must be an integer >= 1, got True'): TrainConfig(epochs=True).check()

def test_resolve_device():
    with raises(ValueError, "device must be 'cpu', 'cuda', 'cuda:N', 'mps' or None, got 'bogus'"): resolve_device('bogus')
    with raises(ValueError, "got True"): resolve_device(True)
    if not torch.cuda.is_available():
        with raises(ValueError, "device 'cuda': this machine has no such GPU"): resolve_device('cuda')

def test_read_json_of_a_folder(tmp_path):
    with raises(ValueError, f'{tmp_path} is a folder, expected a run summary file'): read_json(tmp_path, 'run summary')

# ---- data ---------------------------------------------------------------------------------------------------------

def test_load_mnist_bad_roots(tmp_path):
    with raises(FileNotFoundError, 'MNIST folder not found', 'nowhere'): load_mnist(tmp_path/'nowhere')
    (tmp_path/'f').write_text('')
    with raises(NotADirectoryError, f'{tmp_path}/f is a file'): load_mnist(tmp_path/'f')
    with raises(TypeError, 'root must be a folder (a str or Path) or None, got int'): load_mnist(5)
    with raises(ValueError, "verify must be True, False or None, got 'no'"): load_mnist(tmp_path, verify='no')

def test_splits_and_loaders(mnist):
    with raises(ValueError, 'n_train must be an integer in 1..48000, got True'): mnist_splits(mnist, n_train=True)
    with raises(ValueError, 'seed must be an integer in 0..4294967295, got 1.5'): mnist_splits(mnist, seed=1.5)
    with raises(TypeError, 'data must be an MNISTData'): mnist_splits(mnist.x_train)
    x = mnist.x_train[:10]
    with raises(ValueError, 'bs (batch size) must be an integer >= 1, got True'): reconstruction_dls(x, x, bs=True, device='cpu')
    with raises(ValueError, 'images holds floats outside [0, 1] (min 0, max 255)'): reconstruction_dls(x.float(), x, device='cpu')
    with raises(ValueError, 'images must hold uint8 pixels in 0..255 or floats in [0, 1], got dtype torch.int64'): reconstruction_dls(x.long(), x, device='cpu')

@pytest.mark.parametrize('x, msg', [(torch.full((2, 28, 28), 255), 'got dtype torch.int64'), (torch.full((2, 28, 28), 255.), 'min 255, max 255'),
                                    (torch.full((2, 28, 28), float('nan')), 'holds NaN'), (torch.ones(2, 28, 28, dtype=torch.bool), 'got dtype torch.bool')])
def test_to_float_images_refuses_what_it_cannot_scale(x, msg):
    with raises(ValueError, 'images', msg): to_float_images(x)

# ---- transforms ---------------------------------------------------------------------------------------------------

def _pair(b=3): return TensorImageInput(torch.rand(b, 1, 28, 28)), TensorImageGray(torch.rand(b, 1, 28, 28))

@few
@given(st.floats(0, 5), st.floats(-5, 5), st.booleans(), st.integers(0, 2**31))
def test_gaussian_noise_keeps_shape_type_and_target(std, mean, clip, seed):
    x, y = _pair(); x0, y0 = x.clone(), y.clone()
    torch.manual_seed(seed); a, b = GaussianNoise(mean, std, clip)((x, y))
    assert type(a) is TensorImageInput and a.shape == x.shape and a.dtype == x.dtype
    assert type(b) is TensorImageGray and torch.equal(b, y0)          # the target is untouched
    assert torch.equal(x, x0)                                          # the input was not written to
    if clip: assert a.min() >= 0 and a.max() <= 1

@few
@given(st.one_of(st.floats().filter(lambda v: not math.isfinite(v) or v < 0), st.text(max_size=4), st.booleans(), st.none()))
def test_gaussian_noise_refuses_bad_std(std):
    with raises(ValueError, 'GaussianNoise: std must be a finite number >= 0'): GaussianNoise(std=std)

@few
@given(st.one_of(st.sampled_from([math.inf, -math.inf, math.nan]), st.text(max_size=4), st.booleans(), st.none()))
def test_gaussian_noise_refuses_bad_mean(mean):
    with raises(ValueError, 'GaussianNoise: mean must be a finite number'): GaussianNoise(mean=mean)

def test_gaussian_noise_issue_cases():
    with raises(ValueError, 'std must be a finite number >= 0, got inf'): GaussianNoise(std=math.inf)
    with raises(ValueError, 'mean must be a finite number, got nan'): GaussianNoise(mean=math.nan)
    with raises(ValueError, "mean must be a finite number, got '0.2'"): GaussianNoise('0.2')

def _square(zeros):
    "Side of the one square of True in the [28, 28] mask `zeros`, or None when it is not one filled square"
    rows, cols = zeros.any(1).nonzero().flatten(), zeros.any(0).nonzero().flatten()
    if len(rows) == 0 or len(rows) != len(cols): return None
    r0, c0, s = int(rows[0]), int(cols[0]), len(rows)
    box = torch.zeros_like(zeros); box[r0:r0+s, c0:c0+s] = True
    return s if torch.equal(zeros, box) else None

@few
@given(st.integers(1, 28), st.integers(1, 28), st.booleans(), st.integers(0, 2**31))
def test_occlusion_zeroes_exactly_one_square(a, b, per_image, seed):
    lo, hi = min(a, b), max(a, b)
    size = lo if a == b else (lo, hi)
    x = TensorImageInput(torch.ones(4, 1, 28, 28)); y = TensorImageGray(torch.ones(4, 1, 28, 28))
    torch.manual_seed(seed); out, yo = Occlusion(size, per_image)((x, y))
    assert type(out) is TensorImageInput and out.shape == x.shape and torch.equal(yo, y) and torch.equal(x, torch.ones_like(x))
    sides = [_square(out[i, 0] == 0) for i in range(4)]
    assert all(s is not None and lo <= s <= hi for s in sides), sides
    if not per_image: assert len(set(sides)) == 1

@few
@given(st.one_of(st.integers(max_value=0), st.integers(min_value=29), st.floats(), st.booleans(), st.none(), st.text(max_size=3),
                 st.tuples(st.integers(), st.integers()).filter(lambda p: not 1 <= p[0] <= p[1] <= 28),
                 st.tuples(st.floats(1, 28), st.integers(1, 28)), st.tuples(st.integers(1, 28), st.integers(1, 28), st.integers(1, 28))))
def test_occlusion_refuses_bad_sizes(size):
    with raises(ValueError, 'Occlusion: size must be an int or a (lo, hi) pair of ints with 1 <= lo <= hi <= 28', f'got {size!r}'):
        Occlusion(size)

@pytest.mark.parametrize('size', [5.5, None, True, '5'])
def test_occlusion_issue_cases(size):
    with raises(ValueError, 'Occlusion: size must be', repr(size)): Occlusion(size)

@pytest.mark.parametrize('tfm', [GaussianNoise(), Occlusion(5), RandomCorruption([GaussianNoise(), Occlusion(5)])], ids=repr)
def test_a_plain_tensor_is_refused_not_passed_through(tfm):
    with raises(TypeError, 'wrap a plain tensor as TensorImageInput(x)'): tfm(torch.zeros(2, 1, 28, 28))

def test_random_corruption_bad_probabilities():
    with raises(ValueError, 'RandomCorruption: every p must be a finite number >= 0, got nan'): RandomCorruption([GaussianNoise()], p=[math.nan])
    with raises(ValueError, 'RandomCorruption: tfms must hold transforms, got 1'): RandomCorruption([1])

def test_corrupt_refuses_images_it_would_scale_wrong(mnist):
    x = mnist.x_test[:4]
    with raises(ValueError, 'images must hold uint8 pixels in 0..255 or floats in [0, 1], got dtype torch.int64'): corrupt(x.long(), GaussianNoise())
    with raises(ValueError, 'images holds floats outside [0, 1] (min 0, max 255): divide pixels in 0..255 by 255'): corrupt(x.float(), GaussianNoise())
    with raises(ValueError, 'seed must be an integer in 0..4294967295, got 1.5'): corrupt(x, GaussianNoise(), seed=1.5)
    with raises(ValueError, 'tfm must be a corruption'): corrupt(x, None)
    torch.testing.assert_close(corrupt(x, GaussianNoise(std=0.)), corrupt(x.float() / 255, GaussianNoise(std=0.)))   # both forms, one result

# ---- models, losses, inference ------------------------------------------------------------------------------------

@pytest.mark.parametrize('cls', [ConvAutoencoder, ConvVAE])
@pytest.mark.parametrize('n', [0, -1, 1.5, True, '6', None])
def test_models_refuse_bad_latent_sizes(cls, n):
    with raises(ValueError, f'n_latent must be an integer >= 1, got {n!r}'): cls(n)

@pytest.mark.parametrize('beta', [math.inf, math.nan, -1, '1', None, True])
def test_vae_loss_refuses_bad_beta(beta):
    with raises(ValueError, 'beta must be a finite number >= 0'): VAELoss(beta)

def test_inference_inputs(mnist):
    ae, x = ConvAutoencoder(), mnist.x_test[:8]
    with raises(ValueError, 'images holds floats outside [0, 1] (min 0, max 255): divide pixels in 0..255 by 255'): as_float_images(x.float())
    with raises(ValueError, 'images holds floats outside [0, 1] (min 0, max 255)'): reconstruction_errors(ae, x.float())
    with raises(ValueError, 'bs must be an integer >= 1, got 0'): encode(ae, x, bs=0)
    with raises(ValueError, 'codes holds NaN or infinite values'): decode(ae, torch.full((2, 6), math.nan))
    with raises(ValueError, 'beta must be a finite number >= 0, got inf'): reconstruction_errors(ConvVAE(), x, beta=math.inf)
    with raises(ValueError, "device must be 'cpu'"): encode(ae, x, device='bogus')

def test_evaluate_corruptions_on_0_255_floats(mnist):
    from mnist_autoencoders.evaluate import evaluate_corruptions
    with raises(ValueError, 'images holds floats outside [0, 1] (min 0, max 255)'):
        evaluate_corruptions(ConvAutoencoder(), images=mnist.x_test[:16].float(), device='cpu')

# ---- the command line -------------------------------------------------------------------------------------------
# Every case runs `main` in this process (the modules are imported once, so the matrix takes seconds): an exception
# that `main` lets through fails the test as it would print a traceback in a shell. A few cases also run the installed
# console script as a user does, for the real stderr and exit status.

def cli(argv, capsys):
    "(exit status, stderr) of `mnist-ae ARGV`, run in this process"
    from mnist_autoencoders.cli import main
    capsys.readouterr()
    with pytest.raises(SystemExit) as e: main([str(a) for a in argv])
    return e.value.code, capsys.readouterr().err

def mnist_ae(*args, cwd=None):
    return subprocess.run([script('mnist-ae'), *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=300)

def check_error(status_err, status, *names):
    code, err = status_err
    assert code == status, (code, err)
    assert 'Traceback' not in err, err
    for n in names: assert n in err, err

TRAIN = [(('--n-latent', '0'), 'n_latent must be an integer >= 1, got 0'), (('--epochs', '0'), 'epochs must be an integer >= 1, got 0'),
         (('--lr', 'inf'), 'lr must be a finite number > 0, got inf'), (('--lr', 'nan'), 'lr must be a finite number > 0, got nan'),
         (('--wd', '-1'), 'wd must be a finite number >= 0, got -1.0'), (('--seed', '1.5'), "argument --seed: invalid int value: '1.5'"),
         (('--seed', '-1'), 'seed must be an integer in 0..4294967295, got -1'),
         (('--device', 'bogus'), "device must be 'cpu', 'cuda', 'cuda:N', 'mps' or None, got 'bogus'"),
         (('--early-stop', 'bogus'), "early_stop must be one of ('reference', 'fastai', None), got 'bogus'"),
         (('--kind', 'bogus'), "kind must be one of ('ae', 'dae', 'vae'), got 'bogus'"), (('--n-train', '0'), 'n_train must be an integer in 1..48000, got 0')]
if not torch.cuda.is_available(): TRAIN.append((('--device', 'cuda'), "device 'cuda': this machine has no such GPU"))

@pytest.mark.parametrize('args, msg', TRAIN, ids=[' '.join(a) for a, m in TRAIN])
def test_train_bad_input(tmp_path, capsys, args, msg):
    code, err = cli(['train', *args, '--out', tmp_path/'run', '--quiet'], capsys)
    check_error((code, err), 2, msg)
    if args != ('--seed', '1.5'): assert err.startswith('mnist-ae train: error: ') and err.count('\n') == 1, err   # one line
    assert not (tmp_path/'run').exists()                       # refused before anything was written

def test_train_empty_out(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    check_error(cli(['train', '--out', '', '--quiet'], capsys), 2, "mnist-ae train: error: out must be the name of a folder, got ''")
    assert list(tmp_path.iterdir()) == []                      # not the current folder either

def test_train_out_under_a_file(tmp_path, capsys):
    (tmp_path/'file').write_text('')
    check_error(cli(['train', '--out', tmp_path/'file'/'run', '--quiet'], capsys), 2, f'Cannot write to the output folder {tmp_path}/file/run')

OUT_CASES = [(('search', '--trials', '0'), 'n_trials'), (('search', '--lrs', 'inf'), 'lrs'), (('search', '--lrs', 'a,b'), 'lrs must be comma-separated numbers'),
             (('search', '--epochs', 'bogus'), 'epochs must be'), (('search', '--device', 'bogus'), "device must be 'cpu'"),
             (('sweep', '--sizes', '0'), 'sizes must be'), (('sweep', '--sizes', 'a'), 'sizes must be'), (('sweep', '--epochs', '0'), 'epochs must be'),
             (('reproduce', '--preset', 'bogus'), "preset must be one of ('quick', 'paper', 'paper-40'), got 'bogus'"), (('reproduce', '--until', 'bogus'), 'until must be one of')]

@pytest.mark.parametrize('args, msg', OUT_CASES, ids=[' '.join(a) for a, m in OUT_CASES])
def test_commands_with_an_output_folder_refuse_bad_settings(tmp_path, capsys, args, msg):
    check_error(cli([*args, '--out', tmp_path/'out'], capsys), 2, f'mnist-ae {args[0]}: error: ', msg)
    assert not (tmp_path/'out').exists()

def _model_file(tmp_path, case):
    (tmp_path/'folder').mkdir(); (tmp_path/'junk.pth').write_text('not weights')
    return {'missing': tmp_path/'missing.pth', 'folder': tmp_path/'folder', 'junk': tmp_path/'junk.pth'}[case]

@pytest.mark.parametrize('case', ['missing', 'folder', 'junk'])
@pytest.mark.parametrize('cmd', ['evaluate', 'generate', 'sample-quality', 'evaluate-record'])
def test_model_commands_given_a_bad_model_file(tmp_path, capsys, cmd, case):
    f = _model_file(tmp_path, case)
    args = {'evaluate': ('evaluate', f), 'generate': ('generate', f, '--out', tmp_path/'grid.png'),
            'sample-quality': ('sample-quality', '--ae', f, '--vae', f, '--out', tmp_path/'out'),
            'evaluate-record': ('evaluate-record', '--ae', f, '--dae', f, '--vae', f, '--out', tmp_path/'out')}[cmd]
    check_error(cli(args, capsys), 2, f'mnist-ae {cmd}: error: ', f.name)
    assert not (tmp_path/'grid.png').exists() and not (tmp_path/'out').exists()

def test_model_commands_bad_settings(tmp_path, capsys):
    f = _model_file(tmp_path, 'junk')
    check_error(cli(['evaluate', f, '--std', 'inf'], capsys), 2, 'mnist-ae evaluate: error: std must be a finite number >= 0, got inf')
    check_error(cli(['generate', f, '--n', '0'], capsys), 2, 'mnist-ae generate: error: n must be an integer >= 1, got 0')
    check_error(cli(['generate', f, '--out', tmp_path/'grid.jpg'], capsys), 2, "mnist-ae generate: error: out must be a .png file")

def test_reproduce_out_is_a_file(tmp_path, capsys):
    (tmp_path/'file').write_text('')
    check_error(cli(['reproduce', '--out', tmp_path/'file', '--until', 'data'], capsys), 2, 'mnist-ae reproduce: error: ', f'{tmp_path}/file')

def test_unknown_command(capsys):
    check_error(cli(['fly'], capsys), 2, "mnist-ae: error: unknown command 'fly'")

@pytest.mark.parametrize('args, msg', [(('train', '--lr', 'nan'), 'mnist-ae train: error: lr must be a finite number > 0, got nan'),
                                       (('train', '--seed', '1.5'), "argument --seed: invalid int value: '1.5'"),
                                       (('evaluate', 'missing.pth'), 'mnist-ae evaluate: error: '),
                                       (('reproduce', '--preset', 'bogus'), "mnist-ae reproduce: error: preset must be one of"),
                                       (('fly',), "mnist-ae: error: unknown command 'fly'")], ids=lambda v: ' '.join(v) if isinstance(v, tuple) else None)
def test_console_script(tmp_path, args, msg):
    "The installed `mnist-ae`, in a shell: one line on stderr, no traceback, status 2, nothing written"
    res = mnist_ae(*args, cwd=tmp_path)
    check_error((res.returncode, res.stderr), 2, msg)
    assert list(tmp_path.iterdir()) == []
