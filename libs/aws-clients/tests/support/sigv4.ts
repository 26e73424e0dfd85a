// An independent check of SigV4 query authentication, written from AWS's specification (canonical request, string to
// sign, derived key) with node:crypto only, so tests can tell whether a presigned URL is signed right without
// asking the SDK that made it. The local S3 server accepts any signature, so this is what checks them.
import { createHash, createHmac } from 'node:crypto';

const escapeUri = (text: string) => encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data, 'utf8').digest();

export interface SignedUrlFacts {
  /** The signature matches the one computed here for `method`, the URL and `headers` with `secretAccessKey`. */
  valid: boolean;
  accessKeyId: string;
  sessionToken: string | null;
  signedHeaders: string[];
  signedAtMs: number;
  expiresAtMs: number;
}

/** Checks a presigned S3 URL; `headers` are those the request will carry besides `host` (e.g. content-type). */
export function checkPresignedUrl(url: string, method: string, secretAccessKey: string, headers: Record<string, string> = {}): SignedUrlFacts {
  const parsed = new URL(url);
  // The query exactly as written in the URL (URLSearchParams would turn %20 and + around).
  const params = parsed.search
    .slice(1)
    .split('&')
    .map((pair) => pair.split('=').map(decodeURIComponent) as [string, string]);
  const get = (name: string) => params.find(([key]) => key === name)?.[1] ?? null;
  const credential = (get('X-Amz-Credential') ?? '').split('/');
  const [accessKeyId = '', day = '', region = '', service = ''] = credential;
  const amzDate = get('X-Amz-Date') ?? '';
  const signedHeaders = (get('X-Amz-SignedHeaders') ?? '').split(';');
  const allHeaders: Record<string, string> = { host: parsed.host, ...Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])) };
  const canonicalQuery = params
    .filter(([key]) => key !== 'X-Amz-Signature')
    .map(([key, value]) => [escapeUri(key), escapeUri(value)])
    .sort(([a], [b]) => (a! < b! ? -1 : a! > b! ? 1 : 0))
    .map(([key, value]) => `${key}=${value}`)
    .join('&');
  const canonicalRequest = [
    method,
    // S3 signs the path as sent, encoded once.
    parsed.pathname,
    canonicalQuery,
    signedHeaders.map((name) => `${name}:${(allHeaders[name] ?? '').trim()}\n`).join(''),
    signedHeaders.join(';'),
    get('X-Amz-Content-Sha256') ?? 'UNSIGNED-PAYLOAD',
  ].join('\n');
  const scope = `${day}/${region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, createHash('sha256').update(canonicalRequest, 'utf8').digest('hex')].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${secretAccessKey}`, day), region), service), 'aws4_request');
  const signature = createHmac('sha256', key).update(stringToSign, 'utf8').digest('hex');
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
  const signedAtMs = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])) : NaN;
  return {
    valid: signature === get('X-Amz-Signature'),
    accessKeyId,
    sessionToken: get('X-Amz-Security-Token'),
    signedHeaders,
    signedAtMs,
    expiresAtMs: signedAtMs + Number(get('X-Amz-Expires')) * 1000,
  };
}
