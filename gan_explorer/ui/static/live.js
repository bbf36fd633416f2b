// GAN Explorer page script (injected into <head> by gan_explorer/ui/builder.py, after generator.js).
//
// 1. Latent sliders. The picture box (tab_latent.live_html) names the entry's exported generator
//    (data-model), the seed's latent (data-z) and the class (data-label). While a slider moves,
//    the page composes the latent and runs the generator itself (generator.js), drawing into a
//    canvas in the next animation frame: no server round trip. Until the generator has loaded,
//    or for entries that cannot run here (2-D points, curves), or when window.__ganSliderPath is
//    'server', the <img> points at the fast PNG route (/gan/latent.png) instead, one request in
//    flight at a time, inputs arriving meanwhile folded into the next.
//    window.__ganLatency keeps the milliseconds from each input event to the end of the frame
//    that paints the new picture (benchmarks/slider_latency.py reads it).
// 2. Language switch: Gradio's own locale store, reached through its already-loaded core module.
(() => {
  if (window.__ganExplorer) return;
  window.__ganExplorer = true;
  const latency = [];
  window.__ganLatency = latency;
  window.__ganSliderPath = 'auto'; // 'server' forces the PNG route (the benchmark compares both)
  let inflight = false;
  let queued = null; // {url, t0}: the server path's next picture
  let frame = null; // {view, t0, seq}: the browser path's picture for the next animation frame
  let inputs = 0; // slider inputs so far: a server picture older than the canvas's is not swapped in
  let drawn = 0; // the input the canvas shows
  const ready = new Map(); // spec URL -> Generator, once loaded

  // path: 'page' (drawn here) or 'server' (the PNG route); stages: ms from the input event to the
  // handler running, to the frame's start and to the picture in place (where the time goes)
  const record = (t0, box, path, stages = {}) => {
    latency.push(performance.now() - t0);
    if (latency.length > 5000) latency.shift();
    window.__ganLastShown = { path, ...stages };
    box.dispatchEvent(new CustomEvent('gan-shown', { bubbles: true }));
  };

  const sliderValue = (id, target) => {
    const box = document.getElementById(id);
    if (!box) return null;
    if (target && box.contains(target)) return target.value;
    const input = box.querySelector('input[type="range"]');
    return input ? input.value : null;
  };

  const listValues = (prefix, count, target) => {
    const values = [];
    for (let i = 0; i < count; i++) {
      const v = sliderValue(prefix + i, target);
      if (v === null || v === '' || isNaN(Number(v))) return null;
      values.push(Number(v));
    }
    return values;
  };

  const countOf = (params, key) => (params.get(key) || '').split(',').filter((s) => s !== '').length;

  // Which element shows the picture: the canvas the page draws into, or the server's <img>.
  const display = (box, canvasShown) => {
    const img = box.querySelector('#latent-live'), canvas = box.querySelector('#latent-canvas');
    if (img) img.style.display = canvasShown ? 'none' : '';
    if (canvas) canvas.style.display = canvasShown ? '' : 'none';
  };

  // Resolves once the frame holding the new picture has been painted: the animation-frame
  // callback runs just before that frame's paint, and a message posted from it is handled
  // as the next task, after the paint.
  const afterPaint = (callback) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = callback;
    channel.port2.postMessage(null);
  };
  const painted = () => new Promise((resolve) => requestAnimationFrame(() => afterPaint(resolve)));

  function generatorFor(box) {
    const url = box.dataset.model;
    if (!url || !window.ganGenerator || !box.querySelector('#latent-canvas')) return null;
    if (ready.has(url)) return ready.get(url);
    window.ganGenerator.load(url).then((generator) => ready.set(url, generator),
      (err) => console.warn('GAN Explorer: the picture stays on the server route:', err.message));
    return null;
  }

  function drawFrame() {
    const { view, t0, seq, handled } = frame;
    frame = null;
    const { box, generator } = view;
    if (!box.isConnected) return;
    if (!box.__ganZ) box.__ganZ = Float32Array.from(box.dataset.z.split(',').map(Number));
    const label = box.dataset.label === undefined ? null : Number(box.dataset.label);
    const start = performance.now();
    const z = generator.compose(box.__ganZ, view.dims, view.pcs);
    generator.draw(box.querySelector('#latent-canvas'), z, label);
    const end = performance.now();
    drawn = seq;
    display(box, true);
    afterPaint(() => record(t0, box, 'page', { handler: handled - t0, frame: start - t0, drawn: end - t0,
      drawMs: end - start }));
  }

  async function show(url, t0, seq) {
    const img = document.getElementById('latent-live');
    if (!img) return;
    inflight = true;
    try {
      const loader = new Image();
      loader.src = url;
      await loader.decode(); // fetched and decoded off-screen: the swap below paints at once
      const current = document.getElementById('latent-live');
      if (current && seq > drawn) {
        current.src = url;
        const box = current.closest('.live-view');
        display(box, false);
        await painted();
        record(t0, box, 'server');
      }
    } catch (err) {
      console.warn('latent picture failed to load', err);
    } finally {
      inflight = false;
      if (queued) {
        const next = queued;
        queued = null;
        show(next.url, next.t0, next.seq);
      }
    }
  }

  document.addEventListener('input', (event) => {
    const target = event.target;
    if (!(target instanceof HTMLInputElement) || !target.closest('.latent-slider')) return;
    const img = document.getElementById('latent-live');
    if (!img) return;
    const box = img.closest('.live-view');
    const url = new URL(img.getAttribute('src'), document.baseURI);
    const params = url.searchParams;
    const dims = listValues('latent-dim-', countOf(params, 'dims'), target);
    const pcs = listValues('latent-pc-', countOf(params, 'pcs'), target);
    if (dims === null || pcs === null) return;
    if (dims.length) params.set('dims', dims.join(','));
    if (pcs.length) params.set('pcs', pcs.join(','));
    const t0 = event.timeStamp || performance.now();
    const seq = ++inputs;
    const link = document.getElementById('latent-download');
    if (link) { // the PNG export always names what is shown
      const download = new URL(url);
      download.searchParams.set('scale', '8');
      download.searchParams.set('download', '1');
      link.href = download.toString();
    }
    const generator = window.__ganSliderPath === 'server' ? null : generatorFor(box);
    if (generator) {
      if (!frame) requestAnimationFrame(drawFrame);
      frame = { view: { box, generator, dims, pcs }, t0: frame ? frame.t0 : t0, seq,
        handled: frame ? frame.handled : performance.now() };
    } else if (inflight) {
      queued = { url: url.toString(), t0: queued ? queued.t0 : t0, seq };
    } else {
      show(url.toString(), t0, seq);
    }
  }, true);

  // Load the shown entry's generator as soon as its picture appears, so the first drag runs here.
  new MutationObserver(() => {
    const box = document.querySelector('.live-view[data-model]');
    if (box) generatorFor(box);
  }).observe(document.documentElement, { childList: true, subtree: true });

  // Gradio keeps the UI language in its core module's locale store; importing the module's own
  // URL again returns the same instance, so changeLocale switches every translated string live.
  window.ganSetLocale = async (lang) => {
    const locale = lang === 'zh' ? 'zh-CN' : 'en';
    const urls = performance.getEntriesByType('resource').map((e) => e.name)
      .concat(Array.from(document.querySelectorAll('link[rel="modulepreload"], script[type="module"]'))
        .map((e) => e.href || e.src));
    const core = urls.find((u) => u && /\/assets\/core-[^/]*\.js(\?|$)/.test(u));
    if (!core) {
      console.warn('GAN Explorer: Gradio core module not found; use Settings → Language instead');
      return lang;
    }
    const module = await import(core);
    if (typeof module.changeLocale === 'function') module.changeLocale(locale);
    return lang;
  };
})();
