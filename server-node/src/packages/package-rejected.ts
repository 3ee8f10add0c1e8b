/** A package the feed will not take; the message says which entry or name and why. */
export class PackageRejected extends Error {
  override name = 'PackageRejected';
}
