// The smoke test as a deploy step: CloudFormation creates one `Custom::SmokeTest` per new version of a function
// (ServiceToken: this hook), the hook invokes that version with the function's smoke test event from
// lambda.deploy.json, and the function's `live` alias, which depends on the resource, moves only when it passed.
// The hook's role may invoke that one function's versions and nothing else.
import { invokeJson } from '@bmx/aws-clients';
import { withCustomResource, withLogger } from '@bmx/lambda-kit';

/** The resource's properties (CloudFormation passes them as strings). */
export interface SmokeTestProperties {
  /** The function under test. */
  FunctionName: string;
  /** The version just published, which `live` is to point at. */
  Qualifier: string;
  /** The smoke test event, as JSON. */
  EventJson: string;
}

function readProperties(properties: Record<string, unknown>): SmokeTestProperties & { event: unknown } {
  for (const name of ['FunctionName', 'Qualifier', 'EventJson'] as const) {
    if (typeof properties[name] !== 'string' || properties[name] === '') throw new Error(`Custom::SmokeTest property ${name} is required (a string)`);
  }
  const { FunctionName, Qualifier, EventJson } = properties as unknown as SmokeTestProperties;
  let event: unknown;
  try {
    event = JSON.parse(EventJson);
  } catch {
    throw new Error('Custom::SmokeTest property EventJson is not JSON');
  }
  return { FunctionName, Qualifier, EventJson, event };
}

/**
 * Invokes the version with the smoke test event. A function error, or an answer with `statusCode >= 400`, fails the
 * test (invokeJson throws both) with the function's own message.
 */
export async function smokeTestVersion(properties: Record<string, unknown>): Promise<{ Version: string }> {
  const { FunctionName, Qualifier, event } = readProperties(properties);
  try {
    await invokeJson(FunctionName, event, { qualifier: Qualifier, profile: 'longCall' });
  } catch (error) {
    throw new Error(`smoke test of ${FunctionName} version ${Qualifier} failed: ${(error as Error).message}`);
  }
  return { Version: Qualifier };
}

export const handler = withLogger(withCustomResource(smokeTestVersion));
