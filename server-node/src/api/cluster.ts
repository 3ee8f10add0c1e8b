// The cluster route (server-node/src/http/routes/cluster-routes.ts): its path and what it takes.

/** GET → ClusterDto · PATCH UpdateClusterRequest → ClusterDto. */
export const CLUSTER_PATH = '/api/cluster';

/** PATCH /api/cluster: pause or resume the queue, cluster-wide. */
export interface UpdateClusterRequest {
  paused: boolean;
}
