// The slice of a resource's JSON Schema that patching needs: where fields
// and items are, and Kubernetes' merge extensions. `schemas/` builds these
// with TypeBox; any plain JSON Schema of that shape works.

export type PatchStrategyExtension =
  | "merge"
  | "replace"
  | "retainKeys"
  | "merge,retainKeys"
  | "retainKeys,merge";

export interface SchemaNode {
  readonly type?: string | readonly string[];
  readonly properties?: Readonly<Record<string, SchemaNode>>;
  readonly additionalProperties?: SchemaNode | boolean;
  /** TypeBox's Type.Record emits this instead of additionalProperties. */
  readonly patternProperties?: Readonly<Record<string, SchemaNode>>;
  readonly items?: SchemaNode;
  readonly allOf?: readonly SchemaNode[];
  readonly anyOf?: readonly SchemaNode[];
  readonly oneOf?: readonly SchemaNode[];
  readonly default?: unknown;
  readonly "x-kubernetes-patch-merge-key"?: string;
  readonly "x-kubernetes-patch-strategy"?: PatchStrategyExtension | string;
  readonly "x-kubernetes-list-type"?: "atomic" | "set" | "map" | string;
  readonly "x-kubernetes-list-map-keys"?: readonly string[];
  readonly "x-kubernetes-map-type"?: "atomic" | "granular" | string;
  readonly "x-kubernetes-int-or-string"?: boolean;
  readonly "x-kubernetes-preserve-unknown-fields"?: boolean;
}

/** A node with allOf/anyOf/oneOf folded in, computed once per node. */
export interface Shape {
  /** Named fields; present means the node is a struct. */
  readonly properties: ReadonlyMap<string, SchemaNode> | undefined;
  /** Schema of map values (additionalProperties or patternProperties). */
  readonly additional: SchemaNode | undefined;
  readonly items: SchemaNode | undefined;
  readonly mergeKey: string | undefined;
  /** The patch strategy other than retainKeys: "merge", "replace" or "". */
  readonly patchStrategy: string;
  readonly listType: string | undefined;
  readonly listMapKeys: readonly string[] | undefined;
  readonly mapType: string | undefined;
  readonly intOrString: boolean;
  /** The schema's `default`: list-map key fields an item omits take it. */
  readonly default: unknown;
}

const shapes = new WeakMap<SchemaNode, Shape>();

const EMPTY_SHAPE: Shape = {
  properties: undefined,
  additional: undefined,
  items: undefined,
  mergeKey: undefined,
  patchStrategy: "",
  listType: undefined,
  listMapKeys: undefined,
  mapType: undefined,
  intOrString: false,
  default: undefined,
};

/** The shape of a node; `undefined` (no schema) gives a shape that knows nothing. */
export function shapeOf(node: SchemaNode | undefined): Shape {
  if (node === undefined) return EMPTY_SHAPE;
  let shape = shapes.get(node);
  if (shape === undefined) {
    shape = buildShape(node);
    shapes.set(node, shape);
  }
  return shape;
}

/** The schema of field `key` of an object, or of its map values. */
export function fieldSchema(shape: Shape, key: string): SchemaNode | undefined {
  return shape.properties?.get(key) ?? shape.additional;
}

/** True when field `key` is one of the struct's declared fields. */
export function isNamedField(shape: Shape, key: string): boolean {
  return shape.properties?.has(key) ?? false;
}

function buildShape(node: SchemaNode): Shape {
  // Extensions may sit on the wrapper (TypeBox puts options there) or on the
  // member carrying the structure; the wrapper wins.
  const members = [node, ...flattenMembers(node)];
  const pick = <K extends keyof SchemaNode>(key: K): SchemaNode[K] | undefined => {
    for (const member of members) if (member[key] !== undefined) return member[key];
    return undefined;
  };

  let properties: Map<string, SchemaNode> | undefined;
  let additional: SchemaNode | undefined;
  let items: SchemaNode | undefined;
  for (const member of members) {
    if (member.properties !== undefined) {
      properties ??= new Map();
      for (const [key, value] of Object.entries(member.properties)) {
        if (!properties.has(key)) properties.set(key, value);
      }
    }
    if (additional === undefined && typeof member.additionalProperties === "object") {
      additional = member.additionalProperties;
    }
    if (additional === undefined && member.patternProperties !== undefined) {
      additional = Object.values(member.patternProperties)[0];
    }
    items ??= member.items;
  }

  const strategies = (pick("x-kubernetes-patch-strategy") ?? "").split(",");
  return {
    properties,
    additional,
    items,
    mergeKey: pick("x-kubernetes-patch-merge-key"),
    patchStrategy: strategies.find((s) => s !== "retainKeys" && s !== "") ?? "",
    listType: pick("x-kubernetes-list-type"),
    listMapKeys: pick("x-kubernetes-list-map-keys"),
    mapType: pick("x-kubernetes-map-type"),
    intOrString: pick("x-kubernetes-int-or-string") === true,
    default: pick("default"),
  };
}

/**
 * allOf members all describe the value, so all are kept; of anyOf/oneOf only
 * members with structure matter (the rest are `null` or scalar alternatives).
 */
function flattenMembers(node: SchemaNode): SchemaNode[] {
  const out: SchemaNode[] = [];
  for (const member of node.allOf ?? []) out.push(member, ...flattenMembers(member));
  for (const member of [...(node.anyOf ?? []), ...(node.oneOf ?? [])]) {
    const nested = [member, ...flattenMembers(member)];
    if (nested.some(hasStructure)) out.push(...nested);
  }
  return out;
}

function hasStructure(node: SchemaNode): boolean {
  return (
    node.properties !== undefined ||
    node.items !== undefined ||
    node.patternProperties !== undefined ||
    typeof node.additionalProperties === "object"
  );
}
