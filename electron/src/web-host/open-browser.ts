import { spawn } from 'node:child_process';

/** Opens the URL in the user's browser; false when there is no way to (a server without a desktop). */
export function openBrowser(url: string, platform = process.platform): Promise<boolean> {
  const [command, args] =
    platform === 'win32'
      ? ['cmd', ['/c', 'start', '""', url]]
      : platform === 'darwin'
        ? ['open', [url]]
        : ['xdg-open', [url]];
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: 'ignore', detached: true });
    child.once('error', () => resolve(false));
    child.once('spawn', () => {
      child.unref();
      resolve(true);
    });
  });
}
