import type { TaskFilterDto } from '@flotilla/electron/common/contract';
import { create } from 'zustand';

/** The tasks view's filter and the task open in the detail panel. */
interface TaskViewState {
  filter: TaskFilterDto;
  openTaskId: string | null;
  setFilter: (filter: TaskFilterDto) => void;
  open: (id: string | null) => void;
}

export const useTaskViewStore = create<TaskViewState>((set) => ({
  filter: {},
  openTaskId: null,
  setFilter: (filter) => set({ filter }),
  open: (openTaskId) => set({ openTaskId }),
}));
