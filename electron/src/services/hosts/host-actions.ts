import { randomUUID } from 'node:crypto';
import type { HostActionDto, HostActionEventDto, HostActionKind, Push } from '../../common/contract.js';
import { PUSH } from '../../common/contract.js';
import { UserError } from '../../common/user-error.js';
import { ProvisionError, type ProvisionEvent } from '../provisioning/index.js';

/** Finished actions kept for the UI, newest last. */
const KEEP_FINISHED = 30;

export interface ActionStart {
  clusterId: string;
  kind: HostActionKind;
  title: string;
  /** Hosts the action works on: none of them may run another action meanwhile. */
  hosts: { id: string; address: string }[];
  run: (emit: (event: ProvisionEvent & { node: string }) => void) => Promise<void>;
  /** After the run, before the final state is pushed: record what changed (a node provisioned or removed). */
  settle: (outcome: 'done' | 'failed') => Promise<void>;
}

/**
 * The node actions running in the background: at most one per host, each streaming its events to the
 * UI (`hosts:actionEvent`) and ending done or failed with the step, the reason and the fix.
 */
export class HostActions {
  private readonly actions = new Map<string, HostActionDto>();
  private readonly busy = new Map<string, HostActionDto>();
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly push: Push) {}

  list(clusterId: string): HostActionDto[] {
    return [...this.actions.values()].filter((action) => action.clusterId === clusterId);
  }

  busyWith(hostId: string): string | null {
    return this.busy.get(hostId)?.title ?? null;
  }

  /** Fails at once when one of the hosts is busy; otherwise starts the action and returns it as it starts. */
  start(start: ActionStart): HostActionDto {
    for (const host of start.hosts) {
      const other = this.busy.get(host.id);
      if (other)
        throw new UserError(
          `${host.address} is busy with "${other.title}": one action per host at a time. Wait until it has finished.`,
        );
    }
    const action: HostActionDto = {
      id: randomUUID(),
      clusterId: start.clusterId,
      kind: start.kind,
      title: start.title,
      hostIds: start.hosts.map((host) => host.id),
      state: 'running',
      startedAt: Date.now(),
      finishedAt: null,
      events: [],
      failure: null,
    };
    this.actions.set(action.id, action);
    for (const host of start.hosts) this.busy.set(host.id, action);
    this.push(PUSH.hosts.action, copy(action));
    const emit = (event: ProvisionEvent & { node: string }) => {
      const line = toEventDto(event);
      action.events.push(line);
      this.push(PUSH.hosts.actionEvent, { clusterId: action.clusterId, actionId: action.id, event: line });
    };
    const finished = this.finish(action, start, emit);
    this.running.add(finished);
    void finished.finally(() => this.running.delete(finished));
    return copy(action);
  }

  /** Resolves when every running action has ended (the console waits for them when it stops). */
  async idle(): Promise<void> {
    await Promise.all([...this.running]);
  }

  private async finish(
    action: HostActionDto,
    start: ActionStart,
    emit: (event: ProvisionEvent & { node: string }) => void,
  ): Promise<void> {
    let outcome: 'done' | 'failed' = 'done';
    try {
      await start.run(emit);
    } catch (error) {
      outcome = 'failed';
      action.failure = describeFailure(error, action);
    }
    await start.settle(outcome).catch(() => undefined);
    action.state = outcome;
    action.finishedAt = Date.now();
    for (const id of action.hostIds) if (this.busy.get(id) === action) this.busy.delete(id);
    this.prune();
    this.push(PUSH.hosts.action, copy(action));
  }

  private prune(): void {
    const finished = [...this.actions.values()].filter((action) => action.state !== 'running');
    for (const old of finished.slice(0, Math.max(0, finished.length - KEEP_FINISHED)))
      this.actions.delete(old.id);
  }
}

function copy(action: HostActionDto): HostActionDto {
  return { ...action, events: [...action.events] };
}

function toEventDto(event: ProvisionEvent & { node: string }): HostActionEventDto {
  const percent =
    event.step === 'upload' && event.status === 'progress'
      ? /^(\d{1,3})%/.exec(event.detail)?.[1]
      : undefined;
  return {
    at: Date.now(),
    node: event.node,
    step: event.step,
    status: event.status,
    detail: event.detail,
    percent: percent === undefined ? null : Number(percent),
  };
}

function describeFailure(error: unknown, action: HostActionDto): NonNullable<HostActionDto['failure']> {
  if (error instanceof ProvisionError) return { step: error.step, reason: error.reason, fix: error.fix };
  const step = action.events.findLast((event) => event.status === 'started')?.step ?? 'start';
  return {
    step,
    reason: error instanceof Error ? error.message : String(error),
    fix: 'Correct what the message says, then run the action again: finished steps are skipped.',
  };
}
