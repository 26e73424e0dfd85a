// Fits an outline found on a reduced copy to the edges of the full-size photo: the copy is a few times smaller, so
// its sides can be off by several source pixels (much of a spine's width), and its simplification either misses a
// real bend or keeps the reduced mask's noise.
import { intersectLines, type Point } from './polygon';
import type { RgbImage } from './segmenter';

/** Tuning of the fit in {@link pruneOutline}. */
export interface RefineOptions {
  /** How far each side may move, in source pixels. */
  radius: number;
  /** Smallest colour step that counts as an edge (RGB units, see `lightnessWeight`). Default 12. */
  minContrast?: number;
  /**
   * Weight of lightness in a colour step, measured in opponent colours (lightness (R+G+B)/3, red–green R−G,
   * yellow–blue (R+G)/2−B): a shadow's edge or the shading inside a book is a change of lightness, a book's edge
   * against its backdrop usually a change of hue as well. Default 0.5; 1 weighs lightness like the other two.
   */
  lightnessWeight?: number;
}

/** Tuning of {@link pruneOutline}: the fit's, and how much edge a removed vertex may cost. */
export interface PruneOptions extends RefineOptions {
  /**
   * A vertex goes when the side that replaces it, fitted to the photo, keeps at least this share of the colour step
   * measured along the two sides it had. Default 0.9.
   */
  keepShare?: number;
}

/** A side as the line p + t·d. */
interface Line {
  p: Point;
  d: Point;
}

/**
 * Fits the outline to the photo's edges, then drops the vertices the photo does not call for.
 *
 * Fitting: every side not lying on the frame (the subject cut by the photo's edge has no edge to find there) is
 * sampled along its length; at each point the strongest colour step across the side within `radius` (lightness
 * weighed down, see {@link RefineOptions.lightnessWeight}) is found, a line is fitted through those steps (dropping
 * outliers), and the vertices are rebuilt where neighbouring lines meet. Sides with too few steps, and vertices that
 * would move more than three radii, stay where they were.
 *
 * Pruning: start from an outline simplified finely enough to keep real bends (a bowed board). Each vertex off the
 * frame is tried in turn: the polygon without it is fitted, and the side that replaced the vertex's two is measured
 * (the mean colour step across it at its own position). The removal keeping the largest share of the two sides' step
 * goes, while one keeps at least `keepShare`; a bend the photo shows loses much of the step when straightened, noise
 * of the reduced mask loses none.
 */
export function pruneOutline(image: RgbImage, outline: readonly Point[], options: PruneOptions): Point[] {
  const { keepShare = 0.9 } = options;
  const { width, height } = image;
  const fitter = sideFitter(image, options);
  const onFrame = ([x, y]: Point) => x < 1 || y < 1 || x > width - 1 || y > height - 1;
  // The step across sides at their own position (middle 80 %, the best of ±½ px: sub-pixel error is no missing edge),
  // averaged over their length; sides along the frame have no edge and do not count.
  const meanStep = (...sides: Array<[Point, Point]>) => {
    let total = 0;
    let totalLength = 0;
    for (const [a, b] of sides) {
      const length = Math.hypot(b[0] - a[0], b[1] - a[1]);
      if (length < 1 || alongFrame(a, b, width, height, 1)) continue;
      const tx = (b[0] - a[0]) / length;
      const ty = (b[1] - a[1]) / length;
      const samples = Math.max(8, Math.min(80, Math.round(length / 2)));
      let sum = 0;
      for (let s = 0; s < samples; s++) {
        const t = length * (0.1 + (0.8 * (s + 0.5)) / samples);
        const x = a[0] + tx * t;
        const y = a[1] + ty * t;
        sum += Math.max(fitter.measure(x, y, tx, ty, -0.5), fitter.measure(x, y, tx, ty, 0), fitter.measure(x, y, tx, ty, 0.5));
      }
      total += (sum / samples) * length;
      totalLength += length;
    }
    return totalLength > 0 ? total / totalLength : 0;
  };

  let current = refineWith(fitter, outline);
  while (current.length > 3) {
    const n = current.length;
    const at = (i: number) => current[(i + n) % n] as Point;
    let best: { polygon: Point[]; share: number } | undefined;
    for (let i = 0; i < n; i++) {
      if (onFrame(at(i))) continue;
      const before = meanStep([at(i - 1), at(i)], [at(i), at(i + 1)]);
      if (before <= 0) continue;
      const polygon = refineWith(fitter, current.filter((_, j) => j !== i));
      // In the polygon without vertex i, the side from vertex i − 1 (the last one when i is 0) replaced its two.
      const k = i === 0 ? n - 2 : i - 1;
      const share = meanStep([polygon[k] as Point, polygon[(k + 1) % (n - 1)] as Point]) / before;
      if (share >= keepShare && (!best || share > best.share)) best = { polygon, share };
    }
    if (!best) break;
    current = best.polygon;
  }
  return current;
}

