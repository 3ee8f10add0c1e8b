// The path of the event stream (server-node/src/http/routes/event-routes.ts).

/** GET → Server-Sent Events, one EventDto per message (its `seq` is the SSE id); resumable with Last-Event-ID. */
export const EVENTS_PATH = '/api/events';
