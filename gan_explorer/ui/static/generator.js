// GAN Explorer's in-browser generator: runs the op list that gan_explorer/webexport.py writes
// (GET gan/generator/<entry>.json and .bin), so the latent sliders redraw without a server trip.
//
// No dependencies: plain loops over Float32Arrays. Every buffer is allocated once when a model
// loads, so a slider drag allocates nothing and never waits for the garbage collector.
// Feature maps are channels last (H × W × C) and kernels kh × kw × out × in, so the innermost
// loop of every layer is a dot product over input channels that reads both arrays in order.
// webexport.run_reference is the same computation in numpy; the tests hold the two together.
(() => {
  if (window.ganGenerator) return;

  const dot = (a, ai, b, bi, n) => {
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0, i = 0;
    for (; i + 3 < n; i += 4) {
      s0 += a[ai + i] * b[bi + i];
      s1 += a[ai + i + 1] * b[bi + i + 1];
      s2 += a[ai + i + 2] * b[bi + i + 2];
      s3 += a[ai + i + 3] * b[bi + i + 3];
    }
    for (; i < n; i++) s0 += a[ai + i] * b[bi + i];
    return (s0 + s1) + (s2 + s3);
  };

  // acc[o] += Σ_c x[xi + c] · w[wi + o·n + c] for every output o: four outputs at a time, so each
  // input value is read once for four weights (about twice as fast as one dot product per output)
  const accumulate = (acc, w, wi, x, xi, n, outputs) => {
    let o = 0;
    for (; o + 3 < outputs; o += 4) {
      const w0 = wi + o * n, w1 = w0 + n, w2 = w1 + n, w3 = w2 + n;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let c = 0; c < n; c++) {
        const v = x[xi + c];
        s0 += v * w[w0 + c];
        s1 += v * w[w1 + c];
        s2 += v * w[w2 + c];
        s3 += v * w[w3 + c];
      }
      acc[o] += s0;
      acc[o + 1] += s1;
      acc[o + 2] += s2;
      acc[o + 3] += s3;
    }
    for (; o < outputs; o++) acc[o] += dot(w, wi + o * n, x, xi, n);
  };

  function linear(op, blob) {
    const w = blob(op.weight), b = blob(op.bias), out = new Float32Array(op.out), n = op.in;
    return (x) => {
      for (let o = 0; o < op.out; o++) out[o] = b[o] + dot(w, o * n, x, 0, n);
      return out;
    };
  }

  // Transposed convolution, gathered per output pixel: pixel (oy, ox) receives input (iy, ix)
  // through tap (ky, kx) when oy = iy·s + ky − p, i.e. for the taps with (oy + p − ky) divisible by s.
  function convTranspose(op, blob) {
    const [cin, hin, win] = op.in_shape, [cout, hout, wout] = op.out_shape;
    const k = op.kernel, s = op.stride, p = op.padding, w = blob(op.weight), b = blob(op.bias);
    const out = new Float32Array(hout * wout * cout);
    const acc = new Float64Array(cout);
    return (x) => {
      for (let oy = 0; oy < hout; oy++) {
        for (let ox = 0; ox < wout; ox++) {
          for (let o = 0; o < cout; o++) acc[o] = b[o];
          for (let ky = (oy + p) % s; ky < k; ky += s) {
            const iy = (oy + p - ky) / s;
            if (iy < 0 || iy >= hin) continue;
            for (let kx = (ox + p) % s; kx < k; kx += s) {
              const ix = (ox + p - kx) / s;
              if (ix < 0 || ix >= win) continue;
              const xi = (iy * win + ix) * cin;
              const wi = (ky * k + kx) * cout * cin;
              accumulate(acc, w, wi, x, xi, cin, cout);
            }
          }
          const base = (oy * wout + ox) * cout;
          for (let o = 0; o < cout; o++) out[base + o] = acc[o];
        }
      }
      return out;
    };
  }

  // Plain convolution: output pixel (oy, ox) reads input (oy·s + ky − p, ox·s + kx − p), zero outside.
  function conv(op, blob) {
    const [cin, hin, win] = op.in_shape, [cout, hout, wout] = op.out_shape;
    const k = op.kernel, s = op.stride, p = op.padding, w = blob(op.weight), b = blob(op.bias);
    const out = new Float32Array(hout * wout * cout);
    const acc = new Float64Array(cout);
    return (x) => {
      for (let oy = 0; oy < hout; oy++) {
        for (let ox = 0; ox < wout; ox++) {
          for (let o = 0; o < cout; o++) acc[o] = b[o];
          for (let ky = 0; ky < k; ky++) {
            const iy = oy * s + ky - p;
            if (iy < 0 || iy >= hin) continue;
            for (let kx = 0; kx < k; kx++) {
              const ix = ox * s + kx - p;
              if (ix < 0 || ix >= win) continue;
              const xi = (iy * win + ix) * cin;
              const wi = (ky * k + kx) * cout * cin;
              accumulate(acc, w, wi, x, xi, cin, cout);
            }
          }
          const base = (oy * wout + ox) * cout;
          for (let o = 0; o < cout; o++) out[base + o] = acc[o];
        }
      }
      return out;
    };
  }

  // Element-wise ops work in place on the previous op's buffer (always this model's own).
  const inPlace = (f) => () => (x) => {
    for (let i = 0; i < x.length; i++) x[i] = f(x[i]);
    return x;
  };

  const OPS = {
    linear,
    conv_transpose2d: convTranspose,
    conv2d: conv,
    affine: (op, blob) => {
      const scale = blob(op.scale), shift = blob(op.shift), c = op.channels;
      return (x) => {
        for (let i = 0; i < x.length; i++) x[i] = x[i] * scale[i % c] + shift[i % c];
        return x;
      };
    },
    layer_norm: (op, blob) => {
      const weight = op.weight ? blob(op.weight) : null, bias = op.bias ? blob(op.bias) : null;
      return (x) => {
        let mean = 0, variance = 0;
        for (let i = 0; i < x.length; i++) mean += x[i];
        mean /= x.length;
        for (let i = 0; i < x.length; i++) variance += (x[i] - mean) * (x[i] - mean);
        const inv = 1 / Math.sqrt(variance / x.length + op.eps);
        for (let i = 0; i < x.length; i++) {
          const v = (x[i] - mean) * inv;
          x[i] = weight ? v * weight[i] + bias[i] : v;
        }
        return x;
      };
    },
    relu: inPlace((v) => (v > 0 ? v : 0)),
    leaky_relu: (op) => inPlace((v) => (v >= 0 ? v : v * op.slope))(),
    tanh: inPlace(Math.tanh),
    sigmoid: inPlace((v) => 1 / (1 + Math.exp(-v))),
    chw_to_hwc: (op) => {
      const [c, h, w] = op.shape, out = new Float32Array(c * h * w);
      return (x) => {
        for (let ch = 0; ch < c; ch++) {
          for (let i = 0; i < h * w; i++) out[i * c + ch] = x[ch * h * w + i];
        }
        return out;
      };
    },
  };

  class Generator {
    constructor(spec, weights) {
      const floats = new Float32Array(weights);
      if (floats.length !== spec.floats) throw new Error(`weights hold ${floats.length} floats, not ${spec.floats}`);
      const blob = ([offset, length]) => floats.subarray(offset, offset + length);
      this.spec = spec;
      this.steps = spec.ops.map((op) => {
        if (!OPS[op.op]) throw new Error(`unknown op ${op.op}`);
        return OPS[op.op](op, blob);
      });
      this.bounds = spec.cluster_bounds || [];
      // a self-conditioned generator takes a one-hot cluster, picked by the latent's first value
      this.classes = spec.num_classes || (this.bounds.length ? this.bounds.length + 1 : 0);
      this.input = new Float32Array(spec.latent_dim + this.classes);
      const [c, h, w] = spec.output_shape;
      this.width = w;
      this.height = h;
      this.channels = c;
      this.directions = spec.directions || [];
      this.pixels = null; // ImageData, made on first draw (it needs a document)
    }

    // The latent the server's latent.compose builds: the seed's latent, its first values
    // replaced by the sliders, then moved offsets[i] along principal direction i.
    compose(base, dims, offsets) {
      const z = Float32Array.from(base);
      for (let i = 0; i < dims.length; i++) z[i] = dims[i];
      for (let j = 0; j < z.length; j++) {
        let moved = 0;
        for (let i = 0; i < offsets.length; i++) moved += offsets[i] * this.directions[i][j];
        z[j] += moved;
      }
      return z;
    }

    // H × W × C floats in [0, 1] for one latent (and class label for conditional models).
    run(z, label) {
      const x = this.input, d = this.spec.latent_dim;
      if (z.length !== d) throw new Error(`a latent of ${z.length} values for a ${d}-dimensional model`);
      x.set(z);
      if (this.bounds.length) {
        // z[0] picks the cluster whose stretch holds it, and G sees it as 0 (GAN.decode)
        label = 0;
        while (label < this.bounds.length && this.bounds[label] <= z[0]) label++;
        x[0] = 0;
      }
      for (let i = 0; i < this.classes; i++) x[d + i] = i === label ? 1 : 0;
      let y = x;
      for (const step of this.steps) y = step(y);
      const scale = this.spec.output_scale, shift = this.spec.output_shift;
      for (let i = 0; i < y.length; i++) {
        const v = y[i] * scale + shift;
        y[i] = v < 0 ? 0 : v > 1 ? 1 : v;
      }
      return y;
    }

    // Paints the picture into a canvas at its natural size, as the server's PNG is:
    // round(255 · value) per pixel, grey images on all three colour channels.
    draw(canvas, z, label) {
      const y = this.run(z, label);
      if (canvas.width !== this.width || canvas.height !== this.height) {
        canvas.width = this.width;
        canvas.height = this.height;
      }
      if (!this.pixels) this.pixels = new ImageData(this.width, this.height);
      const rgba = this.pixels.data, c = this.channels;
      for (let i = 0, n = this.width * this.height; i < n; i++) {
        for (let ch = 0; ch < 3; ch++) rgba[4 * i + ch] = Math.round(255 * y[i * c + (c === 3 ? ch : 0)]);
        rgba[4 * i + 3] = 255;
      }
      canvas.getContext('2d').putImageData(this.pixels, 0, 0);
    }
  }

  const loaded = new Map(); // spec URL -> Promise<Generator>

  // The generator behind a spec URL, fetched once per page (the URLs carry the weights' version).
  function load(specUrl) {
    if (!loaded.has(specUrl)) {
      const promise = (async () => {
        const response = await fetch(specUrl, { credentials: 'same-origin' });
        if (!response.ok) throw new Error(`${specUrl}: ${response.status} ${await response.text()}`);
        const spec = await response.json();
        const bin = await fetch(new URL(spec.weights_url, new URL(specUrl, document.baseURI)),
          { credentials: 'same-origin' });
        if (!bin.ok) throw new Error(`${spec.weights_url}: ${bin.status}`);
        return new Generator(spec, await bin.arrayBuffer());
      })();
      promise.catch(() => loaded.delete(specUrl)); // a failed load may be retried later
      loaded.set(specUrl, promise);
    }
    return loaded.get(specUrl);
  }

  window.ganGenerator = { load, Generator };
})();
