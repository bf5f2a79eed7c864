"The `mnist-ae` console script, run as a user runs it."
import json, subprocess
import pytest, torch
from conftest import script

def run(*args, **kw): return subprocess.run([script('mnist-ae'), *map(str, args)], capture_output=True, text=True, **kw)

def test_help_lists_commands():
    res = run('--help')
    assert res.returncode == 0 and 'train' in res.stdout

def test_train_help_describes_every_option():
    res = run('train', '--help')
    assert res.returncode == 0
    for opt in ('--kind', '--n-latent', '--epochs', '--lr', '--wd', '--bs', '--seed', '--n-train', '--early-stop',
                '--one-cycle', '--out', '--device', '--quiet', '--silent'):
        line = next(l for l in res.stdout.splitlines() if l.strip().startswith(opt + ' ') or l.strip() == opt or l.strip().startswith(opt + '  '))
        assert len(line.split(opt, 1)[1].strip()) > 10, f"{opt} has no description"

def test_short_run_writes_outputs(tmp_path, mnist):
    out = tmp_path/'dae'
    res = run('train', '--kind', 'dae', '--epochs', '1', '--n-train', '1024', '--device', 'cpu', '--quiet', '--out', out)
    assert res.returncode == 0, res.stderr
    assert 'Gaussian noise 0.2' in res.stdout and 'occlusion' in res.stdout
    rec = json.loads((out/'summary.json').read_text())
    assert rec['config']['kind'] == 'dae' and rec['config']['n_train'] == 1024 and rec['epochs_run'] == 1
    for k in ('python', 'torch', 'fastai', 'device', 'cpu_count'): assert k in rec['environment']
    assert rec['wall_time_s'] > 0 and 0 < rec['test']['mse'] < 1
    assert sorted(p.name for p in out.iterdir()) == ['history.csv', 'summary.json', 'weights.json', 'weights.safetensors']   # no pickle
    from mnist_autoencoders.learner import load_model
    from mnist_autoencoders.inference import reconstruction_errors
    model = load_model(out, 'cpu')                                   # the run folder: its weights.safetensors
    assert model.train_config == rec['config'] and model.ae_config['kind'] == 'dae'
    assert reconstruction_errors(model, mnist.x_test)['mse'] == pytest.approx(rec['test']['mse'], rel=1e-5)   # the model it scored

@pytest.mark.parametrize('args, msg', [
    (('--lr', '-1'), 'lr must be a finite number > 0, got -1.0'),
    (('--lr', 'inf'), 'lr must be a finite number > 0, got inf'),
    (('--wd', '-0.1'), 'wd must be a finite number >= 0, got -0.1'),
    (('--n-latent', '0'), 'n_latent must be an integer >= 1, got 0'),
    (('--epochs', '0'), 'epochs must be an integer >= 1, got 0'),
    (('--bs', '0'), 'bs must be an integer >= 1, got 0'),
    (('--kind', 'gan'), "kind must be one of ('ae', 'dae', 'vae'), got 'gan'"),
    (('--early-stop', 'never'), "early_stop must be one of"),
])
def test_bad_arguments_fail_before_training(tmp_path, args, msg):
    out = tmp_path/'run'
    res = run('train', *args, '--out', out, '--quiet')
    assert res.returncode != 0 and msg in res.stderr, res.stderr
    assert not out.exists()                               # checked before anything was written

def test_unwritable_output_folder(tmp_path):
    (tmp_path/'file').write_text('')
    res = run('train', '--epochs', '1', '--n-train', '512', '--out', tmp_path/'file'/'run', '--quiet')
    assert res.returncode != 0 and f"Cannot write to the output folder {tmp_path}/file/run" in res.stderr, res.stderr
    assert 'epoch' not in res.stdout

def test_diverged_training_exits_with_the_reason(tmp_path):
    "A learning rate far too high: one line that says where the loss went NaN and what to change, no traceback, no model"
    out = tmp_path/'run'; out.mkdir()
    for name in ('weights.safetensors', 'weights.json'): (out/name).write_bytes(b'an earlier run')
    res = run('train', '--lr', '1e6', '--epochs', '1', '--n-train', '2000', '--device', 'cpu', '--quiet', '--out', out)
    assert res.returncode != 0 and 'Traceback' not in res.stderr, res.stderr
    assert len(res.stderr.strip().splitlines()) == 1, res.stderr
    msg = res.stderr.strip()
    assert msg.startswith('mnist-ae train: error: training diverged: the loss became NaN at epoch 1, batch ') and 'lower lr (1000000.0)' in msg, msg
    assert sorted(p.name for p in out.iterdir()) == ['history.csv', 'summary.json']
    s = json.loads((out/'summary.json').read_text())
    assert s['diverged'] is True and s['stop_reason'] in msg

def test_unknown_command():
    res = run('fly')
    assert res.returncode != 0 and "unknown command 'fly'" in res.stderr

def test_output_to_a_file_is_plain_lines(tmp_path):
    "Output going to a file (not a terminal): one line per epoch, no carriage return; --silent prints nothing"
    log = tmp_path/'train.log'
    with open(log, 'w') as f:
        res = subprocess.run([script('mnist-ae'), 'train', '--epochs', '2', '--n-train', '1024', '--bs', '128', '--device', 'cpu',
                              '--out', str(tmp_path/'run')], stdout=f, stderr=subprocess.PIPE, text=True)
    assert res.returncode == 0, res.stderr
    text = log.read_text()
    assert '\r' not in text and '\r' not in res.stderr
    assert sum(l.startswith('epoch ') for l in text.splitlines()) == 2, text
    assert 'Gaussian noise 0.2' in text and f"wrote {tmp_path/'run'}/summary.json" in text
    res = run('train', '--epochs', '1', '--n-train', '512', '--device', 'cpu', '--silent', '--out', tmp_path/'silent')
    assert res.returncode == 0 and res.stdout == '', res.stdout
    assert (tmp_path/'silent'/'summary.json').is_file()
