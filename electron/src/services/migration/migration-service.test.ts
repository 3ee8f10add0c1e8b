import { chmod, mkdir, mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { MigrationProgressDto } from '@flotilla/server-node/api';
import { CLI_MAIN } from '@flotilla/server-node/sandbox/node-process';
import { cli, TestStandalone } from '@flotilla/server-node/test-support/standalone';
import { createTestDatabase } from '@flotilla/server-node/test-support/test-database';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MigrationStateDto, PushContract, PushEvent } from '../../common/contract.js';
import { INVOKE, PUSH } from '../../common/contract.js';
import { ClusterStore } from '../clusters/cluster-store.js';
import { ConsoleBackend } from '../clusters/console-backend.js';
import { SshConnection } from '../ssh/index.js';
import { SshdHost, sshdSpec } from '../test-support/sshd-host.js';
import { MemoryVault } from '../vault/memory-vault.js';
import { remoteCommand, SshEngineHost } from './ssh-engine-host.js';

// The wizard's service against the real engine: a seeded standalone (embedded PostgreSQL), the suite's
// PostgreSQL as the target, a node host over a real sshd that checks the share and the database, and
// the steps run one at a time whatever the UI sends.

const WAIT = { timeout: 60_000, interval: 200 };

describe('the migration service drives the real engine', () => {
  const standalone = new TestStandalone();
  let target: { url: string; drop: () => Promise<void> };
  let dir = '';
  let shared = '';
  let sshd: SshdHost;
  let backend: ConsoleBackend;
  const pushes: { event: PushEvent; payload: unknown }[] = [];
  const vault = new MemoryVault();

  const handlers = () => backend.handlers;
  const state = () => handlers()[INVOKE.migrations.getState]();
  const settled = async (): Promise<MigrationStateDto> => {
    await expect.poll(async () => (await state()).running, WAIT).toBeNull();
    return state();
  };

  beforeAll(async () => {
    await standalone.create();
    await standalone.start();
    await standalone.seed({ deployment: false });
    target = await createTestDatabase();
    dir = await mkdtemp(path.join(tmpdir(), 'flotilla-migration-service-'));
    await chmod(dir, 0o755);
    shared = path.join(dir, 'share');
    await mkdir(shared);
    await chmod(shared, 0o777);
    sshd = await SshdHost.start({ address: '127.0.0.5' });
    backend = new ConsoleBackend({
      store: new ClusterStore(path.join(dir, 'clusters.json'), vault),
      push: <E extends PushEvent>(event: E, payload: PushContract[E]) => void pushes.push({ event, payload }),
      info: { transport: 'web', version: '0.1.0', configDir: dir },
      sandbox: { cliPath: CLI_MAIN, dir: path.join(dir, 'sandbox') },
      sampleMs: 500,
      hosts: { file: path.join(dir, 'hosts.json'), vault, bundlesDir: dir },
      migrations: { file: path.join(dir, 'migrations.json'), vault },
    });
    await handlers()[INVOKE.clusters.add]({
      name: 'Solo',
      balancerUrl: standalone.url,
      apiKey: standalone.apiKey,
    });
  }, 180_000);

  afterAll(async () => {
    await backend?.stop();
    await sshd?.stop();
    await standalone.destroy();
    await target?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('refuses hostile plans and saves nothing from them', async () => {
    // Administrators only: the console learns the key's role from the cluster first.
    await expect
      .poll(async () => (await handlers()[INVOKE.clusters.getSnapshot]())?.connection.role, WAIT)
      .toBe('administrator');
    // Administrators only: the console learns the key's role from the cluster first.
    await expect
      .poll(async () => (await handlers()[INVOKE.clusters.getSnapshot]())?.connection.role, WAIT)
      .toBe('administrator');
    const setPlan = handlers()[INVOKE.migrations.setPlan];
    await expect(setPlan({ targetDb: `${target.url}\nrm -rf /` })).rejects.toThrow(/line break/);
    await expect(setPlan({ targetDb: "postgres://u:p@db'host:5432/x" })).rejects.toThrow(
      /postgres:\/\/|quote/,
    );
    await expect(setPlan({ targetDb: 'mysql://u:p@db:3306/x' })).rejects.toThrow(/must start with postgres/);
    await expect(setPlan({ sharedDir: '/srv/../etc' })).rejects.toThrow(/'\.\.'/);
    await expect(setPlan({ sharedDir: '/srv/share\n/etc' })).rejects.toThrow(/line break/);
    await expect(setPlan({ sharedDir: "/srv/it's" })).rejects.toThrow(/quote/);
    await expect(setPlan({ sharedDir: 'relative/path' })).rejects.toThrow(/absolute/);
    await expect(
      setPlan({
        nodes: [
          {
            hostId: 'x',
            nodeName: 'Node 2; reboot',
            listenHost: '0.0.0.0',
            port: 8080,
            publicUrl: 'http://h:8080',
            installRoot: '/opt/f',
          },
        ],
      }),
    ).rejects.toThrow(/lower-case letters/);
    const saved = await state();
    expect(saved.plan).toMatchObject({ targetDb: null, sharedDir: null, nodes: [] });
    expect(await readFile(path.join(dir, 'migrations.json'), 'utf8').catch(() => '')).not.toContain('rm -rf');
  });

  it('plans the move: the target URL goes to the vault, only its masked form to the file; the source is detected', async () => {
    const probe = await handlers()[INVOKE.hosts.probe]({ address: sshd.address, sshPort: sshd.port });
    const host = await handlers()[INVOKE.hosts.add]({
      address: sshd.address,
      sshPort: sshd.port,
      username: 'root',
      authKind: 'key',
      privateKey: sshd.clientPrivateKey,
      fingerprint: probe.fingerprint,
    });
    const planned = await handlers()[INVOKE.migrations.setPlan]({
      source: { kind: 'local', home: standalone.home },
      targetDb: target.url,
      sharedDir: shared,
      nodes: [
        {
          hostId: host.id,
          nodeName: 'node-2',
          listenHost: sshd.address,
          port: 18642,
          publicUrl: `http://${sshd.address}:18642`,
          installRoot: path.join(dir, 'node-2'),
        },
      ],
      balancer: { kind: 'builtin', listenHost: '127.0.0.1', port: 18643 },
    });
    const password = new URL(target.url).password;
    expect(planned.plan.targetDb).not.toContain(password);
    expect(await readFile(path.join(dir, 'migrations.json'), 'utf8')).not.toContain(password);
    // The source is set, but the wizard goes on only once it was detected.
    expect(planned.stage).toBe('source');
    expect(planned.eligible).toBe(true);
    expect(planned.status?.database).toBe('embedded');

    const inspected = await handlers()[INVOKE.migrations.inspect]();
    expect(inspected.source).toMatchObject({
      node: 'solo',
      database: 'embedded',
      nodeRunning: true,
      version: '0.1.0',
    });
    expect(inspected.source!.databaseBytes).toBeGreaterThan(1024 * 1024);
    expect(inspected.source!.filesBytes).toBeGreaterThan(1024 * 1024);
    expect(inspected.stage).toBe('preflight');
  });

  it('preflight checks the source and, over SSH, the node host: the share by its nonce and the database', async () => {
    await handlers()[INVOKE.migrations.preflight]();
    const after = await settled();
    expect(after.error).toBeNull();
    expect(after.results.preflight?.ok).toBe(true);
    expect(after.peers).toHaveLength(1);
    expect(after.peers[0]!.checks.map((check) => [check.id, check.status])).toEqual(
      expect.arrayContaining([
        ['shared.exists', 'pass'],
        ['shared.writable', 'pass'],
        ['shared.same-folder', 'pass'],
        ['target.reachable', 'pass'],
      ]),
    );
    expect(after.stage).toBe('precopy');
    const commands = await handlers()[INVOKE.migrations.listCommands]('preflight');
    const lines = commands.hosts.flatMap((host) => host.lines).join('\n');
    expect(lines).toContain(`migrate preflight --home ${standalone.home} --shared ${shared} --nodes 2`);
    expect(lines).toContain('read -rs FLOTILLA_TARGET_DB_URL');
    expect(lines).toContain(after.results.preflight!.nonce!.value);
    expect(lines).not.toContain(new URL(target.url).password);
  });

  it('precopy streams progress and predicts the window; the plan cannot change while it runs', async () => {
    pushes.length = 0;
    await handlers()[INVOKE.migrations.precopy]();
    await expect(handlers()[INVOKE.migrations.setPlan]({ sharedDir: '/elsewhere' })).rejects.toThrow(
      /Pre-copy is running/,
    );
    await expect(handlers()[INVOKE.migrations.verify]()).rejects.toThrow(
      /Pre-copy is running: one step at a time/,
    );
    const after = await settled();
    expect(after.error).toBeNull();
    const progress = pushes
      .filter((push) => push.event === PUSH.migrations.progress)
      .map((push) => (push.payload as { event: MigrationProgressDto }).event);
    expect(progress.map((event) => event.phase)).toEqual(
      expect.arrayContaining(['files', 'rehearsal', 'database']),
    );
    expect(after.results.precopy?.rehearsal?.predictedWindowMs).toBeGreaterThan(0);
    expect(after.stage).toBe('rehearsal');
    expect(after.inProgress).toBe(true);

    // A console closed and opened again (a new process on the same config folder) finds it where it stands.
    const reopened = new ConsoleBackend({
      store: new ClusterStore(path.join(dir, 'clusters.json'), vault),
      push: () => undefined,
      info: { transport: 'web', version: '0.1.0', configDir: dir },
      sandbox: { cliPath: CLI_MAIN, dir: path.join(dir, 'sandbox') },
      sampleMs: 500,
      hosts: { file: path.join(dir, 'hosts.json'), vault, bundlesDir: dir },
      migrations: { file: path.join(dir, 'migrations.json'), vault },
    });
    await reopened.start();
    const found = await reopened.handlers[INVOKE.migrations.getState]();
    await reopened.stop();
    expect(found).toMatchObject({ stage: 'rehearsal', inProgress: true, running: null });
    expect(found.results.precopy?.rehearsal?.predictedWindowMs).toBe(
      after.results.precopy?.rehearsal?.predictedWindowMs,
    );
  });

  it('parallel clicks on the switch-over start one switch; the cluster serves from the new database after it', async () => {
    const clicks = await Promise.allSettled([
      handlers()[INVOKE.migrations.switch](),
      handlers()[INVOKE.migrations.switch](),
      handlers()[INVOKE.migrations.switch](),
    ]);
    expect(clicks.filter((click) => click.status === 'fulfilled')).toHaveLength(1);
    for (const click of clicks)
      if (click.status === 'rejected') expect(String(click.reason)).toMatch(/Switch-over is already running/);
    const after = await settled();
    expect(after.error).toBeNull();
    expect(after.results.switch?.window?.nodeStarted).toBe(true);
    expect(after.status?.database).toBe('external');
    expect(after.stage).toBe('verify');
    await expect(handlers()[INVOKE.migrations.setPlan]({ targetDb: target.url })).rejects.toThrow(
      /switch-over has begun/,
    );

    // An admin runs the verification by hand: the console reads it from the journal.
    const byHand = await cli(['migrate', 'verify', '--home', standalone.home, '--json']);
    expect(byHand.result?.ok, byHand.stderr).toBe(true);
    // The console reads the source's status at most every STATUS_TTL_MS: it sees the run within that.
    await expect
      .poll(
        async () => (await state()).status?.journal?.steps.find((step) => step.step === 'verify')?.state,
        WAIT,
      )
      .toBe('done');
    const verified = await state();
    expect(verified.results.verify).toBeUndefined();
    expect(verified.stage).toBe('provision');
  });

  it('rolls back with force after work on the new cluster; the standalone serves as before', async () => {
    await handlers()[INVOKE.tasks.add]({ kind: 'noop', args: { sleepMs: 1 } });
    await handlers()[INVOKE.migrations.rollback]({ force: false });
    const refused = await settled();
    expect(refused.results.rollback?.rollback?.requiresForce).toBe(true);
    expect(refused.error?.message).toMatch(/--force/);
    await handlers()[INVOKE.migrations.rollback]({ force: true });
    const rolledBack = await settled();
    expect(rolledBack.error).toBeNull();
    expect(rolledBack.results.rollback?.rollback?.restoredIdentical).toBe(true);
    expect(rolledBack.inProgress).toBe(false);
    expect(rolledBack.status?.database).toBe('embedded');
    expect(rolledBack.stage).toBe('preflight');
  });

  it('runs the engine on a host over SSH with the target URL on stdin, never on the command line', async () => {
    // The host is this machine: its install root points at this repository's CLI.
    const root = path.join(dir, 'remote-install');
    await mkdir(path.join(root, 'current', 'node', 'bin'), { recursive: true });
    await mkdir(path.join(root, 'current', 'server'), { recursive: true });
    await symlink(process.execPath, path.join(root, 'current', 'node', 'bin', 'node'));
    await symlink(CLI_MAIN, path.join(root, 'current', 'server', 'flotilla-node.mjs'));
    const ssh = await SshConnection.connect(sshdSpec(sshd), { hostKey: sshd.hostKeyFingerprint });
    const host = new SshEngineHost(ssh, root);
    let output = '';
    const exit = await host.run({
      args: ['migrate', 'preflight', '--home', standalone.home, '--shared', shared, '--json'],
      env: { FLOTILLA_ACTOR: 'bob (console)' },
      secrets: { FLOTILLA_TARGET_DB_URL: target.url },
      onStdout: (chunk) => (output += chunk.toString()),
    });
    await host.close();
    expect(exit.code, exit.stderr).toBe(0);
    const last = JSON.parse(output.trim().split('\n').at(-1)!) as {
      ok: boolean;
      by: string;
      target: { db: string };
    };
    expect(last).toMatchObject({ ok: true, by: 'bob (console)' });
    expect(last.target.db).not.toContain(new URL(target.url).password);
    // What the host's shell sees: every word quoted, the secret read from stdin.
    const line = remoteCommand(['/opt/f/node', '/opt/f/cli.mjs'], {
      args: ['migrate', 'status', '--home', "/srv/it's here"],
      env: { FLOTILLA_ACTOR: '$(reboot)' },
      secrets: { FLOTILLA_TARGET_DB_URL: target.url },
    });
    expect(line).toBe(
      "IFS= read -r FLOTILLA_TARGET_DB_URL && export FLOTILLA_TARGET_DB_URL && exec env FLOTILLA_ACTOR='$(reboot)' /opt/f/node /opt/f/cli.mjs migrate status --home '/srv/it'\\''s here'",
    );
  });
});
