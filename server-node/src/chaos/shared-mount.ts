import { execFile } from 'node:child_process';
import { mkdir, rm, statfs, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Cleanup } from '../bench/util.js';

const run = promisify(execFile);

/** A node's view of the mounts: its process id (nodes run in mount namespaces of their own). */
export type NodeView = { pid: number };

/**
 * The cluster's shared folder as a real filesystem the suite can break without touching anything it did
 * not create: a small tmpfs (`store`) bind-mounted at `shared`, the path the cluster knows. Each node runs
 * in a mount namespace of its own (`unshare --mount --propagation private`), so a fault made inside one
 * node's namespace (nsenter) breaks that node's view only, as an NFS mount going bad on one host does;
 * the data (the tmpfs) stays shared, so filling it fills it for everyone.
 * Needs root (CI runs as root). Everything mounted here is unmounted by the cleanup, also after a failure.
 */
export class SharedMount {
  private constructor(
    readonly store: string,
    readonly shared: string,
  ) {}

  static async create(dir: string, sizeBytes: number, cleanup: Cleanup): Promise<SharedMount> {
    const mount = new SharedMount(path.join(dir, 'store'), path.join(dir, 'shared'));
    await mkdir(mount.store, { recursive: true });
    await mkdir(mount.shared, { recursive: true });
    await run('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes},mode=0755`, 'chaos-store', mount.store]);
    cleanup.add(`unmount ${mount.store}`, () => unmount(mount.store));
    await run('mount', ['--bind', mount.store, mount.shared]);
    cleanup.add(`unmount ${mount.shared}`, () => unmount(mount.shared));
    return mount;
  }

  /**
   * The node's view turns read-only. A remount would fail while the node has a log open for writing
   * (EBUSY), so the writable mount is detached (files already open keep writing to it, as they would on
   * a share that refuses new writes) and a read-only bind takes its place.
   */
  async makeReadOnly(view: NodeView): Promise<void> {
    await this.inView(view, 'umount', ['-l', this.shared]);
    await this.inView(view, 'mount', ['--bind', '-o', 'ro', this.store, this.shared]);
  }

  /** The share disappears from the node's view: what it sees at the path is the empty folder beneath. */
  async remove(view: NodeView): Promise<void> {
    await this.inView(view, 'umount', ['-l', this.shared]);
  }

  /** The share is back, writable, in the node's view (after makeReadOnly or remove). */
  async restore(view: NodeView): Promise<void> {
    await this.inView(view, 'sh', ['-c', 'mountpoint -q "$1" && umount -l "$1"; exit 0', 'sh', this.shared]);
    await this.inView(view, 'mount', ['--bind', this.store, this.shared]);
  }

  /** Fills the filesystem to the last byte, for every node. Returns what `free()` removes. */
  async fill(): Promise<void> {
    const { bavail, bsize } = await statfs(this.store);
    await writeFile(this.fillerPath(), Buffer.alloc(bavail * bsize)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOSPC') throw error;
    });
  }

  async free(): Promise<void> {
    await rm(this.fillerPath(), { force: true });
  }

  async freeBytes(): Promise<number> {
    const { bavail, bsize } = await statfs(this.store);
    return bavail * bsize;
  }

  private fillerPath(): string {
    return path.join(this.store, '.chaos-filler');
  }

  private async inView(view: NodeView, command: string, args: string[]): Promise<void> {
    await run('nsenter', ['--target', String(view.pid), '--mount', '--', command, ...args]);
  }
}

async function unmount(target: string): Promise<void> {
  // A lazy unmount still succeeds when something has a file open there; the tmpfs goes with its last user.
  await run('umount', [target]).catch(() => run('umount', ['-l', target]));
}
