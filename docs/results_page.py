"""The site's Results page, generated at build time from the committed `results/` folder.

`write_results_page(results, src)` writes `src/results.md` (MyST markdown) and copies the PNG figures it shows to
`src/results_files/`. It shows what the folder holds (our numbers with 4 decimals, the report's beside them as the
report gives them), says which parts are not recorded yet, and never fails on a missing or unreadable file: a part
it cannot read is named on the page instead. tools/build_docs.py calls it; `python docs/results_page.py OUT_DIR`
writes the page alone (to check it).
"""
import csv, json, math, shutil, sys
from pathlib import Path

# The report's numbers (latent size 6, test set), as the report gives them: Tables 1-3 and the search's best pair.
REPORT_TEST = {
    'ae':  {'loss': '0.021', 'mse_gaussian': '0.023', 'mse_occlusion': '0.060'},   # Table 1
    'dae': {'loss': '0.022', 'mse_gaussian': '0.022', 'mse_occlusion': '0.027'},   # Table 2
    'vae': {'loss': '0.040'},                                                       # Table 3 (its own loss)
}
REPORT_SEARCH = {'lr': '4e-3', 'wd': '2e-5', 'score': '0.0229'}
MODEL_NAMES = {'ae': 'AE', 'dae': 'DAE', 'vae': 'VAE'}
DASH = '–'

# The parts of results/ the page knows, in page order: folder, title, what writes it.
PARTS = [
    ('train', 'Trained models', '`mnist-ae train --kind {ae,dae,vae} --out results/train/KIND`'),
    ('search', 'Hyperparameter search', '`mnist-ae search --out results/search`'),
    ('latent', 'Latent size', '`mnist-ae train --latent N --out results/latent/n_latent_NN`, for each size'),
    ('evaluate', 'Evaluation', ''),
    ('generate', 'Generation', ''),
    ('paper', 'The report, reproduced', ''),
]

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
# The known parts

def train_part(page:Page, folder:Path):
    runs = {p.parent.name: read_json(p) for p in sorted(folder.glob('*/summary.json'))}
    if not runs: return page.add(f'No `summary.json` under `results/{folder.name}/` yet.\n')
    page.add('Each model (the autoencoder AE, the denoising autoencoder DAE, the variational autoencoder VAE) '
             "trained once with the report's protocol (12,000 of the 60,000 training images held out for "
             'validation), and scored on the 10,000 test images: clean, with Gaussian noise (std 0.2), and '
             'with a square occlusion (side 5..13, drawn once for the whole set). The *loss* is each model\'s own '
             'training loss: MSE for the autoencoders, the VAE loss (per pixel) for the VAE. Ours: 4 decimals; '
             "the report's: as it gives them.\n")
    rows = []
    order = sorted(runs, key=lambda k: (list(REPORT_TEST).index(k) if k in REPORT_TEST else 9, k))
    for name in order:
        s = runs[name]; t = s.get('test', {}); kind = s.get('config', {}).get('kind', name)
        rep = REPORT_TEST.get(kind, {})
        rows.append([MODEL_NAMES.get(kind, kind) + (f' (`{name}`)' if name != kind else ''), f4(t.get('loss')), rep.get('loss', DASH),
                     f4(t.get('mse')), f4(t.get('mse_gaussian')), rep.get('mse_gaussian', DASH),
                     f4(t.get('mse_occlusion')), rep.get('mse_occlusion', DASH)])
    page.add(table(['model', 'loss, ours', 'loss, report', 'MSE clean, ours', 'Gaussian noise, ours',
                    'Gaussian noise, report', 'occlusion, ours', 'occlusion, report'], rows))
    rows = []
    for name in order:
        s = runs[name]; c = s.get('config', {}); fin = s.get('final', {})
        n_train = 'all 48,000' if c.get('n_train') is None else f"{c['n_train']:,}"
        rows.append([f'`{name}`', n_train, c.get('n_latent', DASH), g(c.get('lr')), g(c.get('wd')), c.get('bs', DASH),
                     c.get('seed', DASH), f"{s.get('epochs_run', DASH)} of {c.get('epochs', DASH)}",
                     s.get('stop_reason') or DASH, f4(fin.get('train_loss')), f4(s.get('best_valid_loss')),
                     f"{s['wall_time_s']/60:.1f}" if s.get('wall_time_s') is not None else DASH])
    page.add('How each was trained (`summary.json`; the per-epoch losses are in `history.csv` beside it):\n')
    page.add(table(['run', 'training images', 'latent size', 'lr', 'wd', 'batch', 'seed', 'epochs run', 'stopped by',
                    'last train loss', 'best valid loss', 'minutes'], rows))
    page.add('(*stopped by* is empty when a run used all its epochs.)\n')
    first = runs[order[0]]
    if env_line(first): page.add(f'Recorded with {env_line(first)} (`{order[0]}`; the others alike).\n')
    page.add(page.figures(folder))

