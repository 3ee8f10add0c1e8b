import { readFileSync } from 'node:fs';

// The node reports the version of its own package (server-node/package.json, one level above dist/ and src/).
const packageJson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

export const VERSION = packageJson.version;
