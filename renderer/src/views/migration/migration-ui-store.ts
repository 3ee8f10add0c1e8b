import type { MigrationWizardStep } from '@flotilla/electron/common/contract';
import { create } from 'zustand';

interface MigrationUiState {
  /** The step the admin opened; null follows where the migration stands. */
  shown: MigrationWizardStep | null;
  /** The step whose commands the dialog shows; null when it is closed. */
  commandsOf: MigrationWizardStep | null;
  /** The banner's "Roll back" opens the wizard with the rollback dialog. */
  rollbackOpen: boolean;
  /** The step that ran last: once it ends the wizard shows its outcome until the admin goes on. */
  lastRun: MigrationWizardStep | null;
  show: (step: MigrationWizardStep | null) => void;
  ranStep: (step: MigrationWizardStep) => void;
  showCommands: (step: MigrationWizardStep | null) => void;
  setRollbackOpen: (open: boolean) => void;
}

/** UI state of the migration wizard only; the migration itself lives in react-query. */
export const useMigrationUi = create<MigrationUiState>((set) => ({
  shown: null,
  commandsOf: null,
  rollbackOpen: false,
  lastRun: null,
  show: (shown) => set({ shown }),
  ranStep: (lastRun) => set({ lastRun, shown: null }),
  showCommands: (commandsOf) => set({ commandsOf }),
  setRollbackOpen: (rollbackOpen) => set({ rollbackOpen }),
}));
