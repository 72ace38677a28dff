// The one error type every patch flavour throws. The API renders it as a
// Kubernetes Status in one place, so each failure carries the HTTP status and
// the Status reason Kubernetes would answer with.

/**
 * - BadRequest (400): the body cannot be understood at all (not JSON, not the
 *   shape the patch type requires, malformed directive lists).
 * - Invalid (422): the body is well formed but cannot be applied to this
 *   object (failed `test`, missing path, merge key absent, ...).
 * - RequestEntityTooLarge (413): more JSON-patch operations than allowed.
 * - Conflict (409): server-side apply found fields owned by other managers.
 */
export type PatchErrorReason =
  | "BadRequest"
  | "Invalid"
  | "RequestEntityTooLarge"
  | "Conflict";

const STATUS_BY_REASON: Readonly<Record<PatchErrorReason, number>> = {
  BadRequest: 400,
  Conflict: 409,
  RequestEntityTooLarge: 413,
  Invalid: 422,
};

export class PatchError extends Error {
  override readonly name: string = "PatchError";
  readonly reason: PatchErrorReason;
  /** HTTP status code Kubernetes answers with for this reason. */
  readonly status: number;

  constructor(reason: PatchErrorReason, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.reason = reason;
    this.status = STATUS_BY_REASON[reason];
  }

  static badRequest(message: string, options?: { cause?: unknown }): PatchError {
    return new PatchError("BadRequest", message, options);
  }

  static invalid(message: string, options?: { cause?: unknown }): PatchError {
    return new PatchError("Invalid", message, options);
  }
}
