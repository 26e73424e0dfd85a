import { resetAwsClients } from '@bmx/aws-clients';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startGate } from './gate';
import { ACCOUNT_ID } from './lambda/registry';
import { startLambdaServer, type LambdaServer } from './lambda/server';
import { startSchedulerServer } from './scheduler/server';
import { startSecretsManagerServer } from './secrets-manager/server';

/** Options for {@link startLocalAws}. */
export interface LocalAwsOptions {
  /** Port of the S3 + SQS server on 127.0.0.1; 0 (default) picks a free one. */
  s3SqsPort?: number;
  /** Port of the Lambda server on 127.0.0.1; 0 (default) picks a free one. */
  lambdaPort?: number;
  region?: string;
  /** Receives log lines from the Lambda server and the functions. Default: dropped. */
  log?: (line: string) => void;
}

/** The running local AWS. */
export interface LocalAws {
  /** The variables a process needs to talk to this stack through `@bmx/aws-clients`. */
  env: Record<string, string>;
  lambda: LambdaServer;
  /** Takes the S3 + SQS endpoint away: connections are refused, open ones reset. For fault tests. */
  stopS3Sqs(): Promise<void>;
  /** Brings the S3 + SQS endpoint back on the same port, with the data it had. */
  restartS3Sqs(): Promise<void>;
  stop(): Promise<void>;
}

interface FauxqsServer {
  port: number;
  stop(): Promise<void>;
}

async function startS3Sqs(port: number, region: string): Promise<FauxqsServer> {
  // fauxqs is ESM-only; import() keeps this module loadable from CommonJS.
  const { startFauxqs } = (await import('fauxqs')) as {
    startFauxqs(o: { port: number; host: string; logger: boolean; defaultRegion: string }): Promise<FauxqsServer>;
  };
  return startFauxqs({ port, host: '127.0.0.1', logger: false, defaultRegion: region });
}

/**
 * Starts S3 + SQS (fauxqs) and the project's Lambda server on 127.0.0.1, and points this process's
 * `@bmx/aws-clients` at them. Credentials are fixed placeholders: the local servers do not check them.
 */
export async function startLocalAws(options: LocalAwsOptions = {}): Promise<LocalAws> {
  const region = options.region ?? 'us-east-1';
  const s3sqs = await startS3Sqs(0, region);
  // Clients reach S3/SQS through a gate, so a fault test can take the endpoint away and bring it back with its data.
  const gate = await startGate({ host: '127.0.0.1', port: s3sqs.port }, options.s3SqsPort ?? 0);
  const s3SqsUrl = gate.url;
  const secretsManager = await startSecretsManagerServer({ region, log: options.log });
  const env: Record<string, string> = {
    AWS_REGION: region,
    // The account every ARN of the local servers names; the local provisioner resolves AWS::AccountId to it.
    AWS_ACCOUNT_ID: ACCOUNT_ID,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_S3: s3SqsUrl,
    AWS_ENDPOINT_URL_SQS: s3SqsUrl,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: secretsManager.url,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };

  const codeRoot = mkdtempSync(path.join(tmpdir(), 'bmx-lambda-'));
  const functionEnv: Record<string, string> = { PATH: process.env['PATH'] ?? '', NODE_OPTIONS: '--enable-source-maps', ...env };
  const faults = {
    's3-sqs-stop': () => gate.close(),
    's3-sqs-start': () => gate.open(),
  };
  const lambda = await startLambdaServer({ port: options.lambdaPort ?? 0, region, codeRoot, functionEnv, log: options.log, faults });
  env['AWS_ENDPOINT_URL_LAMBDA'] = lambda.url;
  // Functions call each other through the same server.
  functionEnv['AWS_ENDPOINT_URL_LAMBDA'] = lambda.url;
  // Schedules invoke their Lambda targets in process; LOCAL_SCHEDULER_SECONDS_PER_MINUTE sets the time scale.
  const scheduler = await startSchedulerServer({ region, invoke: lambda.invoke, log: options.log });
  env['AWS_ENDPOINT_URL_SCHEDULER'] = scheduler.url;
  // Nothing above calls AWS: this process's clients are pointed at the stack once every endpoint is known.
  Object.assign(process.env, env);
  resetAwsClients();

  return {
    env,
    lambda,
    stopS3Sqs: faults['s3-sqs-stop'],
    restartS3Sqs: faults['s3-sqs-start'],
    async stop() {
      await scheduler.close();
      await lambda.close();
      await gate.close();
      await secretsManager.close();
      await s3sqs.stop().catch(() => undefined);
      rmSync(codeRoot, { recursive: true, force: true });
      resetAwsClients();
    },
  };
}
