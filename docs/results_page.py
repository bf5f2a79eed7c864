"""The site's Results page, generated at build time from the committed `paper` reproduction, `results/paper`.

`write_results_page(results, src)` writes `src/results.md` (MyST markdown) and copies the figures it shows to
`src/results_files/`. Every number on the page is read from `results/paper` (its `results.json`, its stage records
and the records of the runs it holds); the report's numbers come from the library's one copy of them,
`mnist_autoencoders.reference.REPORT`, written as the report writes them (`REPORT_TEST`, `REPORT_SEARCH` below).
The discussion's verdicts (matches, beats, misses) are computed from those numbers, so the page cannot drift from
the run. A part that is missing (no paper run yet, an unfinished stage) is named on the page instead of failing the
build. tools/build_docs.py calls it; `python docs/results_page.py OUT_DIR` writes the page alone (to check it).
"""
import csv, json, math, shutil, sys
from pathlib import Path
from mnist_autoencoders.reference import REPORT

MODEL_NAMES = {'ae': 'AE', 'dae': 'DAE', 'vae': 'VAE'}
DASH = '–'

def f4(x) -> str:
    "A number of ours: 4 decimals (integers as they are); missing as a dash"
    if x is None or x == '': return DASH
    if isinstance(x, bool): return str(x)
    if isinstance(x, int): return f'{x:,}'
    try: x = float(x)
    except (TypeError, ValueError): return str(x)
    return DASH if math.isnan(x) else f'{x:.4f}'

def g(x) -> str:
    "A setting (learning rate, weight decay) written as the report writes it: 0.004 -> 4e-3, 2e-05 -> 2e-5"
    if x is None: return DASH
    if not isinstance(x, float) or x == 0 or 1e-2 < abs(x) < 1e3: return f'{x:g}'
    m, e = f'{x:.6e}'.split('e')
    return f"{m.rstrip('0').rstrip('.')}e{int(e)}"

# The report's numbers (latent size 6, test set) as the report writes them: Tables 1-3 (3 decimals; the clean MSE is
# each model's `loss` row) and the search's best pair.
REPORT_TEST = {k: {('loss' if m == 'mse' else m): f'{v:.3f}' for m, v in REPORT[k].items()} for k in ('ae', 'dae', 'vae')}
REPORT_SEARCH = {'lr': g(REPORT['search']['lr']), 'wd': g(REPORT['search']['wd']), 'score': f"{REPORT['search']['score']:g}"}

def table(header:list, rows:list) -> str:
    "A MyST (GFM) pipe table"
    esc = lambda c: str(c).replace('|', '\\|').replace('\n', ' ')
    lines = ['| ' + ' | '.join(map(esc, header)) + ' |', '|' + '---|' * len(header)]
    lines += ['| ' + ' | '.join(map(esc, r)) + ' |' for r in rows]
    return '\n'.join(lines) + '\n'

def read_json(p:Path): return json.loads(Path(p).read_text())

def env_line(rec:dict) -> str:
    "Where and how long a run ran, from its record"
    e = rec.get('environment') or {}
    bits = []
    if e: bits.append(f"torch {e.get('torch', '?')}, fastai {e.get('fastai', '?')}, mnist_autoencoders "
                      f"{e.get('mnist_autoencoders', '?')}, {e.get('device', '?')} ({e.get('cpu_count', '?')} CPUs, "
                      f"{e.get('torch_threads', '?')} torch threads)")
    if rec.get('wall_time_s') is not None: bits.append(f"wall time {rec['wall_time_s']/60:.1f} min")
    return '; '.join(bits)

class Page:
    "The page being written, and the figures copied for it"
    def __init__(self, results:Path, src:Path):
        self.results, self.src, self.parts, self.files = Path(results), Path(src), [], []
        self.fig_dir = self.src/'results_files'

    def add(self, text:str): self.parts.append(text.rstrip() + '\n')

    def figure(self, png:Path, caption:str='', width:str|None=None) -> str:
        "Copy `png` next to the page and return the markdown that shows it (at most `width` wide)"
        rel = png.relative_to(self.results)
        dst = self.fig_dir/rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        if not dst.exists() or dst.stat().st_mtime < png.stat().st_mtime or dst.stat().st_size != png.stat().st_size:
            shutil.copy2(png, dst)
        self.files.append(dst)
        cap = caption or f'`results/{rel.as_posix()}`'
        opts = f':alt: {rel.as_posix()}\n' + (f':width: {width}\n' if width else '')
        return f'::::{{figure}} results_files/{rel.as_posix()}\n{opts}\n{cap}\n::::\n'

    def figures(self, folder:Path, skip=()) -> str:
        pngs = [p for p in sorted(folder.rglob('*.png')) if p not in skip and not _ignored(p, self.results)]
        return '\n'.join(self.figure(p) for p in pngs)

