import { assertBalancerMember, type BalancerMember } from './balancer-member.js';

// The part of haproxy.cfg the console owns: the backend's server lines between two markers. The rest of
// the file is the admin's, so adding or removing a node rewrites only this block.
const BEGIN = /^[ \t]*# flotilla:servers begin.*$/m;
const END = /^[ \t]*# flotilla:servers end.*$/m;
const SERVER_LINE = /^\s*server\s+(\S+)\s+(\S+)/;

function blockBounds(config: string): { start: number; end: number } {
  const begin = BEGIN.exec(config);
  const end = END.exec(config);
  if (!begin || !end || end.index < begin.index) {
    throw new Error(
      'haproxy.cfg has no "# flotilla:servers begin/end" block: render it from the Flotilla template.',
    );
  }
  return { start: begin.index + begin[0].length + 1, end: end.index };
}

/** The `server` lines of a backend, as config text (indented, one per line). */
export function serverLines(servers: readonly BalancerMember[]): string {
  return servers
    .map((server) => {
      assertBalancerMember(server);
      return `    server ${server.name} ${server.address} check\n`;
    })
    .join('');
}

/** The servers listed in the managed block. */
export function readHaproxyServers(config: string): BalancerMember[] {
  const { start, end } = blockBounds(config);
  return config
    .slice(start, end)
    .split('\n')
    .map((line) => SERVER_LINE.exec(line))
    .filter((match) => match !== null)
    .map(([, name, address]) => ({ name: name!, address: address! }));
}

/** The config with the managed block replaced by `servers`; everything else unchanged. */
export function withHaproxyServers(config: string, servers: readonly BalancerMember[]): string {
  const { start, end } = blockBounds(config);
  return config.slice(0, start) + serverLines(servers) + config.slice(end);
}
