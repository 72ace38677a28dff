// Field errors shaped like Kubernetes' field.Error: the reason is the
// StatusCause type and the message is its ErrorBody, so the API server can
// copy both into a 422 Status unchanged.

export type CauseReason =
  | "FieldValueRequired"
  | "FieldValueInvalid"
  | "FieldValueNotSupported"
  | "FieldValueTooLong"
  | "FieldValueDuplicate"
  | "FieldValueForbidden"
  | "FieldValueNotFound";

export interface FieldCause {
  /** JSON field path as Kubernetes prints it: "spec.containers[0].image". */
  field: string;
  reason: CauseReason;
  message: string;
}

export function showValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (value === undefined) return "null";
  if (typeof value === "object" && value !== null) return JSON.stringify(value);
  return String(value);
}

export const required = (field: string, detail = ""): FieldCause => ({
  field,
  reason: "FieldValueRequired",
  message: detail ? `Required value: ${detail}` : "Required value",
});

export const invalid = (field: string, value: unknown, detail: string): FieldCause => ({
  field,
  reason: "FieldValueInvalid",
  message: `Invalid value: ${showValue(value)}${detail ? `: ${detail}` : ""}`,
});

export const notSupported = (field: string, value: unknown, supported: readonly string[]): FieldCause => ({
  field,
  reason: "FieldValueNotSupported",
  message: `Unsupported value: ${showValue(value)}: supported values: ${supported.map((s) => JSON.stringify(s)).join(", ")}`,
});

export const tooLong = (field: string, max: number): FieldCause => ({
  field,
  reason: "FieldValueTooLong",
  message: `Too long: may not be more than ${max} bytes`,
});

export const duplicate = (field: string, value: unknown): FieldCause => ({
  field,
  reason: "FieldValueDuplicate",
  message: `Duplicate value: ${showValue(value)}`,
});

export const forbidden = (field: string, detail: string): FieldCause => ({
  field,
  reason: "FieldValueForbidden",
  message: `Forbidden: ${detail}`,
});

export const notFound = (field: string, value: unknown): FieldCause => ({
  field,
  reason: "FieldValueNotFound",
  message: `Not found: ${showValue(value)}`,
});

/** Field path segments in Kubernetes' notation. */
export const child = (path: string, name: string) => (path === "" ? name : `${path}.${name}`);
export const index = (path: string, i: number) => `${path}[${i}]`;
export const key = (path: string, k: string) => `${path}[${k}]`;

/** Turns a list of rule violations about one value into Invalid causes. */
export function invalidEach(field: string, value: unknown, messages: readonly string[]): FieldCause[] {
  return messages.map((message) => invalid(field, value, message));
}
