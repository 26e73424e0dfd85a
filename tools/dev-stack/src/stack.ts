import { createDatabase, databaseSecretFromUrl, migrateToLatest, type Kysely } from '@bmx/db';
import {
  appAssemblyDir,
  bundleApp,
  deployToLocalStack,
  LOCAL_STACK_FILE,
  localResourceNames,
  localSecretValuesFromEnv,
  sharedAssemblyDir,
  synthesize,
  versionsNotMadeLive,
} from '@bmx/deploy';
import { startLocalAws, type LocalAws } from '@bmx/local-aws';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded-postgres';

const root = path.resolve(__dirname, '../../..');

/** Options for {@link startDevStack}; ports 0 pick free ones. */
export interface DevStackOptions {
  apiPort: number;
  s3SqsPort: number;
  lambdaPort: number;
  dbPort?: number;
  /** PostgreSQL to use; an embedded one is started when absent. */
  databaseUrl?: string;
  /** Keep the embedded database in this folder (in memory when absent). */
  pgliteDir?: string;
  /** Environment name in resource names. Default `local`. */
  envName?: string;
  /** Write `.bmx-local/stack.json` so deploys from another terminal reach this stack. Default true. */
  writeStackFile?: boolean;
  log: (line: string) => void;
  /** Receives the Lambdas' log lines; dropped when absent. */
  lambdaLog?: (line: string) => void;
}

/** A part of the system that stopped on its own. */
export interface StackFailure {
  /** `api`: the API server process; `database`: the embedded PostgreSQL. */
  part: 'api' | 'database';
  /** How it ended: the exit code or signal, or the database's error. */
  reason: string;
}

/** The running system. */
export interface DevStack {
  apiUrl: string;
  /** An admin API key made for this run (only its hash is stored). */
  demoKey: string;
  aws: LocalAws;
  databaseUrl: string;
  /** The API server's process id. */
  apiPid: number;
  /**
   * Settles when the API process exits or the embedded database fails before `stop()` was called: the system no
   * longer works, and whoever runs it should say so and stop. Never settles otherwise.
   */
  failed: Promise<StackFailure>;
  stop(): Promise<void>;
}

/** How a process ended. */
export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** The API server running as its own process. */
export interface ApiProcess {
  child: ChildProcess;
  /** Settles when the process has exited, whenever that was. */
  exited: Promise<ProcessExit>;
  url: string;
  demoKey: string;
}

/**
 * Starts `apps/api/src/main.ts` in its own process with `env` and resolves once it listens and has printed its demo
 * key (API_SEED_DEMO_KEY_ROLE, admin unless `env` names another role: without a demo key there is nothing to wait
 * for). Its stdout lines (the log) go to `log`, except the one line showing the demo key; its stderr goes to
 * `options.stderr` line by line when given, else to this process's.
 */
export function startApiProcess(env: NodeJS.ProcessEnv, log: (line: string) => void, options: { stderr?: (line: string) => void } = {}): Promise<ApiProcess> {
  const child = spawn(process.execPath, ['--conditions=@bmx/source', '--import', 'tsx', path.join(root, 'apps/api/src/main.ts')], {
    env: { API_SEED_DEMO_KEY_ROLE: 'admin', ...env },
    stdio: ['ignore', 'pipe', options.stderr ? 'pipe' : 'inherit'],
  });
  if (options.stderr) createInterface({ input: child.stderr as NodeJS.ReadableStream }).on('line', options.stderr);
  const exited = new Promise<ProcessExit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return new Promise((resolve, reject) => {
    let demoKey: string | undefined;
    let url: string | undefined;
    const failedToStart = (code: number | null, signal: string | null) => reject(new Error(`the API exited (code ${code}, signal ${signal})`));
    child.once('exit', failedToStart);
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      const key = /Demo API key \(\w+\), shown once: (\S+)/.exec(line);
      if (key) demoKey = key[1];
      else log(line);
      const listening = /API listening on (http:\/\/\S+)/.exec(line);
      if (listening) url = listening[1];
      if (url && demoKey) {
        child.off('exit', failedToStart);
        resolve({ child, exited, url, demoKey });
      }
    });
  });
}

/** What the tracking worker's carriers secret holds on the local stack unless `BMX_LOCAL_SECRET_TRACKING_CARRIERS` says otherwise: no carrier access. */
const LOCAL_TRACKING_CARRIERS = JSON.stringify({ TRACKING_CARRIERS: 'none' });

/**
 * Starts the whole system on 127.0.0.1: local AWS, the database (migrated), then every app's Lambdas bundled,
 * synthesized by tools/infra (the shared stack and one per app, the templates an AWS deploy uses) and provisioned
 * from those templates (bucket, queues, DLQs, functions, versions, `live` aliases, mappings, schedules), the database
 * secret seeded from the database's URL; and the API server.
 */
