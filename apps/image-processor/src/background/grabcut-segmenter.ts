import sharp from 'sharp';
import { backgroundRuns, borderLoop, cornerIndices } from './border';
import { loadOpenCv, type Mat, type OpenCv } from './opencv';
import { offsetPolygon, polygonArea, type Point } from './polygon';
import { pruneOutline } from './refine-outline';
import { SubjectNotFoundError, type RgbImage, type Segmenter, type SubjectMask } from './segmenter';

/** Tuning of {@link createGrabCutSegmenter}. The defaults were chosen by measuring on the real photos (see README). */
export interface GrabCutOptions {
  /** Longer side of the copy the segmentation runs on, in pixels. Default 400. */
  workSize?: number;
  /** Colour step along the frame (CIELAB units) that marks where the subject meets it. Default 14. */
  borderStep?: number;
  /**
   * Lab distance to the nearest background colour above which a pixel seeds the subject: `spreadFactor` times the
   * spread of the background's own colours along the frame (its 90th percentile distance to the nearest dominant
   * colour) plus `spreadOffset`, kept between `minDistance` and `maxDistance`. A quiet backdrop so lets a book
   * of nearly its colour stand out; a textured or graded one needs more. Defaults 2.5, 4, 6, 20.
   */
  spreadFactor?: number;
  spreadOffset?: number;
  minDistance?: number;
  maxDistance?: number;
  /** Pixels nearer than this fraction of the subject distance are certain background. Default 0.4. */
  backgroundFraction?: number;
  /**
   * Weight of lightness when a pixel is darker than the background colour it is compared with: a shadow dims a
   * surface without changing its hue, so darkening counts for less than a change of colour. Default 0.5. The
   * edge search of the outline (pruneOutline) weighs lightness steps by it too.
   */
  shadowLightnessWeight?: number;
  /**
   * Largest chroma difference (Lab a*b* distance) of a pixel darker than a background colour for it to count as
   * that colour in shadow. Default 5.
   */
  shadowChroma?: number;
  /** GrabCut iterations. Default 6 (4 lost the fore-edge photo's left board: IoU 0.82 against 0.89). */
  iterations?: number;
  /**
   * The first outline may deviate from the subject's convex hull by this fraction of its perimeter. Default 0.002:
   * fine enough to keep a bowed board's bend; the vertices the photo does not call for are then pruned (`keepShare`).
   * At 0.01 with no pruning, the fore-edge photo's bowed board was cut straight (IoU 0.890 against 0.904).
   */
  outlineTolerance?: number;
  /**
   * Least share of its convex hull the subject's region must fill before it is outlined: below it, a thin growth
   * stretches the hull (a bright strip along the frame did on the fore-edge photo re-encoded as JPEG, IoU 0.37), and
   * stronger openings remove it. Default 0.8.
   */
  minSolidity?: number;
  /** Move the outline's sides onto the edges of the full-size photo and prune its vertices ({@link pruneOutline}). Default true. */
  refine?: boolean;
  /**
   * How far a side may move onto an edge, in pixels of the reduced copy. Default 4 (2.5 left the spine's shadowed
   * side 2 px short: IoU 0.921 against 0.927).
   */
  refineRadius?: number;
  /**
   * A vertex of the outline goes when one side fitted in place of its two keeps this share of the colour step measured
   * along them (see pruneOutline). Default 0.9 (0.85 gives the same outlines on the real photos; 0.95 straightened the
   * fore-edge photo's bowed board at some tolerances).
   */
  keepShare?: number;
}

export const GRABCUT_METHOD = 'opencv-grabcut-polygon-v3';

/**
 * Segmentation with OpenCV's GrabCut, seeded from a model of the background and finished with a polygon:
 * 1. on a reduced, blurred copy in CIELAB, find the stretches of the frame that are background (runs between
 *    sharp colour steps that hold a corner) — the rest is the book touching the frame;
 * 2. seed GrabCut: pixels far from every background colour (those of the same row and column on the frame, and
 *    the frame's dominant colours) are probable subject, near ones probable or certain background;
 * 3. GrabCut refines the seeds with colour models of both sides and a smoothness term;
 * 4. the largest region is outlined by its convex hull, finely simplified; each side is moved onto the nearest strong
 *    edge of the full-size photo (in opponent colours, lightness weighed down), and the vertices the photo's edges
 *    do not call for are pruned, so a book keeps four sides, open boards or a bowed board a few more; the polygon is
 *    drawn at the source size with anti-aliased edges.
 */
