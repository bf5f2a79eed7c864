"Each notebook's own tests, run by nbdev's tester (cells flagged `slow` are skipped unless `--flags slow`)."
import subprocess
import pytest
from conftest import ROOT, NBS, script

NOTEBOOKS = sorted(str(p.relative_to(NBS)) for p in [*NBS.glob('*.ipynb'), *NBS.glob('tutorials/*.ipynb')] if not p.name.startswith('_'))

def test_notebooks_found(): assert {'index.ipynb', '00_data.ipynb', 'tutorials/01_first_autoencoder.ipynb'} <= set(NOTEBOOKS)

@pytest.mark.parametrize('nb', NOTEBOOKS)
def test_notebook(nb):
    res = subprocess.run([script('nbdev-test'), f'nbs/{nb}', '--n-workers', '0'], cwd=ROOT, capture_output=True, text=True)
    assert res.returncode == 0, f"nbdev-test failed on {nb}:\n{res.stdout[-6000:]}\n{res.stderr[-6000:]}"
