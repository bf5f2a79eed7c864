"""Training speed with the machine to ourselves and with one other busy process: torch's default threads, one thread,
two with `OMP_WAIT_POLICY=PASSIVE`, and the library's choice (`cli.pick_threads`, what `mnist-ae` uses).

A new user on a shared 2-core machine saw a short training take 26.7 s with torch's default threads and 10.3 s with
one thread (8.8 s idle). This measures that, and the default chosen from it. Each setting runs in a fresh Python process
(OpenMP reads its settings when torch starts) that trains the AE for `--epochs` epochs on `--n-train` images, batches of
128, and reports the seconds of the `fit` alone (not the imports). The busy process is a pure-Python loop that keeps one
core at 100%; it runs during the loaded measurements only. Settings run in turn, `--repeats` times each, interleaved so
that a slow patch of the machine does not land on one setting; the median is reported, with every value recorded. The
ratios are against the idle default of this same run.

    python bench/threads_under_load.py --out bench/results/threads_under_load.json > bench/results/threads_under_load.log
    python bench/threads_under_load.py --from-json bench/results/threads_under_load.json
"""
from __future__ import annotations
import argparse, datetime, json, os, signal, statistics, subprocess, sys, time
from pathlib import Path

SETTINGS = {   # name -> (environment, --threads for the child: None leaves torch's default, 'auto' asks the library)
    'default': ({}, None),
    'one thread': ({}, 1),
    'passive': ({'OMP_WAIT_POLICY': 'PASSIVE'}, None),
    'library': ({}, 'auto'),
}

def child(a):
    "Train once with the threads asked for and print one JSON line"
    if a.threads == 'auto':
        from mnist_autoencoders.cli import pick_threads
        pick_threads()                                   # what `mnist-ae` does before any command
    import torch
    if a.threads not in (None, 'auto'): torch.set_num_threads(int(a.threads))
    from fastai.torch_core import set_seed
    from mnist_autoencoders.data import load_mnist
    from mnist_autoencoders.transforms import mnist_dls
    from mnist_autoencoders.learner import autoencoder_learner
    data = load_mnist()
    set_seed(0, reproducible=True)
    learn = autoencoder_learner('ae', dls=mnist_dls('ae', bs=128, data=data, n_train=a.n_train), early_stop=None)
    t = time.perf_counter()
    with learn.no_bar(), learn.no_logging(): learn.fit(a.epochs, 4e-3)
    print(json.dumps(dict(seconds=round(time.perf_counter() - t, 3), torch_threads=torch.get_num_threads(),
                          OMP_WAIT_POLICY=os.environ.get('OMP_WAIT_POLICY'), load=os.getloadavg()[0])))

def busy():
    while True: pass

def measure(name:str, a) -> dict:
    env, threads = SETTINGS[name]
    cmd = [sys.executable, __file__, '--child', '--epochs', str(a.epochs), '--n-train', str(a.n_train)]
    if threads is not None: cmd += ['--threads', str(threads)]
    e = {k: v for k, v in os.environ.items() if k not in ('OMP_NUM_THREADS', 'OMP_WAIT_POLICY', 'MKL_NUM_THREADS')} | env
    out = subprocess.run(cmd, env=e, capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])

def report(res:dict):
    base = res['results']['idle']['default']['median_s']
    e = res['environment']
    print(f"threads under load: AE, {res['config']['epochs']} epochs on {res['config']['n_train']:,} images, batches of 128; "
          f"{e['cpu_count']} CPUs, torch {e['torch']}, {res['config']['repeats']} runs each (median)")
    print(f"{'setting':<12}{'condition':<10}{'threads':>8}{'seconds':>9}{'x idle default':>16}   all runs")
    for cond in ('idle', 'loaded'):
        for name, r in res['results'][cond].items():
            print(f"{name:<12}{cond:<10}{r['torch_threads']:>8}{r['median_s']:>9.2f}{r['median_s'] / base:>16.2f}   "
                  + ' '.join(f'{s:.2f}' for s in r['seconds']))
    ld = res['results']['loaded']
    if 'library' not in ld: return
    print(f"\nloaded: default / library = {ld['default']['median_s'] / ld['library']['median_s']:.2f}x; "
          f"idle: library / default = {res['results']['idle']['library']['median_s'] / base:.2f}x")

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--child', action='store_true', help=argparse.SUPPRESS)
    ap.add_argument('--threads', default=None, help=argparse.SUPPRESS)
    ap.add_argument('--epochs', type=int, default=3)
    ap.add_argument('--n-train', type=int, default=12000)
    ap.add_argument('--repeats', type=int, default=3)
    ap.add_argument('--settings', default=','.join(SETTINGS), help=f"which of {', '.join(SETTINGS)} (comma-separated)")
    ap.add_argument('--out', default=None, help='write the record here (JSON)')
    ap.add_argument('--from-json', default=None, help='print the report of a recorded run')
    a = ap.parse_args()
    names = a.settings.split(',')
    if not set(names) <= set(SETTINGS): ap.error(f"--settings: choose from {', '.join(SETTINGS)}, got {a.settings!r}")
    if a.child: return child(a)
    if a.from_json: return report(json.loads(Path(a.from_json).read_text()))
    from mnist_autoencoders.config import environment_info
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))   # a killed benchmark still stops its busy process (finally below)
    started, t0 = datetime.datetime.now().astimezone().isoformat(timespec='seconds'), time.perf_counter()
    res = dict(config=dict(epochs=a.epochs, n_train=a.n_train, bs=128, repeats=a.repeats, settings=names),
               load_at_start=os.getloadavg()[0], results={})
    for cond in ('idle', 'loaded'):
        hog = subprocess.Popen([sys.executable, '-c', 'while True: pass']) if cond == 'loaded' else None
        try:
            if hog: time.sleep(2)
            runs = {n: [] for n in names}
            for i in range(a.repeats):
                for n in names:
                    runs[n].append(measure(n, a))
                    print(f"[{cond}] {n}: {runs[n][-1]['seconds']:.2f} s ({runs[n][-1]['torch_threads']} threads)", flush=True)
        finally:
            if hog: hog.kill(); hog.wait()
        res['results'][cond] = {n: dict(seconds=[r['seconds'] for r in rs], median_s=statistics.median(r['seconds'] for r in rs),
                                        torch_threads=rs[0]['torch_threads'], OMP_WAIT_POLICY=rs[0]['OMP_WAIT_POLICY'])
                                for n, rs in runs.items()}
    res |= dict(started=started, wall_time_s=round(time.perf_counter() - t0, 1), environment=environment_info('cpu'))
    if a.out: Path(a.out).write_text(json.dumps(res, indent=1) + '\n')
    report(res)

if __name__ == '__main__': main()
