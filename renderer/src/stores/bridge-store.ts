import { create } from 'zustand';

/** Whether the page can reach the console process (the web host's WebSocket; always true under Electron). */
interface BridgeState {
  connected: boolean;
  setConnected: (connected: boolean) => void;
}

export const useBridgeStore = create<BridgeState>((set) => ({
  connected: true,
  setConnected: (connected) => set({ connected }),
}));
