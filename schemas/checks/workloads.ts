// Deployment, ReplicaSet and DaemonSet rules: selectors that match their
// templates, non-negative counts, and rolling update bounds.
import type { DaemonSet, Deployment, ReplicaSet } from "../apps-v1.ts";
import type { LabelSelector } from "../meta-v1.ts";
import type { PodTemplateSpec } from "../core-v1-pod.ts";
import { child, forbidden, invalid, notSupported, required, type FieldCause } from "./field-errors.ts";
import { checkAnnotations, checkLabels, checkLabelSelector, isEmptySelector, selectorMatches } from "./meta.ts";
import { checkPodSpec } from "./pod.ts";

const nonNegative = (value: number | undefined, field: string): FieldCause[] =>
  value !== undefined && value < 0 ? [invalid(field, value, "must be greater than or equal to 0")] : [];

function checkSelectorAndTemplate(
  selector: LabelSelector | undefined,
  template: PodTemplateSpec | undefined,
  field: string,
  owner: string,
): FieldCause[] {
  const causes: FieldCause[] = [];
  const selectorPath = child(field, "selector");
  if (!selector) causes.push(required(selectorPath));
  else {
    causes.push(...checkLabelSelector(selector, selectorPath));
    if (isEmptySelector(selector)) causes.push(invalid(selectorPath, selector, `empty selector is invalid for ${owner}`));
  }
  const templatePath = child(field, "template");
  if (!template) return [...causes, required(templatePath)];
  const labels = template.metadata?.labels ?? {};
  const labelsPath = child(child(templatePath, "metadata"), "labels");
  causes.push(...checkLabels(template.metadata?.labels, labelsPath));
  causes.push(...checkAnnotations(template.metadata?.annotations, child(child(templatePath, "metadata"), "annotations")));
  if (selector && !isEmptySelector(selector) && !selectorMatches(selector, labels)) {
    causes.push(invalid(labelsPath, labels, "`selector` does not match template `labels`"));
  }
  causes.push(...checkPodSpec(template.spec, child(templatePath, "spec"), { onlyRestartAlways: true }));
  return causes;
}

/** maxSurge/maxUnavailable: a non-negative integer or a percentage up to 100%. */
function checkIntOrPercent(value: number | string | undefined, field: string): FieldCause[] {
  if (value === undefined) return [];
  if (typeof value === "number") return nonNegative(value, field);
  const match = /^(\d+)%$/.exec(value);
  if (!match) return [invalid(field, value, "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')")];
  return Number(match[1]) > 100 ? [invalid(field, value, "must not be greater than 100%")] : [];
}

const isZero = (value: number | string | undefined) => value === undefined || value === 0 || value === "0%";

function checkRollingUpdate(
  rollingUpdate: { maxSurge?: number | string; maxUnavailable?: number | string } | undefined,
  field: string,
  defaults: { maxSurge: number | string; maxUnavailable: number | string },
): FieldCause[] {
  if (!rollingUpdate) return [];
  const causes = [
    ...checkIntOrPercent(rollingUpdate.maxSurge, child(field, "maxSurge")),
    ...checkIntOrPercent(rollingUpdate.maxUnavailable, child(field, "maxUnavailable")),
  ];
  const surge = rollingUpdate.maxSurge ?? defaults.maxSurge;
  const unavailable = rollingUpdate.maxUnavailable ?? defaults.maxUnavailable;
  if (isZero(surge) && isZero(unavailable)) {
    causes.push(invalid(child(field, "maxUnavailable"), unavailable, "may not be 0 when `maxSurge` is 0"));
  }
  return causes;
}

export function checkDeployment(deployment: Deployment): FieldCause[] {
  const spec = deployment.spec;
  if (!spec) return [required("spec")];
  const causes = [
    ...nonNegative(spec.replicas, "spec.replicas"),
    ...checkSelectorAndTemplate(spec.selector, spec.template, "spec", "deployment"),
    ...nonNegative(spec.minReadySeconds, "spec.minReadySeconds"),
    ...nonNegative(spec.revisionHistoryLimit, "spec.revisionHistoryLimit"),
    ...nonNegative(spec.progressDeadlineSeconds, "spec.progressDeadlineSeconds"),
  ];
  if (spec.progressDeadlineSeconds !== undefined && spec.progressDeadlineSeconds <= (spec.minReadySeconds ?? 0)) {
    causes.push(invalid("spec.progressDeadlineSeconds", spec.progressDeadlineSeconds, "must be greater than minReadySeconds"));
  }
  const strategy = spec.strategy;
  if (strategy?.type === "Recreate" && strategy.rollingUpdate) {
    causes.push(forbidden("spec.strategy.rollingUpdate", "may not be specified when strategy `type` is 'Recreate'"));
  } else {
    causes.push(...checkRollingUpdate(strategy?.rollingUpdate, "spec.strategy.rollingUpdate", { maxSurge: "25%", maxUnavailable: "25%" }));
  }
  return causes;
}

export function checkReplicaSet(replicaSet: ReplicaSet): FieldCause[] {
  const spec = replicaSet.spec;
  if (!spec) return [required("spec")];
  return [
    ...nonNegative(spec.replicas, "spec.replicas"),
    ...nonNegative(spec.minReadySeconds, "spec.minReadySeconds"),
    ...checkSelectorAndTemplate(spec.selector, spec.template, "spec", "replicaset"),
  ];
}

export function checkDaemonSet(daemonSet: DaemonSet): FieldCause[] {
  const spec = daemonSet.spec;
  if (!spec) return [required("spec")];
  const causes = [
    ...checkSelectorAndTemplate(spec.selector, spec.template, "spec", "daemonset"),
    ...nonNegative(spec.minReadySeconds, "spec.minReadySeconds"),
    ...nonNegative(spec.revisionHistoryLimit, "spec.revisionHistoryLimit"),
  ];
  const strategy = spec.updateStrategy;
  if (strategy?.type === "OnDelete" && strategy.rollingUpdate) {
    causes.push(forbidden("spec.updateStrategy.rollingUpdate", "may not be specified when strategy `type` is 'OnDelete'"));
  } else {
    causes.push(...checkRollingUpdate(strategy?.rollingUpdate, "spec.updateStrategy.rollingUpdate", { maxSurge: 0, maxUnavailable: 1 }));
  }
  if (strategy?.type !== undefined && !["RollingUpdate", "OnDelete"].includes(strategy.type)) {
    causes.push(notSupported("spec.updateStrategy.type", strategy.type, ["OnDelete", "RollingUpdate"]));
  }
  return causes;
}
