import { describe, expect, test } from "bun:test";
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { StoreError, type StoreErrorCode } from "../storage/store.ts";
import {
  alreadyExists,
  ApiError,
  badRequest,
  conflict,
  expired,
  fieldErrorMessage,
  fieldErrors,
  forbidden,
  fromStoreError,
  gone,
  goQuote,
  groupResourceOf,
  internal,
  invalid,
  methodNotAllowed,
  notAcceptable,
  notFound,
  type Status,
  serviceUnavailable,
  successStatus,
  timeout,
  tooLarge,
  tooManyRequests,
  tooOldResourceVersion,
  toStatus,
  unauthorized,
  unsupportedMediaType,
} from "./errors.ts";

const pods = { group: "", resource: "pods" };
const deployments = { group: "apps", resource: "deployments" };

const failure = (code: number, reason: string, message: string, details?: Status["details"]): Status => ({
  kind: "Status",
  apiVersion: "v1",
  metadata: {},
  status: "Failure",
  message,
  reason: reason as Status["reason"],
  ...(details ? { details } : {}),
  code,
});

describe("constructors render the Status Kubernetes sends", () => {
  test.each<[string, ApiError, Status]>([
    ["notFound", notFound(pods, "x"), failure(404, "NotFound", 'pods "x" not found', { name: "x", kind: "pods" })],
    [
      "notFound in a group",
      notFound(deployments, "web"),
      failure(404, "NotFound", 'deployments.apps "web" not found', { name: "web", group: "apps", kind: "deployments" }),
    ],
    ["alreadyExists", alreadyExists(pods, "x"), failure(409, "AlreadyExists", 'pods "x" already exists', { name: "x", kind: "pods" })],
    [
      "conflict",
      conflict(pods, "x"),
      failure(
        409,
        "Conflict",
        'Operation cannot be fulfilled on pods "x": the object has been modified; please apply your changes to the latest version and try again',
        { name: "x", kind: "pods" },
      ),
    ],
    ["badRequest", badRequest("bad"), failure(400, "BadRequest", "bad")],
    ["gone", gone("gone away"), failure(410, "Gone", "gone away")],
    ["expired", expired("too old"), failure(410, "Expired", "too old")],
    ["tooOldResourceVersion", tooOldResourceVersion(5, 10), failure(410, "Expired", "too old resource version: 5 (10)")],
    [
      "methodNotAllowed",
      methodNotAllowed(deployments, "deletecollection"),
      failure(405, "MethodNotAllowed", 'deletecollection is not supported on resources of kind "deployments.apps"', {
        group: "apps",
        kind: "deployments",
      }),
    ],
    [
      "unsupportedMediaType",
      unsupportedMediaType(["application/json", "application/yaml"]),
      failure(
        415,
        "UnsupportedMediaType",
        "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml",
      ),
    ],
    ["unsupportedMediaType with a message", unsupportedMediaType("nope"), failure(415, "UnsupportedMediaType", "nope")],
    [
      "notAcceptable",
      notAcceptable(["application/json"]),
      failure(406, "NotAcceptable", "only the following media types are accepted: application/json"),
    ],
    ["tooLarge with a limit", tooLarge(3145728), failure(413, "RequestEntityTooLarge", "Request entity too large: limit is 3145728")],
    ["tooLarge with a reason", tooLarge("body too big"), failure(413, "RequestEntityTooLarge", "Request entity too large: body too big")],
    [
      "internal",
      internal(new Error("disk on fire")),
      failure(500, "InternalError", "Internal error occurred: disk on fire", { causes: [{ message: "disk on fire" }] }),
    ],
    ["unauthorized", unauthorized(), failure(401, "Unauthorized", "not authorized")],
    ["forbidden", forbidden(pods, "x", "no"), failure(403, "Forbidden", 'pods "x" is forbidden: no', { name: "x", kind: "pods" })],
    ["forbidden without a name", forbidden(pods, "", "no"), failure(403, "Forbidden", "pods is forbidden: no", { kind: "pods" })],
    ["tooManyRequests", tooManyRequests("slow down", 2), failure(429, "TooManyRequests", "slow down", { retryAfterSeconds: 2 })],
    ["timeout", timeout("took too long", 1), failure(504, "Timeout", "Timeout: took too long", { retryAfterSeconds: 1 })],
    ["serviceUnavailable", serviceUnavailable("down"), failure(503, "ServiceUnavailable", "down")],
  ])("%s", (_, error, status) => {
    expect(error.toStatus()).toEqual(status);
    expect(toStatus(error)).toEqual(status);
    expect(error.status).toBe(status.code as ApiError["status"]);
  });
});

