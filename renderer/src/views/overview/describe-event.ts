import type { EventDto } from '@flotilla/electron/common/contract';

/** One line an admin can read for each cluster event. */
export function describeEvent(event: EventDto): string {
  const d = event.data as Record<string, string | number | boolean | null | undefined>;
  const by = d.by ? ` by ${String(d.by)}` : '';
  switch (event.type) {
    case 'node.joined':
      return `${d.name} joined (${d.url}, version ${d.version})`;
    case 'node.state':
      return `${d.name} is now ${d.state}`;
    case 'node.updated':
      return `${d.name}: ${d.draining ? 'draining' : 'taking work'}, task cap ${d.taskCap}${by}`;
    case 'node.deleted':
      return `${d.name} was removed${by}`;
    case 'cluster.updated':
      return d.paused === undefined
        ? `Cluster settings changed${by}`
        : `Queue ${d.paused ? 'paused' : 'resumed'}${by}`;
    case 'task.queued':
      return `Task ${d.id} (${d.kind}) queued${d.retryBy ? ` again by ${d.retryBy}` : ''}`;
    case 'task.started':
      return `Task ${d.id} (${d.kind}) started on ${d.node}`;
    case 'task.finished':
      return `Task ${d.id} ${d.state}${d.node ? ` on ${d.node}` : ''}${by}`;
    case 'task.recovered':
      return `Task ${d.id} recovered from ${d.fromNode}: ${d.state}`;
    case 'task.cancel-requested':
      return `Cancel requested for task ${d.id}${by}`;
  }
}
