import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * Streams text as it is produced (a log being followed) outside fastify's reply: `produce` gets a
 * signal that aborts when the client goes away, and each chunk it yields is written at once; a source
 * that fails midway ends the text.
 */
export async function streamText(
  request: FastifyRequest,
  reply: FastifyReply,
  node: string,
  produce: (signal: AbortSignal) => AsyncIterable<Uint8Array>,
): Promise<void> {
  const controller = new AbortController();
  request.raw.on('close', () => controller.abort());
  reply.hijack();
  reply.raw.writeHead(200, {
    'content-type': 'text/plain; charset=utf-8',
    'cache-control': 'no-cache',
    'x-flotilla-node': node,
  });
  try {
    for await (const chunk of produce(controller.signal)) reply.raw.write(chunk);
  } catch (error) {
    // The headers are gone: a source that fails (a peer that stopped) just ends the text.
    request.log.warn({ err: (error as Error).message }, 'a streamed text ended early');
  } finally {
    reply.raw.end();
  }
}
