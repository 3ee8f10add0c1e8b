// dist-bundles/flotilla-node-<version>-win-x64.msi: the staged win-x64 bundle (every file the zip holds, the
// same bytes) in Program Files\Flotilla Node\<version>, plus service\ with WinSW as <service id>.exe and
// its XML, built by wixl (msitools) from resources/windows/flotilla-node.wxs.
// Deterministic: the product, package and component codes derive from the version and the content, and
// the summary information's times are fixed, so the same bundle always makes the same bytes.
/* global process */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { listFiles, sha256 } from './server-bundle-platforms.mjs';
import { escapeXml, readServiceDefinition, winswXml } from './windows-service.mjs';

const run = promisify(execFile);

/** The public properties a silent install takes (see flotilla-node.wxs); the rest are the build's. */
export const MSI_PUBLIC_PROPERTIES = [
  'FLOTILLA_DB_URL',
  'FLOTILLA_SHARED',
  'FLOTILLA_MASTER_KEY_FILE',
  'FLOTILLA_NODE_NAME',
  'FLOTILLA_LISTEN',
  'FLOTILLA_SERVICE_ACCOUNT',
];
const START_TYPES = { Automatic: 'auto', Manual: 'demand', Disabled: 'disabled' };
const FIXED_MTIME = new Date('2000-01-01T00:00:00Z');

/** A name-based UUID (RFC 4122 version 5 layout) from `seed`: the same seed, the same code. */
function uuid(seed) {
  const hex = createHash('sha1').update(`flotilla-node-msi:${seed}`).digest('hex').slice(0, 32).split('');
  hex[12] = '5';
  hex[16] = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  const h = hex.join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`.toUpperCase();
}

const id = (prefix, file) => `${prefix}${createHash('sha1').update(file).digest('hex').slice(0, 32)}`;
const FIXED_IDS = { 'node/node.exe': 'NodeExe', 'server/flotilla-node.mjs': 'ServerMjs' };

/** A WiX fragment with one component per file of `root`, in their folders under INSTALLDIR. */
function filesFragment(root, version) {
  const tree = { dirs: new Map(), files: [] };
  for (const file of listFiles(root)) {
    const parts = file.split('/');
    let node = tree;
    for (const part of parts.slice(0, -1)) {
      if (!node.dirs.has(part)) node.dirs.set(part, { dirs: new Map(), files: [] });
      node = node.dirs.get(part);
    }
    node.files.push(file);
  }
  const lines = [];
  const refs = [];
  const emit = (node, prefix, indent) => {
    for (const file of node.files) {
      const component = id('c', file);
      refs.push(component);
      lines.push(
        `${indent}<Component Id="${component}" Guid="${uuid(`${version}/${file}`)}" Win64="yes">`,
        `${indent}  <File Id="${FIXED_IDS[file] ?? id('f', file)}" Name="${escapeXml(path.posix.basename(file), { attribute: true })}" ` +
          `Source="$(var.SourceDir)/${escapeXml(file, { attribute: true })}" KeyPath="yes"/>`,
        `${indent}</Component>`,
      );
    }
    for (const [name, child] of node.dirs) {
      const dir = `${prefix}${name}/`;
      lines.push(`${indent}<Directory Id="${id('d', dir)}" Name="${escapeXml(name, { attribute: true })}">`);
      emit(child, dir, `${indent}  `);
      lines.push(`${indent}</Directory>`);
    }
  };
  emit(tree, '', '      ');
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<Wix xmlns="http://schemas.microsoft.com/wix/2006/wi">',
    '  <Fragment>',
    '    <DirectoryRef Id="INSTALLDIR">',
    ...lines,
    '    </DirectoryRef>',
    '    <ComponentGroup Id="BundleFiles">',
    ...refs.map((ref) => `      <ComponentRef Id="${ref}"/>`),
    '    </ComponentGroup>',
    '  </Fragment>',
    '</Wix>',
    '',
  ].join('\n');
}

// FILETIME: 100 ns ticks since 1601-01-01.
const FILETIME_EPOCH_MS = Date.UTC(1601, 0, 1);
const toFiletime = (ms) => BigInt(ms - FILETIME_EPOCH_MS) * 10_000n;

/**
 * wixl stamps the summary information's creation and last-save times (PIDs 12 and 13, VT_FILETIME) with
 * the build's clock and has no option against it (SOURCE_DATE_EPOCH is not read): the two values, the only
 * FILETIMEs in the package near the build's time, become FIXED_MTIME. Anything else is an error, so a wixl
 * that stores them otherwise is noticed.
 */
function fixSummaryTimes(msi, started) {
  const bytes = readFileSync(msi);
  const [low, high] = [toFiletime(started - 60_000), toFiletime(Date.now() + 60_000)];
  const found = [];
  for (let at = 0; at + 12 <= bytes.length; at += 4) {
    if (bytes.readUInt32LE(at) !== 0x40) continue; // VT_FILETIME
    const value = bytes.readBigUInt64LE(at + 4);
    if (value >= low && value <= high) found.push(at + 4);
  }
  if (found.length !== 2)
    throw new Error(`${msi}: expected the 2 summary times wixl writes, found ${found.length}.`);
  for (const at of found) bytes.writeBigUInt64LE(toFiletime(FIXED_MTIME.getTime()), at);
  writeFileSync(msi, bytes);
}

/**
 * What wixl leaves out of flotilla-node.wxs, as SQL on the built package: the public properties pass
 * from the UI to the elevated install, the database URL stays out of the log, the launch conditions
 * refuse 32-bit Windows and LocalSystem, and a major upgrade removes the old version (and its service, of
 * the same name) before it installs the new one.
 */
function completeMsi(service) {
  const sql = (text) => `'${text.replaceAll("'", "''")}'`;
  const secure = [...MSI_PUBLIC_PROPERTIES, 'WIX_DOWNGRADE_DETECTED', 'WIX_UPGRADE_DETECTED'].join(';');
  const localSystem = ['LocalSystem', '.\\LocalSystem', 'SYSTEM', 'NT AUTHORITY\\SYSTEM']
    .map((name) => `FLOTILLA_SERVICE_ACCOUNT<>"${name}"`)
    .join(' AND ');
  const conditions = [
    ['VersionNT64', 'The Flotilla node runs on 64-bit Windows only.'],
    [
      localSystem,
      `FLOTILLA_SERVICE_ACCOUNT=[FLOTILLA_SERVICE_ACCOUNT] would give the node full control of the machine, ` +
        `and LocalSystem cannot reach an SMB share: leave it out (the service then runs as ` +
        `${service.virtualAccount}), or name a gMSA (DOMAIN\\name$) or a domain account.`,
    ],
  ];
  return [
    `UPDATE \`Property\` SET \`Value\` = ${sql(secure)} WHERE \`Property\` = 'SecureCustomProperties'`,
    "INSERT INTO `Property` (`Property`, `Value`) VALUES ('MsiHiddenProperties', 'FLOTILLA_DB_URL')",
    ...conditions.map(
      ([condition, message]) =>
        `INSERT INTO \`LaunchCondition\` (\`Condition\`, \`Description\`) VALUES (${sql(condition)}, ${sql(message)})`,
    ),
    "UPDATE `InstallExecuteSequence` SET `Sequence` = 1401 WHERE `Action` = 'RemoveExistingProducts'",
  ];
}

