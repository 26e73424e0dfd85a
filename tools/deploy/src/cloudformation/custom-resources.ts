// Custom resources backed by a Lambda function of the stack (`Custom::SmokeTest`, `Custom::DeployStep`: see
// tools/infra deploy-steps.ts), run locally by CloudFormation's own protocol: the function named by ServiceToken is
// invoked with a Create request whose ResponseURL is a loopback listener, and the resource is what it PUTs there.
// Like CloudFormation, a resource already made under the same logical id is left alone (each is one per version);
// a FAILED answer leaves it unmade, so what depends on it (the `live` alias) is skipped and stays where it was.
import { invokeJson } from '@bmx/aws-clients';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TemplateError } from './intrinsics';
import { arn, functionRef, requiredString, type Provisioned, type ResourceContext, type ResourceType } from './resource';
import { readStackRecord } from './stack-record';

/** The custom resource types the local stack runs, each backed by a function of the stack. */
export const LAMBDA_BACKED_CUSTOM_TYPES = ['Custom::SmokeTest', 'Custom::DeployStep'] as const;

/** How long after its invocation returned a function's answer may still arrive. */
const ANSWER_GRACE_MS = 5000;

/** What the function PUT to the ResponseURL. */
interface ResponseBody {
  Status?: string;
  Reason?: string;
  PhysicalResourceId?: string;
  Data?: Record<string, unknown>;
}

/** A loopback listener for one response, as CloudFormation's presigned S3 URL is. */
async function responseListener(): Promise<{ url: string; response: Promise<ResponseBody>; close(): void }> {
  let settle!: (body: ResponseBody) => void;
  let fail!: (error: Error) => void;
  const response = new Promise<ResponseBody>((resolve, reject) => ((settle = resolve), (fail = reject)));
  const server = createServer((request, reply) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      reply.writeHead(200).end();
      if (request.method !== 'PUT') return fail(new Error(`the response came as ${request.method}, not PUT`));
      try {
        settle(JSON.parse(Buffer.concat(chunks).toString('utf8')) as ResponseBody);
      } catch {
        fail(new Error('the response body is not JSON'));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/response/${randomUUID()}`, response, close: () => server.close() };
}

/** What CloudFormation passes as ResourceProperties: every scalar as a string. */
function asCloudFormationPasses(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(asCloudFormationPasses);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, asCloudFormationPasses(inner)]));
  return typeof value === 'number' || typeof value === 'boolean' ? String(value) : value;
}

/**
 * Records a smoke test's outcome on the tested function's deploy result: the one smoke test of the version, since
 * the alias that waits for it runs none of its own. A failure also means the alias is skipped and stays where it was.
 */
function recordSmokeTest(context: ResourceContext, failure?: string): void {
  const name = context.properties['FunctionName'];
  const progress = typeof name === 'string' ? context.run.functions.get(name) : undefined;
  if (!progress) return;
  const version = String(context.properties['Qualifier'] ?? progress.result.version);
  if (failure === undefined) Object.assign(progress.result, { smokeTest: 'passed', version });
  else Object.assign(progress.result, { smokeTest: 'failed', rolledBack: true, unchanged: false, error: failure, version });
}

export const lambdaBackedCustomResource: ResourceType = {
  required: ['ServiceToken'],
  async apply(context): Promise<Provisioned> {
    const token = requiredString(context, 'ServiceToken');
    if (!/^arn:[^:]+:lambda:/.test(token)) throw new TemplateError(`${context.where}.Properties.ServiceToken ${token} is not a Lambda function ARN: the local stack runs only Lambda-backed custom resources`);
    const recorded = (await readStackRecord(context.run.envName, context.env.stackName))?.resources[context.logicalId];
    if (recorded?.type === context.type) return { physicalId: recorded.physicalId, attributes: {}, outcome: 'unchanged' };

    const { name, qualifier } = functionRef(token);
    const listener = await responseListener();
    let body: ResponseBody;
    try {
      const event = {
        RequestType: 'Create',
        ServiceToken: token,
        ResponseURL: listener.url,
        StackId: arn(context.env, 'cloudformation', `stack/${context.env.stackName}/local`),
        RequestId: randomUUID(),
        LogicalResourceId: context.logicalId,
        ResourceType: context.type,
        ResourceProperties: asCloudFormationPasses(context.properties),
      };
      try {
        await invokeJson(name, event, { qualifier, profile: 'longCall' });
      } catch (error) {
        // CloudFormation would wait for an answer that never comes; here the failed invocation is the answer.
        body = { Status: 'FAILED', Reason: `${name}${qualifier ? `:${qualifier}` : ''} failed before answering: ${(error as Error).message}` };
      }
      // The wrapper PUTs before its invocation returns: an answer not there soon after never comes.
      body ??= await Promise.race([
        listener.response,
        new Promise<ResponseBody>((resolve) => setTimeout(() => resolve({ Status: 'FAILED', Reason: `${name} returned without answering at the ResponseURL (is its handler wrapped by withCustomResource?)` }), ANSWER_GRACE_MS).unref()),
      ]);
    } finally {
      listener.close();
    }
    if (body.Status !== 'SUCCESS') {
      const reason = body.Reason ?? 'no reason given';
      if (context.type === 'Custom::SmokeTest') recordSmokeTest(context, reason);
      return { physicalId: '', attributes: {}, outcome: 'failed', detail: reason };
    }
    if (context.type === 'Custom::SmokeTest') recordSmokeTest(context);
    return { physicalId: body.PhysicalResourceId ?? context.logicalId, attributes: body.Data ?? {}, outcome: 'created', detail: `${name}${qualifier ? `:${qualifier}` : ''} answered SUCCESS` };
  },
};
