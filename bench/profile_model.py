"""Where the reference model's training time goes on the CPU: per-layer forward and forward+backward times, contiguous vs
channels_last, stock `nn.ConvTranspose2d` vs `SubpixelConvTranspose2d` (in the last layer, as `subpixel.use_subpixel`
puts it, and in all three), and eager vs `torch.compile`, for one batch of 512; then the whole training step of each
variant, timed in interleaved rounds (so that a change of the machine's load hits every variant alike), in wall-clock
and in process CPU milliseconds. It explains why the library is not 4x faster than the reference pipeline on a 2-core
CPU (bench/README.md): the model's own compute, not the data pipeline, is what is left.

    python bench/profile_model.py [--compile] [--rounds 15]
"""
import argparse, os, statistics, time, warnings
warnings.filterwarnings('ignore')
import torch, torch.nn.functional as F
from torch import nn
from mnist_autoencoders.subpixel import SubpixelConvTranspose2d, use_subpixel
from train_speed import stock_model   # bench/ is on the path when this script runs

def all_subpixel_model():
    "The stock model with all three transposed convolutions as `SubpixelConvTranspose2d` (`use_subpixel` swaps the last only)"
    m = stock_model()
    for i, l in enumerate(m.decoder):
        if type(l) is nn.ConvTranspose2d:
            s = SubpixelConvTranspose2d(l.in_channels, l.out_channels, 3, stride=2, padding=l.padding, output_padding=l.output_padding)
            s.load_state_dict(l.state_dict()); m.decoder[i] = s
    return m

MODELS = {'stock layers': stock_model, 'use_subpixel': lambda: use_subpixel(stock_model()),
          'sub-pixel in all three layers': all_subpixel_model}

def ms(fn, n=10, rounds=5):
    "Median over `rounds` of the mean milliseconds of `n` calls of `fn`, after 3 warm-up calls"
    for _ in range(3): fn()
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        for _ in range(n): fn()
        times.append((time.perf_counter() - t) / n * 1000)
    return statistics.median(times)

def per_layer(x):
    for cl, kind in ((False, 'stock layers'), (True, 'stock layers'), (True, 'use_subpixel'), (True, 'sub-pixel in all three layers')):
        m = MODELS[kind]()
        h = x.contiguous(memory_format=torch.channels_last) if cl else x
        total_f = total_fb = 0.
        print(f"\n{'channels_last' if cl else 'contiguous'}, {kind}: "
              "layer, input shape, forward ms, forward+backward ms")
        for i, l in enumerate(list(m.encoder) + list(m.decoder)):
            if cl: l = l.to(memory_format=torch.channels_last)
            inp = h.detach().requires_grad_(i > 0)   # the first layer's input needs no gradient, as in training
            out = l(inp); g = torch.ones_like(out)
            f, fb = ms(lambda: l(inp)), ms(lambda: l(inp).backward(g))
            total_f += f; total_fb += fb
            print(f"  {type(l).__name__:24s} {str(tuple(inp.shape)):18s} {f:7.2f} {fb:7.2f}")
            h = out.detach()
        print(f"  {'total':24s} {'':18s} {total_f:7.2f} {total_fb:7.2f}")

def train_step(x, cl, comp, kind):
    "A function doing one training step (forward, MSE, backward, Adam) of a fresh model of `kind` on `x`"
    torch.manual_seed(0)
    m = MODELS[kind]()
    xx = x.contiguous(memory_format=torch.channels_last) if cl else x
    if cl: m = m.to(memory_format=torch.channels_last)
    if comp: m = torch.compile(m)
    opt = torch.optim.Adam(m.parameters(), lr=4e-3, weight_decay=2e-5)
    def step():
        loss = F.mse_loss(m(xx), xx); loss.backward(); opt.step(); opt.zero_grad()
    return step

def steps(x, compile_too, rounds=15, n=10):
    "Median over `rounds` interleaved rounds of the mean wall-clock and CPU milliseconds of `n` training steps per variant"
    variants = [('eager', False, False, 'stock layers'), ('eager channels_last', True, False, 'stock layers'),
                ('eager channels_last, use_subpixel', True, False, 'use_subpixel'),
                ('eager channels_last, sub-pixel x3', True, False, 'sub-pixel in all three layers')]
    if compile_too: variants += [('torch.compile', False, True, 'stock layers'), ('torch.compile channels_last', True, True, 'stock layers')]
    fns = {name: train_step(x, cl, comp, kind) for name, cl, comp, kind in variants}
    for f in fns.values():
        for _ in range(3): f()   # warm-up (and compilation)
    wall, cpu = {k: [] for k in fns}, {k: [] for k in fns}
    for _ in range(rounds):
        for k, f in fns.items():
            t, c = time.perf_counter(), time.process_time()
            for _ in range(n): f()
            wall[k].append((time.perf_counter() - t) / n * 1000); cpu[k].append((time.process_time() - c) / n * 1000)
    base = 'eager channels_last'
    print(f"\nwhole training step (forward, MSE, backward, Adam), ms per batch of 512 (stock layers unless named), median of "
          f"{rounds} interleaved rounds of {n} steps:\n  {'':36s} {'wall':>7s} {'CPU':>7s}   {base} over it (wall, CPU)")
    for k in fns:
        w, c = statistics.median(wall[k]), statistics.median(cpu[k])
        print(f"  {k:36s} {w:7.1f} {c:7.1f}   {statistics.median(wall[base])/w:5.3f} {statistics.median(cpu[base])/c:5.3f}")

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--compile', action='store_true', help="also time torch.compile (inductor; compiles for ~10 s)")
    p.add_argument('--rounds', type=int, default=15, help="interleaved rounds of the whole-step timing (the median is reported)")
    a = p.parse_args()
    x = torch.rand(512, 1, 28, 28, generator=torch.Generator().manual_seed(0))
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, load average {os.getloadavg()[0]:.2f} at start")
    per_layer(x); steps(x, a.compile, a.rounds)
    print(f"load average {os.getloadavg()[0]:.2f} at end")
