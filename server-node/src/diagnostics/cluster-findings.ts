import type { DiagnosticFinding, DiagnosticsNodeDto, NodeSelfCheckDto } from '../api/diagnostics.js';
import { SHARED_MIN_FREE_BYTES } from '../node/node-health.js';
import type { LeaseView, QueueView, StrandedTask } from '../sql/diagnostic-rows.js';

/** Clock offset from the database beyond which liveness judgements go wrong (heartbeats use the database clock). */
export const MAX_CLOCK_OFFSET_MS = 1000;
const SLOW_DATABASE_MS = 250;
const EVENT_LOOP_LAG_MS = 500;
const LOW_SPACE_BYTES = 1024 ** 3;
/** A queued task older than this, in a cluster that claims within ms, means nothing takes work. */
const STALLED_QUEUE_MS = 60_000;
/** A lease expired this long and not taken over: the leaders stopped renewing (a sweep takes it within ms). */
const LEASE_GRACE_MS = 2000;

export interface ClusterView {
  nodes: DiagnosticsNodeDto[];
  queue: QueueView;
  lease: LeaseView;
  stranded: StrandedTask[];
  sharedDir: string;
}

const list = (names: string[]) =>
  names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;

/** Every fault the nodes' self-checks and the cluster's rows show, each with its meaning and its fix. */
export function clusterFindings(view: ClusterView): DiagnosticFinding[] {
  const findings: DiagnosticFinding[] = [];
  const live = view.nodes.filter((node) => node.state === 'running' || node.state === 'draining');
  for (const node of live) {
    if (!node.selfCheck) {
      findings.push({
        check: 'node-unreachable',
        severity: 'error',
        nodes: [node.name],
        meaning: `${node.name} heartbeats, but did not answer at ${node.url} (${node.unreachable ?? 'no answer'}): the balancer and the console may not reach it either.`,
        fix: `Check that ${node.url} is the address ${node.name} listens on and that no firewall blocks it (publicUrl in its flotilla.json).`,
      });
    } else {
      findings.push(...selfCheckFindings(node.selfCheck, view.sharedDir));
    }
  }
  findings.push(...sharedFolderFindings(live, view.sharedDir));
  findings.push(...versionFindings(live));
  for (const node of view.nodes.filter((candidate) => candidate.state === 'dead')) {
    findings.push({
      check: 'node-dead',
      severity: 'warning',
      nodes: [node.name],
      meaning: `${node.name} stopped heartbeating ${Math.round(node.lastSeenAgeMs / 1000)} s ago without shutting down: it crashed, hangs, or lost the database.`,
      fix: `Start ${node.name} again (or look at its log on its host); if it is gone for good, remove it in the Nodes view.`,
    });
  }
  findings.push(...taskFindings(view));
  return findings;
}

function selfCheckFindings(check: NodeSelfCheckDto, sharedDir: string): DiagnosticFinding[] {
  const findings: DiagnosticFinding[] = [];
  const add = (name: string, severity: DiagnosticFinding['severity'], meaning: string, fix: string) =>
    findings.push({ check: name, severity, nodes: [check.name], meaning, fix });
  const node = check.name;
  const db = check.database;
  if (db.error) {
    add(
      'database',
      'error',
      `${node} cannot reach the database: ${db.error}.`,
      `Check the database server and the network from ${node}'s host to it (dbUrl in its flotilla.json).`,
    );
  } else if (db.latencyMs !== null && db.latencyMs > SLOW_DATABASE_MS) {
    add(
      'database-latency',
      'warning',
      `${node} waits ${db.latencyMs} ms for a trivial query: heartbeats and claims are slow.`,
      `Look for load or locks on the database (pg_stat_activity) and at the network between ${node} and it.`,
    );
  }
  if (db.masterKeyMatches === false) {
    add(
      'master-key',
      'error',
      `${node}'s master key does not match the cluster's: it cannot read the secrets the others wrote.`,
      `Copy masterKey from another node's flotilla.json into ${node}'s, then restart ${node}.`,
    );
  }
  if (check.shared.sentinelProblem) {
    add(
      'shared-folder',
      'error',
      `${node} does not see the cluster's sentinel in ${sharedDir}: it is writing to a different folder than the others.`,
      `Mount the share at ${sharedDir} on ${node}, then restart it.`,
    );
  } else if (check.shared.problem) {
    add(
      'shared-storage',
      'error',
      `${node}: ${check.shared.problem}.`,
      `Fix the mount of ${sharedDir} on ${node}'s host; the node takes work again by itself.`,
    );
  }
  const free = check.shared.freeBytes;
  if (free !== null && free < LOW_SPACE_BYTES) {
    const full = free < SHARED_MIN_FREE_BYTES;
    add(
      'shared-space',
      full ? 'error' : 'warning',
      `${sharedDir} has ${Math.round(free / 1024 ** 2)} MiB free as ${node} sees it${full ? ': task logs cannot be written' : ''}.`,
      `Free space on the share (old packages, retention) or grow it.`,
    );
  }
  if (check.clockOffsetMs !== null && Math.abs(check.clockOffsetMs) > MAX_CLOCK_OFFSET_MS) {
    add(
      'clock',
      'error',
      `${node}'s clock is ${Math.abs(check.clockOffsetMs)} ms ${check.clockOffsetMs > 0 ? 'behind' : 'ahead of'} the database's: times it shows and writes are off, and liveness judgements may be wrong.`,
      `Synchronise the clock on ${node}'s host (NTP, e.g. chrony or w32time) and on the database server.`,
    );
  }
  if (check.eventLoopLagMs > EVENT_LOOP_LAG_MS) {
    add(
      'event-loop',
      'warning',
      `${node} stalled ${check.eventLoopLagMs} ms at a time: requests and heartbeats wait that long.`,
      `Look at CPU and memory on ${node}'s host; lower its task cap if its tasks crowd it.`,
    );
  }
  return findings;
}

