// The deploy's own Lambda code, bundled into every app's dist folder beside its functions (`nx bundle`), so the app
// stack can give each function a smoke-test hook (tools/infra deploy-steps.ts) from a zip made like every other.
import path from 'node:path';

/** The smoke-test hook: invokes a function's new version with its smoke test before its `live` alias moves. */
export const SMOKE_TEST_HOOK = {
  /** The zip is `dist/apps/<app>/<id>.zip`, its bundle `<id>/index.js`. */
  id: 'smoke-test-hook',
  entry: path.join(__dirname, 'hooks/smoke-test-hook.ts'),
  export: 'handler',
  memorySize: 256,
  budgetKiB: 900,
} as const;
