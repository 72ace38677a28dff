// Label and field selectors as the Kubernetes API speaks them: the string
// grammar of `?labelSelector=` / `?fieldSelector=` and the metav1.LabelSelector
// object, compiled to matchers that run once per object in a list and once per
// watch event, so parsing and validation happen up front and matching is a
// few property reads.

import type { LabelSelector } from "../../../schemas/meta-v1.ts";
import { aggregateMessages, ApiError, fieldErrorMessage, fieldErrors } from "./errors.ts";

export type { LabelSelector };

/** selection.Operator, spelled as Kubernetes spells it. */
export type LabelOperator = "=" | "==" | "!=" | "in" | "notin" | "exists" | "!" | "gt" | "lt";

export interface LabelRequirement {
  readonly key: string;
  readonly operator: LabelOperator;
  /** Sorted and de-duplicated when parsed from a string; as given when converted from an object. */
  readonly values: readonly string[];
}

export type Labels = Readonly<Record<string, string>> | undefined;
export type LabelMatcher = (labels: Labels) => boolean;

export type SelectorErrorCode = "InvalidLabelSelector" | "InvalidFieldSelector" | "FieldLabelNotSupported";

/**
 * A selector the caller got wrong: always 400 BadRequest with Kubernetes'
 * wording, whether it came from a query parameter or an object's selector.
 */
export class SelectorError extends ApiError {
  constructor(
    readonly code: SelectorErrorCode,
    message: string,
  ) {
    super(400, "BadRequest", message);
    this.name = "SelectorError";
  }
}

// ---------------------------------------------------------------------------
// Label key and value validation (apimachinery's IsQualifiedName / IsValidLabelValue,
// with the wording of Kubernetes 1.32, which kubectl 1.32 users see)

const LABEL_NAME_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
const LABEL_NAME_RE = new RegExp(`^${LABEL_NAME_FMT}$`);
const LABEL_VALUE_FMT = `(${LABEL_NAME_FMT})?`;
const LABEL_VALUE_RE = new RegExp(`^${LABEL_VALUE_FMT}$`);
const DNS_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const DNS_SUBDOMAIN_FMT = `${DNS_LABEL_FMT}(\\.${DNS_LABEL_FMT})*`;
const DNS_SUBDOMAIN_RE = new RegExp(`^${DNS_SUBDOMAIN_FMT}$`);

// Kubernetes puts a comma after every example and joins them with " or ",
// hence its double spaces; clients compare these strings, so keep them.
const regexError = (message: string, format: string, ...examples: string[]): string =>
  `${message} (e.g. ${examples.map((e) => `'${e}', `).join(" or ")}regex used for validation is '${format}')`;

const LABEL_NAME_MSG = regexError(
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
  LABEL_NAME_FMT,
  "MyName",
  "my.name",
  "123-abc",
);
const LABEL_VALUE_MSG = regexError(
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
  LABEL_VALUE_FMT,
  "MyValue",
  "my_value",
  "12345",
);
const DNS_SUBDOMAIN_MSG = regexError(
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
  DNS_SUBDOMAIN_FMT,
  "example.com",
);

const byteLength = (s: string): number => Buffer.byteLength(s, "utf8");

