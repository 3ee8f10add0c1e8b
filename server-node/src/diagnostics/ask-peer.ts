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
): Promise<{ body: T; error: null } | { body: null; error: string }> {
  try {
    const response = await fetch(`${url}${path}`, {
      headers: credentials,
      signal: AbortSignal.timeout(PEER_TIMEOUT_MS),
    });
    if (!response.ok) {
      const text = await response.text();
      return { body: null, error: `HTTP ${response.status}: ${text.slice(0, 200)}` };
    }
    return { body: (await response.json()) as T, error: null };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    return { body: null, error: cause ?? (error as Error).message };
  }
}
