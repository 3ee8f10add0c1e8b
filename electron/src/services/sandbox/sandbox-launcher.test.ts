import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SandboxLauncher, parseSandboxLine } from './sandbox-launcher.js';
import { tempDir } from '../test-support/temp-dir.js';

const info = {
  balancerUrl: 'http://127.0.0.1:8300',
  apiKey: 'flt_x',
  dbUrl: 'postgres://x',
  sharedDir: '/s',
  nodes: [{ name: 'node-1', url: 'http://127.0.0.1:8301', pid: 1 }],
};

/** A stand-in for the server node's CLI: prints the sandbox line, then waits for SIGTERM like the real one. */
async function fakeCli(body: string): Promise<string> {
  const dir = await tempDir('fake-cli');
  const file = path.join(dir, 'main.mjs');
  await writeFile(file, body);
  return file;
}

describe('parseSandboxLine', () => {
  it('reads the JSON line and ignores anything else', () => {
    expect(parseSandboxLine(JSON.stringify(info))).toEqual(info);
    expect(parseSandboxLine('starting…')).toBeNull();
  });

  it('falls back to the first node when the sandbox has no balancer yet', () => {
    expect(parseSandboxLine(JSON.stringify({ ...info, balancerUrl: '' }))?.balancerUrl).toBe(
      'http://127.0.0.1:8301',
    );
  });
});

describe('SandboxLauncher', () => {
  it('passes its options, resolves with the info line and stops the process with SIGTERM', async () => {
    const cli = await fakeCli(`
      console.error('log line on stderr');
      console.log(JSON.stringify({ ...${JSON.stringify(info)}, argv: process.argv.slice(2) }));
      process.on('SIGTERM', () => process.exit(0));
      setInterval(() => {}, 1000);
    `);
    const logs: string[] = [];
    const launcher = new SandboxLauncher({
      cliPath: cli,
      dir: '/tmp/sbx',
      nodes: 2,
      port: 9100,
      onLog: (l) => logs.push(l),
    });
    const started = await launcher.start();
    expect(started.apiKey).toBe('flt_x');
    expect(launcher.running).toBe(true);
    await launcher.stop();
    expect(launcher.running).toBe(false);
    expect(logs).toContain('log line on stderr');
  });

  it('reports a sandbox that exits before it is ready, with its output', async () => {
    const cli = await fakeCli(`console.error('Port 8300 is in use'); process.exit(1);`);
    const launcher = new SandboxLauncher({ cliPath: cli, dir: '/tmp/sbx' });
    await expect(launcher.start()).rejects.toThrow(/exited \(1\) before it was ready:\nPort 8300 is in use/);
  });
});