def search_part(page:Page, folder:Path):
    rec_p = folder/'search.json'
    rec = read_json(rec_p) if rec_p.exists() else {}
    c, best = rec.get('config', {}), rec.get('best') or {}
    if rec:
        page.add(f"Random search over the report's grid of learning rates and weight decays: "
                 f"{c.get('n_trials', '?')} pairs, each scored by {c.get('n_folds', '?')}-fold cross-validation "
                 f"({c.get('epochs', '?')} epochs per fold, latent size {c.get('n_latent', '?')}, "
                 f"{'all 48,000' if c.get('n_train') is None else format(c['n_train'], ',')} training images, "
                 f"seed {c.get('seed', '?')}). A pair's score is the mean over folds of the last epoch's validation "
                 f"loss. {rec.get('pairs_done', '?')} pairs done" + (' (finished).' if rec.get('finished') else '.')
                 + '\n')
        page.add(table(['', 'lr', 'wd', 'score (mean over folds)', 'std over folds'],
                       [['best pair, ours', g(best.get('lr')), g(best.get('wd')), f4(best.get('mean')),
                         f4(best.get('std'))],
                        ['best pair, report', REPORT_SEARCH['lr'], REPORT_SEARCH['wd'], REPORT_SEARCH['score'], DASH]]))
        if c.get('n_train') is not None:
            page.add(f"This search used {c['n_train']:,} of the 48,000 training images (the report: all of them), "
                     "so its scores and the report's are not measured on the same data.\n")
        if env_line(rec): page.add(f'Recorded with {env_line(rec)}.\n')
    csv_p = folder/'search.csv'
    if csv_p.exists():
        rows = list(csv.DictReader(csv_p.open()))
        done = [r for r in rows if r.get('state', 'COMPLETE') == 'COMPLETE' and r.get('mean')]
        done.sort(key=lambda r: float(r['mean']))
        folds = sorted(k for k in (rows[0] if rows else {}) if k.startswith('fold_'))
        page.add(f'The ten best of the {len(done)} complete pairs (`search.csv` has every trial):\n')
        page.add(table(['trial', 'lr', 'wd'] + folds + ['mean', 'std'],
                       [[r.get('trial', ''), g(float(r['lr'])), g(float(r['wd']))]
                        + [f4(r[k]) for k in folds] + [f4(r['mean']), f4(r.get('std'))] for r in done[:10]]))
    if not rec and not csv_p.exists(): page.add('Neither `search.json` nor `search.csv` is there yet.\n')
    page.add(page.figures(folder))

def latent_part(page:Page, folder:Path):
    runs = {}
    for p in sorted(folder.glob('*/summary.json')):
        s = read_json(p); runs[(s.get('config', {}).get('n_latent'), p.parent.name)] = (s, f'latent/{p.parent.name}')
    ae = page.results/'train'/'ae'/'summary.json'
    if ae.exists() and not any(k[0] == 6 for k in runs):
        s = read_json(ae); runs[(6, 'ae')] = (s, 'train/ae')
    if not runs: return page.add(f'No `summary.json` under `results/{folder.name}/` yet.\n')
    page.add("The autoencoder trained with the search's best pair for each latent size, 80 epochs at most with the "
             "report's early stopping, scored on the test set. The report shows this as a plot (Fig. 2: the loss "
             'falls as the size grows) without numbers.\n')
    rows = [[k[0], f4(s.get('test', {}).get('mse')), f4(s.get('test', {}).get('mse_gaussian')),
             f4(s.get('test', {}).get('mse_occlusion')), s.get('epochs_run', DASH),
             f"{s['wall_time_s']/60:.1f}" if s.get('wall_time_s') is not None else DASH, f'`results/{where}`']
            for k, (s, where) in sorted(runs.items(), key=lambda kv: (kv[0][0] or 0, kv[0][1]))]
    page.add(table(['latent size', 'test MSE', 'Gaussian noise', 'occlusion', 'epochs run', 'minutes', 'run'], rows))
    page.add(page.figures(folder))

