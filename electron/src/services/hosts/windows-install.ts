import { readdir } from 'node:fs/promises';
import { UserError } from '../../common/user-error.js';

const WINDOWS_MSI = /^flotilla-node-(.+)-win-x64\.msi$/;

/** Where the msiexec line reads the master key on the Windows host: the admin copies the key there. */
export const WINDOWS_MASTER_KEY_FILE = 'C:\\ProgramData\\Flotilla\\master.key';

/**
 * An account name as Windows writes them (DOMAIN\name, DOMAIN\gmsa$, .\user, user@domain), the rule
 * install.ps1 applies; LocalSystem is refused (it cannot reach an SMB share, and it owns the machine).
 */
export function checkServiceAccount(account: string): void {
  const plain = /^(\.\\|\w[\w .-]*\\)?\w[\w .-]*\$?$/;
  const upn = /^\w[\w.-]*@\w[\w.-]*$/;
  if (!plain.test(account) && !upn.test(account))
    throw new UserError(
      `"${account}" is not an account name: use e.g. CORP\\flotilla$ (a gMSA) or CORP\\svc-flotilla, or leave it empty.`,
    );
  if (/^(\.\\)?LocalSystem$|^(NT AUTHORITY\\)?SYSTEM$/i.test(account))
    throw new UserError(
      'LocalSystem cannot reach an SMB shared folder and owns the machine: name a gMSA (CORP\\flotilla$) or a domain account.',
    );
}

/** A property on the msiexec line, quoted when it needs it (no value here may hold a quote). */
const property = (name: string, value: string) => `${name}=${/[\s&|<>^]/.test(value) ? `"${value}"` : value}`;

/**
 * `msiexec /i … /qn` for a node that joins the cluster by itself: the database URL as the console holds it
 * (its password masked: the admin types it in), the master key as a file, never the key itself.
 */
export function windowsInstallCommand(input: {
  msiFile: string;
  maskedDbUrl: string;
  sharedDir: string;
  nodeName: string;
  serviceAccount: string;
}): string {
  const properties = [
    property('FLOTILLA_DB_URL', input.maskedDbUrl),
    property('FLOTILLA_SHARED', input.sharedDir),
    property('FLOTILLA_MASTER_KEY_FILE', WINDOWS_MASTER_KEY_FILE),
    property('FLOTILLA_NODE_NAME', input.nodeName),
    ...(input.serviceAccount ? [property('FLOTILLA_SERVICE_ACCOUNT', input.serviceAccount)] : []),
  ];
  return [`msiexec /i ${input.msiFile} /qn /l*v flotilla-install.log`, ...properties].join(' ');
}

/** The Windows MSI in `bundlesDir`: the console's own version when it is there, else the highest. */
export async function findWindowsMsi(
  bundlesDir: string,
  preferVersion: string,
): Promise<{ file: string; version: string }> {
  const found = (await readdir(bundlesDir).catch(() => [] as string[]))
    .map((file) => ({ file, version: WINDOWS_MSI.exec(file)?.[1] }))
    .filter((entry): entry is { file: string; version: string } => entry.version !== undefined)
    .sort((a, b) => b.version.localeCompare(a.version, 'en', { numeric: true }));
  const msi = found.find((entry) => entry.version === preferVersion) ?? found[0];
  if (!msi)
    throw new UserError(
      `No Windows installer in ${bundlesDir}: run \`npm run bundle:server\` to build flotilla-node-<version>-win-x64.msi there.`,
    );
  return msi;
}
