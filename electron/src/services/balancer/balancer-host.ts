/** What a command on the balancer host returned; a non-zero exit is a result, not an error. */
export interface HostCommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * How the console reaches the machine HAProxy runs on: this machine (`LocalBalancerHost`) or a remote
 * one over the SSH layer (`SshBalancerHost`). HAProxy control needs only these operations.
 */
export interface BalancerHost {
  /** "this machine" or `user@host:port`, for messages. */
  readonly description: string;
  /** One exchange on a unix socket (Runtime API, master CLI): sends a line, returns all it answers. */
  askSocket(socketPath: string, line: string): Promise<string>;
  /** Runs a program with arguments (no shell interpretation of them). */
  run(argv: readonly string[]): Promise<HostCommandResult>;
  readFile(file: string): Promise<string>;
  writeFile(file: string, text: string): Promise<void>;
  /** Replaces `to` with `from` in one step (same folder), so HAProxy never reads a half-written file. */
  rename(from: string, to: string): Promise<void>;
  removeFile(file: string): Promise<void>;
}

export class BalancerHostError extends Error {
  override name = 'BalancerHostError';
}
