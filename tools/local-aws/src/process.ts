import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';

/** A local AWS running in a child process. */
export interface LocalAwsProcess {
  /** Variables that point `@bmx/aws-clients` at it. */
  env: Record<string, string>;
  child: ChildProcess;
  stop(): Promise<void>;
}

const CLI = path.join(__dirname, 'cli.ts');
/** The line cli.ts prints once the stack listens; spawnLocalAws waits for it. */
export const READY_MARKER = 'LOCAL_AWS_READY';

/** Starts `cli.ts` in its own process and resolves once it prints its endpoints (or rejects after 30 s). */
export function spawnLocalAws(options: { args?: string[]; inheritLogs?: boolean } = {}): Promise<LocalAwsProcess> {
  const child = spawn(process.execPath, ['--conditions=@bmx/source', '--import', 'tsx', CLI, ...(options.args ?? [])], {
    stdio: ['ignore', 'pipe', options.inheritLogs ? 'inherit' : 'pipe', 'ipc'],
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  const stderr: string[] = [];
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr.push(chunk.toString());
    if (stderr.length > 50) stderr.shift();
  });
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 5000).unref();
    });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`local AWS did not start within 30 s:\n${stderr.join('')}`));
    }, 30_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`local AWS exited with code ${code}:\n${stderr.join('')}`));
    });
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.on('line', (line) => {
      if (!line.startsWith(READY_MARKER)) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      resolve({ env: JSON.parse(line.slice(READY_MARKER.length + 1)) as Record<string, string>, child, stop });
    });
  });
}