describe("invalid", () => {
  const nameError = fieldErrors.invalid(
    "metadata.name",
    "A",
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
  );

  test("a single cause is listed without brackets", () => {
    const status = invalid("Pod", "x", [fieldErrors.required("spec.containers[0].image")]).toStatus();
    expect(status).toEqual(
      failure(422, "Invalid", 'Pod "x" is invalid: spec.containers[0].image: Required value', {
        name: "x",
        kind: "Pod",
        causes: [{ reason: "FieldValueRequired", message: "Required value", field: "spec.containers[0].image" }],
      }),
    );
  });

  test("several causes are bracketed, in order", () => {
    const status = invalid("Pod", "x", [fieldErrors.required("spec.containers[0].image"), nameError]).toStatus();
    expect(status.message).toBe(
      'Pod "x" is invalid: [spec.containers[0].image: Required value, metadata.name: Invalid value: "A": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, \'-\' or \'.\', and must start and end with an alphanumeric character]',
    );
    expect(status.details?.causes?.map((c) => c.reason)).toEqual(["FieldValueRequired", "FieldValueInvalid"]);
  });

  test("a grouped kind prints with its group; no causes means no list", () => {
    const status = invalid({ group: "apps", kind: "Deployment" }, "web", []).toStatus();
    expect(status.message).toBe('Deployment.apps "web" is invalid');
    expect(status.details).toEqual({ name: "web", group: "apps", kind: "Deployment" });
  });

  test("duplicate messages are listed once", () => {
    const e = fieldErrors.required("spec.x");
    expect(invalid("Pod", "x", [e, e]).message).toBe('Pod "x" is invalid: spec.x: Required value');
  });

  test.each([
    [fieldErrors.required("a.b", "must be set"), "a.b: Required value: must be set"],
    [fieldErrors.invalid("a", 3, "too big"), "a: Invalid value: 3: too big"],
    [fieldErrors.invalid("a", ["x"], "bad"), 'a: Invalid value: ["x"]: bad'],
    [fieldErrors.invalid("a", null, "bad"), "a: Invalid value: null: bad"],
    [fieldErrors.notSupported("spec.restartPolicy", "Sometimes", ["Always", "Never"]), 'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "Never"'],
    [fieldErrors.forbidden("spec.x", "may not be set"), "spec.x: Forbidden: may not be set"],
    [fieldErrors.duplicate("spec.ports[1].name", "http"), 'spec.ports[1].name: Duplicate value: "http"'],
    [fieldErrors.notFound("spec.volumes", "data"), 'spec.volumes: Not found: "data"'],
    [fieldErrors.tooLong("metadata.annotations", 262144), "metadata.annotations: Too long: may not be more than 262144 bytes"],
    [fieldErrors.tooMany("spec.items", 5, 1), "spec.items: Too many: 5: must have at most 1 item"],
    [fieldErrors.tooMany("spec.items", -1, 4), "spec.items: Too many: must have at most 4 items"],
    [fieldErrors.internal("spec", new Error("boom")), "spec: Internal error: boom"],
  ])("%p renders as %p", (error, message) => {
    expect(fieldErrorMessage(error)).toBe(message);
  });
});

