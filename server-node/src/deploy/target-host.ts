import type { Readable } from 'node:stream';
import type { OutputStream } from '../variables/masking-log.js';
import type { ScriptSpec } from './wrap-script.js';

/** Receives a script's output as it arrives, saying which stream each chunk came from. */
export type ScriptOutput = (chunk: Buffer, stream: OutputStream) => void;

/**
 * Where a step runs: the node itself or an SSH target. The deploy steps are written once against
 * this; the two implementations differ only in how bytes and commands get there.
 */
export interface TargetHost {
  /** The target's name in logs and step records. */
  readonly name: string;
  /** Runs a script (see `wrapScript`); resolves with its exit code. Output goes to `output` as it arrives. */
  runScript(spec: ScriptSpec, output: ScriptOutput, signal: AbortSignal): Promise<number>;
  /** Makes `dir` exist and be empty (a step that runs again starts from scratch). */
  emptyDir(dir: string, signal: AbortSignal): Promise<void>;
  mkdir(dir: string): Promise<void>;
  writeFile(file: string, content: Readable, mode: number): Promise<void>;
  /** Points `<dir>/current` at `<dir>/<version>` atomically (a new link renamed over the old one). */
  switchCurrent(dir: string, version: string, signal: AbortSignal): Promise<void>;
  close(): void;
}
