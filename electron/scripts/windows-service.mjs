// The Windows service, defined once: resources/windows/service.json holds its name, display name, account
// and start mode; this renders the WinSW XML from it for both installers, and the MSI build hands the same
// values to flotilla-node.wxs (wixl -D). install.ps1 reads service.json from the bundle. A test reads all
// three back (windows-bundle.test.ts, windows-msi.test.ts).
import { readFileSync } from 'node:fs';
import path from 'node:path';

/** @returns {{id: string, displayName: string, description: string, virtualAccount: string, startMode: string, stopTimeoutSeconds: number}} */
export function readServiceDefinition(repo) {
  return JSON.parse(readFileSync(path.join(repo, 'resources', 'windows', 'service.json'), 'utf8'));
}

/** `text` as XML character data; with `attribute`, also inside a "…" attribute value. */
export const escapeXml = (text, { attribute = false } = {}) =>
  String(text).replace(
    attribute ? /[&<>"]/g : /[&<>]/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c],
  );

/**
 * The WinSW service XML (1.17 as bundled, or 2.x/3.x): node.exe from `root`\node running `root`\server's
 * one-file server on the node home. `root`, `home`, `logs` and `workdir` are Windows paths, placeholders
 * (install.ps1 fills in @ROOT@…) or WinSW's environment variables (%BASE% is the wrapper's folder).
 * No account or password is ever in it: the installers set the account on the service itself.
 */
export function winswXml(service, { comment, root, home, logs, workdir, env = {} }) {
  const lines = [
    '<!--',
    ...comment.map((line) => `  ${line}`),
    '  Rendered from resources/windows/service.json by electron/scripts/windows-service.mjs.',
    '-->',
    '<service>',
    `  <id>${escapeXml(service.id)}</id>`,
    `  <name>${escapeXml(service.displayName)}</name>`,
    `  <description>${escapeXml(service.description)}</description>`,
    `  <executable>${escapeXml(`${root}\\node\\node.exe`)}</executable>`,
    `  <arguments>${escapeXml(`"${root}\\server\\flotilla-node.mjs" run --home "${home}"`)}</arguments>`,
    `  <workingdirectory>${escapeXml(workdir)}</workingdirectory>`,
    `  <startmode>${escapeXml(service.startMode)}</startmode>`,
    ...Object.entries(env).map(
      ([name, value]) =>
        `  <env name="${escapeXml(name, { attribute: true })}" value="${escapeXml(value, { attribute: true })}"/>`,
    ),
    '',
    '  <!-- WinSW stops the node with Ctrl+C, which Node raises as SIGINT: the node drains its in-flight work and',
    '       exits. Stop the node before any process it started, and give it the time the node itself allows. -->',
    '  <stopparentprocessfirst>true</stopparentprocessfirst>',
    `  <stoptimeout>${service.stopTimeoutSeconds} sec</stoptimeout>`,
    '',
    '  <!-- A crash (non-zero exit) restarts the node; a clean exit leaves the service stopped. -->',
    '  <onfailure action="restart" delay="2 sec"/>',
    '  <onfailure action="restart" delay="10 sec"/>',
    '  <resetfailure>1 hour</resetfailure>',
    '',
    `  <logpath>${escapeXml(logs)}</logpath>`,
    '  <log mode="roll-by-size">',
    '    <sizeThreshold>10240</sizeThreshold>',
    '    <keepFiles>8</keepFiles>',
    '  </log>',
    '</service>',
  ];
  return lines.join('\n') + '\n';
}
