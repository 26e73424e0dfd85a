// The outline's last step on the full-size photo: sides moved onto edges, vertices the edges do not call for pruned.
import type { Point } from '../../src/background/polygon';
import { pruneOutline } from '../../src/background/refine-outline';
import type { RgbImage } from '../../src/background/segmenter';

const SIZE = 200;

/** A brown polygon on a light grey backdrop, SIZE × SIZE, a pixel inside when its centre is. */
function drawn(polygon: readonly Point[]): RgbImage {
  const data = new Uint8Array(SIZE * SIZE * 3);
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      let inside = false;
      for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
        const [xi, yi] = polygon[i] as Point;
        const [xj, yj] = polygon[j] as Point;
        if (yi > y + 0.5 !== yj > y + 0.5 && x + 0.5 < ((xj - xi) * (y + 0.5 - yi)) / (yj - yi) + xi) inside = !inside;
      }
      data.set(inside ? [120, 70, 30] : [200, 200, 205], (y * SIZE + x) * 3);
    }
  }
  return { data, width: SIZE, height: SIZE };
}

/** Every vertex of `actual` within `tolerance` px of the vertex of `expected` with the same index, same count. */
function expectVertices(actual: readonly Point[], expected: readonly Point[], tolerance: number): void {
  expect(actual).toHaveLength(expected.length);
  actual.forEach(([x, y], i) => {
    const [ex, ey] = expected[i] as Point;
    expect(Math.hypot(x - ex, y - ey)).toBeLessThanOrEqual(tolerance);
  });
}

const OPTIONS = { radius: 5 };

describe('pruneOutline', () => {
  it('takes a book to its four corners: vertices the edges do not call for go, the sides land on the edges', () => {
    const book: Point[] = [
      [50, 30],
      [150, 30],
      [150, 170],
      [50, 170],
    ];
    // What a reduced copy's mask gives: corners a few pixels off, and a bend or two that is only noise.
    const found: Point[] = [
      [52, 33],
      [101, 28],
      [147, 32],
      [149, 100],
      [152, 168],
      [48, 167],
      [53, 95],
    ];
    expectVertices(pruneOutline(drawn(book), found, OPTIONS), book, 1);
  });

  it('keeps a bend the photo shows: a bowed board stays five-sided', () => {
    const bowed: Point[] = [
      [60, 20],
      [140, 20],
      [140, 180],
      [60, 180],
      [40, 100],
    ];
    const found: Point[] = [
      [62, 22],
      [138, 21],
      [141, 178],
      [61, 177],
      [43, 101],
    ];
    expectVertices(pruneOutline(drawn(bowed), found, OPTIONS), bowed, 1);
  });

  it('keeps every vertex on the frame: a subject cut by the edge of the photo has no edge there to measure', () => {
    // A spine running off the top and bottom of the frame.
    const spine: Point[] = [
      [80, 0],
      [120, 0],
      [120, SIZE],
      [80, SIZE],
    ];
    const result = pruneOutline(drawn(spine), spine, OPTIONS);
    expectVertices(result, spine, 1);
  });

  it('prunes nothing when asked to keep every bit of edge (keepShare above 1)', () => {
    const book: Point[] = [
      [50, 30],
      [150, 30],
      [150, 170],
      [50, 170],
    ];
    const found: Point[] = [...book.slice(0, 2), [150, 100], ...book.slice(2)];
    expect(pruneOutline(drawn(book), found, { ...OPTIONS, keepShare: 1.01 })).toHaveLength(5);
  });
});