def _ignored(p:Path, results:Path) -> bool:
    "Files of results/ that are not shown: model checkpoints (gitignored) and hidden files"
    return any(part in ('models',) or part.startswith('.') for part in p.relative_to(results).parts[:-1])


# --------------------------------------------------------------------------------------------------------------------
# The paper reproduction

TESTS = [('mse', 'original'), ('mse_gaussian', 'Gaussian noise, std 0.2'), ('mse_occlusion', 'occlusion')]
ROUND = 0.0005   # the report gives 3 decimals: a difference within its rounding is a match

def verdict(ours:float, report:str) -> str:
    "Ours against the report's number (lower is better): matches within the report's rounding, beats, or misses"
    d = ours - float(report)
    if abs(d) <= ROUND: return 'matches'
    return f'beats it ({d:+.4f})' if d < 0 else f'misses it ({d:+.4f})'

def versus(ours:float, report:str) -> str:
    "A phrase for ours against the report's number: 'matches the report's 0.022', 'is 0.0022 above the report's 0.023'"
    d = ours - float(report)
    if abs(d) <= ROUND: return f"matches the report's {report}"
    return f"is {abs(d):.4f} {'below' if d < 0 else 'above'} the report's {report}"

def _site_version() -> str:
    from mnist_autoencoders import __version__
    return __version__

def _unsplit(d:dict) -> list[dict]: return [dict(zip(d['columns'], row)) for row in d['data']]

def _minutes(s) -> str: return DASH if s is None else f'{s/60:.1f}'

def run_records(paper:Path) -> list:
    "(what, folder, summary record) of the training runs the paper reproduction holds"
    runs = paper/'runs'
    out = [(f'{MODEL_NAMES[k]} (latent 6)', f'runs/{k}', read_json(runs/k/'summary.json'))
           for k in ('ae', 'dae', 'vae') if (runs/k/'summary.json').is_file()]
    for p in sorted((runs/'latent').glob('n_latent_*/summary.json')):
        if p.parent.name != 'n_latent_06': out.append((f"AE, latent {int(p.parent.name[-2:])}", f'runs/latent/{p.parent.name}', read_json(p)))
    return out

