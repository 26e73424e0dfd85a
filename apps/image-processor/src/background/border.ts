// The frame of a photo as a loop of positions, and which stretches of it are background. Books are photographed
// filling the frame: the subject usually touches one or more edges, so the border cannot be taken as background
// wholesale. Along the loop, a book's edge is a sharp colour step; a backdrop's gradient or soft shadow is not.

/** Positions of the one-pixel frame of a `width × height` image, clockwise from the top-left corner. */
export function borderLoop(width: number, height: number): Int32Array {
  const out: number[] = [];
  for (let x = 0; x < width; x++) out.push(x);
  for (let y = 1; y < height; y++) out.push(y * width + width - 1);
  for (let x = width - 2; x >= 0; x--) out.push((height - 1) * width + x);
  for (let y = height - 2; y > 0; y--) out.push(y * width);
  return Int32Array.from(out);
}

/** Loop indices of the four corners, in the order of {@link borderLoop}. */
export function cornerIndices(width: number, height: number): number[] {
  return [0, width - 1, width - 1 + height - 1, 2 * (width - 1) + height - 1];
}

/**
 * Marks the loop positions that are background: the loop is cut at colour steps (the distance between the mean
 * colours of the `radius` positions before and after exceeds `stepThreshold` and is a local maximum), and every run
 * between two cuts that holds a corner is background, unless its colour is unlike that of every other corner run
 * and `looksLikeSubject` (the subject reaching into a corner) while those others hold most of the frame. Runs without a corner are where
 * the subject meets the frame.
 * `colours` holds 3 values per loop position. Without any cut the whole border is background.
 */
export function backgroundRuns(
  colours: Float32Array,
  corners: readonly number[],
  radius: number,
  stepThreshold: number,
  looksLikeSubject: (mean: Float64Array) => boolean = () => false,
): Uint8Array {
  const n = colours.length / 3;
  const background = new Uint8Array(n);
  const at = (i: number) => ((i % n) + n) % n;
  const meanOf = (from: number, count: number, out: Float64Array) => {
    out.fill(0);
    for (let k = 0; k < count; k++) for (let c = 0; c < 3; c++) out[c] = (out[c] as number) + (colours[at(from + k) * 3 + c] as number) / count;
  };
  const step = new Float32Array(n);
  const before = new Float64Array(3);
  const after = new Float64Array(3);
  for (let i = 0; i < n; i++) {
    meanOf(i - radius, radius, before);
    meanOf(i + 1, radius, after);
    step[i] = Math.hypot(
      (before[0] as number) - (after[0] as number),
      (before[1] as number) - (after[1] as number),
      (before[2] as number) - (after[2] as number),
    );
  }
  const cuts: number[] = [];
  for (let i = 0; i < n; i++)
    if ((step[i] as number) > stepThreshold && (step[i] as number) >= (step[at(i - 1)] as number) && (step[i] as number) > (step[at(i + 1)] as number))
      cuts.push(i);
  if (cuts.length === 0) return background.fill(1);
  const cornerSet = new Set(corners);
  const runs = cuts.map((start, c) => {
    const length = at((cuts[(c + 1) % cuts.length] as number) - start) || n;
    let holdsCorner = false;
    const mean = new Float64Array(3);
    for (let k = 1; k <= length; k++) {
      const i = at(start + k);
      if (cornerSet.has(i)) holdsCorner = true;
      for (let ch = 0; ch < 3; ch++) mean[ch] = (mean[ch] as number) + (colours[i * 3 + ch] as number) / length;
    }
    return { start, length, holdsCorner, mean };
  });
  // A corner run unlike every other corner run, whose colour is that of the middle of the photo, is the subject
  // reaching into a corner (a page filling the frame down to its left edge), as long as the runs that agree with
  // each other hold most of the frame.
  const candidates = runs.filter((r) => r.holdsCorner);
  const apart = (a: Float64Array, b: Float64Array) =>
    Math.hypot((a[0] as number) - (b[0] as number), (a[1] as number) - (b[1] as number), (a[2] as number) - (b[2] as number)) > 2 * stepThreshold;
  const longest = candidates.reduce((best, r) => (r.length > best.length ? r : best), candidates[0] as (typeof runs)[number]);
  const odd = new Set(
    candidates.filter((r) => r !== longest && candidates.every((other) => other === r || apart(r.mean, other.mean)) && looksLikeSubject(r.mean)),
  );
  const oddLength = [...odd].reduce((sum, r) => sum + r.length, 0);
  for (const run of runs) {
    if (!run.holdsCorner || (odd.has(run) && oddLength < n / 2)) continue;
    for (let k = 1; k <= run.length; k++) background[at(run.start + k)] = 1;
  }
  return background;
}
