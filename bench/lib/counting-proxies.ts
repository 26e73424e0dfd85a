// Proxies that stand between the API and its dependencies and count what passes: HTTP requests (S3, SQS, Lambda) and
// PostgreSQL statements. What a benchmark reports as "dependency calls" is counted here, at the dependency's door.
import { Agent, createServer as createHttpServer, request } from 'node:http';
import { createConnection, createServer as createTcpServer, type Server, type Socket } from 'node:net';

/** A running counting proxy. */
export interface CountingProxy {
  /** Where to point the client instead of the target. */
  url: string;
  /** Calls counted since the start or the last `reset()`. */
  count(): number;
  reset(): void;
  stop(): Promise<void>;
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
  });
}

/** Forwards every HTTP request to `target` (an `http://host:port` URL) and counts the requests. */
export async function countHttpRequests(target: string): Promise<CountingProxy> {
  const to = new URL(target);
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  let calls = 0;
  const server = createHttpServer((incoming, outgoing) => {
    calls++;
    const forward = request(
      { host: to.hostname, port: to.port, method: incoming.method, path: incoming.url, headers: incoming.headers, agent },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    forward.on('error', () => outgoing.destroy());
    incoming.pipe(forward);
  });
  server.keepAliveTimeout = 60_000;
  const port = await listen(server);
  return {
    url: `http://127.0.0.1:${port}`,
    count: () => calls,
    reset: () => (calls = 0),
    stop: () => {
      agent.destroy();
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Forwards PostgreSQL connections to `target` (a `postgres://` URL) and counts statements: each simple Query and each
 * Sync of the extended protocol (pg sends one per parameterised query) is one round trip to the database.
 */
export async function countPostgresStatements(target: string): Promise<CountingProxy & { databaseUrl: string }> {
  const to = new URL(target);
  let statements = 0;
  const sockets = new Set<Socket>();
  const server = createTcpServer((client) => {
    const upstream = createConnection({ host: to.hostname, port: Number(to.port || 5432) });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    let started = false;
    let buffer: Buffer = Buffer.alloc(0);
    client.on('data', (data: Buffer) => {
      upstream.write(data);
      buffer = buffer.length ? Buffer.concat([buffer, data]) : data;
      for (;;) {
        // The startup packet has no type byte; every later message is type, Int32 length, payload.
        const length = started ? (buffer.length >= 5 ? 1 + buffer.readInt32BE(1) : Infinity) : buffer.length >= 4 ? buffer.readInt32BE(0) : Infinity;
        if (buffer.length < length) break;
        if (started && (buffer[0] === 0x51 || buffer[0] === 0x53)) statements++;
        started = true;
        buffer = buffer.subarray(length);
      }
    });
    upstream.on('data', (data: Buffer) => client.write(data));
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
  });
  const port = await listen(server);
  const proxied = new URL(target);
  proxied.hostname = '127.0.0.1';
  proxied.port = String(port);
  return {
    url: `127.0.0.1:${port}`,
    databaseUrl: proxied.toString(),
    count: () => statements,
    reset: () => (statements = 0),
    stop: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