export function createGrabCutSegmenter(options: GrabCutOptions = {}): Segmenter {
  return {
    method: GRABCUT_METHOD,
    segment: (image) => segmentWithGrabCut(image, options),
  };
}

async function segmentWithGrabCut(image: RgbImage, options: GrabCutOptions): Promise<SubjectMask> {
  const {
    workSize = 400,
    borderStep = 14,
    spreadFactor = 2.5,
    spreadOffset = 4,
    minDistance = 6,
    maxDistance = 20,
    backgroundFraction = 0.4,
    shadowLightnessWeight = 0.5,
    shadowChroma = 5,
    iterations = 6,
    outlineTolerance = 0.002,
    refine = true,
    refineRadius = 4,
    keepShare = 0.9,
    minSolidity = 0.8,
  } = options;
  const cv = await loadOpenCv();
  const { width, height } = image;
  const scale = Math.min(1, workSize / Math.max(width, height));
  const w = Math.max(8, Math.round(width * scale));
  const h = Math.max(8, Math.round(height * scale));
  const small = await sharp(image.data, { raw: { width, height, channels: 3 } })
    .resize(w, h, { fit: 'fill' })
    .raw()
    .toBuffer();

  const mats: Array<{ delete(): void }> = [];
  const keep = <T extends { delete(): void }>(m: T): T => (mats.push(m), m);
  try {
    const rgb = keep(cv.matFromArray(h, w, cv.CV_8UC3, small));
    const blurred = keep(new cv.Mat());
    cv.GaussianBlur(rgb, blurred, new cv.Size(5, 5), 1.2);
    const labMat = keep(new cv.Mat());
    cv.cvtColor(blurred, labMat, cv.COLOR_RGB2Lab);
    const lab = Float32Array.from(labMat.data);

    // 1. The frame: colours averaged over a band a few pixels deep, cut into background and subject runs.
    const band = Math.max(2, Math.round(Math.min(w, h) * 0.01));
    const loop = borderLoop(w, h);
    const frame = new Float32Array(loop.length * 3);
    loop.forEach((p, i) => {
      const x = p % w;
      const y = (p - x) / w;
      const dx = x === 0 ? 1 : x === w - 1 ? -1 : 0;
      const dy = y === 0 ? 1 : y === h - 1 ? -1 : 0;
      for (let k = 0; k < band; k++) {
        const q = ((y + dy * k) * w + x + dx * k) * 3;
        for (let c = 0; c < 3; c++) frame[i * 3 + c] = (frame[i * 3 + c] as number) + (lab[q + c] as number) / band;
      }
    });
    // The middle fifth of the photo is mostly subject in any photo of a book: a colour covering half of it is the
    // subject's.
    const likeMiddle = (mean: Float64Array) => {
      let near = 0;
      let total = 0;
      for (let y = Math.floor(h * 0.4); y < Math.ceil(h * 0.6); y++) {
        for (let x = Math.floor(w * 0.4); x < Math.ceil(w * 0.6); x++) {
          const p = (y * w + x) * 3;
          const d = Math.hypot(
            (lab[p] as number) - (mean[0] as number),
            (lab[p + 1] as number) - (mean[1] as number),
            (lab[p + 2] as number) - (mean[2] as number),
          );
          if (d < 2 * borderStep) near++;
          total++;
        }
      }
      return near >= total / 2;
    };
    const isBackground = backgroundRuns(frame, cornerIndices(w, h), 3, borderStep, likeMiddle);
    const backgroundCount = isBackground.reduce((a, b) => a + b, 0);
    if (backgroundCount === 0) throw new SubjectNotFoundError('no background along the frame to tell the subject from');

    // 2. Seeds from the distance to the background.
    const dominant = dominantColours(frame, isBackground, 5);
    // Reference colours per row (left and right end) and per column (top and bottom end) where those are
    // background, then the dominant colours: flat arrays, so the per-pixel loop allocates nothing.
    const NONE = -1;
    const rowRefs = new Int32Array(h * 2).fill(NONE);
    const columnRefs = new Int32Array(w * 2).fill(NONE);
    for (let y = 0; y < h; y++) {
      const leftIndex = y === 0 ? 0 : loop.length - y;
      const rightIndex = w - 1 + y;
      if (isBackground[leftIndex]) rowRefs[y * 2] = leftIndex * 3;
      if (isBackground[rightIndex]) rowRefs[y * 2 + 1] = rightIndex * 3;
    }
    for (let x = 0; x < w; x++) {
      const topIndex = x;
      const bottomIndex = w - 1 + h - 1 + (w - 1 - x);
      if (isBackground[topIndex]) columnRefs[x * 2] = topIndex * 3;
      if (isBackground[bottomIndex]) columnRefs[x * 2 + 1] = bottomIndex * 3;
    }
    const dominantFlat = Float32Array.from(dominant.flatMap((c) => [...c]));
    // Distance to a reference colour, darkening weighted down; and whether the pixel could be that colour in
    // shadow (darker, by at most 65 %, with nearly the same chroma).
    let shadowed = false;
    const distance = (p: number, ref: Float32Array, r: number) => {
      const dl = (lab[p] as number) - (ref[r] as number);
      const da = (lab[p + 1] as number) - (ref[r + 1] as number);
      const db = (lab[p + 2] as number) - (ref[r + 2] as number);
      const chroma = da * da + db * db;
      if (dl < -3 && (lab[p] as number) > 0.35 * (ref[r] as number) && chroma < shadowChroma * shadowChroma) shadowed = true;
      const l = dl < 0 ? dl * shadowLightnessWeight : dl;
      return Math.sqrt(l * l + chroma);
    };
    const spread = frameSpread(frame, isBackground, dominant);
    const subjectDistance = clamp(spread * spreadFactor + spreadOffset, minDistance, maxDistance);
    const backgroundDistance = subjectDistance * backgroundFraction;
    const SHADOW = 255;
    const labels = new Uint8Array(w * h);
    let subjectSeeds = 0;
    let shadowSeeds = 0;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const p = (y * w + x) * 3;
        let nearest = Infinity;
        shadowed = false;
        const leftRef = rowRefs[y * 2] as number;
        const rightRef = rowRefs[y * 2 + 1] as number;
        const topRef = columnRefs[x * 2] as number;
        const bottomRef = columnRefs[x * 2 + 1] as number;
        if (leftRef !== NONE) nearest = Math.min(nearest, distance(p, frame, leftRef));
        if (rightRef !== NONE) nearest = Math.min(nearest, distance(p, frame, rightRef));
        if (topRef !== NONE) nearest = Math.min(nearest, distance(p, frame, topRef));
        if (bottomRef !== NONE) nearest = Math.min(nearest, distance(p, frame, bottomRef));
        // The frame's dominant colours cover backdrops that change away from the frame; a small penalty keeps
        // the same row's and column's colours first.
        for (let r = 0; r < dominantFlat.length; r += 3) nearest = Math.min(nearest, distance(p, dominantFlat, r) + 4);
        let label = nearest > subjectDistance ? cv.GC_PR_FGD : nearest < backgroundDistance ? cv.GC_BGD : cv.GC_PR_BGD;
        if (label === cv.GC_PR_FGD) {
          if (shadowed) {
            label = SHADOW;
            shadowSeeds++;
          } else subjectSeeds++;
        }
        labels[y * w + x] = label;
      }
    }
    // Shadow-like subject seeds are probable background, unless they outnumber the others: then the subject itself
    // is a darker shade of the backdrop (a grey or cream book on white paper) and they are kept.
    const shadowsAreSubject = shadowSeeds > subjectSeeds;
    if (shadowsAreSubject) subjectSeeds += shadowSeeds;
    const mask = keep(new cv.Mat(h, w, cv.CV_8UC1, new cv.Scalar(cv.GC_PR_BGD)));
    const seeds = mask.data;
    for (let p = 0; p < labels.length; p++) {
      const label = labels[p] as number;
      seeds[p] = label === SHADOW ? (shadowsAreSubject ? cv.GC_PR_FGD : cv.GC_PR_BGD) : label;
    }
    loop.forEach((p, i) => {
      const x = p % w;
      const y = (p - x) / w;
      const dx = x === 0 ? 1 : x === w - 1 ? -1 : 0;
      const dy = y === 0 ? 1 : y === h - 1 ? -1 : 0;
      for (let k = 0; k < band; k++) seeds[(y + dy * k) * w + x + dx * k] = isBackground[i] ? cv.GC_BGD : cv.GC_PR_FGD;
    });
    if (subjectSeeds < w * h * 0.002) throw new SubjectNotFoundError('no subject stands out from the background');

    // 3. GrabCut.
    const backgroundModel = keep(new cv.Mat());
    const subjectModel = keep(new cv.Mat());
    cv.setRNGSeed(1);
    cv.grabCut(rgb, mask, new cv.Rect(0, 0, 1, 1), backgroundModel, subjectModel, iterations, cv.GC_INIT_WITH_MASK);
    const result = mask.data;
    const binary = new Uint8Array(w * h);
    for (let p = 0; p < binary.length; p++) binary[p] = result[p] === cv.GC_FGD || result[p] === cv.GC_PR_FGD ? 255 : 0;

    // 4. Outline.
    const region = largestOutline(cv, binary, w, h, outlineTolerance, minSolidity, keep);
    if (!region) throw new SubjectNotFoundError('no subject stands out from the background');
    // Contour points are pixel centres on the subject's rim: the true edge lies half a pixel further out.
    const coarse = offsetPolygon(
      region.outline.map(([x, y]) => [(x + 0.5) / scale, (y + 0.5) / scale] as Point),
      0.5 / scale,
    ).map(([x, y]) => [clamp(x, 0, width), clamp(y, 0, height)] as Point);
    // Edges are found with lightness weighed down as in the seeds: a shadow dims a surface without changing its hue.
    const refineOptions = { radius: Math.max(3, refineRadius / scale), lightnessWeight: shadowLightnessWeight, keepShare };
    const outline = refine ? pruneOutline(image, coarse, refineOptions) : coarse;
    const alpha = drawPolygon(cv, outline, width, height, keep);
    return {
      alpha,
      width,
      height,
      outline,
      details: {
        workWidth: w,
        workHeight: h,
        subjectDistance: round(subjectDistance),
        backgroundFrameShare: round(backgroundCount / loop.length),
        subjectSeedShare: round(subjectSeeds / (w * h)),
        shadowSeedShare: round(shadowSeeds / (w * h)),
        shadowsAreSubject: shadowsAreSubject ? 'yes' : 'no',
        outlineSides: outline.length,
        regionSolidity: round(region.solidity),
        opening: region.opening,
        outlineArea: Math.round(polygonArea(outline)),
      },
    };
  } finally {
    for (const m of mats) m.delete();
  }
}

