// The Kubernetes `Status` object: every failed request, and every ERROR event
// in a watch, is one of these. Constructors follow apimachinery's
// k8s.io/apimachinery/pkg/api/errors so messages match what kubectl and
// client-go expect (client-go branches on `reason` and `code`; users read `message`).
//
// ApiError extends hono's HTTPException so that anything that already knows
// HTTPException (hono middleware, the default error handler) treats it as an
// HTTP outcome, and overrides getResponse() so even the default handler
// answers with a JSON Status rather than plain text. The app's onError should
// still call toStatus() for everything, which also covers plain HTTPException
// and unexpected errors.

import { HTTPException } from "hono/http-exception";
import type { ListMeta, Status as MetaV1Status } from "../../../schemas/meta-v1.ts";
import { isStoreError, type StoreError } from "../storage/store.ts";

export const StatusReasons = {
  Unauthorized: "Unauthorized",
  Forbidden: "Forbidden",
  NotFound: "NotFound",
  AlreadyExists: "AlreadyExists",
  Conflict: "Conflict",
  Gone: "Gone",
  Invalid: "Invalid",
  ServerTimeout: "ServerTimeout",
  Timeout: "Timeout",
  TooManyRequests: "TooManyRequests",
  BadRequest: "BadRequest",
  MethodNotAllowed: "MethodNotAllowed",
  NotAcceptable: "NotAcceptable",
  RequestEntityTooLarge: "RequestEntityTooLarge",
  UnsupportedMediaType: "UnsupportedMediaType",
  InternalError: "InternalError",
  Expired: "Expired",
  ServiceUnavailable: "ServiceUnavailable",
} as const;

export type StatusReason = (typeof StatusReasons)[keyof typeof StatusReasons];

/** The HTTP codes Kubernetes pairs with the reasons above. */
export type ApiStatusCode = 400 | 401 | 403 | 404 | 405 | 406 | 409 | 410 | 413 | 415 | 422 | 429 | 500 | 503 | 504;

/** field.ErrorType; on the wire it is the cause's `reason`. */
export const CauseTypes = {
  NotFound: "FieldValueNotFound",
  Required: "FieldValueRequired",
  Duplicate: "FieldValueDuplicate",
  Invalid: "FieldValueInvalid",
  NotSupported: "FieldValueNotSupported",
  Forbidden: "FieldValueForbidden",
  TooLong: "FieldValueTooLong",
  TooMany: "FieldValueTooMany",
  Internal: "InternalError",
  TypeInvalid: "FieldValueTypeInvalid",
} as const;

export type CauseType = (typeof CauseTypes)[keyof typeof CauseTypes];

/** metav1.StatusDetails. For most errors `kind` holds the resource (plural), as in Kubernetes. */
export type StatusDetails = NonNullable<MetaV1Status["details"]>;
export type StatusCause = NonNullable<StatusDetails["causes"]>[number];

/** metav1.Status as this server sends it: always fully typed. */
export interface Status extends MetaV1Status {
  kind: "Status";
  apiVersion: "v1";
  metadata: ListMeta;
  status: "Success" | "Failure";
  reason?: StatusReason;
}

/** schema.GroupResource; `group` is "" for the core group. */
export interface GroupResource {
  group: string;
  resource: string;
}

/** schema.GroupKind. */
export interface GroupKind {
  group: string;
  kind: string;
}

/** The store names resources "pods" or "apps/deployments". */
export function groupResourceOf(storeResource: string): GroupResource {
  const slash = storeResource.indexOf("/");
  return slash < 0
    ? { group: "", resource: storeResource }
    : { group: storeResource.slice(0, slash), resource: storeResource.slice(slash + 1) };
}

/** GroupResource.String(): "pods", "deployments.apps". */
export const formatGroupResource = (gr: GroupResource): string => (gr.group ? `${gr.resource}.${gr.group}` : gr.resource);

/** GroupKind.String(): "Pod", "Deployment.apps". */
export const formatGroupKind = (gk: GroupKind): string => (gk.group ? `${gk.kind}.${gk.group}` : gk.kind);

export class ApiError extends HTTPException {
  override readonly status: ApiStatusCode;

  constructor(
    status: ApiStatusCode,
    readonly reason: StatusReason,
    message: string,
    readonly details?: StatusDetails,
    options?: { cause?: unknown },
  ) {
    super(status, { message, cause: options?.cause });
    this.status = status;
    this.name = "ApiError";
  }

  toStatus(): Status {
    const status: Status = {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: this.message,
      reason: this.reason,
    };
    const details = compactDetails(this.details);
    if (details) status.details = details;
    status.code = this.status;
    return status;
  }

