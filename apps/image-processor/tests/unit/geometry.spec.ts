import { backgroundRuns, borderLoop, cornerIndices } from '../../src/background/border';
import { intersectLines, offsetPolygon, polygonArea } from '../../src/background/polygon';

const W = 10;
const H = 6;

/** The frame of a W × H image as a loop, with the colour `paint(x, y, i)` at each of its positions. */
function paintedFrame(paint: (x: number, y: number, i: number) => number[]): { loop: Int32Array; colours: Float32Array } {
  const loop = borderLoop(W, H);
  const colours = new Float32Array(loop.length * 3);
  loop.forEach((p: number, i: number) => colours.set(paint(p % W, Math.floor(p / W), i), i * 3));
  return { loop, colours };
}

describe('the frame as a loop', () => {
  it('visits every edge pixel once, clockwise from the top-left corner', () => {
    const loop = borderLoop(4, 3);
    expect([...loop]).toEqual([0, 1, 2, 3, 7, 11, 10, 9, 8, 4]);
    expect(cornerIndices(4, 3).map((i: number) => loop[i])).toEqual([0, 3, 11, 8]);
  });

  it('takes the runs holding a corner as background and a run cut off by sharp steps as the subject', () => {
    // The top edge has a dark stretch at x 3..6 (a book touching the frame); a slow gradient elsewhere.
    const { colours } = paintedFrame((x, y, i) => (y === 0 && x >= 3 && x <= 6 ? [30, 20, 10] : [200 - i, 128, 128]));
    const background = backgroundRuns(colours, cornerIndices(W, H), 2, 14);
    expect([...background.slice(0, W)]).toEqual([1, 1, 1, 0, 0, 0, 0, 1, 1, 1]);
    expect(background.slice(W).every((b: number) => b === 1)).toBe(true);
  });

  it('takes a corner run unlike every other corner run, with the colour of the middle, as the subject', () => {
    // A page (grey) runs off the left edge and round the top-left corner; white elsewhere.
    const { loop, colours } = paintedFrame((x, y) => (x === 0 || (y === 0 && x < 3) ? [180, 128, 128] : [250, 128, 128]));
    const page = (mean: Float64Array) => Math.abs((mean[0] as number) - 180) < 10;
    const background = backgroundRuns(colours, cornerIndices(W, H), 2, 14, page);
    const at = (x: number, y: number) => background[loop.indexOf(y * W + x)];
    expect([at(0, 0), at(0, 3), at(0, 4), at(1, 0)]).toEqual([0, 0, 0, 0]);
    expect([at(9, 0), at(9, 5), at(5, 5), at(6, 0)]).toEqual([1, 1, 1, 1]);
    // The cut falls within a position of the colour step.
    expect(Math.abs(background.filter((b: number) => b === 0).length - 8)).toBeLessThanOrEqual(2);
    // Without the middle's say it stays background: a backdrop can differ from corner to corner.
    expect(backgroundRuns(colours, cornerIndices(W, H), 2, 14).every((b: number) => b === 1)).toBe(true);
  });

  it('takes the whole frame as background when nothing on it changes sharply', () => {
    const colours = new Float32Array(borderLoop(8, 8).length * 3).fill(100);
    expect(backgroundRuns(colours, cornerIndices(8, 8), 3, 14).every((b: number) => b === 1)).toBe(true);
  });
});

describe('polygons', () => {
  it('moves every side of a square outwards, whichever way its vertices run', () => {
    const square: Array<[number, number]> = [
      [0, 0],
      [10, 0],
      [10, 10],
      [0, 10],
    ];
    expect(offsetPolygon(square, 1)).toEqual([
      [-1, -1],
      [11, -1],
      [11, 11],
      [-1, 11],
    ]);
    expect(offsetPolygon([...square].reverse(), 1)).toEqual([
      [-1, 11],
      [11, 11],
      [11, -1],
      [-1, -1],
    ]);
    expect(polygonArea(offsetPolygon(square, -2))).toBeCloseTo(36);
  });

  it('intersects lines, and reports parallel ones', () => {
    expect(intersectLines([0, 0], [1, 1], [0, 4], [1, -1])).toEqual([2, 2]);
    expect(intersectLines([0, 0], [1, 0], [0, 1], [2, 0])).toBeUndefined();
  });
});
