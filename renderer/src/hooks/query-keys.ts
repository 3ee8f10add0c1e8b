import type { MigrationWizardStep, TaskFilterDto } from '@flotilla/electron/common/contract';

// Every query key in one place, built from every input, so a push event can
// patch or invalidate exactly what it changes.
export const queryKeys = {
  clusters: () => ['clusters'] as const,
  sandbox: () => ['sandbox'] as const,
  cluster: (clusterId: string) => ['cluster', clusterId] as const,
  snapshot: (clusterId: string) => ['cluster', clusterId, 'snapshot'] as const,
  diagnostics: (clusterId: string) => ['cluster', clusterId, 'diagnostics'] as const,
  history: (clusterId: string) => ['cluster', clusterId, 'history'] as const,
  events: (clusterId: string) => ['cluster', clusterId, 'events'] as const,
  nodeLog: (clusterId: string, name: string) => ['cluster', clusterId, 'nodes', 'log', name] as const,
  tasks: (clusterId: string) => ['cluster', clusterId, 'tasks'] as const,
  taskList: (clusterId: string, filter: TaskFilterDto) =>
    ['cluster', clusterId, 'tasks', 'list', filter] as const,
  task: (clusterId: string, id: string) => ['cluster', clusterId, 'tasks', 'detail', id] as const,
  taskLog: (clusterId: string, id: string) => ['cluster', clusterId, 'tasks', 'log', id] as const,
  hosts: (clusterId: string) => ['cluster', clusterId, 'hosts'] as const,
  hostActions: (clusterId: string) => ['cluster', clusterId, 'hosts', 'actions'] as const,
  provisioningSettings: (clusterId: string) => ['cluster', clusterId, 'hosts', 'settings'] as const,
  directorySettings: (clusterId: string) => ['cluster', clusterId, 'directory'] as const,
  migration: (clusterId: string) => ['cluster', clusterId, 'migration'] as const,
  migrationCommands: (clusterId: string, step: MigrationWizardStep) =>
    ['cluster', clusterId, 'migration', 'commands', step] as const,
};