def how_part(page:Page, paper:Path, rec:dict):
    c, s = rec['config'], rec['config']['search']
    page.add('## How it was run\n')
    page.add(f"`mnist-ae reproduce --preset paper --out results/paper`, after `python tools/seed_paper_run.py` (see "
             "below). Its settings are the report's protocol ([`07_reproduce`](07_reproduce.ipynb) lists them): "
             f"every model trained with lr {g(c['lr'])} and wd {g(c['wd'])} (the report's chosen pair), batches of "
             f"{c['bs']}, at most {c['epochs']} epochs with the reference's early stopping, on all 48,000 training "
             "images, and scored on the 10,000 test images. Two choices differ from the report, both for CPU time: the "
             f"search ran {s['epochs']} epochs per fold (the original code's number; the report's text says 40) on the "
             f"first {s['n_train']:,} training images (the report: all 48,000).\n")
    runs = run_records(paper)
    srec = paper/'runs'/'search'/'search.csv'
    search_time = None
    if srec.is_file():
        import csv as _csv
        search_time = sum(float(r['wall_time_s']) for r in _csv.DictReader(srec.open()) if r.get('wall_time_s'))
    clf = paper/'runs'/'classifier'/'classifier.json'
    clf_rec = read_json(clf) if clf.is_file() else {}
    rows = [[what, f'`{where}`', s_.get('epochs_run', DASH), s_.get('stop_reason') or 'all epochs', _minutes(s_.get('wall_time_s'))]
            for what, where, s_ in runs]
    if search_time: rows.append([f"search: {s['n_trials']} pairs x {s['n_folds']} folds", '`runs/search`', DASH, DASH, _minutes(search_time)])
    if clf_rec: rows.append(['digit classifier (for the sample-quality numbers)', '`runs/classifier`', clf_rec['config']['epochs'], 'all epochs',
                             _minutes(clf_rec.get('wall_time_s'))])
    total = sum(s_.get('wall_time_s') or 0 for *_, s_ in runs) + (search_time or 0) + (clf_rec.get('wall_time_s') or 0)
    page.add('The models and the search are the costly part. They were trained by the same code and commands '
             '(`mnist-ae train`, `mnist-ae sweep`, `mnist-ae search`) with exactly these settings before the '
             'reproduction was assembled, and `tools/seed_paper_run.py` copied them in; `reproduce` checked each '
             "one's recorded settings against the preset before using it (a run with other settings is an error), and "
             'ran everything else itself. Each run keeps its own record (`summary.json`: settings, seed, versions, '
             'hardware, wall time):\n')
    page.add(table(['run', 'folder (in results/paper)', 'epochs run', 'stopped by', 'minutes'], rows))
    env = rec.get('environment', {})
    page.add(f"Training time in all: {total/3600:.1f} hours on a {env.get('cpu_count', '?')}-core CPU "
             f"({env.get('processor', '?')}), mostly one torch thread per run. The reproduction's own stages took "
             f"{rec['total_wall_time_s']/60:.1f} minutes on top (evaluation, t-SNE, sampling, the figures). "
             f"Versions: Python {env.get('python', '?')}, torch {env.get('torch', '?')}, fastai {env.get('fastai', '?')}, "
             f"mnist_autoencoders {env.get('mnist_autoencoders', '?')} (the version that recorded the runs; this site "
             f"documents version {_site_version()}, whose tests check that it reads and scores these runs).\n")
    page.add(table(['stage', 'seconds', 'finished at'],
                   [[k, f"{v['wall_time_s']:.1f}", v.get('finished_at', DASH)] for k, v in rec['stages'].items()]))

def tables_part(page:Page, rec:dict) -> dict:
    "Tables 1-3 beside the report's, the verdicts, and the spread over the corrupted sets' seeds; return the verdicts"
    t, ev = rec['tables'], rec['results'].get('evaluate', {})
    page.add("## Tables 1-3: test error beside the report's\n")
    if not t.get('ae'): return page.add('The evaluation stage has not finished yet.\n') or {}
    side = rec['results'].get('data', {}).get('occlusion_side', '?')
    page.add("Per-pixel mean squared error on the 10,000 test images, latent size 6; the VAE's row is its own loss "
             "(squared error plus KL, per pixel). Ours to 4 decimals, the report's as it gives them (3 decimals: a "
             f"difference of at most {ROUND} is within its rounding). The corrupted test sets are drawn with seed 0, "
             f"which draws an occluding square of side {side} for the whole set.\n")
    rows, verdicts = [], {}
    for k, name in (('ae', 'Table 1: AE'), ('dae', 'Table 2: DAE')):
        for m, what in TESTS:
            v = verdict(t[k][m]['ours'], REPORT_TEST[k]['loss' if m == 'mse' else m])
            verdicts[(k, m)] = v
            rows.append([name, f'occlusion, side {side}' if m == 'mse_occlusion' else what, f4(t[k][m]['ours']),
                         REPORT_TEST[k]['loss' if m == 'mse' else m], v])
    for m, what in (('loss', 'own loss, mean z'), ('loss_sampled', 'own loss, sampled z (the report\'s way)')):
        v = verdict(t['vae'][m]['ours'], REPORT_TEST['vae']['loss']); verdicts[('vae', m)] = v
        rows.append(['Table 3: VAE', what, f4(t['vae'][m]['ours']), REPORT_TEST['vae']['loss'], v])
    page.add(table(['model', 'test set', 'ours', 'report', 'ours against the report'], rows))
    if 'seed_variation' in ev:
        sv = _unsplit(ev['seed_variation'])
        seeds = sorted({r['seed'] for r in sv})
        page.add(f"The same models on the corrupted test sets of seeds {seeds[0]} to {seeds[-1]} (min to max over the "
                 "seeds): the Gaussian sets barely move, the occlusion set moves a lot, because its one square side for "
                 "the whole set is drawn from 5 to 13. *Side per image* draws a side for every image, a steadier measure.\n")
        rows = []
        for name in ('AE', 'DAE', 'VAE'):
            rs = [r for r in sv if r['model'] == name]
            rng = lambda col: f"{f4(min(r[col] for r in rs))} to {f4(max(r[col] for r in rs))}"
            rows.append([name, rng('mse_gaussian'), rng('mse_occlusion'), rng('mse_occlusion_per_image'),
                         ', '.join(str(s) for s in sorted({r['occlusion_side'] for r in rs}))])
        page.add(table(['model', 'Gaussian noise', 'occlusion (one side per set)', 'occlusion (side per image)', 'sides drawn'], rows))
    return verdicts

