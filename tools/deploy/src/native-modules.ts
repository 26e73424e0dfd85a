import { cpSync, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

interface PackageJson {
  name: string;
  version: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

/** Node's lookup, by folders rather than require.resolve: a package's `exports` may hide its package.json. */
function packageDir(name: string, from: string): string | undefined {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name);
    if (existsSync(path.join(candidate, 'package.json'))) return candidate;
    if (path.dirname(dir) === dir) return undefined;
  }
}

/**
 * Copies `names` and everything they depend on (optional platform packages included when installed, as sharp's
 * `@img/sharp-linux-x64` is on linux-x64) into `<outDir>/node_modules`, so a bundle that leaves a native package
 * out still ships it. Returns name → version of what was copied.
 */
export function copyPackageClosure(names: readonly string[], fromDir: string, outDir: string): Record<string, string> {
  const copied: Record<string, string> = {};
  const queue = names.map((name) => ({ name, from: fromDir, optional: false }));
  while (queue.length > 0) {
    const { name, from, optional } = queue.shift() as { name: string; from: string; optional: boolean };
    if (copied[name]) continue;
    const dir = packageDir(name, from);
    if (!dir) {
      if (optional) continue;
      throw new Error(`${name} is not installed: cannot ship it in the bundle`);
    }
    const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as PackageJson;
    const target = path.join(outDir, 'node_modules', name);
    if (!existsSync(target)) cpSync(dir, target, { recursive: true, dereference: true });
    copied[name] = pkg.version;
    for (const dep of Object.keys(pkg.dependencies ?? {})) queue.push({ name: dep, from: dir, optional: false });
    for (const dep of Object.keys(pkg.optionalDependencies ?? {})) queue.push({ name: dep, from: dir, optional: true });
  }
  return copied;
}
