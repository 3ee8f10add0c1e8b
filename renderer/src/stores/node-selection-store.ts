import { create } from 'zustand';

/** The nodes ticked in the nodes table, for bulk actions. */
interface NodeSelectionState {
  selected: ReadonlySet<string>;
  toggle: (name: string) => void;
  setAll: (names: string[]) => void;
  clear: () => void;
}

export const useNodeSelectionStore = create<NodeSelectionState>((set) => ({
  selected: new Set(),
  toggle: (name) =>
    set(({ selected }) => {
      const next = new Set(selected);
      if (next.has(name)) next.delete(name);
      else next.add(name);
      return { selected: next };
    }),
  setAll: (names) => set({ selected: new Set(names) }),
  clear: () => set({ selected: new Set() }),
}));
