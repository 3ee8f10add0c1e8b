import type {
  MigrationBalancerPlanDto,
  MigrationNodePlanDto,
  MigrationSourceDto,
} from '../../common/contract.js';
import { UserError } from '../../common/user-error.js';

// The wizard's forms, checked before anything is saved or run: a hostile or mistyped value is a clear
// error that changes nothing. The engine checks the target URL and the shared folder again itself.

const NODE_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;
const HOST_NAME = /^[A-Za-z0-9.:[\]-]{1,253}$/;

/** A folder path given for a host: absolute, no `..`, quotes, control characters or line breaks. */
export function checkPath(value: string, what: string): string {
  if (/\p{Cc}/u.test(value))
    throw new UserError(`${what} holds a control character or a line break: give a plain path.`);
  if (/["'`$\\]/.test(value))
    throw new UserError(`${what} holds a quote, $ or \\: give the path without them.`);
  if (!value.startsWith('/')) throw new UserError(`${what} must be an absolute path (it starts with /).`);
  if (value.split('/').includes('..'))
    throw new UserError(
      `${what} holds '..': give the real absolute path (every host must use the same one).`,
    );
  const trimmed = value.replace(/\/+$/, '');
  if (trimmed === '') throw new UserError(`${what} cannot be the root folder.`);
  return trimmed;
}

/** The target PostgreSQL URL: postgres:// with a host, on one line (it travels on stdin, one line). */
export function checkTargetUrl(value: string): string {
  const url = value.trim();
  if (/[\r\n\0]/.test(url))
    throw new UserError('The target database URL holds a line break: paste it on one line.');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UserError(
      'The target database URL looks like postgres://USER:PASSWORD@HOST:5432/DATABASE (special characters in the password percent-encoded: @ as %40, # as %23, / as %2F).',
    );
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:')
    throw new UserError(`The target database URL must start with postgres:// (not ${parsed.protocol}//).`);
  if (!parsed.hostname) throw new UserError('The target database URL names no host.');
  if (/[\s"'`]/.test(decodeURIComponent(parsed.hostname)) || /[\s"'`]/.test(parsed.pathname))
    throw new UserError('The target database URL holds a quote or a space in its host or database name.');
  return url;
}

/** host:port of the target, as the hosts reach it. */
export function targetEndpoint(url: string): { host: string; port: number } {
  const parsed = new URL(url);
  return { host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'), port: Number(parsed.port || 5432) };
}

export function checkSource(source: MigrationSourceDto): MigrationSourceDto {
  if (source.kind === 'local') return { kind: 'local', home: checkPath(source.home, 'The node home') };
  if (typeof source.hostId !== 'string' || source.hostId === '')
    throw new UserError('Choose the host the standalone node runs on.');
  return {
    kind: 'host',
    hostId: source.hostId,
    installRoot: checkPath(source.installRoot, 'The install root'),
    home: checkPath(source.home, 'The node home'),
  };
}

export function checkNodes(nodes: MigrationNodePlanDto[], sourceNode: string | null): MigrationNodePlanDto[] {
  if (!Array.isArray(nodes)) throw new UserError('The nodes are a list.');
  if (nodes.length > 32) throw new UserError('At most 32 new nodes at once.');
  const names = new Set<string>(sourceNode ? [sourceNode] : []);
  const hosts = new Set<string>();
  return nodes.map((node) => {
    const name = String(node.nodeName ?? '').trim();
    if (!NODE_NAME.test(name))
      throw new UserError(
        `"${name.slice(0, 40)}": a node name is lower-case letters, digits and dashes, e.g. node-2.`,
      );
    if (names.has(name)) throw new UserError(`Two nodes are named ${name}: every node needs its own name.`);
    names.add(name);
    if (hosts.has(node.hostId)) throw new UserError('Each new node needs a host of its own.');
    hosts.add(node.hostId);
    if (!Number.isInteger(node.port) || node.port < 1 || node.port > 65535)
      throw new UserError(`${name}: the port is a whole number from 1 to 65535, e.g. 8080.`);
    const listenHost = String(node.listenHost ?? '').trim();
    if (!HOST_NAME.test(listenHost))
      throw new UserError(`${name}: the listen address is an IP address or 0.0.0.0.`);
    const publicUrl = String(node.publicUrl ?? '')
      .trim()
      .replace(/\/+$/, '');
    if (!/^https?:\/\/[A-Za-z0-9.:[\]-]+(:\d+)?$/.test(publicUrl))
      throw new UserError(
        `${name}: the public URL is how the balancer reaches it, e.g. http://10.0.0.12:8080.`,
      );
    return {
      hostId: node.hostId,
      nodeName: name,
      listenHost,
      port: node.port,
      publicUrl,
      installRoot: checkPath(String(node.installRoot ?? ''), `${name}: the install root`),
    };
  });
}

export function checkBalancer(balancer: MigrationBalancerPlanDto): MigrationBalancerPlanDto {
  if (balancer.kind === 'builtin') {
    const listenHost = String(balancer.listenHost ?? '').trim();
    if (!HOST_NAME.test(listenHost))
      throw new UserError(
        'The balancer listens on an IP address of the source host, e.g. 0.0.0.0 or 10.0.0.10.',
      );
    if (!Number.isInteger(balancer.port) || balancer.port < 1 || balancer.port > 65535)
      throw new UserError('The balancer port is a whole number from 1 to 65535, e.g. 8300.');
    return { kind: 'builtin', listenHost, port: balancer.port };
  }
  const frontendUrl = String(balancer.frontendUrl ?? '')
    .trim()
    .replace(/\/+$/, '');
  if (!/^https?:\/\/[A-Za-z0-9.:[\]-]+(:\d+)?$/.test(frontendUrl))
    throw new UserError(
      "HAProxy's frontend URL is where users reach the cluster, e.g. http://flotilla.example:80.",
    );
  return { kind: 'haproxy', frontendUrl };
}
