import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { findFreePort } from '@flotilla/server-node/net/free-port';
import { HaproxyBalancer, HaproxyConfigInvalidError } from './haproxy-balancer.js';
import { readHaproxyTemplate, renderHaproxyConfig, type HaproxyConfigInput } from './haproxy-config.js';
import type { BalancerMember } from './balancer-member.js';
import { LocalBalancerHost } from './local-balancer-host.js';

export interface LocalHaproxyOptions {
  /** Holds haproxy.cfg, the sockets and the state file; must exist or be creatable. */
  dir: string;
  servers: readonly BalancerMember[];
  cluster?: string;
  /** Default: a free port on 127.0.0.1. */
  listen?: { host: string; port: number };
  /** The read-only statistics page; default none. */
  stats?: { host: string; port: number };
  haproxyBinary?: string;
}

/**
 * HAProxy for a cluster on this machine, in the foreground under master-worker mode (`-W -db -S`) so it
 * reloads like a systemd-run HAProxy does. For tests, benchmarks and single-host installs; `stop()`
 * ends it by PID.
 */
export class LocalHaproxy {
  private output = '';

  private constructor(
    readonly url: string,
    readonly configFile: string,
    readonly balancer: HaproxyBalancer,
    private readonly child: ChildProcess,
  ) {
    const keep = (chunk: Buffer) => (this.output = (this.output + chunk.toString()).slice(-20_000));
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
  }

  static async start(options: LocalHaproxyOptions): Promise<LocalHaproxy> {
    await mkdir(options.dir, { recursive: true });
    const listen = options.listen ?? { host: '127.0.0.1', port: await findFreePort(0, '127.0.0.1') };
    const file = (name: string) => path.join(options.dir, name);
    const input: HaproxyConfigInput = {
      cluster: options.cluster ?? 'local',
      listen,
      servers: options.servers,
      runtimeSocket: file('runtime.sock'),
      stateFile: file('server-state'),
      stats: options.stats ?? null,
    };
    const balancer = new HaproxyBalancer({
      host: new LocalBalancerHost(),
      configFile: file('haproxy.cfg'),
      runtimeSocket: input.runtimeSocket,
      masterSocket: file('master.sock'),
      stateFile: input.stateFile,
      ...(options.haproxyBinary ? { haproxyBinary: options.haproxyBinary } : {}),
    });
    const config = renderHaproxyConfig(input, await readHaproxyTemplate());
    // "1" is the version line of an empty server state file; a missing one makes haproxy -c warn.
    await writeFile(input.stateFile, '1\n');
    const validation = await balancer.validate(config);
    if (!validation.valid) throw new HaproxyConfigInvalidError('this machine', validation.output);
    await writeFile(file('haproxy.cfg'), config);
    const child = spawn(
      options.haproxyBinary ?? 'haproxy',
      ['-W', '-db', '-f', file('haproxy.cfg'), '-S', file('master.sock')],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const host = listen.host.includes(':') ? `[${listen.host}]` : listen.host;
    const haproxy = new LocalHaproxy(`http://${host}:${listen.port}`, file('haproxy.cfg'), balancer, child);
    await haproxy.ready().catch(async (error: unknown) => {
      await haproxy.stop();
      throw error;
    });
    return haproxy;
  }

  /** The master's PID. */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** HAProxy's recent output (-db logs to stderr), for failure messages. */
  log(): string {
    return this.output;
  }

  /** Hard-stops HAProxy (SIGTERM to the master, which stops its workers), SIGKILL after 5 s. */
  async stop(): Promise<void> {
    const { child } = this;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }

  private async answers(): Promise<boolean> {
    const { workers } = await this.balancer.master.processes();
    return workers.length > 0 && (await this.balancer.runtime.command('show info')).includes('Pid:');
  }

  /** Ready once the master lists a worker and the worker's Runtime API answers. */
  private async ready(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        throw new Error(
          `haproxy exited at start (${this.child.exitCode ?? this.child.signalCode}):\n${this.output}`,
        );
      }
      const up = await this.answers().catch(() => false);
      if (up) return;
      if (Date.now() > deadline)
        throw new Error(`haproxy did not start within ${timeoutMs} ms:\n${this.output}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