/** The reasons `key` is not a valid label key; empty when it is. */
export function labelKeyErrors(key: string): string[] {
  const errors: string[] = [];
  const parts = key.split("/");
  let name: string;
  if (parts.length === 1) {
    name = key;
  } else if (parts.length === 2) {
    const prefix = parts[0] ?? "";
    name = parts[1] ?? "";
    if (prefix.length === 0) {
      errors.push("prefix part must be non-empty");
    } else {
      if (byteLength(prefix) > 253) errors.push("prefix part must be no more than 253 characters");
      if (!DNS_SUBDOMAIN_RE.test(prefix)) errors.push(`prefix part ${DNS_SUBDOMAIN_MSG}`);
    }
  } else {
    return [
      `a qualified name ${LABEL_NAME_MSG} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ];
  }
  if (name.length === 0) errors.push("name part must be non-empty");
  else if (byteLength(name) > 63) errors.push("name part must be no more than 63 characters");
  if (!LABEL_NAME_RE.test(name)) errors.push(`name part ${LABEL_NAME_MSG}`);
  return errors;
}

/** The reasons `value` is not a valid label value; empty when it is. */
export function labelValueErrors(value: string): string[] {
  const errors: string[] = [];
  if (byteLength(value) > 63) errors.push("must be no more than 63 characters");
  if (!LABEL_VALUE_RE.test(value)) errors.push(LABEL_VALUE_MSG);
  return errors;
}

const invalidValue = (path: string, value: unknown, detail: string): string =>
  fieldErrorMessage(fieldErrors.invalid(path, value, detail));

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const INTEGER_RE = /^[+-]?[0-9]+$/;

/** strconv.ParseInt(s, 10, 64): undefined when Go would fail. */
function parseInt64(s: string): bigint | undefined {
  if (!INTEGER_RE.test(s)) return undefined;
  const n = BigInt(s);
  return n < INT64_MIN || n > INT64_MAX ? undefined : n;
}

/**
 * labels.NewRequirement: checks the operator/value arity and every key and
 * value, and reports all problems at once as Kubernetes does. The string
 * parser has validated the key already, so it skips that check.
 */
function newRequirement(key: string, operator: LabelOperator, values: string[], checkKey: boolean): LabelRequirement {
  const errors: string[] = [];
  if (checkKey) {
    const keyErrors = labelKeyErrors(key);
    if (keyErrors.length > 0) errors.push(invalidValue("key", key, keyErrors.join("; ")));
  }
  switch (operator) {
    case "in":
    case "notin":
      if (values.length === 0) errors.push(invalidValue("values", null, "for 'in', 'notin' operators, values set can't be empty"));
      break;
    case "=":
    case "==":
    case "!=":
      if (values.length !== 1) errors.push(invalidValue("values", values, "exact-match compatibility requires one single value"));
      break;
    case "exists":
    case "!":
      if (values.length !== 0) errors.push(invalidValue("values", values, "values set must be empty for exists and does not exist"));
      break;
    case "gt":
    case "lt":
      if (values.length !== 1) errors.push(invalidValue("values", values, "for 'Gt', 'Lt' operators, exactly one value is required"));
      values.forEach((v, i) => {
        if (parseInt64(v) === undefined) {
          errors.push(invalidValue(`values[${i}]`, v, "for 'Gt', 'Lt' operators, the value must be an integer"));
        }
      });
      break;
  }
  values.forEach((v, i) => {
    const valueErrors = labelValueErrors(v);
    if (valueErrors.length > 0) errors.push(invalidValue(`values[${i}][${key}]`, v, valueErrors.join("; ")));
  });
  if (errors.length > 0) throw new SelectorError("InvalidLabelSelector", aggregateMessages(errors));
  return { key, operator, values };
}

// ---------------------------------------------------------------------------
// The label selector string grammar (labels.Parse)

type Token =
  | "end"
  | "error"
  | "identifier"
  | "("
  | ")"
  | ","
  | "!"
  | "=="
  | "="
  | ">"
  | "<"
  | "!="
  | "in"
  | "notin";

const SYMBOL_TOKENS: ReadonlyMap<string, Token> = new Map<string, Token>([
  [")", ")"],
  [",", ","],
  ["!", "!"],
  ["==", "=="],
  ["=", "="],
  [">", ">"],
  ["<", "<"],
  ["!=", "!="],
  ["(", "("],
]);

const isWhitespace = (ch: string): boolean => ch === " " || ch === "\t" || ch === "\r" || ch === "\n";
const isSpecial = (ch: string): boolean =>
  ch === "=" || ch === "!" || ch === "(" || ch === ")" || ch === "," || ch === ">" || ch === "<";

interface Scanned {
  token: Token;
  literal: string;
}

function lex(input: string): Scanned[] {
  const items: Scanned[] = [];
  let pos = 0;
  for (;;) {
    while (pos < input.length && isWhitespace(input[pos] ?? "")) pos++;
    if (pos >= input.length) {
      items.push({ token: "end", literal: "" });
      return items;
    }
    if (isSpecial(input[pos] ?? "")) {
      // Longest run of symbols that still spells an operator: "!=" and "==" are
      // one token, "=(" is "=" followed by "(".
      let buffer = "";
      let last: Scanned | undefined;
      while (pos < input.length && isSpecial(input[pos] ?? "")) {
        const candidate = buffer + input[pos];
        const token = SYMBOL_TOKENS.get(candidate);
        if (token !== undefined) {
          last = { token, literal: candidate };
        } else if (last !== undefined) {
          break;
        }
        buffer = candidate;
        pos++;
      }
      items.push(last ?? { token: "error", literal: `error expected: keyword found '${buffer}'` });
      continue;
    }
    const start = pos;
    while (pos < input.length && !isSpecial(input[pos] ?? "") && !isWhitespace(input[pos] ?? "")) pos++;
    const word = input.slice(start, pos);
    items.push({ token: word === "in" || word === "notin" ? word : "identifier", literal: word });
  }
}

const BINARY_OPERATORS = "in, notin, =, ==, !=, gt, lt";

class LabelParser {
  private position = 0;
  constructor(private readonly items: Scanned[]) {}

  // In value position "in" and "notin" are ordinary words ("x in (in)").
  private peek(asValue: boolean): Scanned {
    const item = this.items[this.position] ?? { token: "end", literal: "" };
    return asValue && (item.token === "in" || item.token === "notin") ? { token: "identifier", literal: item.literal } : item;
  }

  private next(asValue: boolean): Scanned {
    const item = this.peek(asValue);
    this.position++;
    return item;
  }

  parse(): LabelRequirement[] {
    const requirements: LabelRequirement[] = [];
    for (;;) {
      const { token, literal } = this.peek(true);
      if (token === "end") return requirements;
      if (token !== "identifier" && token !== "!") {
        throw new SelectorError("InvalidLabelSelector", `found '${literal}', expected: !, identifier, or 'end of string'`);
      }
      requirements.push(this.requirementOrThrow());
      const after = this.next(true);
      if (after.token === "end") return requirements;
      if (after.token !== ",") {
        throw new SelectorError("InvalidLabelSelector", `found '${after.literal}', expected: ',' or 'end of string'`);
      }
      const following = this.peek(true);
      if (following.token !== "identifier" && following.token !== "!") {
        throw new SelectorError("InvalidLabelSelector", `found '${following.literal}', expected: identifier after ','`);
      }
    }
  }

  private requirementOrThrow(): LabelRequirement {
    try {
      return this.requirement();
    } catch (e) {
      if (e instanceof SelectorError) {
        throw new SelectorError("InvalidLabelSelector", `unable to parse requirement: ${e.message}`);
      }
      throw e;
    }
  }

  private requirement(): LabelRequirement {
    let negated = false;
    let item = this.next(true);
    if (item.token === "!") {
      negated = true;
      item = this.next(true);
    }
    if (item.token !== "identifier") {
      throw new SelectorError("InvalidLabelSelector", `found '${item.literal}', expected: identifier`);
    }
    const key = item.literal;
    const keyErrors = labelKeyErrors(key);
    // The string parser has no field path, which Kubernetes prints as "<nil>".
    if (keyErrors.length > 0) throw new SelectorError("InvalidLabelSelector", invalidValue("<nil>", key, keyErrors.join("; ")));
    const lookahead = this.peek(true).token;
    // "!a=b" stops after the key; parse() then rejects the "=".
    if (negated || lookahead === "end" || lookahead === ",") {
      return newRequirement(key, negated ? "!" : "exists", [], false);
    }
    const operator = this.operator();
    const values = operator === "in" || operator === "notin" ? this.valueSet() : this.exactValue();
    return newRequirement(key, operator, [...values].sort(), false);
  }

  private operator(): LabelOperator {
    const { token, literal } = this.next(false);
    switch (token) {
      case "in":
        return "in";
      case "notin":
        return "notin";
      case "=":
        return "=";
      case "==":
        return "==";
      case "!=":
        return "!=";
      case ">":
        return "gt";
      case "<":
        return "lt";
      default:
        throw new SelectorError("InvalidLabelSelector", `found '${literal}', expected: ${BINARY_OPERATORS}`);
    }
  }

  private valueSet(): Set<string> {
    const open = this.next(true);
    if (open.token !== "(") throw new SelectorError("InvalidLabelSelector", `found '${open.literal}' expected: '('`);
    const first = this.peek(true);
    if (first.token === ")") {
      this.next(true);
      return new Set([""]);
    }
    if (first.token !== "identifier" && first.token !== ",") {
      throw new SelectorError("InvalidLabelSelector", `found '${first.literal}', expected: ',', ')' or identifier`);
    }
    const values = this.identifierList();
    if (this.next(true).token !== ")") {
      throw new SelectorError("InvalidLabelSelector", `found '${first.literal}', expected: ')'`);
    }
    return values;
  }

  // Empty entries are the empty value: "(a,)", "(,a)" and "(a,,b)" all contain "".
  // Kubernetes 1.32 swallows the second comma of ",," so "(a,,)" is an error there.
  private identifierList(): Set<string> {
    const values = new Set<string>();
    for (;;) {
      const item = this.next(true);
      if (item.token === "identifier") {
        values.add(item.literal);
        const after = this.peek(true);
        if (after.token === ",") continue;
        if (after.token === ")") return values;
        throw new SelectorError("InvalidLabelSelector", `found '${after.literal}', expected: ',' or ')'`);
      }
      if (item.token === ",") {
        if (values.size === 0) values.add("");
        const after = this.peek(true).token;
        if (after === ")") {
          values.add("");
          return values;
        }
        if (after === ",") {
          this.next(true);
          values.add("");
        }
        continue;
      }
      throw new SelectorError("InvalidLabelSelector", `found '${item.literal}', expected: ',', or identifier`);
    }
  }

  private exactValue(): Set<string> {
    const ahead = this.peek(true).token;
    if (ahead === "end" || ahead === ",") return new Set([""]);
    const item = this.next(true);
    if (item.token !== "identifier") throw new SelectorError("InvalidLabelSelector", `found '${item.literal}', expected: identifier`);
    return new Set([item.literal]);
  }
}

const byKey = (a: LabelRequirement, b: LabelRequirement): number => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/**
 * Parses a label selector string into requirements sorted by key, as
 * labels.Parse does. The empty string selects everything.
 * @throws SelectorError with Kubernetes' message when the string is invalid.
 */
export function parseLabelSelector(selector: string): LabelRequirement[] {
  return new LabelParser(lex(selector)).parse().sort(byKey);
}

/** Requirement.String(): the canonical text form, values sorted. */
export function labelRequirementToString(r: LabelRequirement): string {
  const values = r.values.length === 1 ? (r.values[0] ?? "") : [...r.values].sort().join(",");
  switch (r.operator) {
    case "exists":
      return r.key;
    case "!":
      return `!${r.key}`;
    case "in":
      return `${r.key} in (${values})`;
    case "notin":
      return `${r.key} notin (${values})`;
    case "gt":
      return `${r.key}>${values}`;
    case "lt":
      return `${r.key}<${values}`;
    default:
      return `${r.key}${r.operator}${values}`;
  }
}

/** Selector.String(): requirements joined by ",". */
export const labelRequirementsToString = (requirements: readonly LabelRequirement[]): string =>
  requirements.map(labelRequirementToString).join(",");

// A prototype property ("constructor", "toString") is never a string, so a
// typeof check keeps lookups on plain label maps both safe and fast.
const lookup = (labels: Labels, key: string): string | undefined => {
  const value = labels?.[key];
  return typeof value === "string" ? value : undefined;
};

const MAX_SAFE_DIGITS = 15;

function compileRequirement(r: LabelRequirement): LabelMatcher {
  const { key, values } = r;
  switch (r.operator) {
    case "=":
    case "==":
    case "in": {
      if (values.length === 1) {
        const only = values[0];
        return (labels) => lookup(labels, key) === only;
      }
      const set = new Set(values);
      return (labels) => {
        const v = lookup(labels, key);
        return v !== undefined && set.has(v);
      };
    }
    case "!=":
    case "notin": {
      if (values.length === 1) {
        const only = values[0];
        return (labels) => lookup(labels, key) !== only;
      }
      const set = new Set(values);
      return (labels) => {
        const v = lookup(labels, key);
        return v === undefined || !set.has(v);
      };
    }
    case "exists":
      return (labels) => lookup(labels, key) !== undefined;
    case "!":
      return (labels) => lookup(labels, key) === undefined;
    case "gt":
    case "lt": {
      const bound = values.length === 1 ? parseInt64(values[0] ?? "") : undefined;
      if (bound === undefined) return () => false;
      const greater = r.operator === "gt";
      const boundNumber = Number(bound);
      return (labels) => {
        const v = lookup(labels, key);
        if (v === undefined || !INTEGER_RE.test(v)) return false;
        // Most label numbers are small; only long ones pay for BigInt.
        if (v.length <= MAX_SAFE_DIGITS) {
          const n = Number(v);
          return greater ? n > boundNumber : n < boundNumber;
        }
        const n = parseInt64(v);
        if (n === undefined) return false;
        return greater ? n > bound : n < bound;
      };
    }
  }
}

/** A matcher that is true when every requirement holds; no requirements match everything. */
export function compileLabelMatcher(requirements: readonly LabelRequirement[]): LabelMatcher {
  const matchers = requirements.map(compileRequirement);
  if (matchers.length === 0) return () => true;
  if (matchers.length === 1) return matchers[0] ?? (() => true);
  return (labels) => {
    for (const m of matchers) if (!m(labels)) return false;
    return true;
  };
}

/** Parses and compiles in one step. @throws SelectorError */
export const labelSelectorMatcher = (selector: string): LabelMatcher => compileLabelMatcher(parseLabelSelector(selector));

const OBJECT_OPERATORS: Readonly<Record<string, LabelOperator>> = {
  In: "in",
  NotIn: "notin",
  Exists: "exists",
  DoesNotExist: "!",
};

/**
 * metav1.LabelSelectorAsSelector without the nil case: matchLabels become
 * "=" requirements, expressions keep their values as given, all sorted by key.
 * @throws SelectorError when a key, value or operator is invalid.
 */
export function labelSelectorToRequirements(selector: LabelSelector): LabelRequirement[] {
  const requirements: LabelRequirement[] = [];
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    requirements.push(newRequirement(key, "=", [value], true));
  }
  for (const expression of selector.matchExpressions ?? []) {
    const operator = Object.hasOwn(OBJECT_OPERATORS, expression.operator) ? OBJECT_OPERATORS[expression.operator] : undefined;
    if (operator === undefined) {
      throw new SelectorError("InvalidLabelSelector", `${JSON.stringify(expression.operator)} is not a valid label selector operator`);
    }
    requirements.push(newRequirement(expression.key, operator, [...(expression.values ?? [])], true));
  }
  return requirements.sort(byKey);
}

/**
 * The matcher for a LabelSelector object. A missing selector matches nothing
 * and an empty one everything, as in Kubernetes.
 * @throws SelectorError
 */
export function labelSelectorObjectMatcher(selector: LabelSelector | null | undefined): LabelMatcher {
  if (selector == null) return () => false;
  return compileLabelMatcher(labelSelectorToRequirements(selector));
}

/** LabelSelectorAsSelector(s).String(): "" for a missing or empty selector. @throws SelectorError */
export function labelSelectorToString(selector: LabelSelector | null | undefined): string {
  return selector == null ? "" : labelRequirementsToString(labelSelectorToRequirements(selector));
}

/** metav1.FormatLabelSelector, as printed in tables: "<none>" when empty, "<error>" when invalid. */
export function formatLabelSelector(selector: LabelSelector | null | undefined): string {
  try {
    return labelSelectorToString(selector) || "<none>";
  } catch (e) {
    if (e instanceof SelectorError) return "<error>";
    throw e;
  }
}

/** labels.FormatLabels: "k=v" sorted by key, or "<none>". */
export function formatLabels(labels: Labels): string {
  if (labels === undefined) return "<none>";
  const keys = Object.keys(labels).sort();
  return keys.length === 0 ? "<none>" : keys.map((k) => `${k}=${labels[k]}`).join(",");
}

// ---------------------------------------------------------------------------
// Field selectors (fields.ParseSelector)

export interface FieldRequirement {
  readonly field: string;
  /** "==" is parsed as "=", as Kubernetes does. */
  readonly operator: "=" | "!=";
  /** Unescaped. */
  readonly value: string;
}

/** Reads one selectable field; an absent field reads as "", as Kubernetes' fields.Set does. */
export type FieldExtractor<T> = (object: T) => string;
export type FieldExtractors<T> = Readonly<Record<string, FieldExtractor<T>>>;

/** The fields every resource supports. */
export const metadataFields: FieldExtractors<{ metadata: { name?: string; namespace?: string } }> = {
  "metadata.name": (o) => o.metadata.name ?? "",
  "metadata.namespace": (o) => o.metadata.namespace ?? "",
};

// Splits on commas that are not escaped; the escapes stay for unescape().
function splitTerms(selector: string): string[] {
  if (selector.length === 0) return [];
  const terms: string[] = [];
  let start = 0;
  let inSlash = false;
  for (let i = 0; i < selector.length; i++) {
    const c = selector[i];
    if (inSlash) inSlash = false;
    else if (c === "\\") inSlash = true;
    else if (c === ",") {
      terms.push(selector.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(selector.slice(start));
  return terms;
}

// The left side has no escaping, so the first operator splits; "!=" and "=="
// are tried before "=" so they are not read as "=" plus a value starting "=".
function splitTerm(term: string): [string, "=" | "!=", string] | undefined {
  for (let i = 0; i < term.length; i++) {
    if (term.startsWith("!=", i)) return [term.slice(0, i), "!=", term.slice(i + 2)];
    if (term.startsWith("==", i)) return [term.slice(0, i), "=", term.slice(i + 2)];
    if (term[i] === "=") return [term.slice(0, i), "=", term.slice(i + 1)];
  }
  return undefined;
}

function unescape(value: string): string {
  if (!/[\\,=]/.test(value)) return value;
  let out = "";
  let inSlash = false;
  for (const c of value) {
    if (inSlash) {
      if (c !== "\\" && c !== "," && c !== "=") {
        throw new SelectorError("InvalidFieldSelector", `invalid field selector: invalid escape sequence: \\${c}`);
      }
      out += c;
      inSlash = false;
    } else if (c === "\\") {
      inSlash = true;
    } else if (c === "," || c === "=") {
      // Kubernetes prints the rune as a number here; clients may match on it.
      throw new SelectorError("InvalidFieldSelector", `invalid field selector: unescaped character in value: ${c.codePointAt(0)}`);
    } else {
      out += c;
    }
  }
  if (inSlash) throw new SelectorError("InvalidFieldSelector", "invalid field selector: invalid escape sequence: \\");
  return out;
}

/**
 * Parses a field selector string. Empty terms are skipped, so "" selects everything.
 * @throws SelectorError with Kubernetes' message when the string is invalid.
 */
export function parseFieldSelector(selector: string): FieldRequirement[] {
  const requirements: FieldRequirement[] = [];
  for (const term of splitTerms(selector).sort()) {
    if (term === "") continue;
    const split = splitTerm(term);
    if (split === undefined) {
      throw new SelectorError("InvalidFieldSelector", `invalid selector: '${selector}'; can't understand '${term}'`);
    }
    const [field, operator, raw] = split;
    requirements.push({ field, operator, value: unescape(raw) });
  }
  return requirements;
}

