import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_MAIN } from '../sandbox/node-process.js';

const run = promisify(execFile);

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return run(process.execPath, [CLI_MAIN, ...args], { timeout: 30_000 }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({
      code: error.code,
      stdout: error.stdout,
      stderr: error.stderr,
    }),
  );
}

describe('flotilla-node CLI', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'flotilla-cli-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('has --help for every command', async () => {
    const top = await cli('--help');
    expect(top.code).toBe(0);
    for (const command of ['init', 'run', 'node', 'path', 'doctor', 'sandbox', 'support-bundle']) {
      expect(top.stdout).toContain(command);
      const help = await cli(command, '--help');
      expect(help.code).toBe(0);
      expect(help.stdout).toContain(`Usage: flotilla-node ${command}`);
    }
  });

  it('fails clearly on unknown commands, unknown options and bad values', async () => {
    const cases: [string[], RegExp][] = [
      [['launch'], /Unknown command 'launch'/],
      [['init'], /Missing --home/],
      [['init', '--home', dir, '--colour', 'blue'], /Unknown option '--colour'/],
      [['init', '--home', dir, '--listen', 'nowhere'], /--listen must be HOST:PORT/],
      [['node', '--home', dir, '--task-cap', '1.5'], /--task-cap must be a whole number from 0 to 1000/],
      [['node', '--home', dir, '--drain', 'maybe'], /--drain must be true or false/],
      [['run', '--home', path.join(dir, 'nothing')], /No node configuration at .* Run 'flotilla-node init/],
      [['sandbox', '--dir', dir, '--nodes', '99'], /--nodes must be a whole number from 1 to 32/],
      [['doctor'], /Missing --home/],
      [['support-bundle'], /Missing --out/],
      [['support-bundle', '--out', path.join(dir, 'b.zip')], /support-bundle needs --url URL/],
      [['doctor', '--cluster'], /doctor --cluster needs --url URL/],
      [
        ['doctor', '--cluster', '--url', 'http://127.0.0.1:1', '--api-key-file', path.join(dir, 'no-key')],
        /Cannot read the API key file/,
      ],
    ];
    for (const [args, message] of cases) {
      const result = await cli(...args);
      expect({ args, code: result.code }).toEqual({ args, code: 1 });
      expect(result.stderr).toMatch(message);
      expect(result.stderr).not.toMatch(/ {4}at /); // a message, not a stack trace
    }
  });

  it('tells the Windows service the MSI installed without properties which ones to set', async () => {
    const home = path.join(dir, 'msi-home');
    const asService = await run(process.execPath, [CLI_MAIN, 'run', '--home', home], {
      timeout: 30_000,
      env: { ...process.env, FLOTILLA_INSTALLER: 'msi' },
    }).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => error,
    );
    expect(asService.code).toBe(1);
    expect(asService.stderr).toMatch(
      /No node configuration at .*This node was installed by the MSI without a configuration/,
    );
    expect(asService.stderr).toContain(
      'FLOTILLA_DB_URL=<PostgreSQL URL> FLOTILLA_SHARED=<shared folder> FLOTILLA_MASTER_KEY_FILE=',
    );
    expect((await cli('run', '--home', home)).stderr).not.toContain('MSI');
  });

  it('says which database it cannot reach, without its password', async () => {
    const home = path.join(dir, 'unreachable');
    const result = await cli(
      'init',
      '--home',
      home,
      '--db',
      'postgres://flotilla:s3cret@127.0.0.1:1/flotilla',
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /Cannot reach PostgreSQL at postgres:\/\/flotilla:\*\*\*@127\.0\.0\.1:1\/flotilla: connection refused/,
    );
    expect(result.stderr).not.toContain('s3cret');
  });
});