def generate_part(page:Page, folder:Path):
    rec_p = folder/'sample_quality.json'
    shown = set()
    if rec_p.exists():
        rec = read_json(rec_p); tab = rec.get('table', {})
        cols = list(next(iter(tab.values()), {}).keys())
        names = dict(fid='FID (classifier features)', confidence='classifier confidence',
                     class_entropy='entropy of the digit classes', knn_accuracy='k-NN accuracy of the codes')
        page.add('New digits decoded from codes drawn by each sampler, scored by a digit classifier trained for '
                 'the purpose: the Fréchet distance between the features of generated and test images (lower is '
                 'better), the classifier\'s mean confidence, and the entropy of the predicted classes (at most '
                 f"{f4(rec.get('max_class_entropy'))}, when all ten digits are equally frequent). The report judged "
                 'its samples by eye only (Fig. 8, 9).\n')
        page.add(table(['sampler'] + [names.get(c, c) for c in cols],
                       [[k] + [f4(v.get(c)) for c in cols] for k, v in tab.items()]))
        cl = rec.get('classifier') or {}
        if cl: page.add(f"The classifier's test accuracy: {f4(cl.get('test_accuracy'))}.\n")
        if env_line(rec): page.add(f'Recorded with {env_line(rec)}.\n')
        for label, f in list((rec.get('grids') or {}).items()) + [('interpolation', rec.get('interpolation'))]:
            if f and (folder/f).exists():
                page.add(page.figure(folder/f, f'{label} (`results/{folder.name}/{f}`)',
                                     None if label == 'interpolation' else '460px'))
                shown.add(folder/f)
    else: page.add('No `sample_quality.json` yet.\n')
    page.add(page.figures(folder, skip=shown))

def _flatten(d, prefix='', depth=0):
    "Numeric leaves of a JSON record, as (dotted key, value); lists left out"
    if isinstance(d, dict) and depth < 4:
        for k, v in d.items(): yield from _flatten(v, f'{prefix}{k}.', depth+1)
    elif isinstance(d, (int, float)) and not isinstance(d, bool): yield prefix[:-1], d

def _is_split(v) -> bool:
    "A table as pandas writes it with `orient='split'`"
    return isinstance(v, dict) and {'columns', 'index', 'data'} <= set(v) and isinstance(v['data'], list)

def _is_rows(v) -> bool:
    "A table as a dict of rows: {'AE': {'mse': ...}, 'DAE': {...}}"
    return isinstance(v, dict) and len(v) > 0 and all(isinstance(r, dict) for r in v.values()) and \
        any(isinstance(x, (int, float)) and not isinstance(x, bool) for r in v.values() for x in r.values())

def _cell(x) -> str: return f4(x) if isinstance(x, (int, float)) and not isinstance(x, bool) else (DASH if x is None else str(x))

SPLIT_TITLES = {'noise_sweep': ('std', "Test MSE against the std of the Gaussian noise (the report's Fig. 5)"),
                'occlusion_by_size': ('side', 'Test MSE against the side of the occluding square'),
                'seed_variation': ('', 'With the corrupted test sets drawn from other seeds')}

def rows_table(page:Page, rows:dict, what:str):
    """A dict of rows as a table: settings equal in every row go in a sentence below; for a row named after a model
    of the report (AE, DAE, VAE) the report's number follows ours in its own column"""
    cols = list(dict.fromkeys(k for r in rows.values() for k in r))
    const = {c: rows[next(iter(rows))].get(c) for c in cols
             if len(rows) > 1 and len({json.dumps(r.get(c)) for r in rows.values()}) == 1}
    shown = [c for c in cols if c not in const and not isinstance(next(iter(rows.values())).get(c), (dict, list))]
    rep = {name: REPORT_TEST.get(name.lower(), {}) for name in rows}
    header, keys = [what if what not in shown else ''], []
    for c in shown:
        header.append(c); keys.append((c, False))
        if any(c in r for r in rep.values()): header.append(f'{c}, report'); keys.append((c, True))
    body = [[name] + [rep[name].get(c, DASH) if is_rep else _cell(r.get(c)) for c, is_rep in keys]
            for name, r in rows.items()]
    page.add(table(header, body))
    if const: page.add('In every row: ' + ', '.join(f'{k} {g(v) if isinstance(v, float) else _cell(v)}'
                                                    for k, v in const.items()) + '.\n')

def split_table(page:Page, key:str, v:dict):
    idx_name, title = SPLIT_TITLES.get(key, ('', key.replace('_', ' ').capitalize()))
    page.add(f'{title} (`{key}`):\n')
    rows = [[g(i) if isinstance(i, float) else _cell(i)] + [_cell(x) for x in r] for i, r in zip(v['index'], v['data'])]
    page.add(table([idx_name or ''] + [str(c) for c in v['columns']], rows[:40]))
    if len(rows) > 40: page.add(f'({len(rows) - 40} more rows in the file.)\n')

