// The cluster check (server-node/src/http/routes/diagnostics-routes.ts): its paths, what each node
// reports about itself, and the findings. Each node answers its own self-check; the node that serves
// GET /api/cluster/diagnostics asks every live peer for its self-check over HTTP (with the caller's
// credentials) and adds what only the cluster's view shows. Nothing here imports the rest of the server.

import type { BalancerStatsDto } from './balancer.js';
import type { NodeState } from './index.js';

/** GET → DiagnosticsDto (administrator). */
export const DIAGNOSTICS_PATH = '/api/cluster/diagnostics';

/** GET → NodeSelfCheckDto: the named node's own doctor result; any node forwards it to the owner. */
export const NODE_SELF_CHECK_ROUTE = '/api/nodes/:name/self-check';
export const nodeSelfCheckPath = (name: string): string =>
  `/api/nodes/${encodeURIComponent(name)}/self-check`;

/** What a node sees from where it runs: the same checks as `flotilla-node doctor`, live. */
export interface NodeSelfCheckDto {
  name: string;
  /** The flotilla-node version the node runs. */
  version: string;
  at: string;
  database: {
    /** Null when reachable; else the error. */
    error: string | null;
    /** One `select now()` round trip, in ms. */
    latencyMs: number | null;
    /** The schema version the database has, and the newest this node's build carries. */
    schemaVersion: number | null;
    carriedSchemaVersion: number;
    /** Whether this node's master key matches the cluster's check value (null: database unreachable). */
    masterKeyMatches: boolean | null;
  };
  /** The database's clock minus this host's, in ms (heartbeats are stamped on the database clock). */
  clockOffsetMs: number | null;
  shared: {
    dir: string;
    /** Null when the sentinel with this cluster's id is there; else what is wrong. */
    sentinelProblem: string | null;
    /** Null when writable and answering. */
    problem: string | null;
    freeBytes: number | null;
    /** The nodes whose probe files (written every second) this node sees there, recent ones only. */
    nodesSeen: string[];
  };
  /** The worst event-loop delay since the last self-check (at most the last minute), in ms. */
  eventLoopLagMs: number;
  /** HTTP connections open on the node, and its main database pool. */
  openConnections: number;
  pool: { total: number; idle: number; waiting: number };
  /** The node's flotilla.json with the master key and passwords removed. */
  config: Record<string, unknown>;
}

export type FindingSeverity = 'error' | 'warning' | 'info';

/** One fault the cluster check found: what it means and what to do, in a sentence or two each. */
export interface DiagnosticFinding {
  /** Which check found it (stable, for tests and filters): `shared-folder`, `clock`, `versions`… */
  check: string;
  severity: FindingSeverity;
  nodes: string[];
  meaning: string;
  fix: string;
}

export interface DiagnosticsNodeDto {
  name: string;
  url: string;
  state: NodeState;
  /** The version the node registered with when it joined. */
  version: string;
  lastSeenAgeMs: number;
  selfCheck: NodeSelfCheckDto | null;
  /** Why no self-check came back (not asked: the node is not live). */
  unreachable: string | null;
}

export interface DiagnosticsDto {
  at: string;
  /** The node that gathered the report. */
  servedBy: string;
  nodes: DiagnosticsNodeDto[];
  queue: { queued: number; executing: number; oldestQueuedAgeMs: number | null; paused: boolean };
  leader: { node: string | null; renewedAgoMs: number | null; expiresInMs: number | null };
  findings: DiagnosticFinding[];
}

const SEVERITY_ORDER: Record<FindingSeverity, number> = { error: 0, warning: 1, info: 2 };

/** Errors first, then warnings, then notes; stable within a severity. */
export function sortFindings(findings: DiagnosticFinding[]): DiagnosticFinding[] {
  return [...findings].sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity]);
}

/**
 * What the balancer's view adds: members it keeps from users while they heartbeat and serve, and
 * members it still routes to while they are dead, offline or draining. A node cannot know which
 * balancer fronts it (HAProxy is driven over its Runtime API by the console, maybe on another host), so
 * whoever reads the balancer — the console, `doctor --cluster --balancer-url` — adds these with this one function.
 */
export function balancerFindings(
  nodes: readonly Pick<DiagnosticsNodeDto, 'name' | 'state'>[],
  stats: BalancerStatsDto,
): DiagnosticFinding[] {
  const findings: DiagnosticFinding[] = [];
  const servers = new Map(stats.servers.map((server) => [server.name, server]));
  const balancer = stats.kind === 'haproxy' ? `HAProxy (backend ${stats.backend})` : 'the built-in balancer';
  for (const node of nodes) {
    const server = servers.get(node.name);
    const routed =
      server && server.adminState === 'ready' && ['up', 'going-down'].includes(server.checkStatus);
    if (node.state === 'running' && !server) {
      findings.push({
        check: 'balancer-missing',
        severity: 'warning',
        nodes: [node.name],
        meaning: `${node.name} runs and heartbeats, but ${balancer} has no server for it: it gets no users.`,
        fix: `Add ${node.name} to the balancer (the console's Load balancer view, or its haproxy.cfg), then reload it.`,
      });
    } else if (node.state === 'running' && server && !routed) {
      const why =
        server.adminState !== 'ready'
          ? `it is set to ${server.adminState}`
          : `its health check says ${server.checkStatus}`;
      findings.push({
        check: 'balancer-down',
        severity: 'warning',
        nodes: [node.name],
        meaning: `${node.name} heartbeats and serves, but ${balancer} sends it no users: ${why}.`,
        fix:
          server.adminState !== 'ready'
            ? `Set ${node.name} to ready in the Load balancer view if it was left ${server.adminState} by mistake.`
            : `Check that the balancer reaches ${server.address} (firewall, address in its config) and that GET /api/nodes/ping there answers 200.`,
      });
    } else if (node.state !== 'running' && routed) {
      findings.push({
        check: 'balancer-routes-to-unavailable',
        severity: node.state === 'draining' ? 'warning' : 'error',
        nodes: [node.name],
        meaning: `${balancer} still sends users to ${node.name}, which is ${node.state}.`,
        fix: `Check the balancer's health check for ${node.name} (GET /api/nodes/ping, a short interval); set it to drain or maint until the node is back.`,
      });
    }
  }
  return findings;
}

/** POST SupportBundleRequest → application/zip (administrator): what a support engineer asks for first. */
export const SUPPORT_BUNDLE_PATH = '/api/cluster/support-bundle';

/** The balancer's stats, from whoever reads the balancer (the console, `support-bundle --balancer-url`). */
export interface SupportBundleRequest {
  balancer?: BalancerStatsDto | null;
}
