"""Where the reference model's training time goes on the CPU: per-layer forward and forward+backward times, contiguous vs
channels_last, stock `nn.ConvTranspose2d` vs the library's `SubpixelConvTranspose2d` (in the last layer, as the library
uses it, and in all three), and eager vs `torch.compile`,
for one batch of 512. It explains why the library is not 4x faster than the reference pipeline on a 2-core CPU
(bench/README.md): the model's own compute, not the data pipeline, is what is left.

    python bench/profile_model.py [--compile]
"""
import argparse, statistics, time, warnings
warnings.filterwarnings('ignore')
import torch, torch.nn.functional as F
from torch import nn
from mnist_autoencoders.models import ConvAutoencoder, SubpixelConvTranspose2d
from train_speed import stock_model   # bench/ is on the path when this script runs

def all_subpixel_model():
    "The library's model with all three transposed convolutions as `SubpixelConvTranspose2d` (it has only the last)"
    m = ConvAutoencoder(6)
    for i, l in enumerate(m.decoder):
        if type(l) is nn.ConvTranspose2d:
            s = SubpixelConvTranspose2d(l.in_channels, l.out_channels, 3, stride=2, padding=l.padding, output_padding=l.output_padding)
            s.load_state_dict(l.state_dict()); m.decoder[i] = s
    return m

MODELS = {'stock layers': stock_model, 'library model': ConvAutoencoder, 'sub-pixel in all three layers': all_subpixel_model}

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
    for cl, kind in ((False, 'stock layers'), (True, 'stock layers'), (True, 'library model'), (True, 'sub-pixel in all three layers')):
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

def steps(x, compile_too):
    variants = [('eager', False, False, 'stock layers'), ('eager channels_last', True, False, 'stock layers'),
                ('eager channels_last, library model', True, False, 'library model'),
                ('eager channels_last, sub-pixel x3', True, False, 'sub-pixel in all three layers')]
    if compile_too: variants += [('torch.compile', False, True, 'stock layers'), ('torch.compile channels_last', True, True, 'stock layers')]
    print("\nwhole training step (forward, MSE, backward, Adam), ms per batch of 512 (stock layers unless named):")
    for name, cl, comp, kind in variants:
        torch.manual_seed(0)
        m = MODELS[kind]()
        xx = x.contiguous(memory_format=torch.channels_last) if cl else x
        if cl: m = m.to(memory_format=torch.channels_last)
        if comp: m = torch.compile(m)
        opt = torch.optim.Adam(m.parameters(), lr=4e-3, weight_decay=2e-5)
        def step():
            loss = F.mse_loss(m(xx), xx); loss.backward(); opt.step(); opt.zero_grad()
        print(f"  {name:36s} {ms(step):7.1f}")

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--compile', action='store_true', help="also time torch.compile (inductor; compiles for ~10 s)")
    a = p.parse_args()
    x = torch.rand(512, 1, 28, 28, generator=torch.Generator().manual_seed(0))
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    per_layer(x); steps(x, a.compile)
