"""Convert the recorded `.pth` weights under a results folder to safetensors, which cannot run code when loaded.

  python tools/convert_weights.py [ROOT]          ROOT defaults to results/

For each `*.pth` under ROOT (a model's `weights.pth`, the digit classifier's `classifier.pth`):
  1. load it with `torch.load(weights_only=True)` (tensors only: no code runs),
  2. write the same tensors to `NAME.safetensors` beside it (`config.write_bytes`: atomic),
  3. read the new file back and check that every tensor is bit-identical (name, dtype, shape and bytes),
  4. upgrade a model's `weights.json` beside it to the record `learner.save_model` writes now (format 2: `sample`
     for the old `sample_eval`, the architecture, and the training configuration from the `summary.json` beside it),
  5. delete the `.pth`.
Then it rewrites the path strings `.../weights.pth` and `.../classifier.pth` in the JSON records under ROOT to name
the `.safetensors` files, and lists every file it wrote, changed or deleted. Run it again: it finds nothing to do.
"""
import json, re, sys
from pathlib import Path
import torch
import safetensors.torch
from mnist_autoencoders.config import write_bytes, write_json
from mnist_autoencoders.learner import WEIGHTS_FORMAT, LEGACY_FORMATS, ARCHITECTURES

_PATH = re.compile(r'(?<=["/])(weights|classifier)\.pth(?=")')   # a JSON string naming one of the two files

def _bytes(t:torch.Tensor) -> torch.Tensor: return t.detach().contiguous().reshape(-1).view(torch.uint8)

def convert_file(f:Path) -> Path:
    "Write the tensors of `f` (a `.pth`) to a `.safetensors` beside it, check them bit for bit, and return its path"
    sd = torch.load(f, map_location='cpu', weights_only=True)
    if not isinstance(sd, dict) or not all(isinstance(v, torch.Tensor) for v in sd.values()):
        raise SystemExit(f"convert_weights: {f} does not hold tensors by name: left as it is")
    meta = {'format': WEIGHTS_FORMAT} if f.stem == 'weights' else None
    new = write_bytes(f.with_suffix('.safetensors'), safetensors.torch.save({k: v.contiguous() for k, v in sd.items()}, metadata=meta))
    back = safetensors.torch.load(new.read_bytes())
    same = back.keys() == sd.keys() and all(back[k].dtype == v.dtype and back[k].shape == v.shape and
                                             torch.equal(_bytes(back[k]), _bytes(v)) for k, v in sd.items())
    if not same:
        new.unlink()
        raise SystemExit(f"convert_weights: the tensors read back from {new} differ from {f}: nothing deleted")
    return new

def upgrade_record(f:Path) -> bool:
    "Rewrite the model record `f` (`weights.json`) of format 1 as format 2; whether it changed"
    rec = json.loads(f.read_text())
    if rec.get('format') not in LEGACY_FORMATS: return False
    cfg = {('sample' if k == 'sample_eval' else k): v for k, v in rec.items() if k != 'format'}
    summary = f.parent/'summary.json'
    train = json.loads(summary.read_text()).get('config') if summary.is_file() else None
    write_json(f, dict(format=WEIGHTS_FORMAT, **cfg, architecture=ARCHITECTURES[cfg['kind']], train_config=train))
    return True

def rewrite_paths(f:Path) -> bool:
    "Name the `.safetensors` files instead of the `.pth` ones in the JSON record `f`; whether it changed"
    text = f.read_text()
    new = _PATH.sub(r'\1.safetensors', text)
    if new == text: return False
    json.loads(new)   # still valid JSON
    write_bytes(f, new.encode())
    return True

def main(root='results'):
    root = Path(root)
    if not root.is_dir(): raise SystemExit(f"convert_weights: no folder {root}")
    for f in sorted(root.rglob('*.pth')):
        new = convert_file(f)
        print(f"wrote   {new} (tensors checked bit for bit)")
        if f.stem == 'weights' and f.with_suffix('.json').is_file() and upgrade_record(f.with_suffix('.json')):
            print(f"changed {f.with_suffix('.json')} (record format 2)")
        f.unlink(); print(f"deleted {f}")
    for f in sorted(root.rglob('*.json')):
        if rewrite_paths(f): print(f"changed {f} (paths)")

if __name__ == '__main__': main(*sys.argv[1:])
