import net from 'node:net';

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A base port whose next `count` ports are free too (the sandbox uses base .. base+nodes, PostgreSQL base+100). */
export async function freePortRange(
  count: number,
  from = 20_000 + Math.floor(Math.random() * 20_000),
): Promise<number> {
  for (let base = from; base < 60_000; base += count + 1) {
    const ports = [...Array.from({ length: count }, (_, i) => base + i), base + 100];
    if ((await Promise.all(ports.map(canBind))).every(Boolean)) return base;
  }
  throw new Error('No free port range on 127.0.0.1');
}
