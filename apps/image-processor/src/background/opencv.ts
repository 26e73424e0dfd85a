// Loads OpenCV (the WebAssembly build in @techstark/opencv-js) once per process, and declares the small part of
// its API this app uses: the package's own typings come from another package (mirada) and type little of it.

/** An OpenCV matrix living in the WebAssembly heap: call `delete()` when done, the garbage collector never frees it. */
export interface Mat {
  readonly rows: number;
  readonly cols: number;
  /** A view of the heap: take it after the call that writes the matrix, a heap growth detaches older views. */
  readonly data: Uint8Array;
  readonly data32S: Int32Array;
  delete(): void;
}

export interface MatVector {
  size(): number;
  get(i: number): Mat;
  push_back(mat: Mat): void;
  delete(): void;
}

interface Size {
  width: number;
  height: number;
}

/** The functions and constants used by the segmenter, as opencv.js exposes them. */
export interface OpenCv {
  Mat: {
    new (): Mat;
    new (rows: number, cols: number, type: number, scalar?: unknown): Mat;
    zeros(rows: number, cols: number, type: number): Mat;
  };
  MatVector: new () => MatVector;
  Size: new (width: number, height: number) => Size;
  Rect: new (x: number, y: number, width: number, height: number) => unknown;
  Scalar: new (...values: number[]) => unknown;
  matFromArray(rows: number, cols: number, type: number, array: ArrayLike<number>): Mat;
  GaussianBlur(src: Mat, dst: Mat, size: Size, sigma: number): void;
  cvtColor(src: Mat, dst: Mat, code: number): void;
  /** Seeds the global random generator GrabCut's k-means starts from: without it a result depends on earlier calls. */
  setRNGSeed(seed: number): void;
  grabCut(img: Mat, mask: Mat, rect: unknown, bgdModel: Mat, fgdModel: Mat, iterations: number, mode: number): void;
  getStructuringElement(shape: number, size: Size): Mat;
  morphologyEx(src: Mat, dst: Mat, op: number, kernel: Mat): void;
  findContours(image: Mat, contours: MatVector, hierarchy: Mat, mode: number, method: number): void;
  contourArea(contour: Mat): number;
  convexHull(points: Mat, hull: Mat, clockwise: boolean, returnPoints: boolean): void;
  arcLength(curve: Mat, closed: boolean): number;
  approxPolyDP(curve: Mat, approx: Mat, epsilon: number, closed: boolean): void;
  fillPoly(img: Mat, pts: MatVector, color: unknown, lineType: number, shift: number): void;
  CV_8UC1: number;
  CV_8UC3: number;
  CV_32SC2: number;
  COLOR_RGB2Lab: number;
  GC_BGD: number;
  GC_FGD: number;
  GC_PR_BGD: number;
  GC_PR_FGD: number;
  GC_INIT_WITH_MASK: number;
  MORPH_RECT: number;
  MORPH_OPEN: number;
  RETR_EXTERNAL: number;
  CHAIN_APPROX_SIMPLE: number;
  LINE_AA: number;
}

let loading: Promise<OpenCv> | undefined;

/**
 * The OpenCV module, compiled on the first call (about 0.1 s) and shared after. Two properties of the build are
 * handled here: the module is a thenable that resolves to itself, so awaiting it or resolving a promise with it
 * loops forever (its `then` is removed before it is handed on); and on load it installs process-wide
 * `uncaughtException` and `unhandledRejection` handlers that abort the WebAssembly runtime and print its whole
 * source, which would turn any unrelated stray rejection into a crash of the Lambda (they are removed again).
 */
export function loadOpenCv(): Promise<OpenCv> {
  loading ??= new Promise<OpenCv>((resolve, reject) => {
    const installedBefore = {
      uncaughtException: new Set(process.listeners('uncaughtException')),
      unhandledRejection: new Set(process.listeners('unhandledRejection')),
    };
    // The build's outer wrapper assigns an undeclared global `Module`, which throws in strict code (as the esbuild
    // bundle is); a global of that name declared for the duration of the load lets it run in both.
    const global = globalThis as { Module?: unknown };
    const hadModule = 'Module' in global;
    if (!hadModule) global.Module = {};
    try {
      const module = require('@techstark/opencv-js') as {
        then(callback: (cv: OpenCv & { then?: unknown }) => void): void;
      };
      for (const listener of process.listeners('uncaughtException')) {
        if (!installedBefore.uncaughtException.has(listener)) process.removeListener('uncaughtException', listener);
      }
      for (const listener of process.listeners('unhandledRejection')) {
        if (!installedBefore.unhandledRejection.has(listener)) process.removeListener('unhandledRejection', listener);
      }
      module.then((cv) => {
        delete cv.then;
        resolve(cv);
      });
    } catch (error) {
      reject(error);
    } finally {
      if (!hadModule) delete global.Module;
    }
  });
  return loading;
}
