// Moves each side of an outline found on a reduced copy onto the edge in the full-size photo: the copy is a few
// times smaller, so its sides can be off by several source pixels, which is much of a spine's width.
import { intersectLines, type Point } from './polygon';
import type { RgbImage } from './segmenter';

/** Tuning of {@link refineOutline}. */
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

/**
 * For every side not lying on the frame (the subject cut by the photo's edge has no edge to find there), samples
 * points along it, finds at each the strongest colour step across the side within `radius` (lightness weighed
 * down, see {@link RefineOptions.lightnessWeight}), fits a line through
 * those steps (dropping outliers), and rebuilds the vertices where neighbouring lines meet. Sides with too few
 * steps, and vertices that would move more than three radii, stay where they were.
 */
export function refineOutline(image: RgbImage, outline: readonly Point[], options: RefineOptions): Point[] {
  const { radius, minContrast = 12, lightnessWeight = 0.5 } = options;
  const n = outline.length;
  if (n < 3) return outline.map(([x, y]) => [x, y]);
  const { width, height, data } = image;
  const span = Math.max(1, Math.round(radius / 6));
  const colour = (x: number, y: number, out: Float64Array, weight: number) => {
    const px = Math.min(width - 1, Math.max(0, Math.floor(x)));
    const py = Math.min(height - 1, Math.max(0, Math.floor(y)));
    const p = (py * width + px) * 3;
    out[0] = (out[0] as number) + (data[p] as number) * weight;
    out[1] = (out[1] as number) + (data[p + 1] as number) * weight;
    out[2] = (out[2] as number) + (data[p + 2] as number) * weight;
  };
  const onFrame = (a: Point, b: Point) => {
    const near = radius;
    return (
      (a[0] < near && b[0] < near) ||
      (a[1] < near && b[1] < near) ||
      (a[0] > width - near && b[0] > width - near) ||
      (a[1] > height - near && b[1] > height - near)
    );
  };

  const lines = outline.map((a, i) => {
    const b = outline[(i + 1) % n] as Point;
    const dx = b[0] - a[0];
    const dy = b[1] - a[1];
    const length = Math.hypot(dx, dy);
    const line = { p: a, d: [dx, dy] as Point };
    if (length < 4 * radius || onFrame(a, b)) return line;
    const tx = dx / length;
    const ty = dy / length;
    const nx = -ty;
    const ny = tx;
    const samples = Math.max(8, Math.min(80, Math.round(length / (2 * span))));
    const offsets: Array<{ t: number; o: number }> = [];
    const before = new Float64Array(3);
    const after = new Float64Array(3);
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
        before.fill(0);
        after.fill(0);
        for (const along of [-span, 0, span]) {
          const x = cx + tx * along + nx * o;
          const y = cy + ty * along + ny * o;
          colour(x - nx * span, y - ny * span, before, 1 / 3);
          colour(x + nx * span, y + ny * span, after, 1 / 3);
        }
        const dr = (before[0] as number) - (after[0] as number);
        const dg = (before[1] as number) - (after[1] as number);
        const db = (before[2] as number) - (after[2] as number);
        const step = Math.hypot(((dr + dg + db) / 3) * lightnessWeight, dr - dg, (dr + dg) / 2 - db);
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
    const p: Point = [a[0] + nx * fit.intercept, a[1] + ny * fit.intercept];
    const d: Point = [tx + nx * fit.slope, ty + ny * fit.slope];
    return { p, d };
  });

  return outline.map((vertex, i) => {
    const previous = lines[(i + n - 1) % n] as { p: Point; d: Point };
    const next = lines[i] as { p: Point; d: Point };
    const hit = intersectLines(previous.p, previous.d, next.p, next.d);
    if (!hit || Math.hypot(hit[0] - vertex[0], hit[1] - vertex[1]) > 3 * radius) return [vertex[0], vertex[1]] as Point;
    return [Math.min(width, Math.max(0, hit[0])), Math.min(height, Math.max(0, hit[1]))] as Point;
  });
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