def figure(page:Page, paper:Path, name:str, caption:str, width=None) -> str:
    p = paper/'figures'/name
    return page.figure(p, caption, width) if p.is_file() else f'*(figure `{name}` not recorded yet)*\n'

def search_part(page:Page, paper:Path, rec:dict):
    page.add('## The search\n')
    s = rec['results'].get('search')
    if not s: return page.add('The search stage has not finished yet.\n')
    b, c = s['best'], rec['config']['search']
    page.add(f"{c['n_trials']} (lr, wd) pairs drawn with seed {c['seed']} from the report's 19 x 19 grid, each scored "
             f"by {c['n_folds']}-fold cross-validation on the first {c['n_train']:,} training images, {c['epochs']} "
             "epochs per fold; a pair's score is the mean over folds of the last epoch's validation loss. "
             "[`04_search`](04_search.ipynb) explains the search and discusses this run.\n")
    page.add(table(['', 'lr', 'wd', 'score'], [['best pair, ours', g(b['lr']), g(b['wd']), f"{f4(b['mean'])} ± {f4(b['std'])}"],
                                               ['best pair, report', REPORT_SEARCH['lr'], REPORT_SEARCH['wd'], REPORT_SEARCH['score']]]))
    top = sorted((r for r in _unsplit(s['table']) if r['state'] == 'COMPLETE'), key=lambda r: r['mean'])[:8]
    folds = [k for k in (top[0] if top else {}) if k.startswith('fold_')]
    page.add(f"The eight best pairs (of {sum(1 for r in _unsplit(s['table']) if r['state'] == 'COMPLETE')}):\n")
    page.add(table(['lr', 'wd'] + folds + ['mean', 'std'], [[g(r['lr']), g(r['wd'])] + [f4(r[k]) for k in folds] + [f4(r['mean']), f4(r['std'])] for r in top]))
    page.add(figure(page, paper, 'search_heatmap.png', 'Mean validation loss of each pair tried (lighter is lower; the best pair framed in red; the colour scale ends at the upper outlier fence, Q3 + 1.5 IQR).'))
    page.add(figure(page, paper, 'search_folds.png', 'Validation loss per fold of each pair.', '520px'))
    page.add(figure(page, paper, 'lr_find.png', f"fastai's `lr_find` on the same model and data (its valley suggestion: "
                    f"{g(float(format(s['lr_find_valley'], '.2g')))}) against the search's best lr.", '520px'))

def latent_part(page:Page, paper:Path, rec:dict) -> list:
    page.add('## Latent size (Fig. 2)\n')
    lat = rec['results'].get('latent')
    if not lat: return page.add('The latent-size stage has not finished yet.\n') or []
    curve = lat['curve']
    page.add("The AE trained with the same protocol for each code size. The report shows this only as a plot "
             f"(its Fig. 2, falling with the size) and gives one number, {REPORT_TEST['ae']['loss']} at size 6.\n")
    side = rec['results'].get('data', {}).get('occlusion_side', '?')
    page.add(table(['latent size', 'test MSE', 'report', 'Gaussian noise, std 0.2', f'occlusion, side {side}'],
                   [[d['n_latent'], f4(d['mse']), REPORT_TEST['ae']['loss'] if d['n_latent'] == 6 else DASH,
                     f4(d['mse_gaussian']), f4(d['mse_occlusion'])] for d in curve]))
    page.add(figure(page, paper, 'fig2_latent_size.png', 'Fig. 2: test MSE against the latent size (the cross: the report).', '560px'))
    return curve