describe("fromStoreError is the one store-to-HTTP translation", () => {
  test.each<[StoreErrorCode, string, number, string, string]>([
    ["NotFound", "gone", 404, "NotFound", 'pods "x" not found'],
    ["AlreadyExists", "dup", 409, "AlreadyExists", 'pods "x" already exists'],
    [
      "Conflict",
      "stale resourceVersion",
      409,
      "Conflict",
      'Operation cannot be fulfilled on pods "x": the object has been modified; please apply your changes to the latest version and try again',
    ],
    [
      "Conflict",
      "Precondition failed: UID in precondition: a, UID in object meta: b",
      409,
      "Conflict",
      'Operation cannot be fulfilled on pods "x": Precondition failed: UID in precondition: a, UID in object meta: b',
    ],
    ["Expired", "too old resource version: 5 (10)", 410, "Expired", "too old resource version: 5 (10)"],
    ["Invalid", "metadata.name is required", 422, "Invalid", 'pods "x" is invalid: metadata.name is required'],
    ["TooSlow", "the watcher fell behind", 429, "TooManyRequests", "Too many requests: the watcher fell behind"],
    ["Unavailable", "database down", 503, "ServiceUnavailable", "database down"],
    ["Internal", "corrupt row", 500, "InternalError", "Internal error occurred: corrupt row"],
  ])("%s (%s) becomes %d %s", (code, storeMessage, httpCode, reason, message) => {
    const cause = new StoreError(code, storeMessage);
    const error = fromStoreError(cause, pods, "x");
    expect(error.status).toBe(httpCode as ApiError["status"]);
    expect(error.reason).toBe(reason as ApiError["reason"]);
    expect(error.message).toBe(message);
    expect(error.cause).toBe(cause);
  });

  test("a slow watcher is told when to retry", () => {
    expect(fromStoreError(new StoreError("TooSlow", "behind")).toStatus().details).toEqual({ retryAfterSeconds: 1 });
  });

  test("without a resource the store's message is kept", () => {
    expect(toStatus(new StoreError("NotFound", 'pods "ns/x" not found'))).toEqual(failure(404, "NotFound", 'pods "ns/x" not found'));
  });

  test("store resources map to group resources", () => {
    expect(groupResourceOf("apps/deployments")).toEqual(deployments);
    expect(groupResourceOf("pods")).toEqual(pods);
    expect(fromStoreError(new StoreError("NotFound", ""), groupResourceOf("apps/deployments"), "web").message).toBe(
      'deployments.apps "web" not found',
    );
  });
});

describe("toStatus", () => {
  test.each<[string, unknown, number, string, string]>([
    ["a hono HTTPException", new HTTPException(413, { message: "too big" }), 413, "RequestEntityTooLarge", "too big"],
    ["a bare hono 404", new HTTPException(404), 404, "NotFound", "NotFound"],
    ["an unexpected error", new TypeError("x is undefined"), 500, "InternalError", "Internal error occurred: x is undefined"],
    ["a thrown string", "oops", 500, "InternalError", "Internal error occurred: oops"],
  ])("%s", (_, error, code, reason, message) => {
    expect(toStatus(error)).toMatchObject({ kind: "Status", apiVersion: "v1", status: "Failure", code, reason, message });
  });

  test("ApiError is an HTTPException, so hono's default handler answers with a JSON Status", async () => {
    const app = new Hono();
    app.get("/api/v1/namespaces/default/pods/x", () => {
      throw notFound(pods, "x");
    });
    const response = await app.request("/api/v1/namespaces/default/pods/x");
    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(await response.json()).toEqual(failure(404, "NotFound", 'pods "x" not found', { name: "x", kind: "pods" }));
  });

  test("an onError built on toStatus renders any error", async () => {
    const app = new Hono();
    app.onError((error, c) => {
      const status = toStatus(error);
      return c.json(status, (status.code ?? 500) as 500);
    });
    app.get("/boom", () => {
      throw new Error("boom");
    });
    const response = await app.request("/boom");
    expect(response.status).toBe(500);
    expect(await response.json()).toMatchObject({ reason: "InternalError", message: "Internal error occurred: boom" });
  });
});

test("successStatus is what a DELETE that does not return the object sends", () => {
  expect(successStatus({ name: "x", kind: "configmaps", uid: "u-1" })).toEqual({
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Success",
    details: { name: "x", kind: "configmaps", uid: "u-1" },
  });
});

test.each([
  ["plain", '"plain"'],
  ['say "hi"', '"say \\"hi\\""'],
  ["back\\slash", '"back\\\\slash"'],
  ["line\nbreak\ttab", '"line\\nbreak\\ttab"'],
  ["\u0001", '"\\x01"'],
  ["héllo", '"héllo"'],
])("goQuote(%p) is %s", (input, quoted) => {
  expect(goQuote(input)).toBe(quoted);
});
