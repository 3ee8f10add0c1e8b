import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EnvironmentDto } from '../api/index.js';
import { commandLinesContaining } from '../test-support/command-lines.js';
import {
  createEnvironment,
  createProject,
  createRelease,
  createTarget,
  deploy,
  taskLog,
  taskState,
} from '../test-support/domain-setup.js';
import { SshdHost } from '../test-support/sshd-host.js';
import { TestCluster } from '../test-support/test-cluster.js';

// Sensitive values as hostile as they come: every kind of quote, expansions, newlines, unicode.
const KEY_LINES = [
  `first line of the key "dq" 'sq' $HOME \`id\` $(id)`,
  'second line ünïcødé ✓ 密码 ’smart’',
  'third line \\ back\\slash; rm -rf / #',
];
const KEY = KEY_LINES.join('\n');
const TOKEN = `tok-'q'-"dq"-$(id)-\`id\`-ü✓-9d41`;
const NEEDLES = [...KEY_LINES, TOKEN];
const TARGETS = ['local', 'remote'];

/**
 * The step holds both values in its text (substituted into quoted here-documents, where any character
 * is literal) and checks they also arrive as environment variables. Then it waits to be released, so
 * the test can read every command line while it runs, and writes the values out the awkward ways: a
 * multi-line value a line at a time with pauses, alternating stdout and stderr, and a value cut in
 * two on stdout while stderr writes in between.
 */
const SCRIPT = [
  "key=$(cat <<'END_OF_KEY'",
  '#{Key}',
  'END_OF_KEY',
  ')',
  "token=$(cat <<'END_OF_TOKEN'",
  '#{Token}',
  'END_OF_TOKEN',
  ')',
  '[ "$key" = "$FLOTILLA_VAR_Key" ] && [ "$token" = "$FLOTILLA_VAR_Token" ] && echo "environment matches on $FLOTILLA_TARGET"',
  'touch "#{Marks}/started-$FLOTILLA_TARGET"',
  'while [ ! -e "#{Marks}/release-$FLOTILLA_TARGET" ]; do sleep 0.2345; done',
  'i=0',
  'printf "%s\\n" "$key" | while IFS= read -r line; do',
  '  if [ $((i % 2)) -eq 0 ]; then printf "%s\\n" "$line"; else printf "%s\\n" "$line" >&2; fi',
  '  i=$((i + 1)); sleep 0.3',
  'done',
  'printf "token=%s" "${token:0:9}"; sleep 0.3; echo "noise on stderr" >&2; sleep 0.3; printf "%s\\n" "${token:9}"',
].join('\n');

describe('sensitive values on their way to a step', () => {
  const cluster = new TestCluster();
  let sshd: SshdHost;
  let environment: EnvironmentDto;
  let marks: string;
  beforeAll(async () => {
    sshd = await SshdHost.start({ address: '127.0.0.5' });
    await cluster.create({ nodes: 1 });
    // The SSH target is this machine, so both targets see this folder.
    marks = path.join(cluster.dir, 'marks');
    await mkdir(marks);
    environment = await createEnvironment(cluster, 'Secure');
    await createTarget(cluster, {
      kind: 'node',
      name: 'local',
      environmentId: environment.id,
      roles: ['app'],
      deployRoot: path.join(cluster.dir, 'apps'),
    });
    await createTarget(cluster, {
      kind: 'ssh',
      name: 'remote',
      environmentId: environment.id,
      roles: ['app'],
      deployRoot: path.join(sshd.dir, 'apps'),
      host: sshd.address,
      port: sshd.port,
      username: 'root',
      auth: { kind: 'key', privateKey: sshd.clientPrivateKey },
      hostKeyFingerprint: sshd.hostKeyFingerprint,
    });
  });
  afterAll(async () => {
    await cluster.destroy();
    await sshd?.stop();
  });

  const started = () => TARGETS.filter((target) => existsSync(path.join(marks, `started-${target}`)));

  it('never shows them on a command line, on the node or over SSH, and masks every line of them', async () => {
    const project = await createProject(cluster, 'Vault', [
      { type: 'script', name: 'Use secrets', targetRoles: ['app'], script: SCRIPT },
    ]);
    const variables = `/api/projects/${project.id}/variables`;
    await cluster.api('PUT', variables, { name: 'Key', value: KEY, sensitive: true });
    await cluster.api('PUT', variables, { name: 'Token', value: TOKEN, sensitive: true });
    await cluster.api('PUT', variables, { name: 'Marks', value: marks });
    const deployment = await deploy(
      cluster,
      (await createRelease(cluster, project.id, '1.0.0')).id,
      environment.id,
    );

    // The targets run one after the other; each waits for the test to have looked.
    for (let released = 0; released < TARGETS.length; released++) {
      await expect.poll(() => started().length, { timeout: 20_000 }).toBe(released + 1);
      await expect.poll(() => commandLinesContaining(['sleep 0.2345']).length).toBeGreaterThan(0);
      expect.soft(commandLinesContaining(NEEDLES)).toEqual([]);
      await writeFile(path.join(marks, `release-${started().at(-1)!}`), '');
    }
    await expect.poll(() => taskState(cluster, deployment.taskId), { timeout: 30_000 }).toBe('succeeded');

    const log = await taskLog(cluster, deployment.taskId);
    for (const needle of [...NEEDLES, TOKEN.slice(0, 9), TOKEN.slice(9)]) expect(log).not.toContain(needle);
    const lines = log.split('\n');
    expect(lines.filter((line) => line === '********')).toHaveLength(KEY_LINES.length * TARGETS.length);
    expect(lines.filter((line) => line === 'token=********')).toHaveLength(TARGETS.length);
    expect(lines.filter((line) => line === 'noise on stderr')).toHaveLength(TARGETS.length);
    for (const target of TARGETS) expect(log).toContain(`environment matches on ${target}\n`);
  });

  it('runs a script task without its text on a command line', async () => {
    const marker = 'script-task-text-5b8e21';
    const [id] = await cluster.queue('script', {
      script: [
        `: ${marker}`,
        `touch ${marks}/started-task`,
        `while [ ! -e ${marks}/release-task ]; do sleep 0.2345; done`,
        'echo "task done"',
      ].join('\n'),
    });
    await expect.poll(() => existsSync(path.join(marks, 'started-task')), { timeout: 20_000 }).toBe(true);
    await expect.poll(() => commandLinesContaining(['sleep 0.2345']).length).toBeGreaterThan(0);
    expect(commandLinesContaining([marker])).toEqual([]);
    await writeFile(path.join(marks, 'release-task'), '');
    await expect.poll(() => taskState(cluster, id!), { timeout: 20_000 }).toBe('succeeded');
    expect(await taskLog(cluster, id!)).toContain('task done\n');
  });
});
