import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';

/** What one invocation needs to know about the function version it runs. */
export interface RunnableFunction {
  functionName: string;
  version: string;
  /** Directory the code was unpacked into; the handler is resolved against it. */
  codeDir: string;
  /** The Node.js binary of the function's runtime (see runtimes.ts). */
  nodeBinary: string;
  handler: string;
  timeoutSeconds: number;
  memorySize: number;
  environment: Record<string, string>;
}

/** The outcome of one invocation, as the Lambda service reports it. */
export type InvocationOutcome =
  | { ok: true; payload: unknown; logTail: string }
  | { ok: false; error: { errorType: string; errorMessage: string; trace?: string[] }; logTail: string };

interface Worker {
  child: ChildProcess;
  ready: Promise<void>;
  logs: string[];
  busy: boolean;
}

const WORKER_SCRIPT = path.join(__dirname, 'runtime-worker.cjs');
const LOG_TAIL_BYTES = 4096;

/**
 * Runs invocations in child processes, one invocation per process at a time, keeping idle processes warm for the
 * next call (a warm start), as Lambda keeps execution environments. One pool per deployed code + configuration.
 */
export class FunctionRunner {
  private readonly idle = new Map<string, Worker[]>();
  private readonly all = new Set<Worker>();

  constructor(
    private readonly baseEnv: Record<string, string>,
    private readonly onLog: (functionName: string, line: string) => void = () => undefined,
  ) {}

  private poolKey(fn: RunnableFunction): string {
    return `${fn.functionName}\u0000${fn.codeDir}\u0000${fn.nodeBinary}\u0000${JSON.stringify(fn.environment)}\u0000${fn.handler}`;
  }

  private spawn(fn: RunnableFunction): Worker {
    const child = fork(WORKER_SCRIPT, [], {
      cwd: fn.codeDir,
      // The runtime's own Node.js, not the one running this server.
      execPath: fn.nodeBinary,
      execArgv: [],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      env: {
        ...this.baseEnv,
        ...fn.environment,
        AWS_LAMBDA_FUNCTION_NAME: fn.functionName,
        AWS_LAMBDA_FUNCTION_VERSION: fn.version,
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memorySize),
        // As Lambda sets it for an environment started by an invocation; Powertools reports cold starts only then.
        AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
        LAMBDA_TASK_ROOT: fn.codeDir,
        _HANDLER: fn.handler,
      },
    });
    const worker: Worker = {
      child,
      logs: [],
      busy: false,
      ready: new Promise((resolve, reject) => {
        child.once('message', () => resolve());
        child.once('error', reject);
        child.once('exit', (code) => reject(new Error(`runtime exited with code ${code} before it was ready`)));
      }),
    };
    worker.ready.catch(() => undefined);
    const capture = (chunk: Buffer) => {
      const text = chunk.toString();
      worker.logs.push(text);
      for (const line of text.split('\n')) if (line.trim()) this.onLog(fn.functionName, line);
      // Keep only the tail that a LogType=Tail response can return.
      while (worker.logs.join('').length > LOG_TAIL_BYTES * 2) worker.logs.shift();
    };
    child.stdout?.on('data', capture);
    child.stderr?.on('data', capture);
    child.on('exit', () => {
      this.all.delete(worker);
      for (const list of this.idle.values()) {
        const at = list.indexOf(worker);
        if (at >= 0) list.splice(at, 1);
      }
    });
    this.all.add(worker);
    return worker;
  }

  /** Runs one invocation and resolves with its outcome; never rejects for a function's own failure. */
  async invoke(fn: RunnableFunction, event: unknown): Promise<InvocationOutcome> {
    const key = this.poolKey(fn);
    const pool = this.idle.get(key) ?? [];
    this.idle.set(key, pool);
    const worker = pool.pop() ?? this.spawn(fn);
    worker.busy = true;
    worker.logs = [];
    const tail = () => worker.logs.join('').slice(-LOG_TAIL_BYTES);
    const deadline = Date.now() + fn.timeoutSeconds * 1000;
    const id = randomUUID();

    const outcome = await new Promise<InvocationOutcome>((resolve) => {
      const timer = setTimeout(() => {
        worker.child.kill('SIGKILL');
        resolve({
          ok: false,
          error: { errorType: 'Sandbox.Timedout', errorMessage: `Task timed out after ${fn.timeoutSeconds.toFixed(2)} seconds` },
          logTail: tail(),
        });
      }, fn.timeoutSeconds * 1000);
      const onExit = (code: number | null, signal: string | null) => {
        clearTimeout(timer);
        resolve({
          ok: false,
          error: { errorType: 'Runtime.ExitError', errorMessage: `RequestId: ${id} Error: Runtime exited (code ${code}, signal ${signal})` },
          logTail: tail(),
        });
      };
      const onMessage = (message: { type: string; id: string; ok: boolean; payload?: unknown; error?: never }) => {
        if (message.type !== 'result' || message.id !== id) return;
        clearTimeout(timer);
        worker.child.off('exit', onExit);
        worker.child.off('message', onMessage);
        resolve(message.ok ? { ok: true, payload: message.payload, logTail: tail() } : { ok: false, error: message.error as never, logTail: tail() });
      };
      worker.child.on('message', onMessage);
      worker.child.once('exit', onExit);
      worker.ready.then(
        () =>
          worker.child.send({
            type: 'invoke',
            id,
            requestId: id,
            handler: fn.handler,
            event,
            deadline,
            functionName: fn.functionName,
            functionVersion: fn.version,
            memorySize: fn.memorySize,
          }),
        () => undefined,
      );
    });

    worker.busy = false;
    if (worker.child.exitCode === null && worker.child.signalCode === null && worker.child.connected) {
      pool.push(worker);
    }
    return outcome;
  }

  /** Stops the warm processes of `functionName` so that the next call starts fresh (after a code or config update). */
  retire(functionName: string): void {
    for (const [key, list] of this.idle) {
      if (!key.startsWith(`${functionName}\u0000`)) continue;
      for (const worker of list.splice(0)) worker.child.kill();
    }
  }

  /** Kills every process; pending invocations finish with Runtime.ExitError. */
  async close(): Promise<void> {
    const exits = [...this.all].map(
      (worker) => new Promise<void>((resolve) => {
        if (worker.child.exitCode !== null || worker.child.signalCode !== null) return resolve();
        worker.child.once('exit', () => resolve());
        worker.child.kill('SIGKILL');
      }),
    );
    this.idle.clear();
    await Promise.all(exits);
  }
}
