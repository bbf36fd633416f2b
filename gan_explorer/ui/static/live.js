// GAN Explorer page script (injected into <head> by gan_explorer/ui/builder.py).
//
// 1. Latent sliders: while a slider moves, point the picture at the fast PNG route
//    (/gan/latent.png) with the sliders' values, skipping Gradio's event queue. One
//    request is in flight at a time; inputs arriving meanwhile are folded into the next.
//    window.__ganLatency keeps the milliseconds from each input event to the frame that
//    shows the new picture being painted (benchmarks/slider_latency.py reads it).
// 2. Language switch: Gradio's own locale store, reached through its already-loaded core module.
(() => {
  if (window.__ganExplorer) return;
  window.__ganExplorer = true;
  const latency = [];
  window.__ganLatency = latency;
  let inflight = false;
  let queued = null; // {url, t0}

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
      values.push(String(Number(v)));
    }
    return values.join(',');
  };

  const countOf = (params, key) => (params.get(key) || '').split(',').filter((s) => s !== '').length;

  // Resolves once the frame holding the new picture has been painted: the animation-frame
  // callback runs just before that frame's paint, and a message posted from it is handled
  // as the next task, after the paint.
  const painted = () => new Promise((resolve) => requestAnimationFrame(() => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => resolve();
    channel.port2.postMessage(null);
  }));

  async function show(url, t0) {
    const img = document.getElementById('latent-live');
    if (!img) return;
    inflight = true;
    try {
      const loader = new Image();
      loader.src = url;
      await loader.decode(); // fetched and decoded off-screen: the swap below paints at once
      const current = document.getElementById('latent-live');
      if (current) {
        current.src = url;
        const link = document.getElementById('latent-download');
        if (link) {
          const download = new URL(url);
          download.searchParams.set('scale', '8');
          download.searchParams.set('download', '1');
          link.href = download.toString();
        }
        await painted();
        latency.push(performance.now() - t0);
        if (latency.length > 5000) latency.shift();
        current.dispatchEvent(new CustomEvent('gan-shown', { detail: { url } }));
      }
    } catch (err) {
      console.warn('latent picture failed to load', err);
    } finally {
      inflight = false;
      if (queued) {
        const next = queued;
        queued = null;
        show(next.url, next.t0);
      }
    }
  }

  document.addEventListener('input', (event) => {
    const target = event.target;
    if (!(target instanceof HTMLInputElement) || !target.closest('.latent-slider')) return;
    const img = document.getElementById('latent-live');
    if (!img) return;
    const url = new URL(img.getAttribute('src'), document.baseURI);
    const params = url.searchParams;
    const dims = listValues('latent-dim-', countOf(params, 'dims'), target);
    const pcs = listValues('latent-pc-', countOf(params, 'pcs'), target);
    if (dims === null || pcs === null) return;
    if (dims) params.set('dims', dims);
    if (pcs) params.set('pcs', pcs);
    const t0 = event.timeStamp || performance.now();
    if (inflight) {
      queued = { url: url.toString(), t0: queued ? queued.t0 : t0 };
    } else {
      show(url.toString(), t0);
    }
  }, true);

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
