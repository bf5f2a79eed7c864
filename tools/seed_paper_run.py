"""Start a `paper` reproduction from the runs recorded in `results/` instead of training them again.

    python tools/seed_paper_run.py [--out results/paper]
    mnist-ae reproduce --preset paper --out results/paper

The recorded runs (`results/search`, `results/train/{ae,dae,vae}`, `results/latent/n_latent_KK`,
`results/classifier`) were made by this library's own commands with exactly the `paper` preset's settings
(`mnist-ae search ... --n-train 12000 --study reference-12k`, `mnist-ae train --kind K`, `mnist-ae sweep`). This
copies them where `reproduce` looks for its runs; `reproduce` then checks each one's recorded settings against the
preset (a run with other settings is an error, never silently reused) and only runs what is missing. Each copied
run keeps its own record (configuration, versions, hardware, wall time), so its cost stays on record.
"""
import argparse, shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

def seed(out:Path, results:Path=ROOT/'results'):
    runs = out/'runs'
    copies = {results/'search'/'search.db': runs/'search'/'search.db', results/'classifier': runs/'classifier'}
    copies |= {results/'train'/k: runs/k for k in ('ae', 'dae', 'vae')}
    copies |= {p: runs/'latent'/p.name for p in sorted((results/'latent').glob('n_latent_*'))}
    for src, dst in copies.items():
        if dst.exists(): print(f'{dst} exists: kept'); continue
        if not src.exists(): print(f'{src} is missing: reproduce will run it'); continue
        dst.parent.mkdir(parents=True, exist_ok=True)
        (shutil.copytree if src.is_dir() else shutil.copy2)(src, dst)
        print(f'{src.relative_to(results.parent)} -> {dst}')

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--out', default='results/paper', help='the paper reproduction folder (default: results/paper)')
    seed(Path(ap.parse_args().out))
