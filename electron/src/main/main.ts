import { BrowserWindow, Menu, Tray, app, dialog, ipcMain, nativeImage, safeStorage } from 'electron';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PushContract, PushEvent } from '../common/contract.js';
import { INVOKE } from '../common/contract.js';
import { PUSH_IPC_CHANNEL } from '../common/contract.js';
import { consoleConfigDir } from '../services/clusters/config-dir.js';
import { createConsoleBackend } from '../services/clusters/create-console-backend.js';
import { EncryptedFileVault } from '../services/vault/encrypted-file-vault.js';
import { FileKeyCipher } from '../services/vault/file-key-cipher.js';
import { buildAppMenu } from './app-menu.js';
import { appPaths } from './app-paths.js';
import { registerIpc } from './register-ipc.js';
import { SafeStorageCipher } from './safe-storage-cipher.js';
import { TRAY_ICON_DATA_URL } from './tray-icon.js';

// The Electron shell: window, menu, tray, single instance, IPC. Thin on purpose: everything the
// console does is in services/ (plain Node, tested without Electron) behind the contract's handlers.

if (!app.requestSingleInstanceLock()) {
  app.quit();
  process.exit(0);
}

const args = process.argv.slice(1);
const option = (name: string) => {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : undefined;
};
const paths = appPaths(app.isPackaged, process.resourcesPath);
const configDir = consoleConfigDir();
let window: BrowserWindow | null = null;
let tray: Tray | null = null;

const push = <E extends PushEvent>(event: E, payload: PushContract[E]) =>
  window?.webContents.send(PUSH_IPC_CHANNEL, { event, payload });

function createBackend() {
  // safeStorage needs the app to be ready and, on Linux, a keyring; without one, the web host's file key is used.
  const cipher = safeStorage.isEncryptionAvailable()
    ? new SafeStorageCipher()
    : new FileKeyCipher(path.join(configDir, 'vault.key'));
  return createConsoleBackend({
    configDir,
    vault: new EncryptedFileVault(path.join(configDir, 'vault-app.json'), cipher),
    push,
    transport: 'electron',
    version: app.getVersion(),
    // The server bundles provisioning uploads: shipped in the app's resources, dist-bundles in the repository.
    bundlesDir: app.isPackaged
      ? path.join(process.resourcesPath, 'bundles')
      : fileURLToPath(new URL('../../../dist-bundles', import.meta.url)),
    sandbox: {
      cliPath: paths.serverNodeCli,
      dir: option('--sandbox-dir') ? path.resolve(option('--sandbox-dir')!) : undefined,
      // The app's own binary runs Node scripts with ELECTRON_RUN_AS_NODE: no separate Node.js needed.
      nodeBinary: process.execPath,
      env: { ELECTRON_RUN_AS_NODE: '1' },
    },
  });
}

function createWindow(): BrowserWindow {
  const created = new BrowserWindow({
    width: 1400,
    height: 900,
    minWidth: 1000,
    minHeight: 640,
    title: 'Flotilla Console',
    icon: nativeImage.createFromDataURL(TRAY_ICON_DATA_URL),
    show: false,
    webPreferences: {
      preload: paths.preload,
      contextIsolation: true,
      nodeIntegration: false,
      sandbox: true,
    },
  });
  created.once('ready-to-show', () => created.show());
  // The UI is local files: any navigation elsewhere is refused, links open nowhere.
  created.webContents.on('will-navigate', (event) => event.preventDefault());
  created.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
  void created.loadFile(paths.rendererIndex);
  created.on('closed', () => (window = null));
  return created;
}

function showWindow(): void {
  if (!window) window = createWindow();
  if (window.isMinimized()) window.restore();
  window.show();
  window.focus();
}

await app.whenReady();
const backend = createBackend();
registerIpc(ipcMain, backend.handlers);
const startSandbox = () =>
  void backend.handlers[INVOKE.sandbox.start]().catch((error: Error) =>
    dialog.showErrorBox('The sandbox did not start', error.message),
  );
Menu.setApplicationMenu(
  buildAppMenu({
    startSandbox,
    quit: () => app.quit(),
    about: () =>
      void dialog.showMessageBox({
        title: 'Flotilla Console',
        message: `Flotilla Console ${app.getVersion()}`,
        detail: `Settings and secrets: ${configDir}`,
      }),
  }),
);
tray = new Tray(nativeImage.createFromDataURL(TRAY_ICON_DATA_URL));
tray.setToolTip('Flotilla Console');
tray.on('click', showWindow);
app.on('second-instance', showWindow);
app.on('activate', showWindow);

await backend.start();
window = createWindow();
if (args.includes('--start-sandbox')) startSandbox();

// Quitting stops what the console started (the sandbox's PostgreSQL and nodes) before the app exits.
let stopped = false;
app.on('before-quit', (event) => {
  if (stopped) return;
  event.preventDefault();
  void backend.stop().finally(() => {
    stopped = true;
    tray?.destroy();
    app.quit();
  });
});
app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});
