// The one error type of the image layer: a closed set of codes, so the pod state
// machine can map each to the waiting reason Kubernetes shows.

export type ImageErrorCode =
  /** The reference does not parse (InvalidImageName). */
  | "InvalidReference"
  /** The registry has no such repository, tag or digest. */
  | "NotFound"
  /** The registry refused our credentials, or wants some we do not have. */
  | "Unauthorized"
  /** No connection to the registry (refused, DNS, TLS, timeout). */
  | "Unreachable"
  /** Bytes did not hash to the digest that named them. */
  | "DigestMismatch"
  /** A manifest, media type or layer this agent cannot use. */
  | "Unsupported"
  /** An image index with no manifest for this node's platform. */
  | "NoMatchingPlatform"
  /** imagePullPolicy Never and the image is not in the store. */
  | "NeverPull"
  /** Any other answer from the registry (5xx, malformed JSON …). */
  | "Registry"
  /** The local store could not be read or written. */
  | "Store";

/** containerStatuses[].state.waiting.reason for an image that could not be had. */
export type ImageWaitingReason = "InvalidImageName" | "ErrImageNeverPull" | "ErrImagePull";

export class ImageError extends Error {
  override readonly name = "ImageError";
  constructor(
    readonly code: ImageErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }

  /** What kubelet would report while waiting (ImagePullBackOff is the agent's back-off state on top). */
  get reason(): ImageWaitingReason {
    if (this.code === "InvalidReference") return "InvalidImageName";
    if (this.code === "NeverPull") return "ErrImageNeverPull";
    return "ErrImagePull";
  }
}
