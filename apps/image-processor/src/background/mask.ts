// Pixel-level building blocks of the background remover: plain loops over typed arrays, no I/O, no sharp,
// so each step can be tested and reasoned about on its own. Masks are Uint8Array with 1 = subject, 0 = background.

/** An axis-aligned box in pixels. */
export interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** Indices of the pixels in a band `band` pixels wide along the four edges. */
export function borderIndices(width: number, height: number, band: number): Int32Array {
  const b = Math.max(1, Math.min(band, Math.floor(Math.min(width, height) / 2)));
  const out: number[] = [];
  for (let y = 0; y < height; y++) {
    const edgeRow = y < b || y >= height - b;
    for (let x = 0; x < width; x++) {
      if (edgeRow || x < b || x >= width - b) out.push(y * width + x);
    }
  }
  return Int32Array.from(out);
}

/**
 * k-means on RGB samples (`n × 3`), deterministic: the first centre is the sample mean, each next one the sample
 * farthest from the centres so far. Returns the centres with the share of samples each one won.
 */
export function kMeansColours(samples: Float32Array, k: number, iterations = 10): Array<{ centre: [number, number, number]; share: number }> {
  const n = samples.length / 3;
  if (n === 0) return [];
  const centres: number[][] = [];
  const mean = [0, 0, 0];
  for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) (mean[c] as number) += (samples[i * 3 + c] as number) / n;
  centres.push(mean);
  const nearest = new Float32Array(n).fill(Infinity);
  while (centres.length < Math.min(k, n)) {
    const last = centres[centres.length - 1] as number[];
    let far = 0;
    for (let i = 0; i < n; i++) {
      const d = dist2(samples, i, last);
      if (d < (nearest[i] as number)) nearest[i] = d;
      if ((nearest[i] as number) > (nearest[far] as number)) far = i;
    }
    if ((nearest[far] as number) < 1) break; // every sample already sits on a centre
    centres.push([samples[far * 3] as number, samples[far * 3 + 1] as number, samples[far * 3 + 2] as number]);
  }
  const assignment = new Int32Array(n);
  for (let iter = 0; iter < iterations; iter++) {
    const sums = centres.map(() => [0, 0, 0, 0]);
    for (let i = 0; i < n; i++) {
      let best = 0;
      let bestD = Infinity;
      for (let j = 0; j < centres.length; j++) {
        const d = dist2(samples, i, centres[j] as number[]);
        if (d < bestD) {
          bestD = d;
          best = j;
        }
      }
      assignment[i] = best;
      const s = sums[best] as number[];
      s[0] = (s[0] as number) + (samples[i * 3] as number);
      s[1] = (s[1] as number) + (samples[i * 3 + 1] as number);
      s[2] = (s[2] as number) + (samples[i * 3 + 2] as number);
      s[3] = (s[3] as number) + 1;
    }
    sums.forEach((s, j) => {
      const count = s[3] as number;
      if (count > 0) centres[j] = [(s[0] as number) / count, (s[1] as number) / count, (s[2] as number) / count];
    });
  }
  const counts = new Array<number>(centres.length).fill(0);
  for (let i = 0; i < n; i++) counts[assignment[i] as number] = (counts[assignment[i] as number] as number) + 1;
  return centres.map((centre, j) => ({ centre: centre as [number, number, number], share: (counts[j] as number) / n }));
}

function dist2(samples: Float32Array, i: number, centre: number[]): number {
  const dr = (samples[i * 3] as number) - (centre[0] as number);
  const dg = (samples[i * 3 + 1] as number) - (centre[1] as number);
  const db = (samples[i * 3 + 2] as number) - (centre[2] as number);
  return dr * dr + dg * dg + db * db;
}

/** Per pixel of an RGB image, the Euclidean distance to the nearest of `centres`. */
export function distanceToColours(rgb: Uint8Array, pixels: number, centres: ReadonlyArray<readonly [number, number, number]>): Float32Array {
  const out = new Float32Array(pixels);
  for (let p = 0; p < pixels; p++) {
    const r = rgb[p * 3] as number;
    const g = rgb[p * 3 + 1] as number;
    const b = rgb[p * 3 + 2] as number;
    let best = Infinity;
    for (const c of centres) {
      const d = (r - c[0]) ** 2 + (g - c[1]) ** 2 + (b - c[2]) ** 2;
      if (d < best) best = d;
    }
    out[p] = Math.sqrt(best);
  }
  return out;
}

/** The `q` quantile (0..1) of `values`, by sorting a copy. */
export function quantile(values: ArrayLike<number>, q: number): number {
  if (values.length === 0) return 0;
  const sorted = Float32Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))))] as number;
}

/**
 * Square-window dilation (`mode` 'max') or erosion ('min') of radius `r`, done as two separable passes with running
 * sums, so the cost does not grow with the radius. Pixels outside the image are ignored, not counted as background:
 * a book cut by the frame keeps its edge.
 */