def figures_part(page:Page, paper:Path):
    page.add('## The models (Fig. 1, 3-6)\n')
    for name, cap, w in [('fig1_corruptions.png', 'Fig. 1: test images, with Gaussian noise (std 0.2) and with the occlusion of the test set (one side for the whole set, as in the tables).', '620px'),
                         ('fig3_ae_loss.png', 'Fig. 3: the AE, loss per epoch.', '460px'),
                         ('fig3_ae_reconstructions.png', 'Fig. 3: the AE, inputs and reconstructions.', None),
                         ('fig4_dae_loss.png', 'Fig. 4: the DAE, loss per epoch (its training inputs are corrupted, its validation inputs clean).', '460px'),
                         ('fig4_dae_reconstructions.png', 'Fig. 4: the DAE, inputs and reconstructions.', None),
                         ('fig5_noise_sweep.png', 'Fig. 5: test MSE against the std of the Gaussian noise, AE and DAE.', '560px'),
                         ('fig6_vae_loss.png', 'Fig. 6: the VAE, loss per epoch.', '460px'),
                         ('fig6_vae_reconstructions.png', 'Fig. 6: the VAE, inputs and reconstructions (decoding the mean code).', None)]:
        page.add(figure(page, paper, name, cap, w))

def generation_part(page:Page, paper:Path, rec:dict):
    page.add('## Latent space and generation (Fig. 7-9)\n')
    ls, gen = rec['results'].get('latent_space'), rec['results'].get('generate')
    if ls:
        page.add(figure(page, paper, 'fig7_tsne.png', f"Fig. 7: t-SNE of {ls['n_tsne']:,} test codes, AE and VAE, coloured by digit."))
        page.add(f"What the t-SNE shows, as a number: the {rec['config']['k']}-nearest-neighbour digit accuracy of the "
                 f"test codes against the training codes is {f4(ls['knn_accuracy']['ae'])} for the AE and "
                 f"{f4(ls['knn_accuracy']['vae'])} for the VAE.\n")
    if not gen: return page.add('The generation stage has not finished yet.\n')
    for name, cap in [('fig8_samples_ae_box.png', "Fig. 8: the AE, codes drawn uniformly in the box of its training codes (the report's sampler)."),
                      ('fig8_samples_ae_mixture.png', 'The AE, codes drawn from a Gaussian mixture fitted to its training codes (ours).'),
                      ('fig8_samples_vae_prior.png', 'Fig. 8: the VAE, codes drawn from N(0, I).'),
                      ('fig8_samples_vae_mixture.png', 'The VAE, codes drawn from a Gaussian mixture fitted to its training codes (ours).')]:
        page.add(figure(page, paper, name, cap, '420px'))
    page.add(figure(page, paper, 'fig9_interpolation.png', 'Fig. 9: decoding 10 evenly spaced codes between two test digits, AE and VAE.'))
    q = gen['sample_quality']
    page.add("The report judged its samples by eye. Here a digit classifier trained for the purpose (test accuracy "
             f"{f4(gen['classifier_test_accuracy'])}) scores {rec['config']['n_quality']:,} samples of each sampler: the "
             "Fréchet distance between the classifier's features of the samples and of the test images (lower is "
             "better; the floor is that of training images), the classifier's mean confidence, and the entropy of the "
             "predicted digits (2.3026 when all ten are equally frequent). [`06b_quality`](06b_quality.ipynb) defines "
             "them.\n")
    page.add(table(['samples', 'Fréchet distance', 'confidence', 'class entropy'],
                   [[k, f"{v['fid']:.1f}", f4(v['confidence']), f4(v['class_entropy'])] for k, v in q.items()]))

