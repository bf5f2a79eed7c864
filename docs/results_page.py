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
from mnist_autoencoders.reference import REPORT, REPORT_ROUNDING
from mnist_autoencoders.reproduce import STAGES
from mnist_autoencoders.seeds import finished_runs, headline_stats, latent_stats

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

def verdict(ours:float, report:str) -> str:
    "Ours against the report's number (lower is better): matches within the report's rounding, beats, or misses"
    d = ours - float(report)
    if abs(d) <= REPORT_ROUNDING: return 'matches'
    return f'beats it ({d:+.4f})' if d < 0 else f'misses it ({d:+.4f})'

def versus(ours:float, report:str) -> str:
    "A phrase for ours against the report's number: 'matches the report's 0.022', 'is 0.0022 above the report's 0.023'"
    d = ours - float(report)
    if abs(d) <= REPORT_ROUNDING: return f"matches the report's {report}"
    return f"is {abs(d):.4f} {'below' if d < 0 else 'above'} the report's {report}"

def _site_version() -> str:
    from mnist_autoencoders import __version__
    return __version__

def _unsplit(d:dict) -> list[dict]: return [dict(zip(d['columns'], row)) for row in d['data']]

def _minutes(s) -> str: return DASH if s is None else f'{s/60:.1f}'

def how_part(page:Page, paper:Path, rec:dict):
    c, s = rec['config'], rec['config']['search']
    page.add('## How it was run\n')
    page.add(f"`mnist-ae reproduce --preset {rec['preset']} --out results/paper`. Its settings are the report's protocol "
             "([`07_reproduce`](07_reproduce.ipynb) lists them): every model trained with lr "
             f"{g(c['lr'])} and wd {g(c['wd'])} (the report's chosen pair), batches of {c['bs']}, at most {c['epochs']} "
             "epochs with the reference's early stopping, on all 48,000 training images, and scored on the 10,000 test "
             f"images; {len(c['seeds'])} training seeds per model, {len(c['latent_seeds'])} per latent size. The search ran "
             f"{s['epochs']} epochs per fold, what the original code ran (the report's text says 40: the `paper-40` "
             "preset).\n")
    df = finished_runs(paper)
    rows, total = [], 0.
    if df is not None:
        for (k, nl), g_ in df.groupby(['kind', 'n_latent']):
            want = c['seeds'] if nl == c['n_latent'] else c['latent_seeds']
            rows.append([f"{MODEL_NAMES[k]}, latent {nl}", f"`{k}_latent{nl}_seedS`", f"{len(g_)} of {len(want)}",
                         f"{g_['epochs_run'].min()}" + (f"-{g_['epochs_run'].max()}" if g_['epochs_run'].nunique() > 1 else ''),
                         _minutes(g_['wall_time_s'].mean())])
            total += g_['wall_time_s'].sum()
    done = _search_table(paper)
    if done:
        t = sum(r.get('wall_time_s') or 0 for r in done if isinstance(r.get('wall_time_s'), float))
        rows.append([f"search: {len(done)} of {s['n_trials']} pairs x {s['n_folds']} folds", '`search`', DASH, s['epochs'],
                     _minutes(t / len(done))])
        total += t
    clf = paper/'classifier'/'classifier.json'
    clf_rec = read_json(clf) if clf.is_file() else {}
    if clf_rec:
        rows.append(['digit classifier (for the sample-quality numbers)', '`classifier`', '1 of 1', clf_rec['config']['epochs'],
                     _minutes(clf_rec.get('wall_time_s'))])
        total += clf_rec.get('wall_time_s') or 0
    page.add("Each run keeps its own record (`summary.json`: settings, seed, versions, hardware, wall time), in a "
             "folder of `results/paper` named after its model, latent size and seed:\n")
    page.add(table(['runs', 'folders (in results/paper)', 'done', 'epochs run', 'minutes per run (mean)'], rows))
    env = rec.get('environment', {})
    so_far = '' if set(STAGES) <= set(rec['stages']) else ' so far'
    page.add(f"Training time in all{so_far}: {total/3600:.1f} hours on a {env.get('cpu_count', '?')}-core CPU "
             f"({env.get('processor', '?')}), mostly one torch thread per run while the machine was shared, so the "
             "minutes are upper bounds. The reproduction's own stages took "
             f"{rec['total_wall_time_s']/60:.1f} minutes on top (evaluation, t-SNE, sampling, the figures). "
             f"Versions: Python {env.get('python', '?')}, torch {env.get('torch', '?')}, fastai {env.get('fastai', '?')}, "
             f"mnist_autoencoders {env.get('mnist_autoencoders', '?')} (the version that wrote `results.json`; this site "
             f"documents version {_site_version()}, whose tests check that it reads and scores these runs).\n")
    page.add(table(['stage', 'seconds', 'finished at'],
                   [[k, f"{v['wall_time_s']:.1f}", v.get('finished_at', DASH)] for k, v in rec['stages'].items()]))

