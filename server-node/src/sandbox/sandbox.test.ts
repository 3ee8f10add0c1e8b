import { spawn } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import type { NodeDto } from '../api/index.js';
import { checkPortFree, findFreePort } from '../net/free-port.js';
import { CLI_MAIN } from './node-process.js';
import type { SandboxInfo } from './sandbox.js';

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('flotilla-node sandbox', () => {
  let dir = '';
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('starts embedded PostgreSQL, three nodes and the balancer, prints JSON, and stops cleanly on SIGTERM', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'flotilla-sandbox-'));
    // As root, the embedded PostgreSQL runs as user postgres, which must be able to enter the folder.
    await chmod(dir, 0o755);
    const basePort = (await findFreePort(20_000)) + 10;
    const child = spawn(
      process.execPath,
      [CLI_MAIN, 'sandbox', '--dir', dir, '--nodes', '3', '--port', String(basePort), '--json'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const lines = createInterface({ input: child.stdout });
    let errors = '';
    child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
    const first = await Promise.race([
      new Promise<string>((resolve) => lines.once('line', resolve)),
      exited.then((code) => {
        throw new Error(`sandbox exited (${code}) before it was ready:\n${errors}`);
      }),
    ]);
    const info = JSON.parse(first) as SandboxInfo;
    expect(info.nodes.map((n) => n.name)).toEqual(['node-1', 'node-2', 'node-3']);
    expect(info.nodes.map((n) => n.url)).toEqual([1, 2, 3].map((i) => `http://127.0.0.1:${basePort + i}`));
    expect(info.dbUrl).toMatch(/^postgres:\/\//);
    expect(info.sharedDir).toBe(path.join(dir, 'shared'));
    expect(info.balancerUrl).toBe(`http://127.0.0.1:${basePort}`);

    // Through the balancer, which every node answers.
    const answeredBy = new Set<string | null>();
    for (let i = 0; i < 6; i++) {
      const response = await fetch(`${info.balancerUrl}/api/nodes`, {
        headers: { authorization: `Bearer ${info.apiKey}` },
      });
      const nodes = (await response.json()) as NodeDto[];
      expect(nodes.map((n) => [n.name, n.state])).toEqual([
        ['node-1', 'running'],
        ['node-2', 'running'],
        ['node-3', 'running'],
      ]);
      answeredBy.add(response.headers.get('x-flotilla-node'));
    }
    expect([...answeredBy].sort()).toEqual(['node-1', 'node-2', 'node-3']);

    // The printed administrator can sign in to the portal through the balancer.
    const login = await fetch(`${info.balancerUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(info.admin),
    });
    expect(login.status).toBe(200);

    // A second sandbox on the same ports is refused with a clear message.
    const clash = spawn(
      process.execPath,
      [CLI_MAIN, 'sandbox', '--dir', `${dir}-2`, '--port', String(basePort)],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let clashOutput = '';
    clash.stderr.on('data', (chunk: Buffer) => (clashOutput += chunk.toString()));
    expect(await new Promise((resolve) => clash.once('exit', resolve))).toBe(1);
    expect(clashOutput).toMatch(new RegExp(`Port ${basePort} is in use`));
    await rm(`${dir}-2`, { recursive: true, force: true });

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    for (const node of info.nodes) expect(isRunning(node.pid)).toBe(false);
    // The balancer process is gone too: nothing answers, and its port can be bound again.
    await expect(fetch(`${info.balancerUrl}/api/nodes/ping`)).rejects.toThrow();
    await checkPortFree(basePort);
  });
});
