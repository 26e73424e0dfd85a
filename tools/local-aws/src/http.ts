import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Server as NetServer } from 'node:net';

/**
 * Reads a request body of at most `limit` bytes. A larger body is still read to its end (so the client gets the
 * answer rather than a reset connection) but not kept, and the promise rejects with `tooLarge(limit)`: each local
 * server answers that in its own protocol's error shape.
 */
export function readBody(req: IncomingMessage, limit: number, tooLarge: (limit: number) => Error): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    req.on('end', () => (size > limit ? reject(tooLarge(limit)) : resolve(Buffer.concat(chunks))));
    req.on('error', reject);
  });
}

/**
 * Answers with `body` as JSON (an undefined body sends no content, for 202/204 answers). `headers` may replace the
 * content type: AWS JSON 1.1 services answer `application/x-amz-json-1.1`.
 */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(body === undefined ? '' : JSON.stringify(body));
}

/**
 * Starts `server` (HTTP or plain TCP) listening on 127.0.0.1 only, never every interface; port 0 picks a free one.
 * Resolves with the port it got and its `http://` URL; rejects when the port cannot be had. It may be called again
 * after the server closed (the TCP gate reopens on its old port).
 */
export async function listenOnLoopback(server: NetServer, port = 0): Promise<{ url: string; port: number }> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${bound}`, port: bound };
}

/** Stops `server` and drops its open connections (keep-alive ones included), so closing never waits on a client. */
export function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