export async function startDevStack(options: DevStackOptions): Promise<DevStack> {
  const { log } = options;
  const envName = options.envName ?? 'local';
  const aws = await startLocalAws({ s3SqsPort: options.s3SqsPort, lambdaPort: options.lambdaPort, log: options.lambdaLog });
  log(`S3 + SQS on ${aws.env['AWS_ENDPOINT_URL_S3']}, Lambda on ${aws.env['AWS_ENDPOINT_URL_LAMBDA']}, Scheduler on ${aws.env['AWS_ENDPOINT_URL_SCHEDULER']}`);

  let embedded: EmbeddedPostgres | undefined;
  let databaseUrl = options.databaseUrl;
  if (!databaseUrl) {
    embedded = await startEmbeddedPostgres({ dataDir: options.pgliteDir, port: options.dbPort ?? 0, log });
    databaseUrl = embedded.url;
    log(`embedded PostgreSQL (PGlite) on ${databaseUrl}${options.pgliteDir ? ` in ${options.pgliteDir}` : ', in memory'}`);
  } else {
    log('using DATABASE_URL');
  }
  const db = await createDatabase({ source: { url: databaseUrl }, poolSize: 2 });
  await migrateToLatest(db as Kysely<unknown>);
  await db.destroy();

  const shared = {
    BMX_ENV: envName,
    DATABASE_URL: databaseUrl,
    IMAGES_BUCKET: localResourceNames(envName).imagesBucket,
    IMAGE_JOBS_QUEUE_NAME: `bmx-${envName}-image-jobs`,
  };
  Object.assign(process.env, shared);
  if (options.writeStackFile !== false) {
    mkdirSync(path.dirname(LOCAL_STACK_FILE), { recursive: true });
    writeFileSync(LOCAL_STACK_FILE, JSON.stringify({ ...aws.env, ...shared }, null, 2));
  }

  const appDirs = readdirSync(path.join(root, 'apps'))
    .map((app) => path.join(root, 'apps', app))
    .filter((appDir) => existsSync(path.join(appDir, 'lambda.deploy.json')));
  for (const appDir of appDirs) await bundleApp(appDir, { log: (line) => log(`bundle ${line}`) });
  // cdk-nag is a check, not part of the template: the synth targets and the infra tests run it.
  await synthesize(
    [
      { env: envName, outdir: sharedAssemblyDir(), nag: false },
      ...appDirs.map((appDir) => ({ env: envName, appDir, outdir: appAssemblyDir(path.basename(appDir)), nag: false })),
    ],
    log,
  );
  const results = await deployToLocalStack({
    envName,
    sharedAssembly: sharedAssemblyDir(),
    appAssemblies: appDirs.map((appDir) => appAssemblyDir(path.basename(appDir))),
    // The secrets the templates import by ARN, stood in for: the database this stack runs, no carrier access.
    secrets: { 'tracking-carriers': LOCAL_TRACKING_CARRIERS, ...localSecretValuesFromEnv(), database: databaseSecretFromUrl(databaseUrl) },
    log: (line) => log(`deploy ${line}`),
  });
  const notLive = versionsNotMadeLive(results);
  if (notLive.length > 0) throw new Error(`deploy: not made live: ${notLive.join(', ')}`);

  const api = await startApiProcess(
    { ...process.env, ...aws.env, ...shared, PORT: String(options.apiPort), API_SEED_DEMO_KEY_ROLE: 'admin' },
    (line) => log(`[api] ${line}`),
  );
  let stopping = false;
  const failed = new Promise<StackFailure>((resolve) => {
    void api.exited.then(({ code, signal }) => {
      if (!stopping) resolve({ part: 'api', reason: signal ? `killed by ${signal}` : `exited with code ${code}` });
    });
    void embedded?.failed.then((error) => {
      if (!stopping) resolve({ part: 'database', reason: error.message });
    });
  });
  return {
    apiUrl: api.url,
    demoKey: api.demoKey,
    aws,
    databaseUrl,
    apiPid: api.child.pid as number,
    failed,
    async stop() {
      stopping = true;
      if (options.writeStackFile !== false) rmSync(LOCAL_STACK_FILE, { force: true });
      api.child.kill('SIGTERM');
      // A server that does not finish closing in 5 s is not waited for.
      const force = setTimeout(() => api.child.kill('SIGKILL'), 5_000);
      await api.exited;
      clearTimeout(force);
      await aws.stop();
      await embedded?.stop();
    },
  };
}