function refineWith(fitter: SideFitter, outline: readonly Point[]): Point[] {
  const n = outline.length;
  if (n < 3) return outline.map(([x, y]) => [x, y]);
  const lines = outline.map((a, i) => fitter.fit(a, outline[(i + 1) % n] as Point));
  return outline.map((vertex, i) => fitter.corner(lines[(i + n - 1) % n] as Line, lines[i] as Line, vertex));
}

type SideFitter = ReturnType<typeof sideFitter>;

/** The side fit and corner rule of {@link pruneOutline}; fits are kept by their end points, as pruning repeats them. */
function sideFitter(image: RgbImage, options: RefineOptions) {
  const { radius, minContrast = 12, lightnessWeight = 0.5 } = options;
  const { width, height } = image;
  const span = Math.max(1, Math.round(radius / 6));
  const measure = colourStep(image, span, lightnessWeight);

  /** The side a→b moved onto the photo's edge; as it was when it lies on the frame, is short or has too few steps. */
  const fitSide = (a: Point, b: Point): Line => {
    const dx = b[0] - a[0];
    const dy = b[1] - a[1];
    const length = Math.hypot(dx, dy);
    const line: Line = { p: a, d: [dx, dy] };
    if (length < 4 * radius || alongFrame(a, b, width, height, radius)) return line;
    const tx = dx / length;
    const ty = dy / length;
    const nx = -ty;
    const ny = tx;
    const samples = Math.max(8, Math.min(80, Math.round(length / (2 * span))));
    const offsets: Array<{ t: number; o: number }> = [];
    const steps = new Float64Array(2 * Math.ceil(radius) + 1);
    for (let s = 0; s < samples; s++) {
      // Keep away from the corners, where the neighbouring side's edge would compete.
      const t = length * (0.1 + (0.8 * (s + 0.5)) / samples);
      const cx = a[0] + tx * t;
      const cy = a[1] + ty * t;
      let best = -1;
      let bestScore = 0;
      for (let k = 0; k < steps.length; k++) {
        const o = k - Math.ceil(radius);
        const step = measure(cx, cy, tx, ty, o);
        steps[k] = step;
        // Prefer the step nearest to where the side already is, a little.
        const score = step * (1 - (0.3 * Math.abs(o)) / radius);
        if (score > bestScore) {
          bestScore = score;
          best = k;
        }
      }
      if (best < 0 || (steps[best] as number) < minContrast) continue;
      // Sub-pixel position: the vertex of the parabola through the best step and its neighbours.
      let o = best - Math.ceil(radius);
      if (best > 0 && best < steps.length - 1) {
        const l = steps[best - 1] as number;
        const c = steps[best] as number;
        const r = steps[best + 1] as number;
        const denominator = l - 2 * c + r;
        if (denominator < 0) o += (0.5 * (l - r)) / denominator;
      }
      offsets.push({ t, o });
    }
    const fit = robustLine(offsets);
    if (!fit) return line;
    // The offset along the normal at t = 0 and its slope give the new side.
    return { p: [a[0] + nx * fit.intercept, a[1] + ny * fit.intercept], d: [tx + nx * fit.slope, ty + ny * fit.slope] };
  };
  const fitted = new Map<string, Line>();
  const fit = (a: Point, b: Point): Line => {
    const key = `${a[0]},${a[1]},${b[0]},${b[1]}`;
    let line = fitted.get(key);
    if (!line) fitted.set(key, (line = fitSide(a, b)));
    return line;
  };

  /** The vertex where two fitted sides meet; the old one when they do not, or would move it more than three radii. */
  const corner = (previous: Line, next: Line, vertex: Point): Point => {
    const hit = intersectLines(previous.p, previous.d, next.p, next.d);
    if (!hit || Math.hypot(hit[0] - vertex[0], hit[1] - vertex[1]) > 3 * radius) return [vertex[0], vertex[1]];
    return [Math.min(width, Math.max(0, hit[0])), Math.min(height, Math.max(0, hit[1]))];
  };
  return { fit, corner, measure };
}

