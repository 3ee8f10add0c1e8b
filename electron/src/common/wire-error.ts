// Errors cross IPC and the WebSocket as plain data and become real Errors again on the other side,
// so the UI can show `error.message` and branch on `error.name` whatever the transport.

export interface WireError {
  name: string;
  message: string;
}

export function toWireError(error: unknown): WireError {
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: 'Error', message: String(error) };
}

export function fromWireError(wire: WireError): Error {
  const error = new Error(wire.message);
  error.name = wire.name;
  return error;
}

/** What a handler's outcome looks like on the wire. */
export type WireResult = { result: unknown } | { error: WireError };

export async function settle(run: () => Promise<unknown>): Promise<WireResult> {
  try {
    return { result: await run() };
  } catch (error) {
    return { error: toWireError(error) };
  }
}

export function unwrap(outcome: WireResult): unknown {
  if ('error' in outcome) throw fromWireError(outcome.error);
  return outcome.result;
}
