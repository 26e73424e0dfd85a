import net from 'node:net';

/** A TCP proxy on 127.0.0.1 that counts the connections clients open through it. */
export async function startCountingProxy(target: { host: string; port: number }) {
  let connections = 0;
  const server = net.createServer((socket) => {
    connections++;
    const upstream = net.connect(target.port, target.host);
    socket.pipe(upstream).pipe(socket);
    socket.on('error', () => upstream.destroy());
    upstream.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    connections: () => connections,
    reset: () => {
      connections = 0;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
