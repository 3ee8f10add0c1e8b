import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandLinesContaining } from '../test-support/command-lines.js';
import { LocalHost } from './local-host.js';
import { wrapScript } from './wrap-script.js';

// What a hostile sensitive value can hold: quotes of every kind, expansions, newlines, unicode.
const HOSTILE = [
  `it's "quoted" $HOME \`id\` $(id) \${PATH} \\ back\\slash`,
  'second line ünïcødé ✓ 密码 ’smart’ ‘quotes’',
  '\ttabbed; rm -rf / #',
  '',
].join('\n');

describe('a step script on the node', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'flotilla-wrap-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('never puts the script or a value on any command line, and hands values over intact', async () => {
    // The script as it is after substitution: it holds a secret of its own.
    const inText = 'substituted-secret-7f3a9c';
    const script = [
      `: '${inText}'`,
      'printf %s "$HOSTILE" > seen',
      'cat; echo "stdin was empty"',
      'touch started',
      'while [ ! -e release ]; do sleep 0.2345; done',
      'echo out; echo err >&2',
      'exit 7',
    ].join('\n');
    const output: Record<string, string> = { stdout: '', stderr: '' };
    const running = new LocalHost('local').runScript(
      { shell: 'bash', script, cwd: dir, env: { HOSTILE } },
      (chunk, stream) => (output[stream] += chunk.toString()),
      new AbortController().signal,
    );
    await expect.poll(() => existsSync(path.join(dir, 'started')), { timeout: 10_000 }).toBe(true);
    // The scan sees the script's own processes...
    await expect.poll(() => commandLinesContaining(['sleep 0.2345']).length).toBeGreaterThan(0);
    // ...and none of them, nor anything else, carries the script or a line of the value.
    const needles = [inText, ...HOSTILE.split('\n').filter((line) => line.length > 0)];
    expect(commandLinesContaining(needles)).toEqual([]);
    await writeFile(path.join(dir, 'release'), '');

    expect(await running).toBe(7);
    expect(readFileSync(path.join(dir, 'seen'), 'utf8')).toBe(HOSTILE);
    expect(output).toEqual({ stdout: 'stdin was empty\nout\n', stderr: 'err\n' });
  });

  it('keeps values and the script out of the command for PowerShell too', () => {
    for (const shell of ['bash', 'powershell'] as const) {
      const { command, stdin } = wrapScript({
        shell,
        script: 'echo substituted-secret-7f3a9c',
        cwd: "/srv/o'brien’s app",
        env: { HOSTILE },
      });
      expect(command).not.toMatch(/secret|HOSTILE|brien/);
      expect(stdin).toContain('substituted-secret-7f3a9c');
    }
    // PowerShell takes any character (’ included, which it reads as a quote) through base64.
    const { stdin } = wrapScript({
      shell: 'powershell',
      script: '',
      cwd: "/srv/o'brien’s",
      env: { HOSTILE },
    });
    expect(stdin).toContain(Buffer.from(HOSTILE).toString('base64'));
    expect(stdin).toContain(Buffer.from("/srv/o'brien’s").toString('base64'));
    expect(stdin).not.toContain('’');
  });
});