def json_part(page:Page, p:Path):
    "One JSON record: its tables, its other numbers, the figures it names, where it ran"
    rec = read_json(p)
    rel = p.relative_to(page.results).as_posix()
    page.add(f'### `{p.name}`\n')
    if not isinstance(rec, dict): return page.add(f'`results/{rel}` holds no record (a {type(rec).__name__}).\n')
    page.add(f'`results/{rel}`' + (f", written by the `{rec['command']}` command" if rec.get('command') else '') + '.\n')
    done = {'environment', 'config', 'report', 'command'}
    for k, v in rec.items():
        if k in done: continue
        if _is_split(v): split_table(page, k, v); done.add(k)
        elif _is_rows(v): rows_table(page, v, 'model' if k == 'table' else ''); done.add(k)
    rest = [(k, v) for k, v in _flatten({k: v for k, v in rec.items() if k not in done}) if k != 'wall_time_s']
    if rest: page.add(table(['value', 'number'], [[f'`{k}`', f4(v)] for k, v in rest[:40]]))
    figs = [f for k in ('figure', 'figures', 'grids', 'interpolation') for f in
            (rec.get(k).values() if isinstance(rec.get(k), dict) else rec.get(k) if isinstance(rec.get(k), list)
             else [rec.get(k)]) if isinstance(f, str) and f.endswith('.png')]
    shown = set()
    for f in figs:
        if (p.parent/f).exists(): page.add(page.figure(p.parent/f)); shown.add(p.parent/f)
    if env_line(rec): page.add(f'Recorded with {env_line(rec)}.\n')
    return shown

def generic_part(page:Page, folder:Path):
    "Any other folder: its JSON records (tables, numbers, figures), its CSV tables (first rows), its other figures"
    jsons = [p for p in sorted(folder.rglob('*.json')) if not _ignored(p, page.results)]
    shown = set()
    for p in jsons[:20]: shown |= json_part(page, p) or set()
    for p in [p for p in sorted(folder.rglob('*.csv')) if not _ignored(p, page.results)][:10]:
        rows = list(csv.reader(p.open()))
        if not rows: continue
        page.add(f'### `{p.name}`\n')
        page.add(f'`results/{p.relative_to(page.results).as_posix()}`: {len(rows)-1} rows' +
                 (', the first 15' if len(rows) > 16 else '') + '.\n')
        page.add(table(rows[0], [[f4(c) if _isnum(c) else c for c in r] for r in rows[1:16]]))
    figs = page.figures(folder, skip=shown)
    page.add(figs)
    if not jsons and not figs and not shown: page.add(f'`results/{folder.name}/` holds no JSON record or PNG figure yet.\n')

def _isnum(s):
    try: float(s); return '.' in s or 'e' in s.lower()
    except ValueError: return False

RENDER = dict(train=train_part, search=search_part, latent=latent_part, generate=generate_part)

def results_markdown(results:Path, src:Path) -> tuple:
    "The page's markdown and the figure files it copied"
    page = Page(results, src)
    page.add('# Results\n')
    page.add(':::{container} nbdev-lead\nThe numbers and figures of the recorded full-data runs in `results/`, beside '
             "the report's. This page is generated from that folder each time the site is built.\n:::\n")
    page.add('Every run was made by the project\'s own code (a function and its `mnist-ae` command), which wrote '
             'its configuration, seeds, versions, hardware and wall time beside its numbers. Our numbers are given '
             "to 4 decimals; the report's as it gives them.\n")
    folders = sorted(p for p in results.iterdir() if p.is_dir() and not p.name.startswith(('.', '_'))) \
        if results.is_dir() else []
    known = [k for k, *_ in PARTS]
    present = [k for k in known if (results/k).is_dir()] + [p.name for p in folders if p.name not in known]
    absent = [(k, t, how) for k, t, how in PARTS if not (results/k).is_dir()]
    if not results.is_dir(): page.add('**No `results/` folder was found at build time**, so there is nothing to show.\n')
    if absent:
        page.add('Not recorded yet (no folder at build time):\n\n' +
                 '\n'.join(f'- **{t}** (`results/{k}/`' + (f', written by {how})' if how else ')')
                           for k, t, how in absent) + '\n')
    titles = {k: t for k, t, _ in PARTS}
    for name in present:
        folder = results/name
        page.add(f'## {titles.get(name, name.replace("_", " ").capitalize())}\n')
        page.add(f'From `results/{name}/`.\n')
        try: RENDER.get(name, generic_part)(page, folder)
        except Exception as e:
            page.add(f'```{{warning}}\nThis part could not be read: `{type(e).__name__}: {e}`\n```\n')
            print(f'[results_page] results/{name} could not be read: {type(e).__name__}: {e}', file=sys.stderr)
    return '\n'.join(page.parts), page.files

def write_results_page(results:Path, src:Path) -> dict:
    "Write `src`/results.md from the folder `results`; return the files written"
    results, src = Path(results), Path(src)
    text, files = results_markdown(results, src)
    out = src/'results.md'
    src.mkdir(parents=True, exist_ok=True)
    if not out.exists() or out.read_text() != text: out.write_text(text)
    return dict(files=[out, *files])

if __name__ == '__main__':
    if len(sys.argv) != 2: sys.exit('usage: python docs/results_page.py OUT_DIR   (reads results/ of the repository)')
    print(write_results_page(Path(__file__).resolve().parent.parent/'results', Path(sys.argv[1]))['files'][0])
