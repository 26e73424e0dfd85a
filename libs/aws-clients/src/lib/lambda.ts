import { InvokeCommand } from '@aws-sdk/client-lambda';
import { getLambdaClient } from './clients';
import { LambdaFunctionError, LambdaStatusError } from './errors';
import type { ClientProfile } from './profiles';

/** Options for {@link invokeJson}. */
export interface InvokeJsonOptions {
  /** `RequestResponse` waits for the result; `Event` queues the call and returns at once. Default `RequestResponse`. */
  invocationType?: 'RequestResponse' | 'Event';
  /** Client profile; use `longCall` for functions that run minutes. Default `default`. */
  profile?: ClientProfile;
  /** Version or alias to invoke. */
  qualifier?: string;
}

const decoder = new TextDecoder();

function parsePayload(bytes: Uint8Array | undefined): unknown {
  if (!bytes || bytes.length === 0) return undefined;
  const text = decoder.decode(bytes);
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    for (const field of ['errorMessage', 'message', 'error', 'detail']) {
      if (typeof record[field] === 'string') return record[field] as string;
    }
  }
  return JSON.stringify(value) ?? 'no details';
}

/**
 * Invokes `functionName` with `payload` as JSON and returns the parsed result (`undefined` for `Event`).
 * A function that raised becomes {@link LambdaFunctionError}; a result with `statusCode >= 400` (the API
 * Gateway-style error our functions return) becomes {@link LambdaStatusError}.
 */
export async function invokeJson<T = unknown>(
  functionName: string,
  payload: unknown,
  options: InvokeJsonOptions = {},
): Promise<T> {
  const { invocationType = 'RequestResponse', profile = 'default', qualifier } = options;
  const out = await getLambdaClient(profile).send(
    new InvokeCommand({
      FunctionName: functionName,
      InvocationType: invocationType,
      Qualifier: qualifier,
      Payload: new TextEncoder().encode(JSON.stringify(payload ?? {})),
    }),
  );
  if (invocationType === 'Event') return undefined as T;
  const result = parsePayload(out.Payload);
  if (out.FunctionError) {
    const errorType =
      result && typeof result === 'object' && typeof (result as { errorType?: unknown }).errorType === 'string'
        ? (result as { errorType: string }).errorType
        : undefined;
    throw new LambdaFunctionError(functionName, out.FunctionError, errorType, describe(result));
  }
  if (result && typeof result === 'object' && 'statusCode' in result) {
    const statusCode = Number((result as { statusCode: unknown }).statusCode);
    if (Number.isFinite(statusCode) && statusCode >= 400) {
      const rawBody = (result as { body?: unknown }).body;
      const body = typeof rawBody === 'string' ? parsePayload(new TextEncoder().encode(rawBody)) : rawBody;
      throw new LambdaStatusError(functionName, statusCode, body, describe(body ?? result));
    }
  }
  return result as T;
}
