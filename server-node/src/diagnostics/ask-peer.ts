/** How long a peer may take to answer before the caller reports it unreachable. */
const PEER_TIMEOUT_MS = 3000;

/**
 * One request to another node of the cluster at its registered URL, with the original caller's
 * credentials (the peer checks them against the same database). Never throws: a peer that does not
 * answer, or answers with an error, comes back as the reason.
 */
export async function askPeer<T>(
  url: string,
  path: string,
  credentials: Record<string, string>,
  read: (response: Response) => Promise<T> = (response) => response.json() as Promise<T>,
): Promise<{ body: T; error: null } | { body: null; error: string }> {
  try {
    const response = await fetch(`${url}${path}`, {
      headers: credentials,
      signal: AbortSignal.timeout(PEER_TIMEOUT_MS),
    });
    if (!response.ok) {
      const text = await response.text();
      let said = text.slice(0, 300);
      try {
        said = (JSON.parse(text) as { error?: string }).error ?? said;
      } catch {
        // Not the API's JSON error: its first words as they are.
      }
      return { body: null, error: `HTTP ${response.status}: ${said}` };
    }
    return { body: await read(response), error: null };
  } catch (error) {
    return { body: null, error: describe(error) };
  }
}

/** The system's code for a failed connection (ECONNREFUSED…), else the message. */
function describe(error: unknown): string {
  return (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
}

/**
 * A streaming request to another node (a log being followed), with the caller's credentials; the
 * response as it comes, or the reason there is none. `signal` ends it.
 */
export async function streamFromPeer(
  url: string,
  path: string,
  credentials: Record<string, string>,
  signal: AbortSignal,
): Promise<{ response: Response; error: null } | { response: null; error: string }> {
  // The timeout bounds the wait for the answer's headers only: the body may stream for as long as it follows.
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error('no answer within 3 s')), PEER_TIMEOUT_MS);
  signal.addEventListener('abort', () => controller.abort(), { once: true });
  try {
    const response = await fetch(`${url}${path}`, { headers: credentials, signal: controller.signal });
    return { response, error: null };
  } catch (error) {
    return { response: null, error: describe(error) };
  } finally {
    clearTimeout(timer);
  }
}
