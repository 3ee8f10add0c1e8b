import { create } from 'zustand';

export type ViewId =
  'overview' | 'nodes' | 'tasks' | 'balancer' | 'diagnostics' | 'hosts' | 'migration' | 'clusters';

interface NavState {
  view: ViewId;
  go: (view: ViewId) => void;
}

export const useNavStore = create<NavState>((set) => ({ view: 'overview', go: (view) => set({ view }) }));
