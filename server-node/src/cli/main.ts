#!/usr/bin/env node
import { UserError } from '../user-error.js';
import { balanceCommand } from './commands/balance-command.js';
import { doctorCommand } from './commands/doctor-command.js';
import { initCommand } from './commands/init-command.js';
import { migrateCommand } from './commands/migrate-command.js';
import { nodeCommand } from './commands/node-command.js';
import { pathCommand } from './commands/path-command.js';
import { postgresCommand } from './commands/postgres-command.js';
import { runCommand } from './commands/run-command.js';
import { sandboxCommand } from './commands/sandbox-command.js';
import { supportBundleCommand } from './commands/support-bundle-command.js';

const COMMANDS: Record<string, { run: (argv: string[]) => Promise<number>; summary: string }> = {
  init: { run: initCommand, summary: 'create a node home; the first one creates the cluster' },
  run: { run: runCommand, summary: 'run a node' },
  node: { run: nodeCommand, summary: "change a node's task cap or drain it" },
  path: { run: pathCommand, summary: "set the cluster's shared storage folder" },
  doctor: { run: doctorCommand, summary: 'check what a node needs (database, key, storage, clock)' },
  'support-bundle': {
    run: supportBundleCommand,
    summary: 'a zip for support: cluster check, node logs, configs without secrets, versions',
  },
  sandbox: { run: sandboxCommand, summary: 'a local cluster: embedded PostgreSQL + N nodes + a balancer' },
  balance: { run: balanceCommand, summary: 'the built-in load balancer (sandbox, single host)' },
  migrate: {
    run: migrateCommand,
    summary: 'move a standalone node to an external PostgreSQL and a shared folder',
  },
  postgres: { run: postgresCommand, summary: 'an embedded PostgreSQL on its own (a target to try migrate)' },
};

function help(): string {
  const lines = ['Usage: flotilla-node <command> [options]', '', 'Commands:'];
  for (const [name, command] of Object.entries(COMMANDS))
    lines.push(`  ${name.padEnd(9)} ${command.summary}`);
  lines.push('', "Run 'flotilla-node <command> --help' for a command's options.");
  return lines.join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === 'help') {
    console.log(help());
    return name ? 0 : 1;
  }
  const command = COMMANDS[name];
  if (!command) {
    console.error(`Unknown command '${name}'.\n\n${help()}`);
    return 1;
  }
  return command.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // Everything was closed; anything still holding the loop (a lingering socket) must not keep the CLI alive.
    setTimeout(() => process.exit(code), 2000).unref();
  },
  (error: unknown) => {
    if (error instanceof UserError) {
      console.error(`flotilla-node: ${error.message}`);
    } else {
      console.error(error);
    }
    process.exitCode = 1;
  },
);
