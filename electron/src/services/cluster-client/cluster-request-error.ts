/** The cluster answered, but not with success: `status` is the HTTP status, the message the node's own. */
export class ClusterRequestError extends Error {
  override name = 'ClusterRequestError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** No endpoint of the cluster could be reached at all. */
export class ClusterUnreachableError extends Error {
  override name = 'ClusterUnreachableError';
}
