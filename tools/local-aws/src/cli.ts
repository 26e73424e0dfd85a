// Runs the local AWS as its own process: `node --conditions=@bmx/source --import tsx tools/local-aws/src/cli.ts`.
// Prints one line `LOCAL_AWS_READY {json env}` once every server listens, then logs until SIGINT/SIGTERM.
import { READY_MARKER } from './process';
import { startLocalAws } from './stack';

function portArg(name: string): number {
  const at = process.argv.indexOf(name);
  const value = at >= 0 ? Number(process.argv[at + 1]) : 0;
  if (!Number.isInteger(value) || value < 0 || value > 65535) throw new Error(`${name} must be a port number`);
  return value;
}

async function main() {
  const verbose = process.argv.includes('--verbose');
  const stack = await startLocalAws({
    s3SqsPort: portArg('--s3-sqs-port'),
    lambdaPort: portArg('--lambda-port'),
    log: verbose ? (line) => process.stderr.write(`${line}\n`) : undefined,
  });
  process.stdout.write(`${READY_MARKER} ${JSON.stringify(stack.env)}\n`);
  const shutdown = () => {
    stack.stop().finally(() => process.exit(0));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
  // The parent (npm start, Jest) going away must not leave servers running.
  process.once('disconnect', shutdown);
}

main().catch((error) => {
  process.stderr.write(`local AWS failed to start: ${(error as Error).stack}\n`);
  process.exit(1);
});
