"""Model files that cannot run code (issue 14): safetensors + JSON written and read back bit for bit, a pickle refused by
every loader unless trusted, invalid records and non-finite weights refused with the file's name, and a diverged
training that leaves no model behind."""
import json, os, shlex, subprocess
import pytest, torch
from conftest import script

def mnist_ae(*args, **kw):
    "Run `mnist-ae ARGS` as a user does"
    return subprocess.run([script('mnist-ae'), *map(str, args)], capture_output=True, text=True, **kw)

class Payload:
    "Unpickled, it runs a shell command that creates the file `marker`: what a malicious pickle would do"
    def __init__(self, marker): self.marker = str(marker)
    def __reduce__(self): return (os.system, (f'touch {shlex.quote(self.marker)}',))

@pytest.fixture(scope='module')
def evil(tmp_path_factory, mnist):
    "A real exported fastai Learner (`model.pkl`, untrained) carrying a `Payload`, and the marker file its payload creates"
    from mnist_autoencoders.learner import autoencoder_learner
    d = tmp_path_factory.mktemp('evil')
    marker = d/'MARKER'
    learn = autoencoder_learner('ae', data=mnist, n_train=512, bs=128, device='cpu', path=d)
    learn.payload = Payload(marker)
    learn.export(d/'model.pkl')
    assert (d/'model.pkl').stat().st_size > 0 and not marker.exists()
    return d/'model.pkl', marker

def refused(res, cmd):
    "The process failed with one line saying that the pickle was refused, why, and what to use instead"
    assert res.returncode != 0, res.stdout
    assert 'Traceback' not in res.stderr, res.stderr
    msg = res.stderr.strip().splitlines()[-1]
    assert msg.startswith(f'mnist-ae {cmd}: error: ') and 'model.pkl is a pickle' in msg, res.stderr
    assert 'a pickle can run code when loaded' in msg and 'weights.safetensors' in msg and '--trust-pickle' in msg, msg

def test_load_model_refuses_a_pickle_unless_trusted(evil):
    from mnist_autoencoders.learner import load_model
    pkl, marker = evil
    with pytest.raises(ValueError, match='a pickle can run code when loaded: load the run.s weights.safetensors instead'):
        load_model(pkl, 'cpu')
    assert not marker.exists()

def test_every_command_refuses_a_pickle(evil, tmp_path):
    "evaluate, evaluate-record, generate and sample-quality: non-zero exit, the reason, and the payload never ran"
    pkl, marker = evil
    refused(mnist_ae('evaluate', pkl, '--device', 'cpu'), 'evaluate')
    refused(mnist_ae('evaluate-record', '--ae', pkl, '--dae', pkl, '--vae', pkl, '--out', tmp_path/'rec', '--device', 'cpu'),
            'evaluate-record')
    refused(mnist_ae('generate', pkl, '--out', tmp_path/'x.png', '--device', 'cpu'), 'generate')
    refused(mnist_ae('sample-quality', '--ae', pkl, '--vae', pkl, '--out', tmp_path/'q', '--classifier', tmp_path/'clf',
                     '--device', 'cpu'), 'sample-quality')
    assert not marker.exists()
    assert list(tmp_path.iterdir()) == []                   # refused before anything was written

def test_trusted_pickle_loads_and_its_payload_is_live(evil):
    "With trusted=True the Learner loads: and the marker appears, so the refusals above did refuse a live payload"
    import warnings
    from mnist_autoencoders.learner import load_model
    pkl, marker = evil
    with warnings.catch_warnings():   # fastai's own warning that a pickle can run code: this test's point
        warnings.simplefilter('ignore', UserWarning)
        m = load_model(pkl, 'cpu', trusted=True)
    assert marker.exists()
    assert m(torch.zeros(2, 1, 28, 28)).shape == (2, 1, 28, 28)

def test_legacy_pth_cannot_run_code(tmp_path):
    "A legacy `.pth` is read with weights_only=True: a payload in it is refused, not run"
    from mnist_autoencoders.learner import load_model
    marker = tmp_path/'MARKER'
    torch.save({'encoder.0.weight': Payload(marker)}, tmp_path/'weights.pth')
    (tmp_path/'weights.json').write_text(json.dumps({'format': 'mnist_autoencoders.weights/1', 'kind': 'ae', 'n_latent': 6}))
    with pytest.raises(ValueError, match='weights.pth is not a weights file'): load_model(tmp_path, 'cpu')
    assert not marker.exists()

