import { describe, expect, test } from "bun:test";
import { ApiError, toStatus } from "./errors.ts";
import {
  compileFieldMatcher,
  compileLabelMatcher,
  escapeFieldValue,
  fieldRequirementsToString,
  fieldSelectorMatcher,
  formatLabels,
  formatLabelSelector,
  type LabelSelector,
  labelRequirementsToString,
  labelSelectorMatcher,
  labelSelectorObjectMatcher,
  labelSelectorToRequirements,
  labelSelectorToString,
  metadataFields,
  parseFieldSelector,
  parseLabelSelector,
  SelectorError,
} from "./selectors.ts";

const thrown = (fn: () => unknown): SelectorError => {
  try {
    fn();
  } catch (e) {
    if (e instanceof SelectorError) return e;
    throw e;
  }
  throw new Error("expected a SelectorError");
};

const KEY_NAME_RULE =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const VALUE_RULE =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

describe("parseLabelSelector", () => {
  test.each([
    ["", ""],
    ["x=a", "x=a"],
    ["x==a", "x==a"],
    ["x!=a", "x!=a"],
    ["x", "x"],
    ["!x", "!x"],
    ["x in (a,b)", "x in (a,b)"],
    ["x in (b,a,a)", "x in (a,b)"],
    ["x in(a)", "x in (a)"],
    ["x notin (a)", "x notin (a)"],
    ["x in ()", "x in ()"],
    ["x in (foo,,baz)", "x in (,baz,foo)"],
    ["x in (,a)", "x in (,a)"],
    ["x in (a,)", "x in (,a)"],
    ["x=", "x="],
    ["x==", "x=="],
    ["a>1", "a>1"],
    ["a<10", "a<10"],
    ["z=1,a=2", "a=2,z=1"],
    ["  x = a ,\ty\n", "x=a,y"],
    ["in in (in,notin)", "in in (in,notin)"],
    ["example.com/app=web,!example.com/legacy", "example.com/app=web,!example.com/legacy"],
    ["tier notin (frontend,backend),env in (prod),app", "app,env in (prod),tier notin (backend,frontend)"],
  ])("%p parses to %p", (input, canonical) => {
    expect(labelRequirementsToString(parseLabelSelector(input))).toBe(canonical);
  });

  test("requirements carry operator and sorted, unique values", () => {
    expect(parseLabelSelector("b in (y,x,y),a>3,!c")).toEqual([
      { key: "a", operator: "gt", values: ["3"] },
      { key: "b", operator: "in", values: ["x", "y"] },
      { key: "c", operator: "!", values: [] },
    ]);
  });

  test.each([
    ["x in (a", "unable to parse requirement: found '', expected: ',' or ')'"],
    ["x in a", "unable to parse requirement: found 'a' expected: '('"],
    ["x in (a,,)", "unable to parse requirement: found ')', expected: ',', or identifier"],
    ["x in (=)", "unable to parse requirement: found '=', expected: ',', ')' or identifier"],
    ["x a", "unable to parse requirement: found 'a', expected: in, notin, =, ==, !=, gt, lt"],
    ["x=(", "unable to parse requirement: found '(', expected: identifier"],
    ["!", "unable to parse requirement: found '', expected: identifier"],
    ["x=a b", "found 'b', expected: ',' or 'end of string'"],
    ["x=a,", "found '', expected: identifier after ','"],
    ["x=a,,y", "found ',', expected: identifier after ','"],
    ["=a", "found '=', expected: !, identifier, or 'end of string'"],
    ["!x=a", "found '=', expected: ',' or 'end of string'"],
    ["-x=a", `unable to parse requirement: <nil>: Invalid value: "-x": ${KEY_NAME_RULE}`],
    ["x=-a", `unable to parse requirement: values[0][x]: Invalid value: "-a": ${VALUE_RULE}`],
    ["x>a", "unable to parse requirement: values[0]: Invalid value: \"a\": for 'Gt', 'Lt' operators, the value must be an integer"],
    ["x>", "unable to parse requirement: values[0]: Invalid value: \"\": for 'Gt', 'Lt' operators, the value must be an integer"],
    ["x>-1", `unable to parse requirement: values[0][x]: Invalid value: "-1": ${VALUE_RULE}`],
    [
      "a/b/c",
      "unable to parse requirement: <nil>: Invalid value: \"a/b/c\": a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ],
    ["/x", 'unable to parse requirement: <nil>: Invalid value: "/x": prefix part must be non-empty'],
    [
      "Example.com/x",
      "unable to parse requirement: <nil>: Invalid value: \"Example.com/x\": prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    ],
    [`${"k".repeat(64)}`, `unable to parse requirement: <nil>: Invalid value: "${"k".repeat(64)}": name part must be no more than 63 characters`],
    [`x=${"v".repeat(64)}`, `unable to parse requirement: values[0][x]: Invalid value: "${"v".repeat(64)}": must be no more than 63 characters`],
  ])("%p is rejected with Kubernetes' message", (input, message) => {
    const error = thrown(() => parseLabelSelector(input));
    expect(error.code).toBe("InvalidLabelSelector");
    expect(error.message).toBe(message);
  });

  test("a value failing two rules reports both, bracketed", () => {
    expect(thrown(() => parseLabelSelector("x>a-")).message).toBe(
      `unable to parse requirement: [values[0]: Invalid value: "a-": for 'Gt', 'Lt' operators, the value must be an integer, values[0][x]: Invalid value: "a-": ${VALUE_RULE}]`,
    );
  });

  test("selector errors are 400 BadRequest API errors", () => {
    const error = thrown(() => parseLabelSelector("x in ("));
    expect(error).toBeInstanceOf(ApiError);
    expect(toStatus(error)).toMatchObject({ code: 400, reason: "BadRequest", status: "Failure", message: error.message });
  });
});

describe("label matching", () => {
  test.each<[string, Record<string, string> | undefined, boolean]>([
    ["", undefined, true],
    ["", { a: "1" }, true],
    ["a=1", { a: "1" }, true],
    ["a=1", { a: "2" }, false],
    ["a=1", {}, false],
    ["a=1", undefined, false],
    ["a==1", { a: "1" }, true],
    ["a!=1", { a: "1" }, false],
    ["a!=1", { a: "2" }, true],
    ["a!=1", {}, true],
    ["a in (1,2)", { a: "2" }, true],
    ["a in (1,2)", { a: "3" }, false],
    ["a in (1,2)", {}, false],
    ["a notin (1,2)", { a: "3" }, true],
    ["a notin (1,2)", { a: "1" }, false],
    ["a notin (1,2)", {}, true],
    ["a", { a: "" }, true],
    ["a", { b: "" }, false],
    ["!a", { b: "" }, true],
    ["!a", { a: "" }, false],
    ["a=", { a: "" }, true],
    ["a in (,x)", { a: "" }, true],
    ["a>1", { a: "2" }, true],
    ["a>1", { a: "1" }, false],
    ["a>1", { a: "x" }, false],
    ["a>1", {}, false],
    ["a<1", { a: "0" }, true],
    ["a<1", { a: "+0" }, true],
    ["a<1", { a: "1.5" }, false],
    ["a>9007199254740992", { a: "9007199254740993" }, true],
    ["a>9007199254740992", { a: "9223372036854775808" }, false],
    ["a<5", { a: "-9007199254740993" }, true],
    ["a=1,b", { a: "1", b: "x" }, true],
    ["a=1,b", { a: "1" }, false],
    ["constructor", {}, false],
    ["!constructor", {}, true],
    ["toString=x", {}, false],
  ])("%p on %p is %p", (selector, labels, expected) => {
    expect(labelSelectorMatcher(selector)(labels)).toBe(expected);
  });

  test("a label named like an Object.prototype member is matched as a plain key", () => {
    const labels = JSON.parse('{"constructor":"x"}') as Record<string, string>;
    expect(labelSelectorMatcher("constructor=x")(labels)).toBe(true);
    expect(labelSelectorMatcher("constructor")(labels)).toBe(true);
  });

  test("matches 10,000 label sets many times over without reparsing", () => {
    const match = labelSelectorMatcher("app=web,tier in (frontend,edge),!canary,version>3");
    const sets = Array.from({ length: 10_000 }, (_, i) => ({
      app: i % 2 === 0 ? "web" : "db",
      tier: i % 3 === 0 ? "edge" : "frontend",
      version: String(i % 7),
      ...(i % 5 === 0 ? { canary: "true" } : {}),
    }));
    const started = performance.now();
    let count = 0;
    for (let round = 0; round < 20; round++) for (const labels of sets) if (match(labels)) count++;
    expect(count).toBe(20 * sets.filter((l) => l.app === "web" && !("canary" in l) && Number(l.version) > 3).length);
    // 200,000 matches; a matcher that reparsed or allocated per call would take seconds.
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe("LabelSelector objects", () => {
  test.each<[string, LabelSelector, string]>([
    ["empty", {}, ""],
    ["matchLabels sorted by key", { matchLabels: { b: "2", a: "1" } }, "a=1,b=2"],
    [
      "expressions",
      {
        matchLabels: { app: "web" },
        matchExpressions: [
          { key: "tier", operator: "In", values: ["frontend", "cache"] },
          { key: "env", operator: "NotIn", values: ["dev"] },
          { key: "canary", operator: "DoesNotExist" },
          { key: "track", operator: "Exists" },
        ],
      },
      "app=web,!canary,env notin (dev),tier in (cache,frontend),track",
    ],
  ])("%s converts to %p", (_, selector, text) => {
    expect(labelSelectorToString(selector)).toBe(text);
    expect(labelRequirementsToString(labelSelectorToRequirements(selector))).toBe(text);
  });

  test("expression values keep their given order in requirements", () => {
    expect(labelSelectorToRequirements({ matchExpressions: [{ key: "a", operator: "In", values: ["z", "y"] }] })).toEqual([
      { key: "a", operator: "in", values: ["z", "y"] },
    ]);
  });

  test.each<[string, LabelSelector | null | undefined, Record<string, string> | undefined, boolean]>([
    ["a missing selector matches nothing", undefined, { a: "1" }, false],
    ["a null selector matches nothing", null, {}, false],
    ["an empty selector matches everything", {}, undefined, true],
    ["matchLabels", { matchLabels: { a: "1" } }, { a: "1", b: "2" }, true],
    ["matchLabels mismatch", { matchLabels: { a: "1" } }, { a: "2" }, false],
    ["In", { matchExpressions: [{ key: "a", operator: "In", values: ["1", "2"] }] }, { a: "2" }, true],
    ["NotIn on a missing key", { matchExpressions: [{ key: "a", operator: "NotIn", values: ["1"] }] }, {}, true],
    ["DoesNotExist", { matchExpressions: [{ key: "a", operator: "DoesNotExist" }] }, { a: "1" }, false],
  ])("%s", (_, selector, labels, expected) => {
    expect(labelSelectorObjectMatcher(selector)(labels)).toBe(expected);
  });

  test.each<[string, LabelSelector, string]>([
    ["unknown operator", { matchExpressions: [{ key: "a", operator: "Gt", values: ["1"] }] }, '"Gt" is not a valid label selector operator'],
    [
      "In without values",
      { matchExpressions: [{ key: "a", operator: "In", values: [] }] },
      "values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty",
    ],
    [
      "Exists with values",
      { matchExpressions: [{ key: "a", operator: "Exists", values: ["x"] }] },
      'values: Invalid value: ["x"]: values set must be empty for exists and does not exist',
    ],
    ["bad key", { matchLabels: { "-a": "1" } }, `key: Invalid value: "-a": ${KEY_NAME_RULE}`],
    ["bad value", { matchLabels: { a: "b c" } }, `values[0][a]: Invalid value: "b c": ${VALUE_RULE}`],
  ])("%s is rejected", (_, selector, message) => {
    const error = thrown(() => labelSelectorToRequirements(selector));
    expect(error.code).toBe("InvalidLabelSelector");
    expect(error.message).toBe(message);
  });

  test.each<[LabelSelector | null | undefined, string]>([
    [undefined, "<none>"],
    [{}, "<none>"],
    [{ matchLabels: { app: "web" } }, "app=web"],
    [{ matchExpressions: [{ key: "a", operator: "Bogus" }] }, "<error>"],
  ])("formatLabelSelector(%p) is %p", (selector, text) => {
    expect(formatLabelSelector(selector)).toBe(text);
  });

  test.each<[Record<string, string> | undefined, string]>([
    [undefined, "<none>"],
    [{}, "<none>"],
    [{ b: "2", a: "1" }, "a=1,b=2"],
  ])("formatLabels(%p) is %p", (labels, text) => {
    expect(formatLabels(labels)).toBe(text);
  });
});

describe("field selectors", () => {
  interface Pod {
    metadata: { name?: string; namespace?: string };
    spec: { nodeName?: string };
    status: { phase?: string };
  }
  const podFields = {
    ...metadataFields,
    "spec.nodeName": (p: Pod) => p.spec.nodeName ?? "",
    "status.phase": (p: Pod) => p.status.phase ?? "",
  };
  const pod = (name: string, nodeName?: string, phase = "Running"): Pod => ({
    metadata: { name, namespace: "default" },
    spec: { nodeName },
    status: { phase },
  });

  test.each([
    ["", ""],
    ["a=b", "a=b"],
    ["a==b", "a=b"],
    ["a!=b", "a!=b"],
    ["b=2,a=1", "a=1,b=2"],
    ["a=", "a="],
    ["a=b,,", "a=b"],
    ["a=x\\,y\\=z\\\\", "a=x\\,y\\=z\\\\"],
  ])("%p parses to %p", (input, canonical) => {
    expect(fieldRequirementsToString(parseFieldSelector(input))).toBe(canonical);
  });

  test("escaped values are unescaped", () => {
    expect(parseFieldSelector("metadata.name=a\\,b\\=c\\\\d")).toEqual([{ field: "metadata.name", operator: "=", value: "a,b=c\\d" }]);
    expect(escapeFieldValue("a,b=c\\d")).toBe("a\\,b\\=c\\\\d");
  });

  test.each<[string, Pod, boolean]>([
    ["", pod("a"), true],
    ["metadata.name=a", pod("a"), true],
    ["metadata.name=a", pod("b"), false],
    ["metadata.name==a", pod("a"), true],
    ["metadata.name!=a", pod("a"), false],
    ["metadata.namespace=default,metadata.name=a", pod("a"), true],
    ["spec.nodeName=", pod("a"), true],
    ["spec.nodeName=", pod("a", "n1"), false],
    ["spec.nodeName!=", pod("a", "n1"), true],
    ["status.phase!=Succeeded,status.phase!=Failed", pod("a", "n1", "Failed"), false],
    ["metadata.name=a\\,b", pod("a,b"), true],
  ])("%p on a pod", (selector, object, expected) => {
    expect(fieldSelectorMatcher(selector, podFields)(object)).toBe(expected);
  });

  test.each([
    ["a", "InvalidFieldSelector", "invalid selector: 'a'; can't understand 'a'"],
    ["metadata.name=x,b", "InvalidFieldSelector", "invalid selector: 'metadata.name=x,b'; can't understand 'b'"],
    ["a=b\\x", "InvalidFieldSelector", "invalid field selector: invalid escape sequence: \\x"],
    ["a=b\\", "InvalidFieldSelector", "invalid field selector: invalid escape sequence: \\"],
    ["a=b=c", "InvalidFieldSelector", "invalid field selector: unescaped character in value: 61"],
    ["foo=bar", "FieldLabelNotSupported", "field label not supported: foo"],
    ["metadata.name = a", "FieldLabelNotSupported", "field label not supported: metadata.name "],
    ["constructor=x", "FieldLabelNotSupported", "field label not supported: constructor"],
  ])("%p is rejected", (selector, code, message) => {
    const error = thrown(() => fieldSelectorMatcher(selector, podFields));
    expect(error.code).toBe(code as SelectorError["code"]);
    expect(error.message).toBe(message);
    expect(toStatus(error)).toMatchObject({ code: 400, reason: "BadRequest", message });
  });

  test("unsupported fields are found when compiling, before any object is read", () => {
    const requirements = parseFieldSelector("spec.unknown=x");
    expect(() => compileFieldMatcher(requirements, podFields)).toThrow("field label not supported: spec.unknown");
  });

  test("every resource supports metadata.name and metadata.namespace", () => {
    const match = fieldSelectorMatcher("metadata.name=x,metadata.namespace=", metadataFields);
    expect(match({ metadata: { name: "x" } })).toBe(true);
    expect(match({ metadata: { name: "x", namespace: "ns" } })).toBe(false);
  });

  test("an empty requirement list matches everything", () => {
    expect(compileLabelMatcher([])(undefined)).toBe(true);
    expect(compileFieldMatcher([], podFields)(pod("a"))).toBe(true);
  });
});