/**
 * Builds `out`/`name`.msi from the staged bundle in `dir` (its SHA256SUMS already written).
 * @returns {Promise<string>} the MSI's path
 */
export async function buildMsi({ repo, dir, name, out, version }) {
  const started = Date.now();
  const service = readServiceDefinition(repo);
  const work = mkdtempSync(path.join(tmpdir(), 'flotilla-msi-'));
  try {
    const serviceDir = path.join(work, 'service');
    mkdirSync(serviceDir);
    const winsw = path.join(dir, 'resources', 'windows', 'winsw');
    cpSync(path.join(winsw, 'winsw.exe'), path.join(serviceDir, `${service.id}.exe`));
    cpSync(path.join(winsw, 'winsw.exe.config'), path.join(serviceDir, `${service.id}.exe.config`));
    writeFileSync(
      path.join(serviceDir, `${service.id}.xml`),
      winswXml(service, {
        comment: [
          'The Flotilla server node as a Windows service, run by WinSW, as the MSI installs it: %BASE% is this',
          "folder (the installed version's service\\), %FLOTILLA_HOME% the node home the MSI sets in the",
          "service's environment (ProgramData\\Flotilla\\<node name>). The account is the service's own",
          '(FLOTILLA_SERVICE_ACCOUNT), never in this file.',
        ],
        root: '%BASE%\\..',
        home: '%FLOTILLA_HOME%',
        logs: '%FLOTILLA_HOME%\\logs',
        workdir: '%FLOTILLA_HOME%',
        // A first start without a configuration then names the MSI's properties.
        env: { FLOTILLA_INSTALLER: 'msi' },
      }),
    );
    // The cabinet stores each file's time: the same files, the same bytes.
    for (const root of [dir, serviceDir])
      for (const file of listFiles(root)) utimesSync(path.join(root, file), FIXED_MTIME, FIXED_MTIME);
    const fragment = path.join(work, 'files.wxs');
    writeFileSync(fragment, filesFragment(dir, version));

    const start = START_TYPES[service.startMode];
    if (!start) throw new Error(`service.json: unknown startMode ${service.startMode}`);
    const defines = {
      Version: version,
      ProductCode: uuid(`product/${version}`),
      ServiceComponentGuid: uuid(`${version}/service`),
      HomeComponentGuid: uuid('home'),
      // wixl takes sources relative to its working folder only.
      SourceDir: path.relative(work, dir),
      ServiceDir: 'service',
      ServiceId: service.id,
      ServiceDisplayName: service.displayName,
      ServiceDescription: service.description,
      ServiceStart: start,
      VirtualAccount: service.virtualAccount,
    };
    const msi = path.join(out, `${name}.msi`);
    rmSync(msi, { force: true });
    await run(
      'wixl',
      [
        '-a',
        'x64',
        ...Object.entries(defines).flatMap(([key, value]) => ['-D', `${key}=${value}`]),
        '-o',
        msi,
        path.join(repo, 'resources', 'windows', 'flotilla-node.wxs'),
        fragment,
      ],
      { cwd: work, maxBuffer: 16 * 1024 ** 2, env: { ...process.env, SOURCE_DATE_EPOCH: '946684800' } },
    );
    await run('msibuild', [msi, ...completeMsi(service).flatMap((query) => ['-q', query])]);
    // The package code names this content: the same inputs, the same code; any change, a new one.
    const inputs = [
      readFileSync(path.join(repo, 'resources', 'windows', 'flotilla-node.wxs'), 'utf8'),
      readFileSync(path.join(dir, 'SHA256SUMS'), 'utf8'),
      ...listFiles(serviceDir).map((file) => sha256(path.join(serviceDir, file))),
      ...completeMsi(service),
    ];
    const packageCode = uuid(`package/${version}/${inputs.join('\n')}`);
    await run('msibuild', [
      msi,
      '-s',
      `Flotilla server node ${version}`,
      'Flotilla',
      'x64;1033',
      `{${packageCode}}`,
    ]);
    fixSummaryTimes(msi, started);
    return msi;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
