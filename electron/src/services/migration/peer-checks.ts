import { shellQuote as q } from '@flotilla/server-node/shell/shell-quote';
import type { MigrationCheckDto } from '../../common/contract.js';
import { asServiceUser, resolveServiceAccount, type ServiceAccount } from '../provisioning/service-user.js';
import type { SshConnection } from '../ssh/index.js';

export interface PeerCheckInput {
  sharedDir: string;
  /** The nonce the source's preflight wrote to the share. */
  nonce: string;
  /** The target database as the host reaches it (from the URL: never the password). */
  database: { host: string; port: number };
}

/**
 * What every planned node host checks before the switch, as a POSIX script an admin can run by hand:
 * the share exists and the service user may create, rename, read and delete a file there; the nonce the
 * source wrote is there (so this is the same folder, not a local one at the same path); the target
 * database answers on its port from here. Each check prints `pass|fail ID DETAIL`.
 */
export function peerCheckScript(input: PeerCheckInput): string[] {
  return [
    `S=${q(input.sharedDir)} N=${q(input.nonce)} DB=${q(`${input.database.host}/${input.database.port}`)}`,
    'if [ -d "$S" ]; then echo "pass shared.exists $S"; else echo "fail shared.exists $S does not exist on this host"; fi',
    'f="$S/.flotilla-probe-$$"; if echo probe > "$f" && mv -f "$f" "$f.moved" && [ "$(cat "$f.moved")" = probe ] && rm -f "$f.moved"; then echo "pass shared.writable created, renamed, read back and deleted a file as $(id -un)"; else rm -f "$f" "$f.moved"; echo "fail shared.writable $(id -un) cannot create, rename and delete a file in $S"; fi',
    'if [ "$(cat "$S/.flotilla-migration/nonce" 2>/dev/null)" = "$N" ]; then echo "pass shared.same-folder read back the source host\'s nonce"; else echo "fail shared.same-folder $S/.flotilla-migration/nonce is missing or holds another nonce: this host sees another folder at $S"; fi',
    'if timeout 5 bash -c "exec 3<>/dev/tcp/$DB" 2>/dev/null; then echo "pass target.reachable $DB answers from this host"; else echo "fail target.reachable $DB does not answer from this host"; fi',
  ];
}

const TITLES: Record<string, { title: string; fix: string }> = {
  'shared.exists': {
    title: 'Shared folder exists',
    fix: 'Mount the share at the same path on this host as on every node.',
  },
  'shared.writable': {
    title: 'Shared folder writable by the service user',
    fix: 'Let the service user (flotilla) read and write the share on this host (on NFS, the same uid on every node).',
  },
  'shared.same-folder': {
    title: 'Same folder as the source',
    fix: 'Mount the cluster’s share at this path on this host: a local folder at the same path is the classic mistake (each node would keep its own logs and packages). Run the preflight again after mounting it.',
  },
  'target.reachable': {
    title: 'Target PostgreSQL reachable',
    fix: 'Let this host reach the database (firewall, listen_addresses, pg_hba.conf), or give the URL as every host reaches it.',
  },
};

/** Runs the checks on the host (the share's as the service user, or as `nobody` until it exists). */
export async function runPeerChecks(ssh: SshConnection, input: PeerCheckInput): Promise<MigrationCheckDto[]> {
  const account: ServiceAccount = await resolveServiceAccount(ssh, undefined);
  const script = peerCheckScript(input).join('\n');
  const result = await ssh.exec(asServiceUser(account, `sh -c ${q(script)}`), { timeoutMs: 60_000 });
  const checks = parsePeerOutput(result.stdout);
  if (checks.length === 0)
    return [
      {
        id: 'host.shell',
        title: 'Checks ran on the host',
        status: 'fail',
        detail: (result.stderr || result.stdout).trim().slice(0, 500) || `exit code ${String(result.code)}`,
        fix: 'The host needs a POSIX shell with bash and coreutils (timeout).',
      },
    ];
  if (!account.exists && account.root)
    checks.push({
      id: 'service-user',
      title: 'Service user',
      status: 'warn',
      detail: `${account.user} does not exist yet: the share was tried as nobody; provisioning creates ${account.user} and checks again as it`,
      fix: null,
    });
  return checks;
}

export function parsePeerOutput(stdout: string): MigrationCheckDto[] {
  const checks: MigrationCheckDto[] = [];
  for (const line of stdout.split('\n')) {
    const match = /^(pass|fail) ([a-z.-]+) (.*)$/.exec(line.trim());
    const known = match ? TITLES[match[2]!] : undefined;
    if (!match || !known) continue;
    const pass = match[1] === 'pass';
    checks.push({
      id: match[2]!,
      title: known.title,
      status: pass ? 'pass' : 'fail',
      detail: match[3]!,
      fix: pass ? null : known.fix,
    });
  }
  return checks;
}