/** Up to `k` dominant colours of the background positions of the frame (k-means, deterministic start). */
function dominantColours(frame: Float32Array, isBackground: Uint8Array, k: number): Float32Array[] {
  const samples: number[] = [];
  isBackground.forEach((b, i) => {
    if (b) samples.push(i);
  });
  const count = Math.min(k, samples.length);
  const centres = Array.from({ length: count }, (_, j) =>
    frame.slice((samples[Math.floor((j * samples.length) / count)] as number) * 3, (samples[Math.floor((j * samples.length) / count)] as number) * 3 + 3),
  );
  for (let iteration = 0; iteration < 8; iteration++) {
    const sums = centres.map(() => new Float64Array(4));
    for (const i of samples) {
      let best = 0;
      let bestDistance = Infinity;
      centres.forEach((c, j) => {
        const d =
          ((frame[i * 3] as number) - (c[0] as number)) ** 2 +
          ((frame[i * 3 + 1] as number) - (c[1] as number)) ** 2 +
          ((frame[i * 3 + 2] as number) - (c[2] as number)) ** 2;
        if (d < bestDistance) {
          bestDistance = d;
          best = j;
        }
      });
      const s = sums[best] as Float64Array;
      for (let c = 0; c < 3; c++) s[c] = (s[c] as number) + (frame[i * 3 + c] as number);
      s[3] = (s[3] as number) + 1;
    }
    sums.forEach((s, j) => {
      if ((s[3] as number) > 0)
        centres[j] = Float32Array.from([(s[0] as number) / (s[3] as number), (s[1] as number) / (s[3] as number), (s[2] as number) / (s[3] as number)]);
    });
  }
  return centres;
}

