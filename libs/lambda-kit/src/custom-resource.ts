// CloudFormation's custom resource protocol for a Lambda ServiceToken: CloudFormation sends the request, the function
// does its work and PUTs SUCCESS or FAILED to the request's presigned ResponseURL. The deploy steps (the smoke test
// before `live` moves, database migrations) are plain handlers wrapped by withCustomResource.
import { logger } from './logger';

/** A custom resource request as CloudFormation sends it (properties arrive as strings). */
export interface CustomResourceEvent {
  RequestType: 'Create' | 'Update' | 'Delete';
  ResponseURL: string;
  StackId: string;
  RequestId: string;
  LogicalResourceId: string;
  ResourceType: string;
  PhysicalResourceId?: string;
  ServiceToken?: string;
  ResourceProperties: Record<string, unknown>;
  OldResourceProperties?: Record<string, unknown>;
}

/** What the wrapped handler gives back: attributes `Fn::GetAtt` reads (strings). */
export type CustomResourceData = Record<string, string>;

/** The body CloudFormation reads from the ResponseURL. */
export interface CustomResourceResponse {
  Status: 'SUCCESS' | 'FAILED';
  Reason?: string;
  PhysicalResourceId: string;
  StackId: string;
  RequestId: string;
  LogicalResourceId: string;
  Data?: CustomResourceData;
}

/** True for a CloudFormation custom resource request (and not for a smoke test or any other event). */
export function isCustomResourceEvent(event: unknown): event is CustomResourceEvent {
  const candidate = event as Partial<CustomResourceEvent> | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    ['Create', 'Update', 'Delete'].includes(candidate.RequestType as string) &&
    typeof candidate.ResponseURL === 'string' &&
    typeof candidate.RequestId === 'string' &&
    typeof candidate.LogicalResourceId === 'string'
  );
}

/** Options for {@link withCustomResource}. */
export interface WithCustomResourceOptions {
  /** Sends the response; default an HTTPS PUT with no content type, which the presigned URL was signed for. */
  respond?: (url: string, body: CustomResourceResponse) => Promise<void>;
}

/** CloudFormation shows at most about 4 KiB of a reason; the rest is in the function's log. */
const MAX_REASON = 1000;

async function putResponse(url: string, body: CustomResourceResponse): Promise<void> {
  const response = await fetch(url, { method: 'PUT', headers: { 'content-type': '' }, body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`CloudFormation's response URL answered ${response.status}`);
}

/**
 * Wraps a deploy step as a custom resource handler. On Create and Update `handler` runs with the resource's
 * properties; its result is the resource's data and its throw the FAILED reason, so the stack stops before whatever
 * depends on the resource (the `live` aliases) changes. On Delete it does not run and the answer is SUCCESS: a deploy
 * step is done once (a smoke test, a forward-only migration) and has nothing to undo, which also lets a rollback or
 * the clean-up of a replaced step go through. A response that cannot be sent is logged and thrown (CloudFormation
 * then waits for its own timeout).
 */
export function withCustomResource<TContext = unknown>(
  handler: (properties: Record<string, unknown>, event: CustomResourceEvent) => Promise<CustomResourceData | void>,
  options: WithCustomResourceOptions = {},
): (event: CustomResourceEvent, context: TContext) => Promise<CustomResourceResponse> {
  const respond = options.respond ?? putResponse;
  return async (event) => {
    const physicalResourceId = event.PhysicalResourceId ?? `${event.LogicalResourceId}-${event.RequestId}`;
    const base = { PhysicalResourceId: physicalResourceId, StackId: event.StackId, RequestId: event.RequestId, LogicalResourceId: event.LogicalResourceId };
    let body: CustomResourceResponse;
    if (event.RequestType === 'Delete') {
      body = { ...base, Status: 'SUCCESS' };
    } else {
      try {
        const data = (await handler(event.ResourceProperties, event)) ?? undefined;
        body = { ...base, Status: 'SUCCESS', ...(data ? { Data: data } : {}) };
      } catch (error) {
        logger.error(`${event.LogicalResourceId} failed`, error as Error);
        body = { ...base, Status: 'FAILED', Reason: ((error as Error).message || String(error)).slice(0, MAX_REASON) };
      }
    }
    logger.info(`${event.RequestType} ${event.LogicalResourceId}: ${body.Status}`, { resource_type: event.ResourceType, ...(body.Reason ? { reason: body.Reason } : {}) });
    await respond(event.ResponseURL, body);
    return body;
  };
}
