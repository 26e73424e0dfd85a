// Plain geometry on polygons given as [x, y] vertices in order.

export type Point = [number, number];

/** Twice the signed area: positive when the vertices run clockwise in image coordinates (y down). */
function signedArea2(polygon: readonly Point[]): number {
  let sum = 0;
  for (let i = 0; i < polygon.length; i++) {
    const [x1, y1] = polygon[i] as Point;
    const [x2, y2] = polygon[(i + 1) % polygon.length] as Point;
    sum += x1 * y2 - x2 * y1;
  }
  return sum;
}

/**
 * Moves every side of a convex polygon outwards by `distance` (inwards when negative) and returns the new
 * vertices, each the meeting point of its two shifted sides. Nearly parallel neighbours keep the shifted vertex.
 */
export function offsetPolygon(polygon: readonly Point[], distance: number): Point[] {
  const n = polygon.length;
  if (n < 3 || distance === 0) return polygon.map(([x, y]) => [x, y]);
  const orientation = signedArea2(polygon) >= 0 ? 1 : -1;
  const sides = polygon.map((p, i) => {
    const q = polygon[(i + 1) % n] as Point;
    const dx = q[0] - p[0];
    const dy = q[1] - p[1];
    const len = Math.hypot(dx, dy) || 1;
    // Outward normal of a clockwise (y-down) polygon is (dy, -dx)/len.
    const nx = (orientation * dy) / len;
    const ny = (orientation * -dx) / len;
    return {
      p: [p[0] + nx * distance, p[1] + ny * distance] as Point,
      d: [dx, dy] as Point,
      n: [nx, ny] as Point,
    };
  });
  return polygon.map((vertex, i) => {
    const a = sides[(i + n - 1) % n] as (typeof sides)[number];
    const b = sides[i] as (typeof sides)[number];
    const hit = intersectLines(a.p, a.d, b.p, b.d);
    return hit ?? [vertex[0] + b.n[0] * distance, vertex[1] + b.n[1] * distance];
  });
}

/** Meeting point of the lines p + t·d and q + s·e; undefined when they are (nearly) parallel. */
export function intersectLines(p: Point, d: Point, q: Point, e: Point): Point | undefined {
  const cross = d[0] * e[1] - d[1] * e[0];
  if (Math.abs(cross) < 1e-9 * Math.hypot(...d) * Math.hypot(...e)) return undefined;
  const t = ((q[0] - p[0]) * e[1] - (q[1] - p[1]) * e[0]) / cross;
  return [p[0] + t * d[0], p[1] + t * d[1]];
}

/** Area of a simple polygon. */
export function polygonArea(polygon: readonly Point[]): number {
  return Math.abs(signedArea2(polygon)) / 2;
}
