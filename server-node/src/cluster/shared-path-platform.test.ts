import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_MAIN } from '../sandbox/node-process.js';
import { setSharedDir } from '../sql/cluster-row.js';
import { createTestDatabase } from '../test-support/test-database.js';
import { isUncPath, isWindowsPath, platformProblem, uncAccessHint } from './shared-path-platform.js';

const run = promisify(execFile);

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return run(process.execPath, [CLI_MAIN, ...args], {
    timeout: 60_000,
    env: { ...process.env, FLOTILLA_LOG_LEVEL: 'warn' },
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => error,
  );
}

describe('the shared folder decides the platform of a cluster', () => {
  it('tells Windows paths (drives, UNC shares) from POSIX ones', () => {
    for (const dir of [
      'C:\\Flotilla\\shared',
      'd:/shared',
      '\\\\fileserver\\flotilla',
      '\\\\fs\\share\\a b',
      '//fs/share',
    ])
      expect(isWindowsPath(dir), dir).toBe(true);
    for (const dir of [
      '/mnt/flotilla',
      'shared',
      './C:\\x',
      'C:',
      'C:relative',
      '\\\\',
      '\\\\server',
      '\\single',
      '',
    ])
      expect(isWindowsPath(dir), dir).toBe(false);
    expect(isUncPath('\\\\fileserver\\flotilla\\cluster')).toBe(true);
    expect(isUncPath('C:\\Flotilla')).toBe(false);
    expect(isUncPath('\\\\server')).toBe(false);
  });

  it('refuses a node on the other platform, saying which and what to do', () => {
    expect(platformProblem('/mnt/flotilla', 'linux')).toBeNull();
    expect(platformProblem('\\\\fileserver\\flotilla', 'win32')).toBeNull();
    expect(platformProblem('C:\\Flotilla\\shared', 'win32')).toBeNull();
    expect(platformProblem('\\\\fileserver\\flotilla', 'linux')).toBe(
      "The cluster's shared folder is \\\\fileserver\\flotilla, a Windows path: this cluster's nodes run on Windows, " +
        'and this node runs on linux. A cluster does not mix Windows and Linux/Unix nodes (the shared folder is one ' +
        'path for all of them): run this node on Windows, or give it a cluster of its own.',
    );
    expect(platformProblem('/mnt/flotilla', 'win32')).toMatch(
      /^The cluster's shared folder is \/mnt\/flotilla, a POSIX path: this cluster's nodes run on Linux\/Unix, and this node runs on Windows\./,
    );
  });

  it('names the service account and says LocalSystem cannot reach an SMB share when the folder is a UNC path', () => {
    const hint = uncAccessHint('\\\\fileserver\\flotilla', 'CORP\\svc-flotilla');
    expect(hint).toContain('this node reaches it as CORP\\svc-flotilla, the account its service runs as');
    expect(hint).toContain('LocalSystem cannot reach an SMB share');
    expect(hint).toContain('a domain account or a gMSA');
    expect(uncAccessHint('C:\\Flotilla', 'CORP\\svc-flotilla')).toBeNull();
    expect(uncAccessHint('/mnt/flotilla', 'flotilla')).toBeNull();
  });

  describe('a Linux node and a Windows cluster', () => {
    let dir = '';
    let database: Awaited<ReturnType<typeof createTestDatabase>>;
    beforeAll(async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'flotilla-platform-'));
      database = await createTestDatabase();
    });
    afterAll(async () => {
      await database.drop();
      await rm(dir, { recursive: true, force: true });
    });

    it('refuses to create a cluster on a UNC share from Linux (it would be a local folder of that name)', async () => {
      const result = await cli([
        'init',
        '--home',
        path.join(dir, 'a'),
        '--db',
        database.url,
        '--shared',
        '\\\\fileserver\\flotilla',
        '--listen',
        '127.0.0.1:0',
      ]);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(
        /a Windows path: this cluster's nodes run on Windows, and this node runs on linux/,
      );
      expect(result.stderr).not.toMatch(/ {4}at /);
    });

    it('refuses to start, and doctor says why, once the cluster shared folder is a Windows one', async () => {
      const home = path.join(dir, 'node-1');
      const created = await cli([
        'init',
        '--home',
        home,
        '--db',
        database.url,
        '--shared',
        path.join(dir, 'shared'),
        '--listen',
        '127.0.0.1:0',
      ]);
      expect(created.code).toBe(0);
      // This Linux node cannot move the cluster to a Windows share either.
      const moved = await cli(['path', '--home', home, '--shared', '\\\\fileserver\\flotilla']);
      expect(moved.code).toBe(1);
      expect(moved.stderr).toMatch(
        /a Windows path: this cluster's nodes run on Windows, and this node runs on linux/,
      );
      // The cluster's nodes are Windows nodes (as if a Windows node had set its path for the cluster).
      const pool = new pg.Pool({ connectionString: database.url });
      await setSharedDir(pool, '\\\\fileserver\\flotilla');
      await pool.end();
      const started = await cli(['run', '--home', home]);
      expect(started.code).toBe(1);
      expect(started.stderr).toContain(
        "flotilla-node: The cluster's shared folder is \\\\fileserver\\flotilla, a Windows path: this cluster's nodes run on Windows",
      );
      const doctor = await cli(['doctor', '--home', home]);
      expect(doctor.code).toBe(1);
      expect(doctor.stdout).toMatch(
        /^FAIL {2}shared storage +The cluster's shared folder is \\\\fileserver\\flotilla, a Windows path: /m,
      );
      // The SMB hint is for a Windows node that cannot reach the share, not for a node on the wrong platform.
      expect(doctor.stdout).not.toContain('is an SMB share');
    });
  });
});
