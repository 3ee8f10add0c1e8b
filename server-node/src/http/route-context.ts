import type { DomainContext } from '../domain/domain-context.js';
import type { NodeRuntime } from '../node/node-runtime.js';

/** What every route handler may use. Its own file, so the routes need not import the server that registers them. */
export interface RouteContext {
  runtime: NodeRuntime;
  domain: DomainContext;
}
