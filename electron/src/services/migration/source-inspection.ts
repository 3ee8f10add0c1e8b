import { shellQuote as q } from '@flotilla/server-node/shell/shell-quote';
import { UserError } from '../../common/user-error.js';
import type { EngineHost } from './engine-host.js';

/** What the console reads from the standalone's flotilla.json (the master key stays in memory). */
export interface SourceConfig {
  name: string;
  publicUrl: string;
  masterKey: string;
  /** The embedded database's folder; null when neither the config nor its pre-migration copy has one. */
  dataDir: string | null;
}

interface RawConfig {
  name?: unknown;
  publicUrl?: unknown;
  masterKey?: unknown;
  embedded?: { dataDir?: unknown };
}

const SEPARATOR = '--- flotilla.json.pre-migration ---';

/**
 * The standalone's own config: flotilla.json, or after the switch the copy the engine kept beside it
 * (flotilla.json.pre-migration), which still names the embedded database.
 */
export async function readSourceConfig(host: EngineHost, home: string): Promise<SourceConfig> {
  const file = `${home}/flotilla.json`;
  const result = await host.shell(
    `cat ${q(file)} && echo ${q(SEPARATOR)} && cat ${q(`${file}.pre-migration`)} 2>/dev/null; true`,
  );
  const [current = '', backup = ''] = result.stdout.split(SEPARATOR);
  const parse = (text: string): RawConfig | null => {
    try {
      return JSON.parse(text) as RawConfig;
    } catch {
      return null;
    }
  };
  const now = parse(current);
  if (!now || typeof now.masterKey !== 'string' || typeof now.name !== 'string')
    throw new UserError(
      `${file} on ${host.where} cannot be read as a node's config${result.stderr.trim() ? ` (${result.stderr.trim()})` : ''}: is ${home} the standalone node's home?`,
    );
  const before = parse(backup);
  const embedded = now.embedded ?? before?.embedded;
  return {
    name: now.name,
    publicUrl: typeof now.publicUrl === 'string' ? now.publicUrl : '',
    masterKey: now.masterKey,
    dataDir: typeof embedded?.dataDir === 'string' ? embedded.dataDir : null,
  };
}

/** Sizes in bytes of folders on the host (`du -sk`), null for one that cannot be measured. */
export async function folderSizes(host: EngineHost, folders: string[]): Promise<(number | null)[]> {
  const result = await host.shell(
    folders.map((folder) => `du -sk ${q(folder)} 2>/dev/null || echo -`).join('; '),
  );
  const lines = result.stdout.trim().split('\n');
  return folders.map((_folder, i) => {
    const kib = Number(lines[i]?.split(/\s+/, 1)[0]);
    return Number.isFinite(kib) ? kib * 1024 : null;
  });
}