PLACES = {'inside': 'inside our range (its rounding overlaps it)', 'above': 'above our range: every seed did better',
          'below': 'below our range: every seed did worse'}

HEADLINE_ROWS = [('ae', 'mse', 'original'), ('ae', 'mse_gaussian', 'Gaussian noise, std 0.2'), ('ae', 'mse_occlusion', 'occlusion, side {side}'),
                 ('dae', 'mse', 'original'), ('dae', 'mse_gaussian', 'Gaussian noise, std 0.2'), ('dae', 'mse_occlusion', 'occlusion, side {side}'),
                 ('vae', 'loss', 'own loss, mean z'), ('vae', 'loss_sampled', "own loss, sampled z (the report's way)"),
                 ('vae', 'mse', 'MSE, original'), ('vae', 'mse_gaussian', 'MSE, Gaussian noise, std 0.2'), ('vae', 'mse_occlusion', 'MSE, occlusion, side {side}')]

def spread(s:dict) -> str:
    "mean ± sd [min..max] of a `seed_stats` cell (just the number for one seed)"
    if s['n'] == 1: return f4(s['mean'])
    return f"{f4(s['mean'])} ± {f4(s['sd'])} [{f4(s['min'])}..{f4(s['max'])}]"

def place(s:dict) -> str:
    "Where the report's value lies against our seeds' range"
    if s.get('report') is None: return DASH
    return PLACES[s['report_is']] if s['n'] > 1 else verdict(s['mean'], f"{s['report']:.3f}")

def tables_part(page:Page, paper:Path, rec:dict) -> dict:
    "Tables 1-3 over the training seeds beside the report's; return the cells"
    page.add("## Tables 1-3: test error beside the report's\n")
    cells, final = headline_stats(paper)
    if not cells: return page.add('No training run of the paper preset has finished yet.\n') or {}
    c = rec['config']
    side = rec['results'].get('data', {}).get('occlusion_side', '?')
    n_done = {k: next(iter(v.values()))['n'] for k, v in cells.items()}
    page.add(f"Per-pixel mean squared error on the 10,000 test images, latent size {c['n_latent']}; the VAE's first rows "
             "are its own loss (squared error plus KL, per pixel), the report's measure, and its last its squared error alone. Each model was trained with the report's protocol once "
             f"per training seed ({', '.join(map(str, c['seeds']))}: the initialisation and the order of the batches "
             "change; the report's split of the images stays fixed), and each cell is the mean ± standard deviation "
             "[min..max] over the seeds. The report's number (one run, 3 decimals, so 0.021 stands for anything from 0.0205 to "
             "0.0215) is placed against that range: *above* means every one of our seeds did better than all of that "
             "interval (lower is better), *inside* that the interval and our range overlap. The corrupted test sets are the "
             f"same for every seed, drawn with seed 0, which draws an occluding square of side {side} for the whole "
             "set.\n")
    if not final:
        done = ', '.join(f"{MODEL_NAMES[k]} {n} of {len(c['seeds'])}" for k, n in n_done.items())
        page.add(f"```{{note}}\nThe evaluation stage has not finished: these cells come from the runs finished so far "
                 f"({done} seeds), read "
                 "from their own records. The VAE's sampled-z loss and the occlusion over many draws come with the "
                 "evaluation.\n```\n")
    rows = []
    for k, col, what in HEADLINE_ROWS:
        s = cells.get(k, {}).get(col)
        if s is None: continue
        rows.append([f"Table {'123'[list(MODEL_NAMES).index(k)]}: {MODEL_NAMES[k]}", what.format(side=side), spread(s), s['n'],
                     DASH if s.get('report') is None else f"{s['report']:.3f}", place(s)])
    page.add(table(['model', 'test set', 'ours: mean ± sd [min..max]', 'seeds', 'report', "the report's value"], rows))
    draws = {k: v['mse_occlusion_draws'] for k, v in cells.items() if 'mse_occlusion_draws' in v}
    if draws:
        page.add(f"The occlusion set depends a lot on its one square side, drawn from 5 to 13 for the whole set. Over "
                 f"the corrupted sets of seeds 0 to {c['eval_seeds'] - 1} and all training seeds ({next(iter(draws.values()))['n']} "
                 "scores per model):\n")
        page.add(table(['model', 'occlusion over draws: mean ± sd [min..max]', 'report', "the report's value"],
                       [[MODEL_NAMES[k], spread(s), DASH if s.get('report') is None else f"{s['report']:.3f}", place(s)]
                        for k, s in draws.items()]))
    return cells

