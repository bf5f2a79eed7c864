"""How long `mnist-ae reproduce --preset quick` takes, from the command to its last line, as a new user runs it.

The quick preset runs every stage of the study on a subset (12,000 training images, 10 epochs, one seed, a 4-pair
search on 6,000 images) into a fresh temporary folder. The process's wall time is measured from outside (imports,
loading MNIST and writing the figures included), with each stage's own seconds read from the `results.json` it writes.
Run it on an otherwise idle machine: the number is the one the docs quote ("about N minutes on two CPU cores").

    python bench/reproduce_quick.py --out bench/results/reproduce_quick.json > bench/results/reproduce_quick.log
"""
from __future__ import annotations
import argparse, datetime, json, shutil, subprocess, sys, tempfile, time
from pathlib import Path
from mnist_autoencoders.cli import busy_cores   # the count `mnist-ae` itself uses to pick its threads

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--out', type=Path, help='write the record here (JSON)')
    a = p.parse_args(argv)
    exe = shutil.which('mnist-ae') or sys.exit('mnist-ae is not on PATH: pip install the package first')
    with tempfile.TemporaryDirectory() as d:
        busy = busy_cores(1.0)   # how idle the machine was: other processes' busy cores over one second
        busy = None if busy is None else round(busy, 2)
        t0 = time.perf_counter()
        res = subprocess.run([exe, 'reproduce', '--preset', 'quick', '--out', f'{d}/quick', '--quiet'], capture_output=True, text=True)
        wall = time.perf_counter() - t0
        if res.returncode: sys.exit(f"mnist-ae reproduce failed ({res.returncode}):\n{res.stderr[-3000:]}")
        rec = json.loads(Path(f'{d}/quick/results.json').read_text())
    out = dict(command='mnist-ae reproduce --preset quick --out TMP --quiet', wall_time_s=round(wall, 1),
               stages_s={k: v['wall_time_s'] for k, v in rec['stages'].items()}, stages_total_s=rec['total_wall_time_s'],
               cores_busy_before=busy, environment=rec['environment'],
               date=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec='seconds'))
    print(f"quick preset: {wall:.1f} s wall ({wall/60:.1f} min), stages {rec['total_wall_time_s']:.1f} s; "
          f"{busy} cores busy before it started; {rec['environment'].get('cpu_count')} CPUs, torch {rec['environment'].get('torch')}")
    for k, v in out['stages_s'].items(): print(f"  {k:<14}{v:>8.1f} s")
    if a.out: a.out.write_text(json.dumps(out, indent=1) + '\n'); print(f"wrote {a.out}")

if __name__ == '__main__': main()
