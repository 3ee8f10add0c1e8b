/** What a command on the source host returned; a non-zero exit is a result, not an error. */
export interface HostExec {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** One `flotilla-node …` command to run on the source host. */
export interface EngineCommand {
  /** The CLI's arguments, e.g. ['migrate', 'precopy', '--home', H, '--json']. */
  args: string[];
  /** Plain settings for its environment (FLOTILLA_ACTOR). */
  env?: Record<string, string>;
  /**
   * Secrets for its environment (FLOTILLA_TARGET_DB_URL): never on a command line. Locally they go in
   * the child's environment; over SSH they travel on stdin and the remote shell reads them.
   */
  secrets?: Record<string, string>;
  onStdout: (chunk: Buffer) => void;
}

export interface EngineExit {
  code: number | null;
  signal: string | null;
  /** The end of what it wrote to stderr (a crash's stack, a refusal), for the error shown. */
  stderr: string;
}

/**
 * The machine the standalone runs on, as the migration drives it: this machine (child processes) or a
 * host of the Hosts view (over the one SSH layer). Everything the wizard does there goes through this.
 */
export interface EngineHost {
  /** "this machine" or `user@host:port`. */
  readonly where: string;
  /** How the CLI is started there, as an admin would type it (before its arguments). */
  readonly cli: readonly string[];
  /** Runs the CLI with `command.args` to its end. */
  run(command: EngineCommand): Promise<EngineExit>;
  /** Runs a POSIX shell script there (sizes, the node's config, starting the built-in balancer). */
  shell(script: string, stdin?: string): Promise<HostExec>;
  /** Lets go of the host (an SSH connection). */
  close(): Promise<void>;
}

/** Keeps the last `max` characters of a stream's text. */
export function tailCollector(max = 4000): { add: (chunk: Buffer) => void; text: () => string } {
  let text = '';
  return {
    add: (chunk) => {
      text = (text + chunk.toString('utf8')).slice(-max);
    },
    text: () => text.trim(),
  };
}
