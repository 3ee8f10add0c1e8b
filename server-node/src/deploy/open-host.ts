import type { SecretBox } from '../crypto/secret-box.js';
import type { DbTarget } from '../targets/target-rows.js';
import { openTargetAuth } from '../targets/target-rows.js';
import { TaskFailure } from '../tasks/task-kind.js';
import { LocalHost } from './local-host.js';
import { SshHost } from './ssh-host.js';
import type { TargetHost } from './target-host.js';

/** Connects to a target; `null` (or a `node` target) is the node running the task. */
export async function openHost(
  target: DbTarget | null,
  name: string,
  secrets: SecretBox,
  signal: AbortSignal,
): Promise<TargetHost> {
  if (!target || target.kind === 'node') return new LocalHost(name);
  const auth = openTargetAuth(secrets, target);
  if (!auth || !target.host || !target.username) {
    throw new TaskFailure(`target ${target.name} has no host, user or credentials; edit the target`);
  }
  return SshHost.open(
    {
      name: target.name,
      host: target.host,
      port: target.port ?? 22,
      username: target.username,
      auth,
      hostKeyFingerprint: target.host_key_fingerprint,
    },
    signal,
  );
}