def discussion_part(page:Page, rec:dict, verdicts:dict, curve:list):
    "Where we match, beat or miss the report, in sentences built from the numbers"
    t, res = rec['tables'], rec['results']
    page.add('## Where we match, beat or miss the report, and why\n')
    if not verdicts: return page.add('The evaluation has not finished yet.\n')
    sv = _unsplit(res['evaluate']['seed_variation']) if 'seed_variation' in res.get('evaluate', {}) else []
    def spread(model, col):
        xs = [r[col] for r in sv if r['model'] == model]
        return (min(xs), max(xs)) if xs else (float('nan'), float('nan'))
    items = []
    a = t['ae']
    items.append(f"**The AE on clean test images {verdicts[('ae', 'mse')].split(' it (')[0]} the report**: {f4(a['mse']['ours'])} "
                 f"against {REPORT_TEST['ae']['loss']}, with the same architecture (49,799 parameters), optimiser and "
                 f"early-stopping rule. It trained for {res['ae']['epochs_run']} epochs"
                 + (" (all of them: the early stopping never fired)." if res['ae'].get('stop_reason') in (None, '') else '.'))
    lo, hi = spread('AE', 'mse_gaussian')
    items.append(f"**Under Gaussian noise the AE {verdicts[('ae', 'mse_gaussian')].split(' it (')[0]} the report**: "
                 f"{f4(a['mse_gaussian']['ours'])} against {REPORT_TEST['ae']['mse_gaussian']}. This is not the draw of "
                 f"the noise (over the seeds it stays between {f4(lo)} and {f4(hi)}): our AE is simply more sensitive to "
                 "noise than the report's. Both were trained without noise, so nothing in the protocol pins this "
                 "number down; the report's comes from one unseeded run, and we cannot tell how far its own runs varied.")
    side = res.get('data', {}).get('occlusion_side', '?')
    where = []
    for k, name in (('ae', 'AE'), ('dae', 'DAE')):
        lo, hi = spread(name, 'mse_occlusion'); rep = float(REPORT_TEST[k]['mse_occlusion'])
        pos = ('inside it' if lo - ROUND <= rep <= hi + ROUND else f'above even our worst draw' if rep > hi
               else 'below even our best draw')
        where.append(f"the {name}'s from {f4(lo)} to {f4(hi)} (the report's {REPORT_TEST[k]['mse_occlusion']}: {pos})")
    pi = {name: spread(name, 'mse_occlusion_per_image') for name in ('AE', 'DAE')}
    items.append(f"**Occlusion numbers are a lottery of one draw.** The reference draws one square side for the whole "
                 f"test set; seed 0 draws side {side}. Over the seeds, the occlusion error ranges: " + '; '.join(where) +
                 ". So the report's occlusion numbers are matched by the protocol rather than by one number. With a "
                 f"side drawn per image the measure is steady: the AE {f4(pi['AE'][0])} to {f4(pi['AE'][1])}, the DAE "
                 f"{f4(pi['DAE'][0])} to {f4(pi['DAE'][1])}"
                 + (", so the DAE's advantage holds at every seed." if pi['DAE'][1] < pi['AE'][0] else '.'))
    d = t['dae']
    items.append(f"**The DAE is close to the report where the draw does not matter**: on clean images it scores "
                 f"{f4(d['mse']['ours'])}, which {versus(d['mse']['ours'], REPORT_TEST['dae']['loss'])}, and under noise "
                 f"{f4(d['mse_gaussian']['ours'])}, which {versus(d['mse_gaussian']['ours'], REPORT_TEST['dae']['mse_gaussian'])}. "
                 "Training on corrupted inputs costs it a little on clean ones, and buys it robustness: Fig. 5 shows the "
                 "AE's error growing much faster with the noise.")
    v = t['vae']
    items.append(f"**The VAE's loss measured the report's way** (sampling z at test time) is {f4(v['loss_sampled']['ours'])}, "
                 f"which {versus(v['loss_sampled']['ours'], REPORT_TEST['vae']['loss'])}. Decoding the mean code instead, our default because it is "
                 f"deterministic, gives {f4(v['loss']['ours'])}. The report's normalisation bug (dividing a short last "
                 "batch by 512 instead of its size) is fixed here; it touched only the last batch of each pass.")
    b = res.get('search', {}).get('best')
    if b:
        items.append(f"**The search finds the same region, not the same pair**: lr {g(b['lr'])} and wd {g(b['wd'])} "
                     f"against the report's {REPORT_SEARCH['lr']} and {REPORT_SEARCH['wd']}: a large learning rate and "
                     f"a small weight decay. Its score, {f4(b['mean'])}, is higher than the report's "
                     f"{REPORT_SEARCH['score']} because each fold trained on a quarter of the images; scores only rank "
                     "pairs. The report's pair was not among the 35 drawn here.")
    if curve:
        ms = [c_['mse'] for c_ in curve]
        mono = all(x > y for x, y in zip(ms, ms[1:]))
        by10 = [c_['mse'] for c_ in curve if c_['n_latent'] <= 10][-1]
        items.append(f"**The latent-size curve has the report's shape**: the test error falls from {f4(ms[0])} at size "
                     f"{curve[0]['n_latent']} to {f4(ms[-1])} at size {curve[-1]['n_latent']}"
                     + (', at every step' if mono else ', though not at every step') +
                     f", and {100 * (ms[0] - by10) / (ms[0] - ms[-1]):.0f}% of the fall is done by size 10. The report "
                     "gives no number to compare but the one at size 6.")
    q = res.get('generate', {}).get('sample_quality')
    if q:
        box, mix, pri = q.get('AE, box', {}).get('fid'), q.get('AE, mixture', {}).get('fid'), q.get('VAE, prior', {}).get('fid')
        vae_better = pri < box
        items.append(f"**\"The VAE generates better samples\" is {'true' if vae_better else 'not true'} against the "
                     f"report's AE sampler, and not against a better one.** The Fréchet distance of the VAE's prior "
                     f"samples is {pri:.1f}, the AE's box sampler {box:.1f}; but decoding codes drawn from a Gaussian "
                     f"mixture fitted to the AE's training codes gives {mix:.1f}"
                     + (", the best of all." if mix <= min(x['fid'] for k, x in q.items() if 'floor' not in k) else '.') +
                     " The AE's code space is not empty between the digits; the box just puts most codes where no "
                     "training code lies. The VAE's KL term buys a space that N(0, I) covers, at the price of blurrier "
                     "reconstructions (its error is higher than the AE's).")
    ls = res.get('latent_space')
    if ls:
        items.append(f"**The AE's codes separate the digits better** than the VAE's: {f4(ls['knn_accuracy']['ae'])} "
                     f"against {f4(ls['knn_accuracy']['vae'])} k-NN accuracy, which is what the t-SNE maps (Fig. 7) show "
                     "by eye: the KL term pulls the VAE's codes towards the prior's single blob, so a code's nearest "
                     "neighbours are more often of another digit.")
    page.add('\n'.join(f'- {x}' for x in items) + '\n')

