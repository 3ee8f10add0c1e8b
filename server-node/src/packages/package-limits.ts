import { Transform } from 'node:stream';
import type { ClusterSettings } from '../api/index.js';
import { PackageRejected } from './package-rejected.js';

/**
 * How far a package may expand: a small archive can hold terabytes of zeros or millions of empty
 * files (a zip bomb), which would fill the target's disk or the node's time. Cluster settings
 * (`packageMaxBytes`, `packageMaxEntries`), applied at upload and again at every extraction.
 */
export interface PackageLimits {
  maxBytes: number;
  maxEntries: number;
}

export function packageLimits(settings: ClusterSettings): PackageLimits {
  return { maxBytes: settings.packageMaxBytes, maxEntries: settings.packageMaxEntries };
}

function sized(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1 && value % 1024 === 0) {
    value /= 1024;
    unit++;
  }
  return `${value} ${units[unit]}`;
}

/** How an administrator raises a setting: the cluster row holds them all (server-node README, "Settings"). */
function raise(setting: string, value: number): string {
  return (
    `If the package is meant to be this large, an administrator can raise it for the cluster: ` +
    `update cluster set settings = settings || '{"${setting}": ${value * 2}}'`
  );
}

/**
 * Counts what an archive expands to, entry by entry: the sizes the archive declares are checked
 * before any data is read, and the data itself is counted as it streams, so an archive that lies
 * about its sizes is stopped at the limit too.
 */
export class ExpansionBudget {
  private entries = 0;
  private declared = 0;
  private streamed = 0;

  constructor(private readonly limits: PackageLimits) {}

  tooLarge(): PackageRejected {
    const { maxBytes } = this.limits;
    return new PackageRejected(
      `the archive expands to more than ${sized(maxBytes)}, the cluster's limit for a package ` +
        `(setting packageMaxBytes = ${maxBytes}). ${raise('packageMaxBytes', maxBytes)}`,
    );
  }

  tooManyEntries(): PackageRejected {
    const { maxEntries } = this.limits;
    return new PackageRejected(
      `the archive holds more than ${maxEntries} entries, the cluster's limit for a package ` +
        `(setting packageMaxEntries = ${maxEntries}). ${raise('packageMaxEntries', maxEntries)}`,
    );
  }

  /** The archive says it holds this many entries in all (zip's directory). */
  expectEntries(count: number): void {
    if (count > this.limits.maxEntries) throw this.tooManyEntries();
  }

  /** One more entry, of the size its header declares. */
  addEntry(declaredBytes: number): void {
    this.entries++;
    if (this.entries > this.limits.maxEntries) throw this.tooManyEntries();
    this.declared += declaredBytes;
    if (this.declared > this.limits.maxBytes) throw this.tooLarge();
  }

  /** Passes an entry's data through, failing the stream once all data together passes the limit. */
  meter(): Transform {
    return new Transform({
      transform: (chunk: Buffer, _encoding, callback) => {
        this.streamed += chunk.length;
        callback(this.streamed > this.limits.maxBytes ? this.tooLarge() : null, chunk);
      },
    });
  }

  /**
   * Passes the whole uncompressed archive through (a tar stream), allowing its headers and padding on
   * top of the data: it stops what never reaches an entry, such as gigabytes of empty blocks.
   */
  meterArchive(): Transform {
    const allowed = this.limits.maxBytes + (this.limits.maxEntries + 1) * 4096 + 1024 * 1024;
    let seen = 0;
    return new Transform({
      transform: (chunk: Buffer, _encoding, callback) => {
        seen += chunk.length;
        callback(seen > allowed ? this.tooLarge() : null, chunk);
      },
    });
  }
}