  override getResponse(): Response {
    return statusResponse(this.toStatus());
  }
}

/** A JSON response carrying a Status, with the HTTP code it names. */
export function statusResponse(status: Status): Response {
  return new Response(JSON.stringify(status), {
    status: status.code ?? 200,
    headers: { "content-type": "application/json" },
  });
}

// Kubernetes marshals details with omitempty, so empty strings and lists vanish.
function compactDetails(details: StatusDetails | undefined): StatusDetails | undefined {
  if (!details) return undefined;
  const out: StatusDetails = {};
  if (details.name) out.name = details.name;
  if (details.group) out.group = details.group;
  if (details.kind) out.kind = details.kind;
  if (details.uid) out.uid = details.uid;
  if (details.causes && details.causes.length > 0) {
    out.causes = details.causes.map((c) => {
      const cause: StatusCause = {};
      if (c.reason) cause.reason = c.reason;
      if (c.message) cause.message = c.message;
      if (c.field) cause.field = c.field;
      return cause;
    });
  }
  if (details.retryAfterSeconds) out.retryAfterSeconds = details.retryAfterSeconds;
  return out;
}

// ---------------------------------------------------------------------------
// Field errors, for Invalid (field.Error)

export interface FieldError {
  type: CauseType;
  /** A field path such as "spec.containers[0].image". */
  field: string;
  badValue?: unknown;
  detail?: string;
  /** For Invalid and friends: true when the value is not worth printing. */
  omitValue?: boolean;
}

const CAUSE_TEXT: Readonly<Record<CauseType, string>> = {
  FieldValueNotFound: "Not found",
  FieldValueRequired: "Required value",
  FieldValueDuplicate: "Duplicate value",
  FieldValueInvalid: "Invalid value",
  FieldValueNotSupported: "Unsupported value",
  FieldValueForbidden: "Forbidden",
  FieldValueTooLong: "Too long",
  FieldValueTooMany: "Too many",
  InternalError: "Internal error",
  FieldValueTypeInvalid: "Invalid value",
};

/** Go's %q for the strings that reach error messages. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\t") out += "\\t";
    else if (ch === "\r") out += "\\r";
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, "0")}`;
    else out += ch;
  }
  return `${out}"`;
}

function formatBadValue(value: unknown): string {
  if (typeof value === "string") return goQuote(value);
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return String(value);
  return JSON.stringify(value ?? null);
}

/** field.Error.ErrorBody(): the message without the field path. */
export function fieldErrorBody(e: FieldError): string {
  let body = CAUSE_TEXT[e.type];
  const showsValue =
    e.type !== CauseTypes.Required &&
    e.type !== CauseTypes.Forbidden &&
    e.type !== CauseTypes.TooLong &&
    e.type !== CauseTypes.Internal;
  if (showsValue && !e.omitValue) body += `: ${formatBadValue(e.badValue)}`;
  if (e.detail) body += `: ${e.detail}`;
  return body;
}

/** field.Error.Error(): "path: body". */
export const fieldErrorMessage = (e: FieldError): string => `${e.field}: ${fieldErrorBody(e)}`;

/** utilerrors.Aggregate: one message as is, several as "[a, b]", duplicates dropped. */
export function aggregateMessages(messages: readonly string[]): string {
  const unique = [...new Set(messages)];
  return unique.length === 1 ? (unique[0] ?? "") : `[${unique.join(", ")}]`;
}

/** Builders named like apimachinery's field package. */
export const fieldErrors = {
  required: (field: string, detail = ""): FieldError => ({ type: CauseTypes.Required, field, detail }),
  invalid: (field: string, value: unknown, detail: string): FieldError => ({ type: CauseTypes.Invalid, field, badValue: value, detail }),
  notSupported: (field: string, value: unknown, supported: readonly string[]): FieldError => ({
    type: CauseTypes.NotSupported,
    field,
    badValue: value,
    detail: supported.length > 0 ? `supported values: ${supported.map(goQuote).join(", ")}` : "",
  }),
  forbidden: (field: string, detail: string): FieldError => ({ type: CauseTypes.Forbidden, field, detail }),
  duplicate: (field: string, value: unknown): FieldError => ({ type: CauseTypes.Duplicate, field, badValue: value }),
  notFound: (field: string, value: unknown): FieldError => ({ type: CauseTypes.NotFound, field, badValue: value }),
  tooLong: (field: string, maxLength: number): FieldError => ({
    type: CauseTypes.TooLong,
    field,
    detail: maxLength >= 0 ? `may not be more than ${maxLength} ${maxLength === 1 ? "byte" : "bytes"}` : "value is too long",
  }),
  tooMany: (field: string, actual: number, max: number): FieldError => ({
    type: CauseTypes.TooMany,
    field,
    badValue: actual,
    omitValue: actual < 0,
    detail: max >= 0 ? `must have at most ${max} ${max === 1 ? "item" : "items"}` : "has too many items",
  }),
  internal: (field: string, error: unknown): FieldError => ({
    type: CauseTypes.Internal,
    field,
    detail: error instanceof Error ? error.message : String(error),
  }),
};

