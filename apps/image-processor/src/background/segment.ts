import { borderIndices, close, distanceToColours, fillHoles, kMeansColours, largestComponent, open, quantile, type Box } from './mask';

/** Tuning of {@link segmentSubject}. The defaults were chosen on the synthetic and fixture photos in tests/. */
export interface SegmentOptions {
  /** Width of the border band sampled as background, as a fraction of the shorter side. Default 0.03. */
  borderFraction?: number;
  /** Background colour clusters fitted to the border (a textured surface needs more than one). Default 4. */
  clusters?: number;
  /** Clusters holding less of the border than this are taken to be the subject touching the frame. Default 0.08. */
  minClusterShare?: number;
  /** Quantile of the border's own distances that measures the background's spread. Default 0.95. */
  spreadQuantile?: number;
  /** Threshold = max(minThreshold, spread × spreadFactor + spreadOffset), in RGB units. Defaults 2.5, 12. */
  spreadFactor?: number;
  spreadOffset?: number;
  /** Lowest colour-distance threshold, so JPEG noise on a plain sheet never counts as subject. Default 30. */
  minThreshold?: number;
  /**
   * Treat cast shadows (pixels that are the background colour darkened, same hue) as background. Default true.
   * Skipped for an image when it would remove more than half of the subject: then the book itself looks like a
   * shadow (a grey or cream book on white paper) and the plain colour-distance mask is kept.
   */
  suppressShadows?: boolean;
}

/** The subject found in an image. */
export interface Segmentation {
  /** 1 = subject, one byte per pixel; all zero when nothing was found. */
  mask: Uint8Array;
  /** Subject pixels. */
  area: number;
  /** Bounding box of the subject; zero-sized when nothing was found. */
  box: Box;
  /** The colour-distance threshold that was used. */
  threshold: number;
  /** The background colours found along the border. */
  backgroundColours: Array<[number, number, number]>;
}

/**
 * Finds the one object in front of a background in an RGB image (3 bytes a pixel, already smoothed):
 * 1. model the background as the dominant colours of a band along the border (k-means);
 * 2. mark every pixel farther from all of them than the border's own spread allows;
 * 3. clean the mask with an opening (specks) and a closing (gaps along the edges);
 * 4. keep the largest connected component and fill its holes (light pages inside the outline are not background);
 * 5. do 3-4 again without the shadow-like pixels, and keep that result unless it lost over half the subject.
 */
export function segmentSubject(rgb: Uint8Array, width: number, height: number, options: SegmentOptions = {}): Segmentation {
  const {
    borderFraction = 0.03,
    clusters = 4,
    minClusterShare = 0.08,
    spreadQuantile = 0.95,
    spreadFactor = 2.5,
    spreadOffset = 12,
    minThreshold = 30,
    suppressShadows = true,
  } = options;
  const pixels = width * height;
  const band = Math.max(2, Math.round(Math.min(width, height) * borderFraction));
  const border = borderIndices(width, height, band);
  // At most ~6000 samples: k-means cost stays flat whatever the image size.
  const step = Math.max(1, Math.floor(border.length / 6000));
  const sampleCount = Math.floor(border.length / step);
  const samples = new Float32Array(sampleCount * 3);
  for (let i = 0; i < sampleCount; i++) {
    const p = border[i * step] as number;
    samples[i * 3] = rgb[p * 3] as number;
    samples[i * 3 + 1] = rgb[p * 3 + 1] as number;
    samples[i * 3 + 2] = rgb[p * 3 + 2] as number;
  }
  const fitted = kMeansColours(samples, clusters);
  const kept = fitted.filter((c) => c.share >= minClusterShare);
  const colours = (kept.length > 0 ? kept : fitted).map((c) => c.centre);

  const distance = distanceToColours(rgb, pixels, colours);
  const borderDistances = new Float32Array(border.length);
  border.forEach((p, i) => (borderDistances[i] = distance[p] as number));
  const spread = quantile(borderDistances, spreadQuantile);
  const threshold = Math.max(minThreshold, spread * spreadFactor + spreadOffset);

  const raw = new Uint8Array(pixels);
  for (let p = 0; p < pixels; p++) raw[p] = (distance[p] as number) > threshold ? 1 : 0;
  const plain = cleanUp(raw, width, height);
  if (!suppressShadows || plain.area === 0) return { ...plain, threshold, backgroundColours: colours };

  const shadow = shadowLike(rgb, pixels, colours, Math.max(8, threshold * 0.4));
  const lit = raw.slice();
  for (let p = 0; p < pixels; p++) if (shadow[p]) lit[p] = 0;
  const withoutShadows = cleanUp(lit, width, height);
  const chosen = withoutShadows.area >= plain.area * 0.5 ? withoutShadows : plain;
  return { ...chosen, threshold, backgroundColours: colours };
}

/** Opening, closing, largest component, hole filling. */
function cleanUp(raw: Uint8Array, width: number, height: number): { mask: Uint8Array; area: number; box: Box } {
  // Radii relative to the working size (~640 px): 1-2 px specks go, 3 px gaps close.
  const scale = Math.max(1, Math.round(Math.max(width, height) / 320));
  const cleaned = close(open(raw, width, height, scale), width, height, scale + 1);
  const largest = largestComponent(cleaned, width, height);
  if (largest.area === 0) return largest;
  const filled = fillHoles(largest.mask, width, height);
  let area = 0;
  for (let p = 0; p < filled.length; p++) area += filled[p] as number;
  return { mask: filled, area, box: largest.box };
}

/**
 * Pixels that look like a background colour in shadow: p ≈ a·c for a background colour c and a darkening factor a
 * between 0.4 and 0.92, with the residual |p − a·c| under `tolerance` (a shadow dims a surface, it does not
 * change its hue).
 */
function shadowLike(rgb: Uint8Array, pixels: number, centres: ReadonlyArray<readonly [number, number, number]>, tolerance: number): Uint8Array {
  const out = new Uint8Array(pixels);
  for (let p = 0; p < pixels; p++) {
    const r = rgb[p * 3] as number;
    const g = rgb[p * 3 + 1] as number;
    const b = rgb[p * 3 + 2] as number;
    for (const c of centres) {
      const norm = c[0] * c[0] + c[1] * c[1] + c[2] * c[2];
      if (norm === 0) continue;
      const a = (r * c[0] + g * c[1] + b * c[2]) / norm;
      if (a < 0.4 || a > 0.92) continue;
      const residual = Math.sqrt((r - a * c[0]) ** 2 + (g - a * c[1]) ** 2 + (b - a * c[2]) ** 2);
      if (residual < tolerance) {
        out[p] = 1;
        break;
      }
    }
  }
  return out;
}
