import { create } from 'zustand';

/**
 * How many tasks each node was running when the admin drained it, so "waiting until empty" can show
 * progress (the cluster knows only how many are left).
 */
interface DrainState {
  startedWith: Record<string, number>;
  record: (name: string, running: number) => void;
}

export const useDrainStore = create<DrainState>((set) => ({
  startedWith: {},
  record: (name, running) => set(({ startedWith }) => ({ startedWith: { ...startedWith, [name]: running } })),
}));
