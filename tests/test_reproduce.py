"The quick reproduction through `mnist-ae reproduce`: killed with SIGKILL mid-run, resumed, complete, and a no-op when run again."
import json, os, signal, subprocess, sys, time
from pathlib import Path
import pytest
from conftest import ROOT, script
from mnist_autoencoders.reference import REPORT
from mnist_autoencoders.reproduce import STAGES

ENV = dict(os.environ)   # one torch thread under the two test workers (conftest.py)

def run(out, *extra, timeout=900):
    return subprocess.run([script('mnist-ae'), 'reproduce', '--preset', 'quick', '--out', str(out), *extra],
                          capture_output=True, text=True, timeout=timeout, env=ENV)

def stage_records(out): return {p.stem: p.read_text() for p in (out/'stages').glob('*.json')}

def test_quick_reproduction_killed_resumed_and_repeated(tmp_path):
    out, log = tmp_path/'quick', (tmp_path/'first.log').open('w')
    p = subprocess.Popen([script('mnist-ae'), 'reproduce', '--preset', 'quick', '--out', str(out)],   # its output goes to a file
                         stdout=log, stderr=subprocess.PIPE, text=True, env=ENV)
    deadline = time.time() + 600
    while not (out/'stages'/'search.json').exists():          # kill it once the search is recorded, inside the next stage
        assert p.poll() is None, f"the run ended before it could be killed:\n{p.stderr.read()[-3000:]}"
        assert time.time() < deadline, 'the search stage did not finish in 10 minutes'
        time.sleep(0.2)
    time.sleep(3)
    os.kill(p.pid, signal.SIGKILL); p.wait(); log.close()
    before = stage_records(out)
    assert {'data', 'search'} <= set(before) and len(before) < len(STAGES)

    t0 = time.time()
    res = run(out)
    assert res.returncode == 0, res.stderr[-5000:]
    after = stage_records(out)
    assert set(after) == set(STAGES)                                  # every stage finished ...
    assert all(after[k] == v for k, v in before.items())              # ... and what had finished was not run again
    rec = json.loads((out/'results.json').read_text())
    assert rec['finished'] and f"ran now" in res.stdout
    for k in STAGES: assert (k in before) == (f'{k:<14}done earlier' in res.stdout), k
    for f in rec['figures']: assert (out/'figures'/f).read_bytes()[:8] == b'\x89PNG\r\n\x1a\n', f
    names = set(rec['figures'])
    for fig in ('fig1', 'fig2', 'fig3', 'fig4', 'fig5', 'fig6', 'fig7', 'fig8', 'fig9', 'search_heatmap', 'lr_find'):
        assert any(n.startswith(fig) for n in names), f"no {fig} figure in {sorted(names)}"
    t = rec['tables']                                                 # sanity: small, finite, ordered as they must be
    for kind in ('ae', 'dae'):
        assert 0 < t[kind]['mse']['ours'] < 0.1 and t[kind]['mse']['report'] == REPORT[kind]['mse']
        assert t[kind]['mse']['ours'] <= t[kind]['mse_occlusion']['ours']
    assert 0 < t['vae']['loss']['ours'] < 0.2
    curve = rec['results']['latent']['curve']
    assert [d['n_latent'] for d in curve] == [2, 6, 12] and curve[0]['mse']['mean'] > curve[-1]['mse']['mean']
    assert curve[1]['mse']['report'] == REPORT['ae']['mse'] and 'report' not in curve[0]['mse']   # the report's one point: size 6
    runs = sorted(p.name for p in out.iterdir() if (p/'summary.json').is_file())   # one level of run folders
    assert runs == ['ae_latent12_seed17', 'ae_latent2_seed17', 'ae_latent6_seed17', 'dae_latent6_seed17', 'vae_latent6_seed17'], runs
    assert (out/'search'/'search.db').is_file() and (out/'classifier').is_dir() and (out/'recipe'/'recipe.json').is_file()
    assert not (out/'runs').exists()
    assert 'quick preset: 12,000 training images (not 48,000), 10 epochs' in res.stdout   # the tables say what made them
    assert t['recipe']['ae']['mse']['n'] == 1 and t['ae']['mse_occlusion_draws']['n'] == 3
    assert rec['results']['search']['best']['lr'] in (1e-3, 4e-3, 1e-2)
    assert rec['environment']['torch'] and all(v['wall_time_s'] > 0 for v in rec['stages'].values())
    assert 'AE original' in res.stdout and 'done earlier' in res.stdout and 'ran now' in res.stdout
    first = (tmp_path/'first.log').read_text()                        # output to a file or a pipe: plain lines, small
    assert '[reproduce] stage 1/10 data' in first and '[reproduce] stage 3/10 ae' in res.stdout + first
    assert '\r' not in first + res.stdout + res.stderr, 'carriage returns in the output'
    assert len((first + res.stdout).encode()) < 20_000, len((first + res.stdout).encode())
    assert 'epoch 0  train_loss' in first + res.stdout                 # one plain line per epoch

    res2 = run(out, '--quiet')                                        # a second run trains nothing and reprints the summary
    assert res2.returncode == 0, res2.stderr[-3000:]
    assert stage_records(out) == after
    assert 'ran now' not in res2.stdout and res2.stdout.count('done earlier') == len(STAGES)
    assert 'quick preset' in res2.stdout and 'AE original' in res2.stdout and 'results.json' in res2.stdout and '[reproduce]' not in res2.stdout
    res3 = run(out, '--silent')
    assert res3.returncode == 0 and res3.stdout == '', res3.stdout

    # The site's Results page renders a finished reproduction with every part (the recorded paper run is checked
    # in test_docs_site; this is the one whose stages all finished in this test)
    sys.path.insert(0, str(ROOT/'docs'))
    import results_page as rp
    (tmp_path/'site'/'results').mkdir(parents=True); (tmp_path/'site'/'results'/'paper').symlink_to(out)
    text, _ = rp.results_markdown(tmp_path/'site'/'results', tmp_path/'site'/'src')
    assert 'could not be read' not in text and 'still running' not in text and 'has not finished' not in text
    assert 'Where we match, beat or miss the report' in text and rp.spread(rec['results']['evaluate']['stats']['ae']['mse']) in text

def test_bad_preset_and_other_configuration(tmp_path):
    res = run(tmp_path/'x', '--preset', 'huge')
    assert res.returncode != 0 and "preset must be one of ('quick', 'paper', 'paper-40'), got 'huge'" in res.stderr
    assert not (tmp_path/'x').exists()
    (tmp_path/'y').mkdir(); (tmp_path/'y'/'config.json').write_text(json.dumps({'preset': 'paper'}))
    res = run(tmp_path/'y')
    assert res.returncode != 0 and 'holds a reproduction with other settings (n_train None recorded, 12000 requested' in res.stderr