/** 90th percentile of the distances of the frame's background positions to their nearest dominant colour. */
function frameSpread(frame: Float32Array, isBackground: Uint8Array, dominant: Float32Array[]): number {
  const distances: number[] = [];
  isBackground.forEach((b, i) => {
    if (!b) return;
    let best = Infinity;
    for (const c of dominant)
      best = Math.min(
        best,
        Math.hypot(
          (frame[i * 3] as number) - (c[0] as number),
          (frame[i * 3 + 1] as number) - (c[1] as number),
          (frame[i * 3 + 2] as number) - (c[2] as number),
        ),
      );
    distances.push(best);
  });
  distances.sort((a, b) => a - b);
  return distances[Math.floor(distances.length * 0.9)] ?? 0;
}

/**
 * The convex outline, simplified, of the largest region of a 0/255 mask after an opening; undefined when empty.
 * A book is convex: when the region fills under `minSolidity` of its convex hull, a thin growth (a strip along the
 * frame, a shadow's tail) is stretching the hull, and stronger openings are tried until it goes.
 */
function largestOutline(
  cv: OpenCv,
  binary: Uint8Array,
  w: number,
  h: number,
  tolerance: number,
  minSolidity: number,
  keep: <T extends { delete(): void }>(m: T) => T,
): { outline: Point[]; solidity: number; opening: number } | undefined {
  const source = keep(cv.matFromArray(h, w, cv.CV_8UC1, binary));
  let found: { hull: Mat; area: number; solidity: number; opening: number } | undefined;
  for (const size of OPENINGS) {
    const mat = keep(new cv.Mat());
    const kernel = keep(cv.getStructuringElement(cv.MORPH_RECT, new cv.Size(size, size)));
    cv.morphologyEx(source, mat, cv.MORPH_OPEN, kernel);
    const contours = keep(new cv.MatVector());
    const hierarchy = keep(new cv.Mat());
    cv.findContours(mat, contours, hierarchy, cv.RETR_EXTERNAL, cv.CHAIN_APPROX_SIMPLE);
    let best: Mat | undefined;
    let bestArea = 0;
    for (let i = 0; i < contours.size(); i++) {
      const contour = keep(contours.get(i));
      const area = cv.contourArea(contour);
      if (area > bestArea) {
        bestArea = area;
        best = contour;
      }
    }
    if (!best || bestArea < 4) break;
    const hull = keep(new cv.Mat());
    cv.convexHull(best, hull, false, true);
    const region = { hull, area: bestArea, solidity: bestArea / Math.max(1, cv.contourArea(hull)), opening: size };
    // A stronger opening is taken only when it makes the region convex and keeps most of it: an open book's boards
    // may make it less convex, and must not be eroded away.
    if (!found) found = region;
    else if (region.solidity >= minSolidity && region.area >= found.area * 0.8) found = region;
    if (found.solidity >= minSolidity) break;
  }
  if (!found) return undefined;
  const simplified = keep(new cv.Mat());
  cv.approxPolyDP(found.hull, simplified, cv.arcLength(found.hull, true) * tolerance, true);
  const points = simplified.data32S;
  return {
    outline: Array.from({ length: simplified.rows }, (_, i) => [points[i * 2] as number, points[i * 2 + 1] as number] as Point),
    solidity: found.solidity,
    opening: found.opening,
  };
}

