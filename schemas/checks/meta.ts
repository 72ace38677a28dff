// ObjectMeta, labels, annotations and label selectors.
import type { LabelSelector, ObjectMeta } from "../meta-v1.ts";
import type { NameRule } from "../registry.ts";
import { child, forbidden, index, invalid, invalidEach, required, tooLong, type FieldCause } from "./field-errors.ts";
import { dns1035Label, dns1123Label, dns1123Subdomain, labelValue, qualifiedName } from "./names.ts";

export const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

const nameRules: Record<NameRule, (value: string) => string[]> = {
  DNS1123Subdomain: dns1123Subdomain,
  DNS1123Label: dns1123Label,
  DNS1035Label: dns1035Label,
};

export function checkName(rule: NameRule, value: string, field: string): FieldCause[] {
  return invalidEach(field, value, nameRules[rule](value));
}

export function checkLabels(labels: Record<string, string> | undefined, field: string): FieldCause[] {
  if (!labels) return [];
  const causes: FieldCause[] = [];
  for (const [k, v] of Object.entries(labels)) {
    causes.push(...invalidEach(field, k, qualifiedName(k)));
    causes.push(...invalidEach(field, v, labelValue(v)));
  }
  return causes;
}

export function checkAnnotations(annotations: Record<string, string> | undefined, field: string): FieldCause[] {
  if (!annotations) return [];
  const causes: FieldCause[] = [];
  let size = 0;
  for (const [k, v] of Object.entries(annotations)) {
    causes.push(...invalidEach(field, k, qualifiedName(k.toLowerCase())));
    size += Buffer.byteLength(k) + Buffer.byteLength(v);
  }
  if (size > TOTAL_ANNOTATION_SIZE_LIMIT) causes.push(tooLong(field, TOTAL_ANNOTATION_SIZE_LIMIT));
  return causes;
}

export interface MetaScope {
  namespaced: boolean;
  nameRule: NameRule;
}

/**
 * Names are checked as given: generateName is expanded by the caller before
 * validation, as Kubernetes' registry does.
 */
export function checkObjectMeta(meta: ObjectMeta | undefined, scope: MetaScope, field = "metadata"): FieldCause[] {
  const causes: FieldCause[] = [];
  const name = meta?.name ?? "";
  if (name === "") causes.push(required(child(field, "name"), "name or generateName is required"));
  else causes.push(...checkName(scope.nameRule, name, child(field, "name")));
  const namespace = meta?.namespace ?? "";
  if (scope.namespaced) {
    if (namespace !== "") causes.push(...invalidEach(child(field, "namespace"), namespace, dns1123Label(namespace)));
  } else if (namespace !== "") {
    causes.push(forbidden(child(field, "namespace"), "not allowed on this type"));
  }
  if (meta?.generation !== undefined && meta.generation < 0) causes.push(invalid(child(field, "generation"), meta.generation, "must be greater than or equal to 0"));
  causes.push(...checkLabels(meta?.labels, child(field, "labels")));
  causes.push(...checkAnnotations(meta?.annotations, child(field, "annotations")));
  meta?.finalizers?.forEach((finalizer, i) => {
    causes.push(...invalidEach(index(child(field, "finalizers"), i), finalizer, qualifiedName(finalizer)));
  });
  meta?.ownerReferences?.forEach((ref, i) => {
    const path = index(child(field, "ownerReferences"), i);
    if (ref.apiVersion === "") causes.push(invalid(child(path, "apiVersion"), ref.apiVersion, "version must not be empty"));
    if (ref.kind === "") causes.push(invalid(child(path, "kind"), ref.kind, "kind must not be empty"));
    if (ref.name === "") causes.push(invalid(child(path, "name"), ref.name, "name must not be empty"));
    if (ref.uid === "") causes.push(invalid(child(path, "uid"), ref.uid, "uid must not be empty"));
  });
  const controllers = meta?.ownerReferences?.filter((ref) => ref.controller === true) ?? [];
  if (controllers.length > 1) {
    causes.push(invalid(child(field, "ownerReferences"), meta?.ownerReferences, "Only one reference can have Controller set to true"));
  }
  return causes;
}

const SELECTOR_OPERATORS = ["In", "NotIn", "Exists", "DoesNotExist"];

export function checkLabelSelector(selector: LabelSelector | undefined, field: string): FieldCause[] {
  if (!selector) return [];
  const causes = checkLabels(selector.matchLabels, child(field, "matchLabels"));
  selector.matchExpressions?.forEach((requirement, i) => {
    const path = index(child(field, "matchExpressions"), i);
    const values = requirement.values ?? [];
    switch (requirement.operator) {
      case "In":
      case "NotIn":
        if (values.length === 0) causes.push(required(child(path, "values"), "must be specified when `operator` is 'In' or 'NotIn'"));
        break;
      case "Exists":
      case "DoesNotExist":
        if (values.length > 0) causes.push(forbidden(child(path, "values"), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
        break;
      default:
        causes.push(invalid(child(path, "operator"), requirement.operator, `not a valid selector operator; must be one of ${SELECTOR_OPERATORS.join(", ")}`));
    }
    causes.push(...invalidEach(child(path, "key"), requirement.key, qualifiedName(requirement.key)));
    values.forEach((value, j) => causes.push(...invalidEach(index(child(path, "values"), j), value, labelValue(value))));
  });
  return causes;
}

/** Whether `labels` satisfy `selector`, for checking templates against selectors. */
export function selectorMatches(selector: LabelSelector, labels: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const { key: k, operator, values = [] } of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, k);
    const value = labels[k];
    if (operator === "In" && !(has && value !== undefined && values.includes(value))) return false;
    if (operator === "NotIn" && has && value !== undefined && values.includes(value)) return false;
    if (operator === "Exists" && !has) return false;
    if (operator === "DoesNotExist" && has) return false;
  }
  return true;
}

export const isEmptySelector = (selector: LabelSelector) =>
  Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0;

