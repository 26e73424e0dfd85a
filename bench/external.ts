import { execFileSync } from 'node:child_process';
import path from 'node:path';
import type { BenchTable } from './lib/report';

const root = path.resolve(__dirname, '..');

/**
 * Runs a benchmark that lives beside the app it measures (it uses the app's own code) in its own process, and
 * keeps what it prints as the table's body.
 */
export function externalBench(title: string, script: string, args: string[] = []): () => Promise<BenchTable> {
  return async () => {
    const output = execFileSync(process.execPath, ['--conditions=@bmx/source', '--import', 'tsx', path.join(root, script), ...args], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      maxBuffer: 16 * 1024 * 1024,
    });
    return {
      title,
      command: `node --conditions=@bmx/source --import tsx ${script} ${args.join(' ')}`.trim(),
      columns: [],
      rows: [],
      preformatted: output.trim(),
    };
  };
}
