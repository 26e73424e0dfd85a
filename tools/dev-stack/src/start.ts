// npm start: the whole system on 127.0.0.1. Local S3/SQS/Lambda, an embedded PostgreSQL (unless DATABASE_URL is
// set), every app's Lambdas deployed from their lambda.deploy.json, the API server, and a demo flow through it all.
import { createDatabase, migrateToLatest, type Kysely } from '@bmx/db';
import { deployApp, LOCAL_STACK_FILE } from '@bmx/deploy';
import { ensureBucket, startLocalAws } from '@bmx/local-aws';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { runDemo } from './demo';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded-postgres';

const root = path.resolve(__dirname, '../../..');
const log = (line: string) => process.stdout.write(`[start] ${line}\n`);

function port(name: string, fallback: number): number {
  const raw = process.env[name]?.trim();
  const value = raw ? Number(raw) : fallback;
  if (!Number.isInteger(value) || value < 0 || value > 65535) throw new Error(`${name}: must be a port number, got "${raw}"`);
  return value;
}

function startApi(env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; url: string; demoKey: string }> {
  const child = spawn(process.execPath, ['--conditions=@bmx/source', '--import', 'tsx', path.join(root, 'apps/api/src/main.ts')], {
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let demoKey: string | undefined;
    let url: string | undefined;
    child.once('exit', (code) => reject(new Error(`the API exited with code ${code}`)));
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      const key = /Demo API key \(admin\), shown once: (\S+)/.exec(line);
      if (key) demoKey = key[1];
      else process.stdout.write(`[api] ${line}\n`);
      const listening = /API listening on (http:\/\/\S+)/.exec(line);
      if (listening) url = listening[1];
      if (url && demoKey) {
        child.removeAllListeners('exit');
        resolve({ child, url, demoKey });
      }
    });
  });
}

async function main(): Promise<void> {
  const envName = 'local';
  const aws = await startLocalAws({
    s3SqsPort: port('LOCAL_S3_SQS_PORT', 4566),
    lambdaPort: port('LOCAL_LAMBDA_PORT', 4567),
    log: process.env['LOCAL_AWS_VERBOSE'] ? (line) => process.stdout.write(`[lambda] ${line}\n`) : undefined,
  });
  log(`S3 + SQS on ${aws.env['AWS_ENDPOINT_URL_S3']}, Lambda on ${aws.env['AWS_ENDPOINT_URL_LAMBDA']}`);

  let embedded: EmbeddedPostgres | undefined;
  let databaseUrl = process.env['DATABASE_URL']?.trim();
  if (!databaseUrl) {
    embedded = await startEmbeddedPostgres({ dataDir: process.env['PGLITE_DIR'], port: port('LOCAL_DB_PORT', 0) });
    databaseUrl = embedded.url;
    log(`embedded PostgreSQL (PGlite) on ${databaseUrl}${process.env['PGLITE_DIR'] ? ` in ${process.env['PGLITE_DIR']}` : ', in memory'}`);
  } else {
    log('using DATABASE_URL');
  }
  const db = await createDatabase({ url: databaseUrl, poolSize: 2 });
  await migrateToLatest(db as Kysely<unknown>);
  await db.destroy();

  const shared = {
    BMX_ENV: envName,
    DATABASE_URL: databaseUrl,
    IMAGES_BUCKET: `bmx-${envName}-images`,
    IMAGE_JOBS_QUEUE_NAME: `bmx-${envName}-image-jobs`,
    TRACKING_QUEUE_NAME: `bmx-${envName}-tracking`,
  };
  Object.assign(process.env, shared);
  await ensureBucket(shared.IMAGES_BUCKET);

  // So `nx deploy <app>` / `npm run deploy:affected` from another terminal reach this stack.
  mkdirSync(path.dirname(LOCAL_STACK_FILE), { recursive: true });
  writeFileSync(LOCAL_STACK_FILE, JSON.stringify({ ...aws.env, ...shared }, null, 2));
  const extraEnv = shared;
  const apps = readdirSync(path.join(root, 'apps')).filter((app) => existsSync(path.join(root, 'apps', app, 'lambda.deploy.json')));
  for (const app of apps) {
    await deployApp(path.join(root, 'apps', app), {
      envName,
      extraEnv,
      localLambdaEndpoint: aws.env['AWS_ENDPOINT_URL_LAMBDA'],
      log: (line) => log(`deploy ${app}: ${line}`),
    });
  }

  const api = await startApi({
    ...process.env,
    ...aws.env,
    ...shared,
    PORT: String(port('PORT', 3000)),
    API_SEED_DEMO_KEY_ROLE: 'admin',
  });
  log(`API on ${api.url}  (OpenAPI docs: ${api.url}/docs, health: ${api.url}/health/deep)`);
  log(`demo admin API key for this run (send as X-API-Key): ${api.demoKey}`);

  const shutdown = async (code: number) => {
    rmSync(LOCAL_STACK_FILE, { force: true });
    api.child.kill('SIGTERM');
    await aws.stop();
    await embedded?.stop();
    process.exit(code);
  };
  process.once('SIGINT', () => void shutdown(0));
  process.once('SIGTERM', () => void shutdown(0));

  if (process.env['BMX_SKIP_DEMO'] !== '1') {
    try {
      await runDemo({ apiUrl: api.url, apiKey: api.demoKey, log });
      log('demo flow: OK');
    } catch (error) {
      log(`demo flow FAILED: ${(error as Error).message}`);
      if (process.env['BMX_EXIT_AFTER_DEMO'] === '1') return shutdown(1);
    }
  }
  if (process.env['BMX_EXIT_AFTER_DEMO'] === '1') return shutdown(0);
  log('running; Ctrl-C stops everything');
}

main().catch((error: Error) => {
  process.stderr.write(`npm start failed: ${error.stack ?? error.message}\n`);
  process.exit(1);
});
