// Renders TypeBox schemas as OpenAPI schema objects: every named type ($id)
// becomes a component referenced by $ref, TypeBox-only constructs become
// their OpenAPI spelling, and the x-kubernetes-* extensions pass through.
import { Kind, type TSchema } from "@sinclair/typebox";
import { PROPERTY_EXTENSIONS, type PropertyOverlay } from "./schema-builders.ts";

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export type OpenApiFlavor = "v3" | "v2";

/** Keys rendered structurally below rather than copied. */
const STRUCTURAL = new Set(["$id", "properties", "required", "items", "anyOf", "patternProperties", "additionalProperties", "const"]);

/** Collects the components one document needs while its schemas are rendered. */
export class ComponentCollector {
  readonly components = new Map<string, JsonObject>();
  private readonly pending: [string, TSchema][] = [];
  private readonly seen = new Set<string>();

  constructor(readonly flavor: OpenApiFlavor) {}

  get refPrefix(): string {
    return this.flavor === "v3" ? "#/components/schemas/" : "#/definitions/";
  }

  /** The schema object to place where `schema` is used. */
  use(schema: TSchema): JsonObject {
    const rendered = this.render(schema, false);
    this.drain();
    return rendered;
  }

  /** Components sorted by name, as Kubernetes serves them. */
  sorted(): JsonObject {
    return Object.fromEntries([...this.components.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  private drain(): void {
    for (let next = this.pending.shift(); next; next = this.pending.shift()) {
      const [id, schema] = next;
      this.components.set(id, this.render(schema, true));
    }
  }

  private render(schema: TSchema, asComponent: boolean): JsonObject {
    const id = typeof schema.$id === "string" ? schema.$id : undefined;
    const overlay = (schema as unknown as Record<symbol, PropertyOverlay | undefined>)[PROPERTY_EXTENSIONS];
    if (asComponent && overlay) return this.render(overlay.base, true);
    if (id !== undefined && !asComponent) {
      if (!this.seen.has(id)) {
        this.seen.add(id);
        this.pending.push([id, overlay?.base ?? schema]);
      }
      const ref: JsonObject = { $ref: `${this.refPrefix}${id}` };
      const siblings = overlay?.extensions as Record<string, Json> | undefined;
      if (!siblings) return ref;
      // OpenAPI 3.0 ignores siblings of $ref, so v3 wraps it as Kubernetes does.
      return this.flavor === "v3" ? { allOf: [ref], ...siblings } : { ...ref, ...siblings };
    }
    const out: JsonObject = {};
    for (const [name, value] of Object.entries(schema)) {
      if (STRUCTURAL.has(name) || value === undefined) continue;
      out[name] = value as Json;
    }
    switch (schema[Kind]) {
      case "Object": {
        out.type = "object";
        const properties = Object.entries(schema.properties as Record<string, TSchema>);
        if (properties.length > 0) {
          out.properties = Object.fromEntries(properties.map(([name, property]) => [name, this.render(property, false)]));
        }
        const required = schema.required as string[] | undefined;
        if (required && required.length > 0) out.required = [...required];
        break;
      }
      case "Record": {
        const [value] = Object.values(schema.patternProperties as Record<string, TSchema>);
        out.type = "object";
        if (value) out.additionalProperties = this.render(value, false);
        break;
      }
      case "Array":
        out.items = this.render(schema.items as TSchema, false);
        break;
      case "Union":
        Object.assign(out, this.union(schema));
        break;
      case "Literal":
        out.enum = [schema.const as Json];
        break;
      case "Unknown":
        break;
    }
    return out;
  }

  private union(schema: TSchema): JsonObject {
    const members = schema.anyOf as TSchema[];
    if (members.every((member) => member[Kind] === "Literal")) {
      return { type: "string", enum: members.map((member) => member.const as Json) };
    }
    // int-or-string and quantities: v2 has no oneOf, so Kubernetes calls them strings there.
    if (this.flavor === "v2") return { type: "string" };
    return { oneOf: members.map((member) => this.render(member, false)) };
  }
}