// ---------------------------------------------------------------------------
// Constructors (k8s.io/apimachinery/pkg/api/errors)

/** storage.OptimisticLockErrorMsg */
export const OPTIMISTIC_LOCK_MESSAGE = "the object has been modified; please apply your changes to the latest version and try again";

const objectDetails = (gr: GroupResource, name: string): StatusDetails => ({ name, group: gr.group, kind: gr.resource });

export const notFound = (gr: GroupResource, name: string): ApiError =>
  new ApiError(404, "NotFound", `${formatGroupResource(gr)} ${goQuote(name)} not found`, objectDetails(gr, name));

export const alreadyExists = (gr: GroupResource, name: string): ApiError =>
  new ApiError(409, "AlreadyExists", `${formatGroupResource(gr)} ${goQuote(name)} already exists`, objectDetails(gr, name));

/** `why` defaults to the optimistic-lock message a stale resourceVersion gets. */
export const conflict = (gr: GroupResource, name: string, why: string = OPTIMISTIC_LOCK_MESSAGE): ApiError =>
  new ApiError(409, "Conflict", `Operation cannot be fulfilled on ${formatGroupResource(gr)} ${goQuote(name)}: ${why}`, objectDetails(gr, name));

/** 422 with one cause per field error; the message lists them as Kubernetes does. */
export function invalid(kind: GroupKind | string, name: string, errors: readonly FieldError[]): ApiError {
  return invalidCauses(
    kind,
    name,
    errors.map((e) => ({ reason: e.type, message: fieldErrorBody(e), field: e.field })),
  );
}

/** The same from causes already worded (schemas/ validation gives these). */
export function invalidCauses(
  kind: GroupKind | string,
  name: string,
  causes: readonly { reason: string; message: string; field: string }[],
): ApiError {
  const gk = typeof kind === "string" ? { group: "", kind } : kind;
  const prefix = `${formatGroupKind(gk)} ${goQuote(name)} is invalid`;
  const message = causes.length === 0 ? prefix : `${prefix}: ${aggregateMessages(causes.map((c) => `${c.field}: ${c.message}`))}`;
  return new ApiError(422, "Invalid", message, {
    name,
    group: gk.group,
    kind: gk.kind,
    causes: causes.map((c) => ({ reason: c.reason, message: c.message, field: c.field })),
  });
}

export const badRequest = (message: string): ApiError => new ApiError(400, "BadRequest", message);

export const unauthorized = (message = "not authorized"): ApiError => new ApiError(401, "Unauthorized", message || "not authorized");

export function forbidden(gr: GroupResource, name: string, why: string): ApiError {
  const what = formatGroupResource(gr);
  const message = what === "" ? `forbidden: ${why}` : name === "" ? `${what} is forbidden: ${why}` : `${what} ${goQuote(name)} is forbidden: ${why}`;
  return new ApiError(403, "Forbidden", message, objectDetails(gr, name));
}

/** Deprecated in Kubernetes in favour of expired(); kept for watch paths that still send it. */
export const gone = (message: string): ApiError => new ApiError(410, "Gone", message);

export const expired = (message: string): ApiError => new ApiError(410, "Expired", message);

/** What a list or watch from a compacted revision gets; informers relist on it. */
export const tooOldResourceVersion = (requested: number | string, oldest: number | string): ApiError =>
  expired(`too old resource version: ${requested} (${oldest})`);

export const methodNotAllowed = (gr: GroupResource, action: string): ApiError =>
  new ApiError(405, "MethodNotAllowed", `${action} is not supported on resources of kind ${goQuote(formatGroupResource(gr))}`, {
    group: gr.group,
    kind: gr.resource,
  });

/** Given the media types the server can produce, words the message as Kubernetes does; a string is the message. */
export const notAcceptable = (accepted: readonly string[] | string): ApiError =>
  new ApiError(
    406,
    "NotAcceptable",
    typeof accepted === "string" ? accepted : `only the following media types are accepted: ${accepted.join(", ")}`,
  );

/** Given the media types the server can read, words the message as Kubernetes does; a string is the message. */
export const unsupportedMediaType = (accepted: readonly string[] | string): ApiError =>
  new ApiError(
    415,
    "UnsupportedMediaType",
    typeof accepted === "string"
      ? accepted
      : `the body of the request was in an unknown format - accepted media types include: ${accepted.join(", ")}`,
  );

