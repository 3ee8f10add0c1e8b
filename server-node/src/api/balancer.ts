// The one model of a load balancer's state, shared by the built-in balancer's stats endpoint and the
// HAProxy adapter (Runtime API `show stat`), so the console shows both the same way.

/** What the admin asked for: take traffic, finish current sessions only, or take none. */
export type BalancerAdminState = 'ready' | 'drain' | 'maint';

/** What the health checks say (HAProxy's UP, DOWN, "UP 1/2", "DOWN 1/2", no check). */
export type BalancerCheckStatus = 'up' | 'down' | 'going-up' | 'going-down' | 'unchecked';

export interface BalancerServerDto {
  /** The node name (HAProxy server name). */
  name: string;
  /** host:port the balancer sends traffic to. */
  address: string;
  adminState: BalancerAdminState;
  checkStatus: BalancerCheckStatus;
  /** Requests or connections in flight. */
  currentSessions: number;
  /** Requests per second over the last second. */
  requestRate: number;
  totalRequests: number;
  bytesIn: number;
  bytesOut: number;
  /** Seconds since the check status last changed, when known. */
  lastChangeSeconds: number | null;
}

export interface BalancerStatsDto {
  kind: 'builtin' | 'haproxy';
  /** The backend (HAProxy) or balancer name that holds the servers. */
  backend: string;
  servers: BalancerServerDto[];
  /** When these figures were read (ISO time). */
  at: string;
}

/** The built-in balancer's admin API (cluster API key required): its stats, and one member's admin state. */
export const BALANCER_STATS_PATH = '/_balancer/stats';
export const balancerServerPath = (name: string): string => `/_balancer/servers/${encodeURIComponent(name)}`;
