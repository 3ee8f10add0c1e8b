// One linter for the whole repository: typed rules so floating promises and type-only imports are caught.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/dist-test-types/**',
      '**/node_modules/**',
      'scripts/**',
      '.sandbox/**',
      'electron/build/**',
      'electron/dist-installers/**',
      'e2e/test-results/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['vitest.config.ts'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
    },
  },
  { files: ['**/*.js', '**/*.mjs'], ...tseslint.configs.disableTypeChecked },
  // The boundaries of DESIGN.md ("Layout"), kept by the linter rather than remembered.
  ...boundaries([
    {
      files: ['server-node/**/*.ts'],
      forbid: ['electron', '@flotilla/electron', '@flotilla/renderer', '@flotilla/e2e'],
      why: 'server-node imports neither the console nor its UI; the console imports server-node/api.',
    },
    {
      files: [
        'electron/src/services/**/*.ts',
        'electron/src/common/**/*.ts',
        'electron/src/web-host/**/*.ts',
      ],
      forbid: ['electron', '@flotilla/renderer', '@flotilla/e2e'],
      why: 'The console services, the common contract and the web host run under plain Node: only src/main and src/preload may import electron.',
    },
    {
      files: ['renderer/src/**/*.ts', 'renderer/src/**/*.tsx'],
      forbid: ['electron', '@flotilla/server-node', '@flotilla/e2e', 'node:*'],
      allowElectronCommonOnly: true,
      why: 'The renderer talks to the console only through @flotilla/electron/common/* (the contract).',
    },
    {
      files: ['electron/src/main/**/*.ts', 'electron/src/preload/**/*.ts', 'electron/src/bench/**/*.ts'],
      forbid: ['@flotilla/renderer', '@flotilla/e2e'],
      why: 'The console process loads the UI from disk; it never imports it.',
    },
    {
      files: ['e2e/**/*.ts'],
      forbid: [],
      why: 'e2e drives the console through the browser and uses the other workspaces through their packages.',
    },
  ]),
);

/**
 * One `no-restricted-imports` rule per zone: the packages it may not import, and no relative path
 * that climbs out of its workspace (import another workspace through its package entry instead).
 */
function boundaries(zones) {
  const outOfWorkspace = {
    regex: '^(\\.\\./)+(server-node|electron|renderer|e2e)/',
    message:
      'No relative path into another workspace: import it through its package (e.g. @flotilla/server-node/api).',
  };
  return zones.map(({ files, forbid, allowElectronCommonOnly, why }) => ({
    files,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            outOfWorkspace,
            ...forbid.map((name) => ({
              // A package and its subpaths (`node:*`: every built-in), matched exactly, not as path segments.
              regex: name.endsWith('*') ? `^${name.slice(0, -1)}` : `^${name.replaceAll('/', '\\/')}(/|$)`,
              message: why,
            })),
            ...(allowElectronCommonOnly ? [{ regex: '^@flotilla/electron(?!/common/)', message: why }] : []),
          ],
        },
      ],
    },
  }));
}