/** A number is the byte limit the body exceeded. */
export const tooLarge = (limit: number | string): ApiError =>
  new ApiError(413, "RequestEntityTooLarge", `Request entity too large: ${typeof limit === "number" ? `limit is ${limit}` : limit}`);

export const tooManyRequests = (message: string, retryAfterSeconds: number): ApiError =>
  new ApiError(429, "TooManyRequests", message, { retryAfterSeconds });

export const timeout = (message: string, retryAfterSeconds: number): ApiError =>
  new ApiError(504, "Timeout", `Timeout: ${message}`, { retryAfterSeconds });

export const serviceUnavailable = (message: string): ApiError => new ApiError(503, "ServiceUnavailable", message);

export function internal(error: unknown): ApiError {
  const text = error instanceof Error ? error.message : String(error);
  return new ApiError(500, "InternalError", `Internal error occurred: ${text}`, { causes: [{ message: text }] }, { cause: error });
}

/** The Status a successful DELETE answers with when it does not return the object. */
export function successStatus(details: { name: string; group?: string; kind: string; uid?: string }): Status {
  const compact = compactDetails(details);
  return { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", ...(compact ? { details: compact } : {}) };
}

// ---------------------------------------------------------------------------
// The one translation from store errors to HTTP

// A failed precondition is a conflict whose reason is the store's own text.
const PRECONDITION_PREFIX = "Precondition failed";

/**
 * Translates a store error into the Status Kubernetes' registry would answer
 * with. Without a resource and name (an error that escaped its handler) the
 * store's own message is used.
 */
export function fromStoreError(e: StoreError, gr?: GroupResource, name = ""): ApiError {
  const options = { cause: e };
  const known = gr !== undefined;
  switch (e.code) {
    case "NotFound":
      return known ? withCause(notFound(gr, name), e) : new ApiError(404, "NotFound", e.message, undefined, options);
    case "AlreadyExists":
      return known ? withCause(alreadyExists(gr, name), e) : new ApiError(409, "AlreadyExists", e.message, undefined, options);
    case "Conflict": {
      if (!known) return new ApiError(409, "Conflict", e.message, undefined, options);
      const why = e.message.startsWith(PRECONDITION_PREFIX) ? e.message : OPTIMISTIC_LOCK_MESSAGE;
      return withCause(conflict(gr, name, why), e);
    }
    case "Expired":
      return new ApiError(410, "Expired", e.message, undefined, options);
    case "Invalid":
      return known
        ? new ApiError(422, "Invalid", `${formatGroupResource(gr)} ${goQuote(name)} is invalid: ${e.message}`, objectDetails(gr, name), options)
        : new ApiError(422, "Invalid", e.message, undefined, options);
    case "BadRequest":
      return new ApiError(400, "BadRequest", e.message, undefined, options);
    case "TooSlow":
      // A watcher that fell behind. 429 makes client-go's reflector back off
      // and re-watch from its last resourceVersion, which the change log can
      // usually still serve; 410 would force a full relist of every object.
      return new ApiError(429, "TooManyRequests", `Too many requests: ${e.message}`, { retryAfterSeconds: 1 }, options);
    case "Unavailable":
      return new ApiError(503, "ServiceUnavailable", e.message, undefined, options);
    case "Internal":
      return internal(e);
    default: {
      const unreachable: never = e.code;
      return internal(new Error(`unknown store error code ${String(unreachable)}`, { cause: e }));
    }
  }
}

function withCause(error: ApiError, cause: unknown): ApiError {
  return new ApiError(error.status, error.reason, error.message, error.details, { cause });
}

const REASON_BY_CODE: Readonly<Record<number, StatusReason>> = {
  400: "BadRequest",
  401: "Unauthorized",
  403: "Forbidden",
  404: "NotFound",
  405: "MethodNotAllowed",
  406: "NotAcceptable",
  409: "Conflict",
  410: "Gone",
  413: "RequestEntityTooLarge",
  415: "UnsupportedMediaType",
  422: "Invalid",
  429: "TooManyRequests",
  503: "ServiceUnavailable",
  504: "Timeout",
};

/** Any thrown value as a Status; what onError and watch ERROR events send. */
export function toStatus(error: unknown): Status {
  if (error instanceof ApiError) return error.toStatus();
  if (isStoreError(error)) return fromStoreError(error).toStatus();
  if (error instanceof HTTPException) {
    const reason = REASON_BY_CODE[error.status];
    if (reason !== undefined) {
      return new ApiError(error.status as ApiStatusCode, reason, error.message || reason).toStatus();
    }
  }
  return internal(error).toStatus();
}
