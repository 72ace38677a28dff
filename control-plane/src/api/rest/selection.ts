// labelSelector and fieldSelector query parameters as one predicate.
import type { KubeObject } from "../../storage/store.ts";
import { compileFieldMatcher, compileLabelMatcher, type FieldExtractors, parseFieldSelector, parseLabelSelector } from "../selectors.ts";
import type { RestRequest } from "./context.ts";

/** Undefined when the request selects everything. */
export function selectionOf(req: RestRequest): ((object: KubeObject) => boolean) | undefined {
  const labelSelector = req.query.get("labelSelector") ?? "";
  const fieldSelector = req.query.get("fieldSelector") ?? "";
  const labels = labelSelector.trim() ? compileLabelMatcher(parseLabelSelector(labelSelector)) : undefined;
  let fields: ((object: KubeObject) => boolean) | undefined;
  if (fieldSelector.trim()) {
    const extractors: Record<string, (o: KubeObject) => string> = {};
    for (const [field, read] of Object.entries(req.resource.fieldSelectors)) extractors[field] = (o) => read(o) ?? "";
    fields = compileFieldMatcher(parseFieldSelector(fieldSelector), extractors as FieldExtractors<KubeObject>);
  }
  if (labels && fields) return (o) => labels(o.metadata.labels) && fields(o);
  if (labels) return (o) => labels(o.metadata.labels);
  return fields;
}