def recipe_part(page:Page, paper:Path, rec:dict):
    "fastai's recipe (lr_find, fit_one_cycle) over seeds, beside the report's protocol run and the report"
    from mnist_autoencoders.seeds import load_seed_runs, summarise_seeds, format_stats
    folder = paper/'recipe'
    page.add("## fastai's recipe: `lr_find`, then `fit_one_cycle`\n")
    try: df = load_seed_runs(folder)
    except FileNotFoundError: return page.add('The recipe runs (`mnist-ae recipe --out results/paper/recipe`) are not recorded yet.\n')
    stats = summarise_seeds(df)
    lrs = {k: read_json(folder/f'lr_find_{k}.json')['lr'] for k in MODEL_NAMES if (folder/f'lr_find_{k}.json').is_file()}
    epochs = sorted(set(df['epochs_run']))
    page.add("The same three models trained the fastai way (`mnist-ae recipe`, the [`05b_seeds`](05b_seeds.ipynb) "
             "notebook): the learning rate is the *valley* of fastai's learning-rate range test (`lr_find`, run once per "
             f"model on the 48,000 training images), then `fit_one_cycle` for {', '.join(map(str, epochs))} epochs, batches "
             "of 128, wd 2e-5, no early stopping. Each model is trained with several seeds (the initialisation, the batch "
             "order and the corruptions change; the split stays the report's), so each cell is the mean ± standard "
             "deviation [min..max] over the seeds. Beside it, the report's protocol as we ran it (constant lr 4e-3, "
             "batches of 512, up to 80 epochs with the report's early stopping, one seed) and the report's number, "
             "with where the report's value lies against our seeds' range (*above* it: every seed did better). The "
             "VAE's number is its own loss (squared error plus KL per pixel, mean z), as in Table 3.\n")
    rows = []
    for k, name in MODEL_NAMES.items():
        st = stats.get(f'{k}_n_latent6')
        if not st: continue
        col = 'loss' if k == 'vae' else 'mse'
        ref = paper/'runs'/k/'summary.json'
        proto = read_json(ref) if ref.is_file() else {}
        pt = proto.get('test', {})
        rows.append([name, g(lrs.get(k)), st[col]['n'], format_stats(st[col]), st[col].get('report_is', DASH),
                     f"{f4(pt.get(col))} ({proto.get('epochs_run', DASH)} epochs)", REPORT_TEST[k]['loss'],
                     f"{st['wall_time_s']['mean']/60:.1f}", _minutes(proto.get('wall_time_s'))])
    page.add(table(['model', 'lr (lr_find)', 'seeds', 'recipe: test error', 'report against our range',
                    "report's protocol (ours)", 'report', 'minutes per run, recipe', "minutes, report's protocol"], rows))
    rows = []
    for k, name in MODEL_NAMES.items():
        st = stats.get(f'{k}_n_latent6')
        if not st: continue
        rows.append([name] + [f"{format_stats(st[m])} ({st[m].get('report_is', DASH)})" if m in st else DASH
                              for m in ('mse', 'mse_gaussian', 'mse_occlusion')])
    side = rec['results'].get('data', {}).get('occlusion_side', '?')
    page.add("The recipe's test MSE on the clean and corrupted test sets (Gaussian noise of std 0.2; occlusion by one "
             f"square of side {side} for the whole set, the side drawn from 5 to 13 with seed 0, as in Tables 1-2), over "
             "the seeds; in brackets, where the report's value lies against our range:\n")
    page.add(table(['model', 'original', 'Gaussian noise, std 0.2', f'occlusion, side {side}'], rows))
    th = sorted({int(t) for t in df['torch_threads'].dropna()})
    page.add(f"Wall times are per run, on a {rec.get('environment', {}).get('cpu_count', '?')}-core CPU with "
             f"{', '.join(map(str, th))} torch thread(s) while the machine was shared with other work, so they are upper "
             "bounds; the runs' `summary.json` files (in `results/paper/recipe`) record each one's settings, seed, "
             "versions and hardware.\n")


