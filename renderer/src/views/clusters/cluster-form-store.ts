import { create } from 'zustand';

/** Whether the add/edit cluster dialog is open, and for which saved cluster (null: a new one). */
interface ClusterFormState {
  open: boolean;
  editingId: string | null;
  openNew: () => void;
  openEdit: (id: string) => void;
  close: () => void;
}

export const useClusterFormStore = create<ClusterFormState>((set) => ({
  open: false,
  editingId: null,
  openNew: () => set({ open: true, editingId: null }),
  openEdit: (editingId) => set({ open: true, editingId }),
  close: () => set({ open: false, editingId: null }),
}));
