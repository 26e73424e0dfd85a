import { createServer, request, type Server } from 'node:http';
import { closeServer, listenOnLoopback, readBody } from '../../src/http';

class TooLarge extends Error {}

/** A server answering 200 with the body it read, or 413 with the caller's error message. */
function echoServer(limit: number): Server {
  return createServer((req, res) => {
    readBody(req, limit, (max) => new TooLarge(`over ${max}`)).then(
      (body) => res.writeHead(200).end(body),
      (error: Error) => res.writeHead(error instanceof TooLarge ? 413 : 500).end(error.message),
    );
  });
}

async function post(url: string, body: Buffer): Promise<{ status: number; text: string }> {
  const response = await fetch(url, { method: 'POST', body });
  return { status: response.status, text: await response.text() };
}

describe('local server HTTP helpers', () => {
  it('listens on 127.0.0.1 on a free port, reads a body up to the limit and rejects a longer one with the caller error', async () => {
    const server = echoServer(8);
    const { url, port } = await listenOnLoopback(server);
    try {
      expect(port).toBeGreaterThan(0);
      expect(url).toBe(`http://127.0.0.1:${port}`);
      expect(server.address()).toMatchObject({ address: '127.0.0.1', port });
      await expect(post(url, Buffer.from('12345678'))).resolves.toEqual({ status: 200, text: '12345678' });
      await expect(post(url, Buffer.alloc(0))).resolves.toEqual({ status: 200, text: '' });
      await expect(post(url, Buffer.from('123456789'))).resolves.toEqual({ status: 413, text: 'over 8' });
    } finally {
      await closeServer(server);
    }
  });

  it('rejects when the port is taken, and can listen again on a port it had', async () => {
    const first = echoServer(1);
    const { port } = await listenOnLoopback(first);
    const second = echoServer(1);
    try {
      await expect(listenOnLoopback(second, port)).rejects.toMatchObject({ code: 'EADDRINUSE' });
      await closeServer(first);
      await expect(listenOnLoopback(second, port)).resolves.toEqual({ url: `http://127.0.0.1:${port}`, port });
    } finally {
      await closeServer(second);
    }
  });

  it('closes without waiting for a request still in progress, whose client sees the connection dropped', async () => {
    let arrived!: () => void;
    const requestArrived = new Promise<void>((resolve) => (arrived = resolve));
    const server = createServer(() => arrived());
    const { port } = await listenOnLoopback(server);
    const answer = new Promise<unknown>((resolve) => {
      request({ host: '127.0.0.1', port, method: 'POST' }, resolve).on('error', resolve).end('hi');
    });
    await requestArrived;
    await closeServer(server);
    expect(server.listening).toBe(false);
    await expect(answer).resolves.toMatchObject({ code: 'ECONNRESET' });
  });
});
