/* The latent-space explorer of docs/explore.md.

   The recorded models' decoders (and the latent-6 AE's and DAE's encoders), exported to ONNX by
   `mnist_autoencoders.export.export_onnx` when the site was built, run in the reader's browser by onnxruntime-web
   (WebAssembly, one thread). Everything is loaded from the site itself (_static/explorer/): models/ (the ONNX files),
   data/ (the test digits and codes, computed with PyTorch at build time), ort/ (onnxruntime-web from npm).
   `window.explorer` is a small hook for the tests (tests/test_docs_site.py). */
(() => {
  'use strict';
  const root = document.getElementById('explorer');
  if (!root) return;
  const BASE = new URL('.', document.currentScript.src).href;   // .../_static/explorer/
  const SIDE = 28, NPIX = SIDE * SIDE;
  const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22',
                   '#17becf'];   // matplotlib's tab10, as the notebooks' plots
  const $ = (sel, el = document) => el.querySelector(sel);
  const $$ = (sel, el = document) => Array.from(el.querySelectorAll(sel));
  const status = document.getElementById('explorer-status');
  const say = (text) => { if (status) status.textContent = text; };
  let inflight = 0;   // updates started and not finished (for `explorer.idle`)

  function fallback(text) {
    say(text);
    $$('.explorer-live').forEach((el) => { el.hidden = true; });
    $$('.explorer-fallback').forEach((el) => { el.hidden = false; });
  }
  function fail(e) {
    console.error(e);
    say(`The explorer stopped: ${e && e.message ? e.message : e}`);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Pictures: a 28x28 canvas holds the image's own pixels (CSS scales it up, pixelated), grey = round(255 * value)

  const toByte = (v) => Math.max(0, Math.min(255, Math.round(v * 255)));

  function drawDigit(canvas, pix, offset = 0, x = 0, y = 0) {
    const ctx = canvas.getContext('2d');
    const img = ctx.createImageData(SIDE, SIDE);
    for (let i = 0; i < NPIX; i++) {
      const v = toByte(pix[offset + i]);
      img.data[4 * i] = img.data[4 * i + 1] = img.data[4 * i + 2] = v;
      img.data[4 * i + 3] = 255;
    }
    ctx.putImageData(img, x, y);
  }

  function greys(canvas, x = 0, y = 0) {
    // The grey levels (0..255) of the 28x28 image at (x, y) of `canvas`
    const d = canvas.getContext('2d').getImageData(x, y, SIDE, SIDE).data;
    return Array.from({length: NPIX}, (_, i) => d[4 * i]);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // The models

  let M = null;                // data/explorer.json: the models, their records, the digits to pick from
  const sessions = {};         // 'ae2_decoder' -> ort.InferenceSession
  let queue = Promise.resolve();   // one inference at a time

  function run(key, feeds) {
    const p = queue.then(() => sessions[key].run(feeds));
    queue = p.catch(() => {});
    return p;
  }
  const has = (name, part = 'decoder') => Boolean(sessions[`${name}_${part}`]);

  async function decode(name, codes) {
    // Images (a Float32Array of n * 784 values in (0, 1)) decoded by model `name` from `codes` (n * n_latent values)
    const k = M.models[name].n_latent;
    const out = await run(`${name}_decoder`, {code: new ort.Tensor('float32', Float32Array.from(codes), [codes.length / k, k])});
    return out.image.data;
  }

  async function encode(name, pix) {
    // Codes (n * n_latent values; the mean of q(z|x) for a VAE) of the images `pix` (n * 784 values)
    const out = await run(`${name}_encoder`, {image: new ort.Tensor('float32', Float32Array.from(pix), [pix.length / NPIX, 1, SIDE, SIDE])});
    return (out.code || out.mu).data;
  }

  function latest(fn) {
    // `fn` called now, or, when a call is in flight, once it ends with the newest arguments only (pointer moves pile up)
    let busy = false, next = null;
    const go = (...args) => {
      if (busy) { next = args; return; }
      busy = true; inflight++;
      Promise.resolve().then(() => fn(...args)).catch(fail).finally(() => {
        busy = false; inflight--;
        if (next) { const a = next; next = null; go(...a); }
      });
    };
    return go;
  }

  function record(name) {
    // One line on the model from its training record
    const m = M.models[name], t = m.test || {}, c = m.config || {};
    const bits = [];
    if (t.mse != null) bits.push(`test MSE ${t.mse.toFixed(4)}`);
    if (m.epochs_run != null) bits.push(`${m.epochs_run} epochs`);
    if (m.wall_time_s != null) bits.push(`${(m.wall_time_s / 60).toFixed(1)} min of training`);
    if (c.lr != null) bits.push(`lr ${c.lr}, batch ${c.bs}${c.one_cycle ? ', one cycle' : ''}`);
    return `${m.label}: ${bits.join(', ')} (${m.run})`;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Test digits to pick from: 20 of each class, one row per class

  let PICK = null;   // {pixels: Float32Array(n * 784), label, index, n}

  function loadPicks() {
    const raw = atob(M.pick.pixels), n = M.pick.label.length;
    const pixels = new Float32Array(n * NPIX);
    for (let i = 0; i < raw.length; i++) pixels[i] = raw.charCodeAt(i) / 255;
    PICK = {pixels, label: M.pick.label, index: M.pick.index, n};
  }
  const pickPixels = (i) => PICK.pixels.subarray(i * NPIX, (i + 1) * NPIX);
  const pickCode = (name, i) => M.models[name].pick_codes[i];

  function picker(canvas, onPick, marks) {
    // Draw the digits on `canvas` (20 a row); a click calls onPick(i); marks() gives [[i, colour], ...] to outline
    const per = Math.floor(canvas.width / SIDE);
    const base = document.createElement('canvas');
    base.width = canvas.width; base.height = Math.ceil(PICK.n / per) * SIDE;
    canvas.height = base.height;
    for (let i = 0; i < PICK.n; i++) drawDigit(base, PICK.pixels, i * NPIX, (i % per) * SIDE, Math.floor(i / per) * SIDE);
    const redraw = () => {
      const ctx = canvas.getContext('2d');
      ctx.drawImage(base, 0, 0);
      ctx.lineWidth = 2;
      for (const [i, colour] of marks()) {
        ctx.strokeStyle = colour;
        ctx.strokeRect((i % per) * SIDE + 1, Math.floor(i / per) * SIDE + 1, SIDE - 2, SIDE - 2);
      }
    };
    canvas.addEventListener('click', (e) => {
      const r = canvas.getBoundingClientRect();
      const col = Math.floor((e.clientX - r.left) / r.width * per), row = Math.floor((e.clientY - r.top) / r.height * (canvas.height / SIDE));
      const i = row * per + col;
      if (i >= 0 && i < PICK.n) { onPick(i); redraw(); }
    });
    redraw();
    return redraw;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Latent-2 planes: the test codes coloured by digit, and the digit decoded at the pointer

  function plane(fig, L2) {
    const name = fig.dataset.model, m = M.models[name];
    const scatter = $('.explorer-scatter', fig), out = $('.explorer-digit', fig), readout = $('.explorer-readout', fig);
    $('.explorer-record', fig).textContent = record(name);
    // the view: the middle 98% of the test codes and some room around them, the same scale on both axes
    const c = [0, 1].map((d) => (m.q01[d] + m.q99[d]) / 2);
    const half = 0.62 * Math.max(m.q99[0] - m.q01[0], m.q99[1] - m.q01[1], 4);
    const W = scatter.width, H = scatter.height;
    const toPx = (z1, z2) => [(z1 - c[0] + half) / (2 * half) * W, (c[1] + half - z2) / (2 * half) * H];
    const toZ = (px, py) => [c[0] - half + px / W * 2 * half, c[1] + half - py / H * 2 * half];
    const base = document.createElement('canvas');
    base.width = W; base.height = H;
    const b = base.getContext('2d');
    b.fillStyle = '#fff'; b.fillRect(0, 0, W, H);
    const [x0, y0] = toPx(0, 0);
    b.strokeStyle = '#bbb'; b.lineWidth = 1;
    b.beginPath(); b.moveTo(x0, 0); b.lineTo(x0, H); b.moveTo(0, y0); b.lineTo(W, y0); b.stroke();
    b.strokeStyle = '#555'; b.setLineDash([4, 4]);
    for (const r of [1, 2]) { b.beginPath(); b.arc(x0, y0, r / (2 * half) * W, 0, 2 * Math.PI); b.stroke(); }   // N(0, I): 1 and 2 sd
    b.setLineDash([]);
    b.globalAlpha = 0.55;
    const xs = L2[name].x, ys = L2[name].y;
    for (let i = 0; i < xs.length; i++) {
      const [px, py] = toPx(xs[i], ys[i]);
      b.fillStyle = PALETTE[+L2.label[i]];
      b.fillRect(px - 1, py - 1, 2.2, 2.2);
    }
    b.globalAlpha = 1;
    b.fillStyle = '#444'; b.font = '11px sans-serif';
    b.fillText(`z1 from ${(c[0] - half).toFixed(1)} to ${(c[0] + half).toFixed(1)}`, 4, H - 5);
    b.save(); b.translate(12, H - 4); b.rotate(-Math.PI / 2);
    b.fillText(`z2 from ${(c[1] - half).toFixed(1)} to ${(c[1] + half).toFixed(1)}`, 14, 0); b.restore();
    const ctx = scatter.getContext('2d');
    let z = [c[0], c[1]];
    const show = latest(async (z1, z2) => {
      const img = await decode(name, [z1, z2]);
      drawDigit(out, img);
      ctx.drawImage(base, 0, 0);
      const [px, py] = toPx(z1, z2);
      ctx.strokeStyle = '#000'; ctx.lineWidth = 2;
      ctx.beginPath(); ctx.arc(px, py, 6, 0, 2 * Math.PI); ctx.stroke();
      readout.textContent = `z = (${z1.toFixed(2)}, ${z2.toFixed(2)})`;
    });
    const move = (e) => {
      const r = scatter.getBoundingClientRect();
      z = toZ((e.clientX - r.left) / r.width * W, (e.clientY - r.top) / r.height * H);
      show(z[0], z[1]);
    };
    scatter.addEventListener('pointermove', move);
    scatter.addEventListener('pointerdown', (e) => { scatter.setPointerCapture(e.pointerId); move(e); });
    ctx.drawImage(base, 0, 0);
    show(z[0], z[1]);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Latent-6 sliders

  function sliders(sec) {
    const sliders = $$('input[type=range]', sec), outs = $$('output', sec);
    const orig = $('.explorer-original', sec), out = $('.explorer-digit', sec), rec = $('.explorer-record', sec);
    let name = $('input[name=explorer-slider-model]:checked', sec).value, picked = 0;
    const code = () => sliders.map((s) => parseFloat(s.value));
    const show = latest(async () => {
      const z = code();
      z.forEach((v, d) => { outs[d].textContent = v.toFixed(2); });
      drawDigit(out, await decode(name, z));
    });
    const reset = () => {
      const m = M.models[name], z = pickCode(name, picked);
      sliders.forEach((s, d) => {
        const span = m.hi[d] - m.lo[d], lo = m.lo[d] - 0.1 * span, hi = m.hi[d] + 0.1 * span;
        s.min = lo; s.max = hi; s.step = 'any'; s.value = z[d];   // 'any': the digit's own code, not a step near it
      });
      drawDigit(orig, pickPixels(picked));
      rec.textContent = record(name);
      show();
    };
    sliders.forEach((s) => s.addEventListener('input', show));
    $$('input[name=explorer-slider-model]', sec).forEach((r) => {
      r.disabled = !has(r.value);
      r.addEventListener('change', () => { name = r.value; reset(); });
    });
    $('button[data-act=reset]', sec).addEventListener('click', reset);
    picker($('.explorer-picker', sec), (i) => { picked = i; reset(); }, () => [[picked, '#d62728']]);
    reset();
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Interpolation between two test digits

  const STEPS = 11;

  function interpolation(sec) {
    const t = $('input[type=range]', sec), tOut = $('output', sec);
    const ends = [$('.explorer-start', sec), $('.explorer-end', sec)];
    const figs = $$('figure[data-model]', sec).filter((f) => has(f.dataset.model));
    let picks = [PICK.label.indexOf(7), PICK.label.indexOf(2)], which = 0;   // from a 7 to a 2, as the notebook
    const mix = (name, s) => {
      const a = pickCode(name, picks[0]), b = pickCode(name, picks[1]);
      return a.map((v, d) => (1 - s) * v + s * b[d]);
    };
    const show = latest(async () => {
      const s = parseFloat(t.value);
      tOut.textContent = s.toFixed(2);
      for (const f of figs) {
        const name = f.dataset.model;
        drawDigit($('.explorer-digit', f), await decode(name, mix(name, s)));
      }
    });
    const strips = latest(async () => {
      ends.forEach((c, k) => drawDigit(c, pickPixels(picks[k])));
      for (const f of figs) {
        const name = f.dataset.model, codes = [];
        for (let k = 0; k < STEPS; k++) codes.push(...mix(name, k / (STEPS - 1)));
        const imgs = await decode(name, codes);   // one batch of STEPS codes
        const strip = $('.explorer-strip', f);
        for (let k = 0; k < STEPS; k++) drawDigit(strip, imgs, k * NPIX, k * SIDE, 0);
        $('.explorer-record', f).textContent = record(name);
      }
    });
    t.addEventListener('input', show);
    const redraw = picker($('.explorer-picker', sec), (i) => {
      picks[which] = i; which = 1 - which;
      strips(); show();
    }, () => [[picks[0], '#1f77b4'], [picks[1], '#ff7f0e']]);
    redraw(); strips(); show();
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Drawing pad: the reader's digit, corrupted or not, through the AE and the DAE

  function gaussian() {   // Box-Muller
    let u = 0; while (u === 0) u = Math.random();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * Math.random());
  }

  function pad(sec) {
    const canvas = $('.explorer-pad', sec);
    const clean = new Float32Array(NPIX), input = new Float32Array(NPIX);
    const figs = $$('figure[data-model]', sec).filter((f) => has(f.dataset.model) && has(f.dataset.model, 'encoder'));
    const note = $('.explorer-pad-note', sec);
    const show = latest(async () => {
      drawDigit(canvas, input);
      for (const f of figs) {
        const name = f.dataset.model;
        const img = await decode(name, await encode(name, input));
        drawDigit($('.explorer-digit', f), img);
        let se = 0;
        for (let i = 0; i < NPIX; i++) se += (img[i] - clean[i]) ** 2;
        $('.explorer-readout', f).textContent = `MSE to your clean drawing: ${(se / NPIX).toFixed(4)}`;
      }
    });
    let last = null;
    const stamp = (x, y) => {   // a soft round brush about 2.5 pixels wide, as MNIST's strokes
      for (let i = Math.max(0, Math.floor(y - 2)); i <= Math.min(SIDE - 1, Math.floor(y + 2)); i++)
        for (let j = Math.max(0, Math.floor(x - 2)); j <= Math.min(SIDE - 1, Math.floor(x + 2)); j++) {
          const d = Math.hypot(j + 0.5 - x, i + 0.5 - y), v = Math.max(0, Math.min(1, 1.7 - d));
          const k = i * SIDE + j;
          if (v > clean[k]) clean[k] = v;
          if (v > input[k]) input[k] = v;
        }
    };
    const at = (e) => {
      const r = canvas.getBoundingClientRect();
      return [(e.clientX - r.left) / r.width * SIDE, (e.clientY - r.top) / r.height * SIDE];
    };
    const line = (p) => {
      const q = last || p, n = Math.max(1, Math.ceil(Math.hypot(p[0] - q[0], p[1] - q[1]) / 0.25));
      for (let s = 1; s <= n; s++) stamp(q[0] + (p[0] - q[0]) * s / n, q[1] + (p[1] - q[1]) * s / n);
      last = p;
      drawDigit(canvas, input);
      show();
    };
    canvas.addEventListener('pointerdown', (e) => { canvas.setPointerCapture(e.pointerId); last = null; line(at(e)); });
    canvas.addEventListener('pointermove', (e) => { if (last) line(at(e)); });
    const up = () => { last = null; };
    canvas.addEventListener('pointerup', up);
    canvas.addEventListener('pointercancel', up);
    const acts = {
      clear: () => { clean.fill(0); input.fill(0); note.textContent = ''; },
      noise: () => {   // GaussianNoise(std=0.2): added to every pixel, not clipped (the DAE was trained so)
        for (let i = 0; i < NPIX; i++) input[i] += 0.2 * gaussian();
        note.textContent = 'Gaussian noise added (std 0.2).';
      },
      occlude: () => {   // Occlusion(): a square of side 5 to 13 set to 0, where it fits
        const s = 5 + Math.floor(Math.random() * 9), r = Math.floor(Math.random() * (SIDE - s + 1)),
              c = Math.floor(Math.random() * (SIDE - s + 1));
        for (let i = r; i < r + s; i++) for (let j = c; j < c + s; j++) input[i * SIDE + j] = 0;
        note.textContent = `An occlusion square of side ${s} set to 0 at row ${r}, column ${c}.`;
      },
      digit: () => {
        const i = Math.floor(Math.random() * PICK.n);
        clean.set(pickPixels(i)); input.set(pickPixels(i));
        note.textContent = `Test image ${PICK.index[i]} (a ${PICK.label[i]}).`;
      },
    };
    $$('button[data-act]', sec).forEach((b) => b.addEventListener('click', () => { acts[b.dataset.act](); show(); }));
    acts.digit(); show();
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Start

  async function timeDecode(name, n = 200) {
    // Mean milliseconds to decode one code, one call at a time, as the page does when the pointer moves
    const k = M.models[name].n_latent, z = new Float32Array(k).fill(0.5);
    for (let i = 0; i < 10; i++) await decode(name, z);
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await decode(name, z);
    return (performance.now() - t0) / n;
  }

  async function start() {
    if (location.protocol === 'file:') {
      fallback('Opened from a file: browsers refuse to load WebAssembly from file:// URLs, so the models cannot run here. '
               + 'Serve the site (python -m http.server -d _docs) to explore; below, a grid decoded when the site was built.');
      return;
    }
    if (typeof WebAssembly !== 'object' || typeof ort !== 'object') {
      fallback('This browser cannot run the models (no WebAssembly, or onnxruntime-web did not load); below, a grid decoded when the site was built.');
      return;
    }
    say('Loading the models…');
    ort.env.wasm.wasmPaths = BASE + 'ort/';   // onnxruntime-web's WebAssembly from the site, not from a CDN
    ort.env.wasm.numThreads = 1;
    ort.env.logLevel = 'error';
    const [man, l2] = await Promise.all(['data/explorer.json', 'data/latent2.json'].map(async (f) => {
      const r = await fetch(BASE + f);
      if (!r.ok) throw new Error(`${f}: HTTP ${r.status}`);
      return r.json();
    }));
    M = man;
    for (const [name, m] of Object.entries(M.models))
      for (const [part, file] of Object.entries(m.files))
        sessions[`${name}_${part}`] = await ort.InferenceSession.create(BASE + file, {executionProviders: ['wasm']});
    loadPicks();
    const missing = (M.missing || []).map((m) => `${m.label} (no run in ${m.run})`);
    $$('.explorer-plane').forEach((f) => { if (has(f.dataset.model)) plane(f, l2); else f.hidden = true; });
    const secs = {sliders, interpolation, pad};
    for (const [id, fn] of Object.entries(secs)) { const s = document.getElementById(`explorer-${id}`); if (s) fn(s); }
    const ms = await timeDecode(Object.keys(M.models)[0], 50);
    say(`Running ${Object.keys(sessions).length} ONNX models in your browser with onnxruntime-web ${M.onnxruntime_web} `
        + `(WebAssembly, one thread): ${ms.toFixed(2)} ms to decode one image here.`
        + (missing.length ? ` Not recorded: ${missing.join(', ')}.` : ''));
  }

  const ready = start().catch((e) => { fail(e); throw e; });
  ready.catch(() => {});

  window.explorer = {
    ready,
    decode: async (name, code) => {   // decode one code and draw it on a 28x28 canvas as the page does: its grey levels
      const c = document.createElement('canvas');
      c.width = c.height = SIDE;
      drawDigit(c, await decode(name, code));
      return greys(c);
    },
    decodeRaw: async (name, codes) => Array.from(await decode(name, codes)),
    encode: async (name, pix) => Array.from(await encode(name, pix)),
    greys: (selector) => greys(document.querySelector(selector)),
    timeDecode,
    idle: async () => { while (inflight > 0) await new Promise((r) => setTimeout(r, 10)); await queue; },
    models: () => M,
  };
})();
