"Each notebook's own tests, run by nbdev's tester (cells flagged `slow` are skipped unless `--flags slow`)."
import json, re, subprocess
from pathlib import Path
import pytest
from conftest import ROOT, NBS, script

NOTEBOOKS = sorted(str(p.relative_to(NBS)) for p in [*NBS.glob('*.ipynb'), *NBS.glob('tutorials/*.ipynb')] if not p.name.startswith('_'))

def test_notebooks_found(): assert {'index.ipynb', '00_data.ipynb', 'tutorials/01_first_autoencoder.ipynb'} <= set(NOTEBOOKS)

def test_plain_nbdev_test_covers_every_notebook(monkeypatch):
    "Plain `nbdev-test` reaches the tutorials too (the config recurses into nbs/tutorials) and skips `#| slow` cells"
    from nbdev.config import get_config
    from nbdev.doclinks import nbglob
    cfg = get_config(ROOT/'pyproject.toml')
    assert cfg.recursive, 'recursive = false: plain nbdev-test would skip nbs/tutorials'
    monkeypatch.chdir(ROOT)   # nbdev-test's own file search reads the config of the folder it runs in
    found = {str(Path(f).relative_to(NBS)) for f in nbglob(str(NBS))}
    assert found == set(NOTEBOOKS), found ^ set(NOTEBOOKS)
    assert 'slow' in str(cfg.tst_flags).split()

@pytest.mark.parametrize('nb', NOTEBOOKS)
def test_notebook(nb):
    res = subprocess.run([script('nbdev-test'), f'nbs/{nb}', '--n-workers', '0'], cwd=ROOT, capture_output=True, text=True)
    assert res.returncode == 0, f"nbdev-test failed on {nb}:\n{res.stdout[-6000:]}\n{res.stderr[-6000:]}"

MACHINE_PATH = re.compile(r'(/tmp/|/home/|/root/|/work/|/usr/|/var/|site-packages)')

def _outputs(nb):
    for c in json.loads(nb.read_text())['cells']:
        for o in c.get('outputs', []):
            d = o.get('data', {})
            yield c.get('id'), ''.join(o.get('text', '')) + ''.join(d.get('text/plain', '')) + ''.join(d.get('text/html', ''))

@pytest.mark.parametrize('nb', NOTEBOOKS)
def test_stored_outputs_are_clean(nb):
    "What a reader sees under a cell names no folder of the machine that ran it and holds no progress-bar frame"
    for cid, txt in _outputs(NBS/nb):
        if m := MACHINE_PATH.search(txt): pytest.fail(f"{nb}, cell {cid}: a machine path in a stored output: ...{txt[max(0, m.start()-80):m.end()+60]}...")
        assert '\r' not in txt and '<progress' not in txt and not re.search(r'\d+%\|', txt), f"{nb}, cell {cid}: a progress bar in a stored output"