/** fields.EscapeValue: the inverse of the parser's unescaping. */
export const escapeFieldValue = (value: string): string =>
  value.replaceAll("\\", "\\\\").replaceAll(",", "\\,").replaceAll("=", "\\=");

export const fieldRequirementsToString = (requirements: readonly FieldRequirement[]): string =>
  requirements.map((r) => `${r.field}${r.operator}${escapeFieldValue(r.value)}`).join(",");

/**
 * A matcher over objects of one resource. Unknown fields are rejected here,
 * once, rather than while matching.
 * @throws SelectorError("FieldLabelNotSupported") with "field label not supported: <field>".
 */
export function compileFieldMatcher<T>(requirements: readonly FieldRequirement[], fields: FieldExtractors<T>): (object: T) => boolean {
  const matchers = requirements.map(({ field, operator, value }): ((object: T) => boolean) => {
    const extract = Object.hasOwn(fields, field) ? fields[field] : undefined;
    if (extract === undefined) throw new SelectorError("FieldLabelNotSupported", `field label not supported: ${field}`);
    return operator === "=" ? (o) => extract(o) === value : (o) => extract(o) !== value;
  });
  if (matchers.length === 0) return () => true;
  if (matchers.length === 1) return matchers[0] ?? (() => true);
  return (object) => {
    for (const m of matchers) if (!m(object)) return false;
    return true;
  };
}

/** Parses and compiles in one step. @throws SelectorError */
export const fieldSelectorMatcher = <T>(selector: string, fields: FieldExtractors<T>): ((object: T) => boolean) =>
  compileFieldMatcher(parseFieldSelector(selector), fields);