/** Side lengths (reduced pixels) of the square openings tried on GrabCut's mask, weakest first. */
const OPENINGS = [5, 9, 13, 17];

/** The polygon filled with 255 on 0 at `width × height`, edges anti-aliased. */
function drawPolygon(cv: OpenCv, polygon: readonly Point[], width: number, height: number, keep: <T extends { delete(): void }>(m: T) => T): Uint8Array {
  const SHIFT = 4; // fillPoly takes fixed-point vertices: 4 fractional bits
  const canvas = keep(cv.Mat.zeros(height, width, cv.CV_8UC1));
  // Pixel centres sit at integer coordinates for fillPoly, at +0.5 in the polygon's continuous coordinates.
  const vertices = keep(
    cv.matFromArray(
      polygon.length,
      1,
      cv.CV_32SC2,
      polygon.flatMap(([x, y]) => [Math.round((x - 0.5) * 16), Math.round((y - 0.5) * 16)]),
    ),
  );
  const shapes = keep(new cv.MatVector());
  shapes.push_back(vertices);
  cv.fillPoly(canvas, shapes, new cv.Scalar(255), cv.LINE_AA, SHIFT);
  return Uint8Array.from(canvas.data);
}

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
const round = (v: number) => Math.round(v * 1000) / 1000;
