"""Wall time for the autoencoder to reach the report's test MSE (0.021), with the report's protocol and with fastai's recipe.

Both are run in this one process, on the same machine, one after the other, on all 48,000 training images, and
scored on the 10,000 test images after every epoch (the scoring is timed apart and not counted):

- reference -- the report's protocol: `train_autoencoder('ae')` defaults: Adam with L2 weight decay 2e-5, a constant
  learning rate of 4e-3 (the report's search result), batches of 512, up to 80 epochs with the report's early stopping.
  Its search (hours) is not counted: this is the cost of the final training alone, which favours it.
- recipe -- fastai's way: `lr_find` (timed, counted) on the training split, its valley as the maximum learning rate,
  then `fit_one_cycle` for `--recipe-epochs` epochs, batches of 128, the same weight decay, no early stopping.

For each: the first epoch whose test MSE is at or below the target, the training seconds up to the end of that epoch
(the recipe's include its `lr_find`), and the whole curve. Target: the recipe at least 5x faster to the report's
quality. The ratio is taken within one run, so both see the same machine; the load average is recorded with every
epoch. On a shared machine set `--threads 1`.

    python bench/time_to_quality.py --out bench/results/time_to_quality.json   # ~15 min on an idle 2-core CPU
    python bench/time_to_quality.py --from-json bench/results/time_to_quality.json
"""
from __future__ import annotations
import argparse, datetime, json, os, time
from pathlib import Path
import torch
from fastai.callback.core import Callback
from fastai.callback.schedule import valley
from mnist_autoencoders.config import environment_info, write_json
from mnist_autoencoders.reference import REPORT
from mnist_autoencoders.data import load_mnist
from mnist_autoencoders.transforms import mnist_dls
from mnist_autoencoders.learner import autoencoder_learner
from mnist_autoencoders.inference import reconstruction_errors
from fastai.torch_core import set_seed

TARGET = REPORT['ae']['mse']   # 0.021, the report's Table 1

class TestCurve(Callback):
    "After each epoch: the test MSE and the training seconds so far (the scoring itself is not counted)"
    order = 100
    def __init__(self, x_test, t_start:float, extra_s:float=0.):
        self.x_test, self.rows, self.t0, self.excluded, self.extra = x_test, [], t_start, 0., extra_s
    def after_epoch(self):
        t = time.perf_counter()
        mse = reconstruction_errors(self.learn.model, self.x_test)['mse']
        self.learn.model.train()
        self.rows.append(dict(epoch=self.epoch + 1, train_s=round(t - self.t0 - self.excluded + self.extra, 2),
                              test_mse=round(mse, 6), load=round(os.getloadavg()[0], 2)))
        self.excluded += time.perf_counter() - t

def crossing(rows:list, target:float=TARGET):
    "The first row at or below `target`, or None"
    return next((r for r in rows if r['test_mse'] <= target), None)

def run_reference(data, epochs:int=80, n_train=None) -> dict:
    set_seed(0, reproducible=True)
    learn = autoencoder_learner('ae', dls=mnist_dls('ae', bs=512, data=data, n_train=n_train), lr=4e-3, wd=2e-5, early_stop='reference')
    cb = TestCurve(data.x_test, time.perf_counter())
    with learn.no_bar(), learn.no_logging(): learn.fit(epochs, 4e-3, cbs=cb)
    return dict(settings=dict(lr=4e-3, wd=2e-5, bs=512, epochs=epochs, schedule='constant', early_stop='reference'),
                curve=cb.rows)

def run_recipe(data, epochs:int=16, n_train=None) -> dict:
    set_seed(0, reproducible=True)
    t0 = time.perf_counter()
    learn = autoencoder_learner('ae', dls=mnist_dls('ae', bs=128, data=data, n_train=n_train), wd=2e-5, early_stop=None)
    with learn.no_bar(), learn.no_logging(): sug = learn.lr_find(suggest_funcs=(valley,), show_plot=False)
    lr = float(f'{sug.valley:.3g}')
    lr_find_s = time.perf_counter() - t0
    set_seed(0, reproducible=True)
    learn = autoencoder_learner('ae', dls=mnist_dls('ae', bs=128, data=data, n_train=n_train), wd=2e-5, early_stop=None)
    cb = TestCurve(data.x_test, time.perf_counter(), extra_s=lr_find_s)
    with learn.no_bar(), learn.no_logging(): learn.fit_one_cycle(epochs, lr, cbs=cb)
    return dict(settings=dict(lr=lr, lr_from='lr_find valley', wd=2e-5, bs=128, epochs=epochs, schedule='one-cycle',
                              early_stop=None), lr_find_s=round(lr_find_s, 2), curve=cb.rows)

def summarise(res:dict) -> dict:
    for k in ('reference', 'recipe'):
        c = crossing(res[k]['curve'])
        res[k]['reached'] = c
        res[k]['best_test_mse'] = min(r['test_mse'] for r in res[k]['curve'])
    a, b = res['reference']['reached'], res['recipe']['reached']
    res['speedup'] = round(a['train_s'] / b['train_s'], 2) if a and b else None
    res['target'] = dict(what='recipe at least 5x faster to the report test MSE', limit='>= 5',
                         ok=res['speedup'] is not None and res['speedup'] >= 5)
    return res

def report(res:dict):
    e = res['environment']
    print(f"torch {e['torch']}, fastai {e['fastai']}, {e['cpu_count']} CPUs, {e['torch_threads']} torch threads; "
          f"target test MSE {res['target_mse']} (the report's)")
    for k in ('reference', 'recipe'):
        s, c = res[k]['settings'], res[k]['reached']
        where = (f"reached {c['test_mse']:.4f} at epoch {c['epoch']} after {c['train_s']:.0f} s" if c else
                 f"never reached it in {len(res[k]['curve'])} epochs (best {res[k]['best_test_mse']:.4f})")
        print(f"{k:<10} lr {s['lr']:g}, bs {s['bs']}, {s['schedule']}, {s['epochs']} epochs: {where}")
    if res['speedup'] is not None:
        print(f"{'PASS' if res['target']['ok'] else 'MISS'}  recipe {res['speedup']:.2f}x faster to the report's test MSE (target >= 5)")

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--out', default=None, help='write the record here (JSON)')
    p.add_argument('--from-json', default=None, help='print the report of a recorded run')
    p.add_argument('--reference-epochs', type=int, default=80)
    p.add_argument('--recipe-epochs', type=int, default=16)
    p.add_argument('--n-train', type=int, default=None, help='train on this many images (a quick check of the script; default: all 48,000)')
    p.add_argument('--threads', type=int, default=None, help='torch threads (default: torch\'s)')
    a = p.parse_args(argv)
    if a.from_json: return report(json.loads(Path(a.from_json).read_text()))
    if a.threads: torch.set_num_threads(a.threads)
    data = load_mnist()
    res = dict(started=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec='seconds'),
               environment=environment_info('cpu'), load_start=os.getloadavg(), target_mse=TARGET)
    res['n_train'] = a.n_train or 48000
    res['recipe'] = run_recipe(data, a.recipe_epochs, a.n_train)
    if a.out: write_json(a.out, res)   # a partial record: the recipe's half
    res['reference'] = run_reference(data, a.reference_epochs, a.n_train)
    res['load_end'] = os.getloadavg()
    res = summarise(res)
    if a.out: write_json(a.out, res)
    report(res)

if __name__ == '__main__': main()