def figure(page:Page, paper:Path, name:str, caption:str, width=None) -> str:
    p = paper/'figures'/name
    return page.figure(p, caption, width) if p.is_file() else f'*(figure `{name}` not recorded yet)*\n'

def _search_table(paper:Path) -> list:
    "The finished pairs of the paper search, from its `search.csv` (written after every pair)"
    f = paper/'search'/'search.csv'
    if not f.is_file(): return []
    rows = [r for r in csv.DictReader(f.open()) if r.get('state') == 'COMPLETE']
    for r in rows:
        for k, v in list(r.items()):
            try: r[k] = float(v)
            except (TypeError, ValueError): pass
    return rows

def search_part(page:Page, paper:Path, rec:dict):
    page.add('## The search\n')
    s, c = rec['results'].get('search'), rec['config']['search']
    n_img = 48000 if c['n_train'] is None else c['n_train']
    page.add(f"{c['n_trials']} (lr, wd) pairs drawn with seed {c['seed']} from the report's 19 x 19 grid, each scored "
             f"by {c['n_folds']}-fold cross-validation on {'all ' if c['n_train'] is None else 'the first '}{n_img:,} "
             f"training images, {c['epochs']} epochs per fold, as the report's code did; a pair's score is the mean over "
             "folds of the last epoch's validation loss. [`04_search`](04_search.ipynb) explains the search.\n")
    if not s:
        done = _search_table(paper)
        if not done: return page.add('The search has not started yet.\n')
        b = min(done, key=lambda r: r['mean'])
        return page.add(f"The search is running: {len(done)} of {c['n_trials']} pairs done. Best so far: lr {g(b['lr'])}, "
                        f"wd {g(b['wd'])}, score {f4(b['mean'])} (the report: lr {REPORT_SEARCH['lr']}, wd "
                        f"{REPORT_SEARCH['wd']}, score {REPORT_SEARCH['score']}). The table and the heatmap come when it "
                        "finishes.\n")
    b = s['best']
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
    curve, final = latent_stats(paper)
    if not curve: return page.add('No run of the latent-size study has finished yet.\n') or []
    c = rec['config']
    page.add("The AE trained with the same protocol for each code size, with seeds "
             f"{', '.join(map(str, c['latent_seeds']))}; each cell is the mean ± sd [min..max] over the seeds. The report "
             f"shows this only as a plot (its Fig. 2, falling with the size) and gives one number, "
             f"{REPORT_TEST['ae']['loss']} at size 6.\n")
    if not final:
        page.add(f"```{{note}}\nThe latent-size stage has not finished: the cells come from the runs finished so far "
                 f"(the *seeds* column); the figure comes when it finishes.\n```\n")
    side = rec['results'].get('data', {}).get('occlusion_side', '?')
    page.add(table(['latent size', 'test MSE', 'seeds', 'report', 'Gaussian noise, std 0.2', f'occlusion, side {side}'],
                   [[d['n_latent'], spread(d['mse']), d['mse']['n'], REPORT_TEST['ae']['loss'] if d['n_latent'] == 6 else DASH,
                     spread(d['mse_gaussian']), spread(d['mse_occlusion'])] for d in curve]))
    if final: page.add(figure(page, paper, 'fig2_latent_size.png', 'Fig. 2: test MSE against the latent size, the mean over seeds with bars from min to max (the cross: the report).', '560px'))
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

