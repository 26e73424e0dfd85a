import net from 'node:net';
import { listenOnLoopback } from './http';

/**
 * A TCP gate on 127.0.0.1 in front of a server: it forwards every connection while open, and when closed stops
 * listening and resets the connections it carries, so clients see the server go away (connection refused) and
 * come back on the same port with its data, as a restarted server with durable storage would. It also counts the
 * connections it accepted, for benchmarks.
 */
export interface Gate {
  readonly url: string;
  readonly port: number;
  /** Connections accepted since start or the last `resetCount()`. */
  connections(): number;
  resetCount(): void;
  close(): Promise<void>;
  open(): Promise<void>;
}

export async function startGate(target: { host: string; port: number }, port = 0): Promise<Gate> {
  let accepted = 0;
  const live = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    accepted++;
    const upstream = net.connect(target.port, target.host);
    live.add(socket).add(upstream);
    const forget = () => {
      live.delete(socket);
      live.delete(upstream);
    };
    socket.on('close', forget);
    upstream.on('close', forget);
    socket.on('error', () => upstream.destroy());
    upstream.on('error', () => socket.destroy());
    socket.pipe(upstream).pipe(socket);
  });
  const { url, port: boundPort } = await listenOnLoopback(server, port);
  return {
    url,
    port: boundPort,
    connections: () => accepted,
    resetCount: () => {
      accepted = 0;
    },
    async close() {
      if (!server.listening) return;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of live) socket.resetAndDestroy();
      live.clear();
      await closed;
    },
    async open() {
      if (!server.listening) await listenOnLoopback(server, boundPort);
    },
  };
}
