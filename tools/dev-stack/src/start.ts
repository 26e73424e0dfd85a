// npm start: the whole system on 127.0.0.1 (see README.md), then the demo flow through it.
import { runDemo } from './demo';
import { startDevStack } from './stack';

const log = (line: string) => process.stdout.write(`[start] ${line}\n`);

function port(name: string, fallback: number): number {
  const raw = process.env[name]?.trim();
  const value = raw ? Number(raw) : fallback;
  if (!Number.isInteger(value) || value < 0 || value > 65535) throw new Error(`${name}: must be a port number, got "${raw}"`);
  return value;
}

async function main(): Promise<void> {
  const stack = await startDevStack({
    apiPort: port('PORT', 3000),
    s3SqsPort: port('LOCAL_S3_SQS_PORT', 4566),
    lambdaPort: port('LOCAL_LAMBDA_PORT', 4567),
    dbPort: port('LOCAL_DB_PORT', 0),
    databaseUrl: process.env['DATABASE_URL']?.trim() || undefined,
    pgliteDir: process.env['PGLITE_DIR']?.trim() || undefined,
    writeStackFile: process.env['BMX_WRITE_STACK_FILE'] !== '0',
    log,
    lambdaLog: process.env['LOCAL_AWS_VERBOSE'] ? (line) => process.stdout.write(`[lambda] ${line}\n`) : undefined,
  });
  log(`API on ${stack.apiUrl}  (OpenAPI docs: ${stack.apiUrl}/docs, health: ${stack.apiUrl}/health/deep)`);
  log(`demo admin API key for this run (send as X-API-Key): ${stack.demoKey}`);

  let stopping: Promise<void> | undefined;
  const shutdown = (code: number) => {
    stopping ??= stack.stop().then(() => process.exit(code));
    return stopping;
  };
  process.once('SIGINT', () => void shutdown(0));
  process.once('SIGTERM', () => void shutdown(0));
  // Nothing works without the API or the database: say which one stopped, stop the rest, exit non-zero.
  void stack.failed.then(({ part, reason }) => {
    process.stderr.write(`npm start: the ${part === 'api' ? 'API process' : 'embedded database'} stopped (${reason}); stopping everything\n`);
    void shutdown(1);
  });

  const exitAfterDemo = process.env['BMX_EXIT_AFTER_DEMO'] === '1';
  if (process.env['BMX_SKIP_DEMO'] !== '1') {
    try {
      await runDemo({ apiUrl: stack.apiUrl, apiKey: stack.demoKey, log });
      log('demo flow: OK');
    } catch (error) {
      log(`demo flow FAILED: ${(error as Error).message}`);
      if (exitAfterDemo) return shutdown(1);
    }
  }
  if (exitAfterDemo) return shutdown(0);
  log('running; Ctrl-C stops everything');
}

main().catch((error: Error) => {
  process.stderr.write(`npm start failed: ${error.stack ?? error.message}\n`);
  process.exit(1);
});
