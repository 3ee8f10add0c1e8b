import os from 'node:os';
import path from 'node:path';

/**
 * Where the console keeps its settings: FLOTILLA_CONSOLE_HOME when set (tests, portable installs),
 * else the platform's per-user config folder, as admins expect to find it.
 */
export function consoleConfigDir(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  if (env.FLOTILLA_CONSOLE_HOME) return path.resolve(env.FLOTILLA_CONSOLE_HOME);
  const home = os.homedir();
  if (platform === 'win32')
    return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'Flotilla Console');
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'Flotilla Console');
  return path.join(env.XDG_CONFIG_HOME ?? path.join(home, '.config'), 'flotilla-console');
}