def discussion_part(page:Page, rec:dict, cells:dict, curve:list):
    "Where we match, beat or miss the report, in sentences built from the numbers"
    res = rec['results']
    page.add('## Where we match, beat or miss the report, and why\n')
    if not cells: return page.add('No run has finished yet.\n')
    n = lambda s: f"{s['n']} seed{'s' if s['n'] > 1 else ''}"
    def where(s, rep): return (f"the report's {rep} lies {PLACES[s['report_is']]}" if s['n'] > 1
                               else f"ours {versus(s['mean'], rep)} (one seed so far)")
    items = []
    a, d, v = cells.get('ae', {}), cells.get('dae', {}), cells.get('vae', {})
    if 'mse' in a:
        items.append(f"**The AE on clean test images**: {spread(a['mse'])} over {n(a['mse'])}; "
                     f"{where(a['mse'], REPORT_TEST['ae']['loss'])}. Same architecture "
                     "(49,799 parameters), optimiser and early-stopping rule.")
    if 'mse_gaussian' in a:
        items.append(f"**Under Gaussian noise the AE scores {spread(a['mse_gaussian'])}**; "
                     f"{where(a['mse_gaussian'], REPORT_TEST['ae']['mse_gaussian'])}. "
                     f"The spread over training seeds (sd {f4(a['mse_gaussian']['sd'])}) says how much one run's number "
                     "can move by chance; a report value outside our range is a difference of method or of chance in the "
                     "report's one unseeded run, and its own spread is unknown. The AE never saw noise in training, so "
                     "nothing in the protocol pins this number down.")
    occ = [(MODEL_NAMES[k], cells[k]) for k in ('ae', 'dae') if 'mse_occlusion' in cells.get(k, {})]
    if occ:
        side = res.get('data', {}).get('occlusion_side', '?')
        txt = '; '.join(f"the {name} {spread(c_['mse_occlusion'])} ({where(c_['mse_occlusion'], REPORT_TEST[name.lower()]['mse_occlusion'])})"
                        for name, c_ in occ)
        items.append(f"**Occlusion numbers depend on one draw.** The reference draws one square side for the whole test "
                     f"set; seed 0 draws side {side}. With that set: {txt}."
                     + (" Over many draws of the set: " + '; '.join(
                         f"the {name} {spread(c_['mse_occlusion_draws'])} ({where(c_['mse_occlusion_draws'], REPORT_TEST[name.lower()]['mse_occlusion'])})"
                         for name, c_ in occ if 'mse_occlusion_draws' in c_)
                        + '. So the report\'s occlusion numbers are best compared with the range over draws.'
                        if all('mse_occlusion_draws' in c_ for _, c_ in occ) else ''))
    if 'mse' in d:
        items.append(f"**The DAE** scores {spread(d['mse'])} on clean images ({where(d['mse'], REPORT_TEST['dae']['loss'])}) "
                     f"and {spread(d['mse_gaussian'])} under noise ({where(d['mse_gaussian'], REPORT_TEST['dae']['mse_gaussian'])}). "
                     "Training on corrupted inputs costs it a little on clean ones, and buys it robustness: Fig. 5 shows "
                     "the AE's error growing much faster with the noise.")
    if 'loss' in v:
        items.append(f"**The VAE's own loss** (mean z, our default because it is deterministic) is {spread(v['loss'])}"
                     + (f", and sampling z at test time as the report did, {spread(v['loss_sampled'])}" if 'loss_sampled' in v else '')
                     + "; " + where(v.get('loss_sampled', v['loss']), REPORT_TEST['vae']['loss'])
                     + ". The report's normalisation bug (dividing a short last batch by 512 instead of its size) is "
                       "fixed here; it touched only the last batch of each pass.")
    b = res.get('search', {}).get('best')
    if b:
        items.append(f"**The search on the same 48,000 images** finds lr {g(b['lr'])} and wd {g(b['wd'])} with a "
                     f"cross-validation score of {f4(b['mean'])}, against the report's {REPORT_SEARCH['lr']}, "
                     f"{REPORT_SEARCH['wd']} and {REPORT_SEARCH['score']}. The report's pair was not among the 35 pairs "
                     "the seed drew here, so the pairs are compared by region: a large learning rate, a small weight decay.")
    if curve:
        ms = [c_['mse']['mean'] for c_ in curve]
        mono = all(x > y for x, y in zip(ms, ms[1:]))
        by10 = [c_['mse']['mean'] for c_ in curve if c_['n_latent'] <= 10][-1]
        items.append(f"**The latent-size curve has the report's shape**: the mean test error falls from {f4(ms[0])} at size "
                     f"{curve[0]['n_latent']} to {f4(ms[-1])} at size {curve[-1]['n_latent']}"
                     + (', at every step' if mono else ', though not at every step') +
                     (f", and {100 * (ms[0] - by10) / (ms[0] - ms[-1]):.0f}% of the fall is done by size 10" if ms[0] != ms[-1] else '')
                     + ". The report gives no number to compare but the one at size 6.")
    q = res.get('generate', {}).get('sample_quality')
    if q:
        box, mix, pri = q.get('AE, box', {}).get('fid'), q.get('AE, mixture', {}).get('fid'), q.get('VAE, prior', {}).get('fid')
        items.append(f"**\"The VAE generates better samples\" is {'true' if pri < box else 'not true'} against the "
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

def time_part(page:Page, results:Path):
    "The time-to-quality benchmark: the report's protocol against fastai's recipe, to the report's test MSE"
    f = Path(results).parent/'bench'/'results'/'time_to_quality.json'
    page.add("## Time to the report's quality\n")
    if not f.is_file(): return page.add('The benchmark (`bench/time_to_quality.py`) has no recorded run.\n')
    r = read_json(f)
    e, a, b = r['environment'], r['reference'], r['recipe']
    rows = []
    for name, x in (("the report's protocol (final training only; its search not counted)", a), ("fastai's recipe (its `lr_find` counted)", b)):
        st, hit = x['settings'], x['reached']
        rows.append([name, f"lr {g(st['lr'])}, {st['schedule']}, batches of {st['bs']}, {st['epochs']} epochs at most",
                     f"epoch {hit['epoch']} ({f4(hit['test_mse'])})" if hit else 'never', f"{hit['train_s']:.0f}" if hit else DASH,
                     f4(x['best_test_mse'])])
    page.add(f"`bench/time_to_quality.py` trains the AE both ways in one process, on all {r['n_train']:,} training images "
             f"of the same machine ({e.get('cpu_count', '?')} CPUs, {e.get('torch_threads', '?')} torch threads, torch "
             f"{e.get('torch', '?')}, {r['started'][:10]}), and scores the test set after every epoch (the scoring is not "
             f"timed). Wall time to the report's test MSE, {r['target_mse']}:\n")
    page.add(table(['protocol', 'settings', 'reached the target', 'training seconds to it', 'best in the run'], rows))
    page.add(f"The recipe is **{r['speedup']:.2f}x** faster to the report's quality. The target we set ourselves, "
             f"{r['target']['limit'].replace('>=', 'at least')}x, is **{'met' if r['target']['ok'] else 'missed'}**: "
             f"the recipe needs {a['reached']['epoch'] / b['reached']['epoch']:.1f} times fewer epochs, but its epochs, in "
             f"batches of {b['settings']['bs']} against {a['settings']['bs']}, cost more on a CPU. Counting the search "
             "that chose the protocol's learning rate (35 pairs x 4 folds x 15 epochs), the protocol costs hours.\n")

def recipe_part(page:Page, paper:Path, rec:dict, cells:dict):
    "fastai's recipe (lr_find, fit_one_cycle) over seeds, beside the report's protocol run and the report"
    from mnist_autoencoders.seeds import summarise_seeds, format_stats
    folder = paper/'recipe'
    page.add("## fastai's recipe: `lr_find`, then `fit_one_cycle`\n")
    if (df := finished_runs(folder)) is None: return page.add('The recipe runs (`mnist-ae recipe --out results/paper/recipe`) are not recorded yet.\n')
    stats = summarise_seeds(df)
    lrs = {k: read_json(folder/f'lr_find_{k}.json')['lr'] for k in MODEL_NAMES if (folder/f'lr_find_{k}.json').is_file()}
    epochs = sorted(set(df['epochs_run']))
    page.add("The same three models trained the fastai way (`mnist-ae recipe`, the [`05b_seeds`](05b_seeds.ipynb) "
             "notebook): the learning rate is the *valley* of fastai's learning-rate range test (`lr_find`, run once per "
             f"model on the 48,000 training images), then `fit_one_cycle` for {', '.join(map(str, epochs))} epochs, batches "
             "of 128, wd 2e-5, no early stopping. Each model is trained with several seeds (the initialisation, the batch "
             "order and the corruptions change; the split stays the report's), so each cell is the mean ± standard "
             "deviation [min..max] over the seeds. Beside it, the report's protocol as we ran it (constant lr 4e-3, "
             "batches of 512, up to 80 epochs with the report's early stopping, over its own seeds) and the report's number, "
             "with where the report's value lies against our seeds' range (*above* it: every seed did better). The "
             "VAE's number is its own loss (squared error plus KL per pixel, mean z), as in Table 3.\n")
    rows = []
    for k, name in MODEL_NAMES.items():
        st = stats.get(f'{k}_n_latent6')
        if not st: continue
        col = 'loss' if k == 'vae' else 'mse'
        pc = cells.get(k, {}).get(col)
        rows.append([name, g(lrs.get(k)), st[col]['n'], format_stats(st[col]), st[col].get('report_is', DASH),
                     f"{spread(pc)} ({pc['n']} seed{'s' if pc['n'] > 1 else ''})" if pc else DASH, REPORT_TEST[k]['loss'],
                     f"{st['wall_time_s']['mean']/60:.1f}"])
    page.add(table(['model', 'lr (lr_find)', 'seeds', 'recipe: test error', 'report against our range',
                    "report's protocol (ours)", 'report', 'minutes per run, recipe'], rows))
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
    page.add(":::{container} nbdev-lead\nThe report's study reproduced with the `paper` preset: Tables 1-3 over five "
             "training seeds, the latent-size curve over three, the search on the report's 48,000 images, fastai's recipe, "
             "and every figure, beside the report's numbers, and where and why we differ. This page is generated from "
             "`results/paper` each time the site is built.\n:::\n")
    if not (paper/'results.json').is_file():
        page.add('**No paper reproduction was found at build time** (`results/paper/results.json`): run '
                 '`mnist-ae reproduce --preset paper --out results/paper`.\n')
        return '\n'.join(page.parts), page.files
    rec = read_json(paper/'results.json')
    if not rec.get('finished'):
        left = [k for k in STAGES if k not in rec['stages']]
        page.add(f"```{{note}}\nThe reproduction is still running: {len(rec['stages'])} of {len(STAGES)} stages are done "
                 f"(to do: {', '.join(left)}). Where a stage has not finished, its part below is computed from the runs "
                 "finished so far and says so; run `mnist-ae reproduce --preset paper --out results/paper` to go on.\n```\n")
    cells, curve = {}, []
    try: cells = tables_part(page, paper, rec)
    except Exception as e: _failed(page, 'Tables 1-3', e)
    try: curve = latent_part(page, paper, rec)
    except Exception as e: _failed(page, 'the latent-size curve', e)
    try: discussion_part(page, rec, cells, curve)
    except Exception as e: _failed(page, 'the discussion', e)
    try: recipe_part(page, paper, rec, cells)
    except Exception as e: _failed(page, "fastai's recipe", e)
    for what, fn in (('time to quality', lambda: time_part(page, results)), ('the search', lambda: search_part(page, paper, rec)),
                     ('the figures', lambda: figures_part(page, paper)), ('generation', lambda: generation_part(page, paper, rec)),
                     ('how it was run', lambda: how_part(page, paper, rec))):
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