/**
 * Nodes that see the sentinel but not each other's probe files (each node writes one every second)
 * write to different folders — a copy of the share, or a local folder seeded from it.
 */
function sharedFolderFindings(live: DiagnosticsNodeDto[], sharedDir: string): DiagnosticFinding[] {
  const checked = live.filter((node) => node.selfCheck && !node.selfCheck.shared.sentinelProblem);
  if (checked.length < 2) return [];
  const sees = (a: DiagnosticsNodeDto, b: DiagnosticsNodeDto) =>
    a.selfCheck!.shared.nodesSeen.includes(b.name);
  const partners = new Map(
    checked.map((node) => [
      node.name,
      checked.filter((peer) => peer !== node && sees(node, peer) && sees(peer, node)),
    ]),
  );
  const apart = checked.filter((node) => partners.get(node.name)!.length === 0).map((node) => node.name);
  if (apart.length === 0) return [];
  if (apart.length === checked.length) {
    return [
      {
        check: 'shared-folder',
        severity: 'error',
        nodes: apart,
        meaning: `${list(apart)} do not see each other's files in ${sharedDir}: each writes to a folder of its own, so packages and task logs go missing depending on which node answers.`,
        fix: `Mount the same share at ${sharedDir} on every node, then restart them.`,
      },
    ];
  }
  return apart.map((name) => ({
    check: 'shared-folder',
    severity: 'error' as const,
    nodes: [name],
    meaning: `${name} does not see the other nodes' files in ${sharedDir}, nor they its: it is writing to a different folder than the others (a copy holding the sentinel).`,
    fix: `Mount the share at ${sharedDir} on ${name}, then restart it.`,
  }));
}

function versionFindings(live: DiagnosticsNodeDto[]): DiagnosticFinding[] {
  const byVersion = new Map<string, string[]>();
  for (const node of live) {
    const version = node.selfCheck?.version ?? node.version;
    byVersion.set(version, [...(byVersion.get(version) ?? []), node.name]);
  }
  if (byVersion.size < 2) return [];
  const groups = [...byVersion].sort((a, b) => b[1].length - a[1].length);
  const newest = [...byVersion.keys()].sort((a, b) => b.localeCompare(a, undefined, { numeric: true }))[0]!;
  const behind = groups.filter(([version]) => version !== newest).flatMap(([, names]) => names);
  return [
    {
      check: 'versions',
      severity: 'warning',
      nodes: live.map((node) => node.name),
      meaning: `The nodes run different versions: ${groups.map(([version, names]) => `${list(names)} ${names.length > 1 ? 'run' : 'runs'} ${version}`).join('; ')}. That is right only during a rolling upgrade.`,
      fix: `Finish the upgrade: bring ${list(behind)} to ${newest} (Nodes view, Upgrade), or roll the others back.`,
    },
  ];
}

function taskFindings({ stranded, queue, lease, nodes }: ClusterView): DiagnosticFinding[] {
  const findings: DiagnosticFinding[] = [];
  if (stranded.length > 0) {
    const on = [...new Set(stranded.map((task) => task.node ?? '(none)'))];
    findings.push({
      check: 'stranded-tasks',
      severity: 'error',
      nodes: on,
      meaning: `${stranded.length} task(s) (${stranded
        .slice(0, 5)
        .map((task) => `#${task.id}`)
        .join(
          ', ',
        )}) are executing on ${list(on)}, which ${on.length > 1 ? 'are' : 'is'} not running: nobody works on them, and the leader's sweep has not recovered them (a transaction may hold their rows).`,
      fix: `Look for a long-open transaction in pg_stat_activity and end it; the leader then requeues or fails the tasks within seconds. Cancel them in the Tasks view if they stay.`,
    });
  }
  const running = nodes.filter((node) => node.state === 'running').map((node) => node.name);
  if (queue.oldestQueuedAgeMs !== null && queue.oldestQueuedAgeMs > STALLED_QUEUE_MS) {
    const age = Math.round(queue.oldestQueuedAgeMs / 1000);
    findings.push({
      check: 'queue',
      severity: 'warning',
      nodes: running,
      meaning: `${queue.queued} task(s) wait; the oldest has waited ${age} s${queue.paused ? ': the queue is paused' : ': no node takes them'}.`,
      fix: queue.paused
        ? 'Resume the queue (Overview) when the maintenance that paused it is over.'
        : "Check the nodes' task caps and drain flags (Nodes view): every running node may be full, drained, or at cap 0.",
    });
  }
  const holderState = nodes.find((node) => node.name === lease.node)?.state ?? null;
  const expired = (lease.expiresInMs ?? 0) < -LEASE_GRACE_MS;
  const holderLive = holderState === 'running' || holderState === 'draining';
  if (running.length > 0 && (lease.node === null || expired || !holderLive)) {
    findings.push({
      check: 'leader',
      severity: 'warning',
      nodes: lease.node ? [lease.node] : [],
      meaning:
        lease.node === null
          ? 'No node holds the leader lease: nobody sweeps dead nodes or recovers their tasks.'
          : `The leader lease is held by ${lease.node} (${holderState ?? 'no longer a node'}) and ${expired ? `expired ${Math.round(-(lease.expiresInMs ?? 0) / 1000)} s ago` : 'not yet expired'}: nobody sweeps dead nodes meanwhile.`,
      fix: 'A running node takes the lease within a sweep interval; if this persists, look at the running nodes\' logs for "periodic job failed".',
    });
  }
  return findings;
}
