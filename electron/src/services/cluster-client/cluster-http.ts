import { ClusterRequestError, ClusterUnreachableError } from './cluster-request-error.js';

export interface ClusterHttpOptions {
  balancerUrl: string;
  apiKey: string;
  /** Nodes to try when the balancer does not answer. */
  nodeUrls?: string[];
  timeoutMs?: number;
  /** How long an endpoint that refused a connection is skipped. */
  downForMs?: number;
}

const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE']);

/**
 * REST to a cluster: through its balancer, and straight to a node when the balancer is down, so the
 * admin keeps control of the cluster while fixing the balancer. A request that may have reached a
 * node is only repeated if repeating it changes nothing.
 */
export class ClusterHttp {
  readonly balancerUrl: string;
  private readonly apiKey: string;
  private nodeUrls: string[];
  private readonly timeoutMs: number;
  private readonly downForMs: number;
  private readonly downUntil = new Map<string, number>();

  constructor(options: ClusterHttpOptions) {
    this.balancerUrl = options.balancerUrl;
    this.apiKey = options.apiKey;
    this.nodeUrls = options.nodeUrls ?? [];
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.downForMs = options.downForMs ?? 3000;
  }

  setNodeUrls(urls: string[]): void {
    this.nodeUrls = urls;
  }

  /** The balancer first, then every node; those that just failed go last. */
  endpoints(now = Date.now()): string[] {
    const all = [...new Set([this.balancerUrl, ...this.nodeUrls])];
    const up = all.filter((url) => (this.downUntil.get(url) ?? 0) <= now);
    return [...up, ...all.filter((url) => !up.includes(url))];
  }

  markDown(url: string): void {
    this.downUntil.set(url, Date.now() + this.downForMs);
  }

  async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await this.send(method, path, body);
    if (response.status === 204) return null as T;
    return (await response.json()) as T;
  }

  /** A binary answer (a zip), whole. */
  async bytes(method: string, path: string, body?: unknown): Promise<Buffer> {
    return Buffer.from(await (await this.send(method, path, body)).arrayBuffer());
  }

  async text(path: string): Promise<string> {
    return (await this.send('GET', path)).text();
  }

  /** Opens a long-lived response (SSE, log follow) on the first endpoint that answers. */
  async stream(
    path: string,
    headers: Record<string, string>,
    signal: AbortSignal,
  ): Promise<{ response: Response; url: string }> {
    return this.tryEndpoints('GET', async (url) => {
      const response = await fetch(url + path, { headers: { ...this.authHeaders(), ...headers }, signal });
      return { response: await checked(response, url), url };
    });
  }

  private send(method: string, path: string, body?: unknown): Promise<Response> {
    return this.tryEndpoints(method, async (url) => {
      const response = await fetch(url + path, {
        method,
        headers: {
          ...this.authHeaders(),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      return checked(response, url);
    });
  }

  private async tryEndpoints<T>(method: string, attempt: (url: string) => Promise<T>): Promise<T> {
    const failures: string[] = [];
    for (const url of this.endpoints()) {
      try {
        return await attempt(url);
      } catch (error) {
        if (error instanceof ClusterRequestError) throw error;
        if (isAbort(error) && !isTimeout(error)) throw error;
        const reason = describeNetworkError(error);
        failures.push(`${url}: ${reason}`);
        this.markDown(url);
        // The request may have reached a node before the connection broke: only repeat it when that is safe.
        if (!IDEMPOTENT.has(method) && !neverConnected(error)) {
          throw new ClusterUnreachableError(
            `The connection to ${url} broke before it answered (${reason}). The change may have been applied: check, then retry.`,
          );
        }
      }
    }
    throw new ClusterUnreachableError(
      `No endpoint of the cluster answered. Check that the balancer or a node is running and reachable.\n${failures.join('\n')}`,
    );
  }

  authHeaders(): Record<string, string> {
    return {
      authorization: `Bearer ${this.apiKey}`,
      accept: 'application/json, text/event-stream, text/plain',
    };
  }
}

async function checked(response: Response, url: string): Promise<Response> {
  if (response.ok) return response;
  const text = await response.text().catch(() => '');
  let message = text;
  try {
    message = (JSON.parse(text) as { error?: string }).error ?? text;
  } catch {
    // Not JSON (a proxy's HTML page): the text itself says the most.
  }
  if (response.status === 401) {
    message = `The cluster at ${url} rejected the API key (${message || '401'}). Use an administrator API key of this cluster.`;
  }
  throw new ClusterRequestError(response.status, message || `${url} answered ${response.status}.`);
}

function errorCode(error: unknown): string {
  const cause = (error as { cause?: { code?: string } }).cause;
  return cause?.code ?? (error as { code?: string }).code ?? '';
}

function neverConnected(error: unknown): boolean {
  return ['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN'].includes(errorCode(error));
}

function isAbort(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError');
}

function isTimeout(error: unknown): boolean {
  return error instanceof Error && error.name === 'TimeoutError';
}

function describeNetworkError(error: unknown): string {
  if (isTimeout(error)) return 'no answer in time';
  const code = errorCode(error);
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ENOTFOUND') return 'host not found';
  return code || (error instanceof Error ? error.message : String(error));
}