@pytest.mark.parametrize('kind', ['ae', 'dae', 'vae'])
def test_safetensors_round_trip_is_exact(tmp_path, kind):
    from mnist_autoencoders.learner import make_model, save_model, load_model
    torch.manual_seed(0)
    m = make_model(kind, 5).eval()
    f = save_model(m, tmp_path/'weights', dict(kind=kind, n_latent=5), train_config={'lr': 0.004})
    assert f == tmp_path/'weights.safetensors' and sorted(p.name for p in tmp_path.iterdir()) == ['weights.json', 'weights.safetensors']
    rec = json.loads((tmp_path/'weights.json').read_text())
    assert rec['format'] == 'mnist_autoencoders.weights/2' and rec['kind'] == kind and rec['n_latent'] == 5
    assert rec['architecture'] and rec['train_config'] == {'lr': 0.004}
    back = load_model(tmp_path, 'cpu')                       # the run folder: weights.safetensors inside
    assert back.state_dict().keys() == m.state_dict().keys()
    assert all(torch.equal(v, m.state_dict()[k]) for k, v in back.state_dict().items())
    x = torch.rand(8, 1, 28, 28)
    with torch.no_grad(): a, b = m(x), back(x)
    for u, v in zip(a if isinstance(a, tuple) else (a,), b if isinstance(b, tuple) else (b,)): assert torch.equal(u, v)

@pytest.fixture
def saved(tmp_path):
    "A saved autoencoder's weights file and its record"
    from mnist_autoencoders.learner import make_model, save_model
    f = save_model(make_model('ae', 6), tmp_path/'weights.safetensors', dict(kind='ae', n_latent=6))
    return f, json.loads(f.with_suffix('.json').read_text())

@pytest.mark.parametrize('change, msg', [
    (dict(kind='bogus'), "kind must be one of ('ae', 'dae', 'vae'), got 'bogus'"),
    (dict(n_latent=-1), 'n_latent must be an integer >= 1, got -1'),
    (dict(n_latent='6'), "n_latent must be an integer >= 1, got '6'"),
    (dict(n_latent=True), 'n_latent must be an integer >= 1, got True'),
    (dict(n_latent=6.0), 'n_latent must be an integer >= 1, got 6.0'),
    (dict(format='mnist_autoencoders.weights/99'), "is not a model configuration written by save_model (format 'mnist_autoencoders.weights/99'"),
])
def test_invalid_records_are_refused_naming_the_file(saved, change, msg):
    from mnist_autoencoders.learner import load_model
    f, rec = saved
    f.with_suffix('.json').write_text(json.dumps(rec | change))
    with pytest.raises(ValueError) as e: load_model(f, 'cpu')
    assert str(f.with_suffix('.json')) in str(e.value) and msg in str(e.value), str(e.value)

def test_non_finite_weights_are_refused(saved):
    import safetensors.torch
    from mnist_autoencoders.learner import load_model
    f, _ = saved
    sd = safetensors.torch.load(f.read_bytes())
    sd['decoder.0.weight'][0] = float('inf')
    f.write_bytes(safetensors.torch.save(sd))
    with pytest.raises(ValueError, match='holds non-finite weights .* the run that made it diverged') as e: load_model(f, 'cpu')
    assert str(f) in str(e.value)

def test_missing_files_name_the_path(tmp_path, saved):
    from mnist_autoencoders.learner import load_model
    f, _ = saved
    with pytest.raises(FileNotFoundError, match=f'No weights file {tmp_path}/none.safetensors'): load_model(tmp_path/'none.safetensors', 'cpu')
    with pytest.raises(FileNotFoundError, match=f'in the folder {tmp_path}/empty'):
        (tmp_path/'empty').mkdir(); load_model(tmp_path/'empty', 'cpu')
    f.with_suffix('.json').unlink()
    with pytest.raises(FileNotFoundError, match=f'No configuration {f.with_suffix(".json")} beside the weights {f}'): load_model(f, 'cpu')
    res = mnist_ae('evaluate', tmp_path/'none.safetensors', '--device', 'cpu')
    assert res.returncode != 0 and f'mnist-ae evaluate: error: No weights file {tmp_path}/none.safetensors' in res.stderr, res.stderr

def test_diverged_training_leaves_no_model(tmp_path, mnist):
    "lr=1e6 on 2,000 images, one epoch: the loss goes NaN; an earlier model in the folder is removed, the summary says why"
    from mnist_autoencoders.config import TrainConfig
    from mnist_autoencoders.callbacks import TrainingDiverged
    from mnist_autoencoders.learner import train_run, train_autoencoder
    out = tmp_path/'run'; out.mkdir()
    for name in ('weights.safetensors', 'weights.json', 'weights.pth', 'model.pkl'): (out/name).write_bytes(b'an earlier run')
    with pytest.raises(TrainingDiverged, match=r'training diverged: the loss became NaN at epoch 1, batch \d+: lower lr \(1000000.0\)'):
        train_run(TrainConfig('ae', epochs=1, lr=1e6, n_train=2000, seed=0), out, 'cpu', progress=False, data=mnist)
    assert sorted(p.name for p in out.iterdir()) == ['history.csv', 'summary.json']
    s = json.loads((out/'summary.json').read_text())
    assert s['diverged'] is True and s['stop_reason'].startswith('the loss became NaN at epoch 1, batch ') and 'test' not in s
    with pytest.raises(ValueError, match='training diverged: the loss became NaN at epoch 1'):   # TrainingDiverged is a ValueError
        train_autoencoder('ae', lr=1e6, epochs=1, n_train=2000, data=mnist, device='cpu', progress=False)
