/** One node behind a balancer: its name (the HAProxy server name) and the address the balancer reaches it at. */
export interface BalancerMember {
  name: string;
  /** host:port (IPv6 as [addr]:port). */
  address: string;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
const ADDRESS = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]):\d{1,5}$/;

/**
 * Names and addresses end up in balancer configs and in Runtime API command lines: anything outside these
 * shapes (spaces, newlines, `;`) could inject configuration or commands, so it is refused.
 */
export function assertBalancerMember(server: BalancerMember): void {
  if (!NAME.test(server.name)) {
    throw new Error(
      `"${server.name}" cannot be a balancer server name: use letters, digits, ".", "_" and "-" (at most 63).`,
    );
  }
  if (!ADDRESS.test(server.address)) {
    throw new Error(`"${server.address}" is not a host:port address a balancer can send traffic to.`);
  }
}

/** The server for a node from its URL (`http://127.0.0.1:8080` → `127.0.0.1:8080`). */
export function balancerMember(name: string, nodeUrl: string): BalancerMember {
  const url = new URL(nodeUrl);
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return { name, address: `${url.hostname}:${port}` };
}
