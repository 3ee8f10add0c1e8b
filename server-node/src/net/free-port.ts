import net from 'node:net';

/** Resolves when `port` on `host` can be bound, rejects with the bind error otherwise. */
export function checkPortFree(port: number, host = '127.0.0.1'): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(port, host, () => server.close(() => resolve()));
  });
}

/** The first free port from `start` upwards (or any free port with start 0). */
export async function findFreePort(start = 0, host = '127.0.0.1'): Promise<number> {
  if (start === 0) {
    return new Promise((resolve, reject) => {
      const server = net.createServer();
      server.once('error', reject);
      server.listen(0, host, () => {
        const { port } = server.address() as net.AddressInfo;
        server.close(() => resolve(port));
      });
    });
  }
  for (let port = start; port < start + 200 && port <= 65535; port++) {
    try {
      await checkPortFree(port, host);
      return port;
    } catch {
      // taken: try the next one
    }
  }
  throw new Error(`no free port between ${start} and ${start + 200}`);
}

/**
 * A base port whose next `count` ports are free, and base + 100 too: the sandbox puts its balancer and
 * nodes on base .. base + nodes and PostgreSQL on base + 100. Starts at a random place so parallel
 * runs rarely meet.
 */
export async function findFreePortRange(
  count: number,
  from = 20_000 + Math.floor(Math.random() * 20_000),
  host = '127.0.0.1',
): Promise<number> {
  const canBind = (port: number) =>
    checkPortFree(port, host).then(
      () => true,
      () => false,
    );
  for (let base = from; base < 60_000; base += count + 1) {
    const ports = [...Array.from({ length: count }, (_, i) => base + i), base + 100];
    if ((await Promise.all(ports.map(canBind))).every(Boolean)) return base;
  }
  throw new Error(`no free range of ${count} ports on ${host}`);
}
