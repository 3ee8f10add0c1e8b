/**
 * At most `size` sign-ins at a time do their database and scrypt work; the rest wait here, in memory.
 * Without it a flood of sign-ins fills the database pool's queue and libuv's four threads (scrypt runs
 * there, beside file I/O), and every other request of the node waits behind it.
 */
export class SignInSlots {
  private free: number;
  private readonly waiting: (() => void)[] = [];

  constructor(size: number) {
    this.free = size;
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await work();
    } finally {
      // The slot passes straight to the next in line, or becomes free.
      const next = this.waiting.shift();
      if (next) next();
      else this.free++;
    }
  }
}
