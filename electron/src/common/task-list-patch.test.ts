import { describe, expect, it } from 'vitest';
import type { TaskDto, TaskState } from './contract.js';
import { compareTaskIds, patchTaskList } from './task-list-patch.js';

function task(id: string, state: TaskState = 'queued', node: string | null = null, kind = 'noop'): TaskDto {
  return {
    id,
    kind,
    description: null,
    args: {},
    argsRedacted: false,
    state,
    node,
    attempts: 0,
    queuedAt: '',
    startedAt: null,
    finishedAt: null,
    error: null,
    cancelRequested: false,
    cancelRequestedAt: null,
  };
}

const ids = (list: TaskDto[]) => list.map((t) => t.id);

describe('patching a task list from the tasks its events named', () => {
  it('orders ids as numbers', () => {
    expect(['9', '10', '100', '11', '1'].sort(compareTaskIds)).toEqual(['1', '9', '10', '11', '100']);
  });

  it('puts a new task on top, changes a row in place, and drops one that no longer exists', () => {
    const list = [task('10', 'executing', 'node-1'), task('9'), task('8')];
    const patched = patchTaskList(
      list,
      {},
      ['11', '10', '8'],
      [task('11'), task('10', 'succeeded', 'node-1')],
    );
    expect(patched.map((t) => [t.id, t.state])).toEqual([
      ['11', 'queued'],
      ['10', 'succeeded'],
      ['9', 'queued'],
    ]);
  });

  it('keeps a filtered list to its filter: a task that leaves the state goes, one that enters it comes', () => {
    const executing = [task('5', 'executing', 'node-1')];
    const patched = patchTaskList(
      executing,
      { state: 'executing', node: 'node-1' },
      ['5', '6', '7'],
      [task('5', 'succeeded', 'node-1'), task('6', 'executing', 'node-1'), task('7', 'executing', 'node-2')],
    );
    expect(ids(patched)).toEqual(['6']);
    expect(ids(patchTaskList([], { kind: 'deploy' }, ['1'], [task('1', 'queued', null, 'noop')]))).toEqual(
      [],
    );
  });

  it('keeps a full list at its limit and adds nothing older than its oldest row', () => {
    const full = [task('10'), task('9'), task('8')];
    expect(ids(patchTaskList(full, { limit: 3 }, ['11'], [task('11')]))).toEqual(['11', '10', '9']);
    expect(ids(patchTaskList(full, { limit: 3 }, ['3'], [task('3', 'failed')]))).toEqual(['10', '9', '8']);
    // Not full: an older task the list did not have (a retried one, say) belongs in it.
    expect(ids(patchTaskList(full, { limit: 5 }, ['3'], [task('3', 'failed')]))).toEqual([
      '10',
      '9',
      '8',
      '3',
    ]);
  });

  it('returns the same list when nothing in it changed, so nothing renders again', () => {
    const list = [task('2'), task('1')];
    expect(patchTaskList(list, { state: 'queued' }, ['3'], [task('3', 'failed')])).toBe(list);
  });

  it('ignores rows it did not ask for', () => {
    expect(ids(patchTaskList([task('1')], {}, ['2'], [task('2'), task('3')]))).toEqual(['2', '1']);
  });
});
