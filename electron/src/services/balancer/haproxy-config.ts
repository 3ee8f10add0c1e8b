import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { fillTemplate } from './fill-template.js';
import { withHaproxyServers } from './haproxy-server-block.js';
import type { BalancerMember } from './balancer-member.js';

/** resources/haproxy/haproxy.cfg.template, from src/ (tests) and dist/ (built) alike. */
export const HAPROXY_TEMPLATE_FILE = fileURLToPath(
  new URL('../../../../resources/haproxy/haproxy.cfg.template', import.meta.url),
);

export const DEFAULT_BACKEND = 'flotilla-nodes';

/**
 * Health and failover settings of every server. `inter 1s fall 2` alone marks a killed node down after
 * 1–2 s (next check, plus one more); `fastinter 500ms` brings the second check forward so it is out of
 * rotation in 0.5–1.5 s; `observe layer4` with `on-error fastinter` starts those fast checks as soon as
 * live traffic cannot connect. Not `on-error mark-down`: marking the node down at the very moment its
 * in-flight requests fail would let `shutdown-sessions` cut those requests while they are being retried
 * on another node (seen as "other side closed" under load); until the checks mark it down, a request
 * that meets the dead node is retried elsewhere (`retries` + `redispatch`), so users see no failure.
 * HAProxy does not apply `default-server` to servers added at runtime, so `add server` sends these too.
 */
export const SERVER_HEALTH_OPTIONS =
  'inter 1s fastinter 500ms fall 2 rise 2 observe layer4 error-limit 3 on-error fastinter on-marked-down shutdown-sessions';

export interface HaproxyConfigInput {
  /** The cluster's name, for the file's header. */
  cluster: string;
  /** Where users and the console reach the portal and API. */
  listen: { host: string; port: number };
  /** TLS termination: a PEM with certificate, chain and key. */
  tls?: { pemFile: string } | null;
  servers: readonly BalancerMember[];
  /** The Runtime API socket (admin level). */
  runtimeSocket: string;
  /** Where server states are saved across reloads; must exist (an empty state file holds "1"). */
  stateFile: string;
  /** The read-only statistics page; omitted when null. */
  stats?: { host: string; port: number } | null;
  backend?: string;
}

/** Reads the template shipped in resources/ (or another one an admin keeps). */
export function readHaproxyTemplate(file = HAPROXY_TEMPLATE_FILE): Promise<string> {
  return readFile(file, 'utf8');
}

/** haproxy.cfg for a cluster. Validate it with `haproxy -c` before use (HaproxyBalancer does). */
export function renderHaproxyConfig(input: HaproxyConfigInput, template: string): string {
  const pem = input.tls?.pemFile ?? null;
  if (pem !== null && /[\s#]/.test(pem))
    throw new Error(`The TLS certificate path "${pem}" may not contain spaces.`);
  for (const file of [input.runtimeSocket, input.stateFile]) {
    if (/[\s#]/.test(file)) throw new Error(`The path "${file}" may not contain spaces.`);
  }
  const backend = input.backend ?? DEFAULT_BACKEND;
  if (!/^[A-Za-z0-9._-]+$/.test(backend)) throw new Error(`"${backend}" cannot be an HAProxy backend name.`);
  const bind = `${hostPort(input.listen)}${pem === null ? '' : ` ssl crt ${pem} alpn h2,http/1.1`}`;
  const rendered = fillTemplate(template, {
    cluster: input.cluster.replace(/[\r\n]/g, ' '),
    runtimeSocket: input.runtimeSocket,
    stateFile: input.stateFile,
    tls: pem,
    bind,
    backend,
    serverOptions: SERVER_HEALTH_OPTIONS,
    stats: input.stats ? hostPort(input.stats) : null,
  });
  return withHaproxyServers(rendered, input.servers);
}

function hostPort({ host, port }: { host: string; port: number }): string {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`${port} is not a port number.`);
  if (!/^(?:[A-Za-z0-9.-]*|\[[0-9A-Fa-f:.]+\])$/.test(host))
    throw new Error(`"${host}" is not a bind address.`);
  return `${host}:${port}`;
}
