import { shellQuote as q } from '@flotilla/server-node/shell/shell-quote';
import { type SshConnection } from '../ssh/index.js';

/** The account a provisioned node runs as unless its host entry names another. */
export const DEFAULT_SERVICE_USER = 'flotilla';

// What useradd accepts by default (its NAME_REGEX, without the trailing `$` of machine accounts), so
// the name is never more than a word on the host. install.sh applies the same rule.
const USER_NAME = /^[a-z_][a-z0-9_-]{0,31}$/;

/**
 * Who the node runs as on a host. Signed in as root, provisioning creates `user` (install.sh) and the
 * node runs as it. Signed in as anyone else it can neither create an account nor switch to one: the
 * node then runs as the SSH user itself, and asking for another account is refused.
 */
export interface ServiceAccount {
  user: string;
  sshUser: string;
  /** Signed in as uid 0. */
  root: boolean;
  /** The account exists on the host (install.sh creates it when it does not). */
  exists: boolean;
  /** Why provisioning cannot run the node as `user`, with what to do; null when it can. */
  problem: { detail: string; fix: string } | null;
  /** What the admin should know although it works, e.g. that the node runs as the SSH user. */
  warning: string | null;
}

export const SERVICE_USER_NAME_FIX = 'Correct the service user in the host settings.';

/** Why `name` cannot be a service user, or null. Quotes, spaces, `;` and newlines never reach a shell. */
export function serviceUserNameProblem(name: string): string | null {
  if (name === 'root')
    return 'the node never runs as root: choose an unprivileged account (the default is flotilla)';
  if (!USER_NAME.test(name))
    return (
      `the service user ${JSON.stringify(name)} is not a valid user name: use 1 to 32 lower-case letters, ` +
      "digits, '_' and '-', starting with a letter or '_'"
    );
  return null;
}

/** Finds out, on the host, who the node will run as (see ServiceAccount). */
export async function resolveServiceAccount(
  ssh: SshConnection,
  requested: string | undefined,
): Promise<ServiceAccount> {
  const [sshUser = '', uid = ''] = (await ssh.exec('id -un; id -u')).stdout.trim().split('\n');
  const root = uid === '0';
  const user = requested ?? (root ? DEFAULT_SERVICE_USER : sshUser);
  const account = { user, sshUser, root, exists: false, problem: null, warning: null };
  const invalid = serviceUserNameProblem(user);
  if (invalid)
    return {
      ...account,
      problem: { detail: invalid, fix: SERVICE_USER_NAME_FIX },
    };
  if (!root && user !== sshUser)
    return {
      ...account,
      problem: {
        detail: `signed in as ${sshUser}, not root: provisioning cannot create the service user ${user} or run the node as it`,
        fix: `Sign in as root (a key is enough: PermitRootLogin prohibit-password), or leave the service user empty to run the node as ${sshUser}.`,
      },
    };
  const exists = (await ssh.exec(`id -u ${q(user)}`)).code === 0;
  return {
    ...account,
    exists,
    warning: root
      ? null
      : `signed in as ${sshUser}, not root: the node runs as ${sshUser} itself (no dedicated service user, no systemd unit; sign in as root for those)`,
  };
}

/**
 * A shell command that runs `command` (already quoted for the shell) as the service user, from the
 * host's SSH session. As root it switches with setpriv (util-linux; runuser where setpriv is missing),
 * taking the user's own groups. An account that does not exist yet is stood in for by `nobody` with
 * no groups: what it may do, a freshly created account may do too.
 */
export function asServiceUser(account: ServiceAccount, command: string): string {
  if (!account.root) return command;
  if (!account.exists)
    return `if command -v setpriv >/dev/null 2>&1; then setpriv --reuid=65534 --regid=65534 --clear-groups -- ${command}; else runuser -u nobody -- ${command}; fi`;
  const user = q(account.user);
  return `id -u ${user} >/dev/null && if command -v setpriv >/dev/null 2>&1; then setpriv --reuid="$(id -u ${user})" --regid="$(id -g ${user})" --init-groups -- ${command}; else runuser -u ${user} -- ${command}; fi`;
}