export function morph(mask: Uint8Array, width: number, height: number, r: number, mode: 'max' | 'min'): Uint8Array {
  if (r <= 0) return mask.slice();
  const pass = (src: Uint8Array, len: number, lines: number, at: (line: number, i: number) => number) => {
    const dst = new Uint8Array(src.length);
    const prefix = new Int32Array(len + 1);
    for (let line = 0; line < lines; line++) {
      for (let i = 0; i < len; i++) prefix[i + 1] = (prefix[i] as number) + (src[at(line, i)] as number);
      for (let i = 0; i < len; i++) {
        const lo = Math.max(0, i - r);
        const hi = Math.min(len - 1, i + r);
        const sum = (prefix[hi + 1] as number) - (prefix[lo] as number);
        dst[at(line, i)] = mode === 'max' ? (sum > 0 ? 1 : 0) : sum === hi - lo + 1 ? 1 : 0;
      }
    }
    return dst;
  };
  const horizontal = pass(mask, width, height, (y, x) => y * width + x);
  return pass(horizontal, height, width, (x, y) => y * width + x);
}

/** Opening (erode then dilate): removes specks smaller than the window. */
export const open = (m: Uint8Array, w: number, h: number, r: number) => morph(morph(m, w, h, r, 'min'), w, h, r, 'max');
/** Closing (dilate then erode): bridges gaps narrower than the window. */
export const close = (m: Uint8Array, w: number, h: number, r: number) => morph(morph(m, w, h, r, 'max'), w, h, r, 'min');

/** The largest 4-connected component of the mask, with its area and bounding box; area 0 when the mask is empty. */
export function largestComponent(mask: Uint8Array, width: number, height: number): { mask: Uint8Array; area: number; box: Box } {
  const labels = new Int32Array(mask.length);
  const queue = new Int32Array(mask.length);
  let bestLabel = 0;
  let bestArea = 0;
  let label = 0;
  for (let start = 0; start < mask.length; start++) {
    if (!mask[start] || labels[start]) continue;
    label++;
    let head = 0;
    let tail = 0;
    queue[tail++] = start;
    labels[start] = label;
    while (head < tail) {
      const p = queue[head++] as number;
      const x = p % width;
      const neighbours = [x > 0 ? p - 1 : -1, x < width - 1 ? p + 1 : -1, p - width, p + width];
      for (const q of neighbours) {
        if (q < 0 || q >= mask.length || !mask[q] || labels[q]) continue;
        labels[q] = label;
        queue[tail++] = q;
      }
    }
    if (tail > bestArea) {
      bestArea = tail;
      bestLabel = label;
    }
  }
  const out = new Uint8Array(mask.length);
  let minX = width;
  let minY = height;
  let maxX = -1;
  let maxY = -1;
  if (bestLabel > 0) {
    for (let p = 0; p < mask.length; p++) {
      if (labels[p] !== bestLabel) continue;
      out[p] = 1;
      const x = p % width;
      const y = (p - x) / width;
      if (x < minX) minX = x;
      if (x > maxX) maxX = x;
      if (y < minY) minY = y;
      if (y > maxY) maxY = y;
    }
  }
  const box = bestArea > 0 ? { left: minX, top: minY, width: maxX - minX + 1, height: maxY - minY + 1 } : { left: 0, top: 0, width: 0, height: 0 };
  return { mask: out, area: bestArea, box };
}

/** Fills every background region that does not reach the image edge: pages and titles inside the book's outline. */
export function fillHoles(mask: Uint8Array, width: number, height: number): Uint8Array {
  const outside = new Uint8Array(mask.length);
  const queue = new Int32Array(mask.length);
  let tail = 0;
  const seed = (p: number) => {
    if (!mask[p] && !outside[p]) {
      outside[p] = 1;
      queue[tail++] = p;
    }
  };
  for (let x = 0; x < width; x++) {
    seed(x);
    seed((height - 1) * width + x);
  }
  for (let y = 0; y < height; y++) {
    seed(y * width);
    seed(y * width + width - 1);
  }
  let head = 0;
  while (head < tail) {
    const p = queue[head++] as number;
    const x = p % width;
    if (x > 0) seed(p - 1);
    if (x < width - 1) seed(p + 1);
    if (p >= width) seed(p - width);
    if (p < mask.length - width) seed(p + width);
  }
  const out = new Uint8Array(mask.length);
  for (let p = 0; p < mask.length; p++) out[p] = outside[p] ? 0 : 1;
  return out;
}

/** Intersection over union of two masks of the same size; 1 when both are empty. */
export function intersectionOverUnion(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) throw new RangeError(`mask sizes differ: ${a.length} vs ${b.length}`);
  let inter = 0;
  let union = 0;
  for (let p = 0; p < a.length; p++) {
    const x = a[p] ? 1 : 0;
    const y = b[p] ? 1 : 0;
    inter += x & y;
    union += x | y;
  }
  return union === 0 ? 1 : inter / union;
}