def results_markdown(results:Path, src:Path) -> tuple:
    "The page's markdown and the figure files it copied"
    page = Page(results, src)
    paper = Path(results)/'paper'
    page.add('# Results\n')
    page.add(":::{container} nbdev-lead\nThe report's study reproduced with the `paper` preset: Tables 1-3, the "
             "latent-size curve, the search and every figure, beside the report's numbers, and where and why we "
             "differ. This page is generated from `results/paper` each time the site is built.\n:::\n")
    if not (paper/'results.json').is_file():
        page.add('**No paper reproduction was found at build time** (`results/paper/results.json`): run '
                 '`mnist-ae reproduce --preset paper --out results/paper`.\n')
        return '\n'.join(page.parts), page.files
    rec = read_json(paper/'results.json')
    if not rec.get('finished'):
        page.add(f"```{{note}}\nThe reproduction is not finished: {len(rec['stages'])} stages of 9 are done. The parts "
                 "below that need the others say so.\n```\n")
    verdicts = {}
    try: verdicts = tables_part(page, rec)
    except Exception as e: _failed(page, 'Tables 1-3', e)
    curve = []
    try: curve = latent_part(page, paper, rec)
    except Exception as e: _failed(page, 'the latent-size curve', e)
    try: discussion_part(page, rec, verdicts, curve)
    except Exception as e: _failed(page, 'the discussion', e)
    try: recipe_part(page, paper, rec)
    except Exception as e: _failed(page, "fastai's recipe", e)
    for what, fn in (('the search', lambda: search_part(page, paper, rec)), ('the figures', lambda: figures_part(page, paper)),
                     ('generation', lambda: generation_part(page, paper, rec)), ('how it was run', lambda: how_part(page, paper, rec))):
        try: fn()
        except Exception as e: _failed(page, what, e)
    return '\n'.join(page.parts), page.files

def _failed(page:Page, what:str, e:Exception):
    page.add(f'```{{warning}}\nThis part ({what}) could not be read: `{type(e).__name__}: {e}`\n```\n')
    print(f'[results_page] {what} could not be read: {type(e).__name__}: {e}', file=sys.stderr)

def write_results_page(results:Path, src:Path, fix_links=None) -> dict:
    """Write `src`/results.md from the folder `results`; return the files written. Links to notebooks are written
    as their file names in nbs/ (`04_search.ipynb`); `fix_links(text)` (the site builder's) turns them into pages"""
    results, src = Path(results), Path(src)
    text, files = results_markdown(results, src)
    if fix_links is not None: text = fix_links(text)
    out = src/'results.md'
    src.mkdir(parents=True, exist_ok=True)
    if not out.exists() or out.read_text() != text: out.write_text(text)
    return dict(files=[out, *files])

if __name__ == '__main__':
    if len(sys.argv) != 2: sys.exit('usage: python docs/results_page.py OUT_DIR   (reads results/ of the repository)')
    print(write_results_page(Path(__file__).resolve().parent.parent/'results', Path(sys.argv[1]))['files'][0])