/** Whether the side a→b runs along one edge of the frame: both ends within `near` pixels of it. */
function alongFrame(a: Point, b: Point, width: number, height: number, near: number): boolean {
  return (
    (a[0] < near && b[0] < near) ||
    (a[1] < near && b[1] < near) ||
    (a[0] > width - near && b[0] > width - near) ||
    (a[1] > height - near && b[1] > height - near)
  );
}

/** Least-squares line o = intercept + slope·t, refitted twice without points more than 1.5 px (or 2 MAD) off. */
function robustLine(points: ReadonlyArray<{ t: number; o: number }>): { intercept: number; slope: number } | undefined {
  let kept = points.slice();
  let fit: { intercept: number; slope: number } | undefined;
  for (let round = 0; round < 3; round++) {
    if (kept.length < Math.max(4, points.length * 0.3)) return fit;
    const m = kept.length;
    const mt = kept.reduce((s, p) => s + p.t, 0) / m;
    const mo = kept.reduce((s, p) => s + p.o, 0) / m;
    const stt = kept.reduce((s, p) => s + (p.t - mt) ** 2, 0);
    const sto = kept.reduce((s, p) => s + (p.t - mt) * (p.o - mo), 0);
    const slope = stt > 0 ? sto / stt : 0;
    fit = { intercept: mo - slope * mt, slope };
    const residuals = kept.map((p) => Math.abs(p.o - (fit as { intercept: number; slope: number }).intercept - slope * p.t));
    const sorted = [...residuals].sort((a, b) => a - b);
    const limit = Math.max(1.5, 2 * (sorted[Math.floor(sorted.length / 2)] as number));
    kept = kept.filter((_, i) => (residuals[i] as number) <= limit);
  }
  return fit;
}

/**
 * The colour step across a line at a point: the mean colour of three points `span` pixels before, minus that of three
 * after, along the normal (nx, ny) = (−ty, tx), measured `o` pixels out along it, in opponent colours with lightness
 * weighed by `lightnessWeight`.
 */
function colourStep(image: RgbImage, span: number, lightnessWeight: number) {
  const { width, height, data } = image;
  const before = new Float64Array(3);
  const after = new Float64Array(3);
  const add = (x: number, y: number, out: Float64Array) => {
    const px = Math.min(width - 1, Math.max(0, Math.floor(x)));
    const py = Math.min(height - 1, Math.max(0, Math.floor(y)));
    const p = (py * width + px) * 3;
    out[0] = (out[0] as number) + (data[p] as number) / 3;
    out[1] = (out[1] as number) + (data[p + 1] as number) / 3;
    out[2] = (out[2] as number) + (data[p + 2] as number) / 3;
  };
  return (cx: number, cy: number, tx: number, ty: number, o: number): number => {
    const nx = -ty;
    const ny = tx;
    before.fill(0);
    after.fill(0);
    for (const along of [-span, 0, span]) {
      const x = cx + tx * along + nx * o;
      const y = cy + ty * along + ny * o;
      add(x - nx * span, y - ny * span, before);
      add(x + nx * span, y + ny * span, after);
    }
    const dr = (before[0] as number) - (after[0] as number);
    const dg = (before[1] as number) - (after[1] as number);
    const db = (before[2] as number) - (after[2] as number);
    return Math.hypot(((dr + dg + db) / 3) * lightnessWeight, dr - dg, (dr + dg) / 2 - db);
  };
}
