// apps/v1 Deployment, ReplicaSet and DaemonSet.
import { type Static } from "@sinclair/typebox";
import { LabelSelector, ObjectMeta, typeMeta } from "./meta-v1.ts";
import { apiId, bool, described, int32, int64, IntOrString, kind, mapList, named, opt, str, stringEnum, Time, withPropertyExtensions } from "./schema-builders.ts";
import { PodTemplateSpec } from "./core-v1-pod.ts";

const appsId = (name: string) => apiId("apps", "v1", name);
const appsGvk = (kindName: string) => [{ group: "apps", version: "v1", kind: kindName }];

const conditionFor = (owner: string, withUpdateTime: boolean) =>
  named(appsId(`${owner}Condition`), `${owner}Condition describes the state of a ${owner.toLowerCase()} at a certain point.`, {
    type: str(`Type of ${owner.toLowerCase()} condition.`),
    status: str("Status of the condition, one of True, False, Unknown."),
    ...(withUpdateTime ? { lastUpdateTime: opt(Time) } : {}),
    lastTransitionTime: opt(Time),
    reason: opt(str("The reason for the condition's last transition.")),
    message: opt(str("A human readable message indicating details about the transition.")),
  });

const conditions = (owner: string, withUpdateTime = false) =>
  opt(mapList(conditionFor(owner, withUpdateTime), ["type"], `Represents the latest available observations of a ${owner.toLowerCase()}'s current state.`, { mergeKey: "type" }));

const selector = () =>
  described(LabelSelector, "Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment. It must match the pod template's labels.");
const template = () => described(PodTemplateSpec, "Template describes the pods that will be created.");
const minReadySeconds = () =>
  opt(int32("Minimum number of seconds for which a newly created pod should be ready without any of its container crashing, for it to be considered available. Defaults to 0."));
const revisionHistoryLimit = (defaults: number) =>
  opt(int32(`The number of old history to retain to allow rollback. This is a pointer to distinguish between explicit zero and not specified. Defaults to ${defaults}.`));

export const RollingUpdateDeployment = named(appsId("RollingUpdateDeployment"), "Spec to control the desired behavior of rolling update.", {
  maxUnavailable: opt(IntOrString),
  maxSurge: opt(IntOrString),
});

export const DeploymentStrategy = named(appsId("DeploymentStrategy"), "DeploymentStrategy describes how to replace existing pods with new ones.", {
  type: opt(stringEnum(["Recreate", "RollingUpdate"], 'Type of deployment. Can be "Recreate" or "RollingUpdate". Default is RollingUpdate.')),
  rollingUpdate: opt(described(RollingUpdateDeployment, "Rolling update config params. Present only if DeploymentStrategyType = RollingUpdate.")),
});

export const DeploymentSpec = named(appsId("DeploymentSpec"), "DeploymentSpec is the specification of the desired behavior of the Deployment.", {
  replicas: opt(int32("Number of desired pods. This is a pointer to distinguish between explicit zero and not specified. Defaults to 1.")),
  selector: selector(),
  template: template(),
  strategy: opt(withPropertyExtensions(DeploymentStrategy, { description: "The deployment strategy to use to replace existing pods with new ones.", "x-kubernetes-patch-strategy": "retainKeys" })),
  minReadySeconds: minReadySeconds(),
  revisionHistoryLimit: revisionHistoryLimit(10),
  paused: opt(bool("Indicates that the deployment is paused.")),
  progressDeadlineSeconds: opt(int32("The maximum time in seconds for a deployment to make progress before it is considered to be failed. Defaults to 600s.")),
});

export const DeploymentStatus = named(appsId("DeploymentStatus"), "DeploymentStatus is the most recently observed status of the Deployment.", {
  observedGeneration: opt(int64("The generation observed by the deployment controller.")),
  replicas: opt(int32("Total number of non-terminating pods targeted by this deployment (their labels match the selector).")),
  updatedReplicas: opt(int32("Total number of non-terminating pods targeted by this deployment that have the desired template spec.")),
  readyReplicas: opt(int32("Total number of non-terminating pods targeted by this Deployment with a Ready Condition.")),
  availableReplicas: opt(int32("Total number of available non-terminating pods (ready for at least minReadySeconds) targeted by this deployment.")),
  unavailableReplicas: opt(int32("Total number of unavailable pods targeted by this deployment.")),
  conditions: conditions("Deployment", true),
  collisionCount: opt(int32("Count of hash collisions for the Deployment. The Deployment controller uses this field as a collision avoidance mechanism when it needs to create the name for the newest ReplicaSet.")),
});

export const Deployment = kind(appsId("Deployment"), appsGvk("Deployment"), "Deployment enables declarative updates for Pods and ReplicaSets.", {
  ...typeMeta(),
  metadata: opt(ObjectMeta),
  spec: opt(DeploymentSpec),
  status: opt(DeploymentStatus),
});
export type Deployment = Static<typeof Deployment>;

export const ReplicaSetSpec = named(appsId("ReplicaSetSpec"), "ReplicaSetSpec is the specification of a ReplicaSet.", {
  replicas: opt(int32("Replicas is the number of desired pods. This is a pointer to distinguish between explicit zero and unspecified. Defaults to 1.")),
  minReadySeconds: minReadySeconds(),
  selector: selector(),
  template: opt(template()),
});

export const ReplicaSetStatus = named(appsId("ReplicaSetStatus"), "ReplicaSetStatus represents the current status of a ReplicaSet.", {
  replicas: int32("Replicas is the most recently observed number of non-terminating pods."),
  fullyLabeledReplicas: opt(int32("The number of non-terminating pods that have labels matching the labels of the pod template of the replicaset.")),
  readyReplicas: opt(int32("The number of non-terminating pods targeted by this ReplicaSet with a Ready Condition.")),
  availableReplicas: opt(int32("The number of available non-terminating pods (ready for at least minReadySeconds) for this replica set.")),
  observedGeneration: opt(int64("ObservedGeneration reflects the generation of the most recently observed ReplicaSet.")),
  conditions: conditions("ReplicaSet"),
});

export const ReplicaSet = kind(appsId("ReplicaSet"), appsGvk("ReplicaSet"), "ReplicaSet ensures that a specified number of pod replicas are running at any given time.", {
  ...typeMeta(),
  metadata: opt(ObjectMeta),
  spec: opt(ReplicaSetSpec),
  status: opt(ReplicaSetStatus),
});
export type ReplicaSet = Static<typeof ReplicaSet>;

export const RollingUpdateDaemonSet = named(appsId("RollingUpdateDaemonSet"), "Spec to control the desired behavior of daemon set rolling update.", {
  maxUnavailable: opt(IntOrString),
  maxSurge: opt(IntOrString),
});

export const DaemonSetUpdateStrategy = named(appsId("DaemonSetUpdateStrategy"), "DaemonSetUpdateStrategy is a struct used to control the update strategy for a DaemonSet.", {
  type: opt(stringEnum(["OnDelete", "RollingUpdate"], 'Type of daemon set update. Can be "RollingUpdate" or "OnDelete". Default is RollingUpdate.')),
  rollingUpdate: opt(described(RollingUpdateDaemonSet, 'Rolling update config params. Present only if type = "RollingUpdate".')),
});

export const DaemonSetSpec = named(appsId("DaemonSetSpec"), "DaemonSetSpec is the specification of a daemon set.", {
  selector: selector(),
  template: template(),
  updateStrategy: opt(DaemonSetUpdateStrategy),
  minReadySeconds: minReadySeconds(),
  revisionHistoryLimit: revisionHistoryLimit(10),
});

export const DaemonSetStatus = named(appsId("DaemonSetStatus"), "DaemonSetStatus represents the current status of a daemon set.", {
  currentNumberScheduled: int32("The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod."),
  numberMisscheduled: int32("The number of nodes that are running the daemon pod, but are not supposed to run the daemon pod."),
  desiredNumberScheduled: int32("The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod)."),
  numberReady: int32("numberReady is the number of nodes that should be running the daemon pod and have one or more of the daemon pod running with a Ready Condition."),
  observedGeneration: opt(int64("The most recent generation observed by the daemon set controller.")),
  updatedNumberScheduled: opt(int32("The total number of nodes that are running updated daemon pod")),
  numberAvailable: opt(int32("The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)")),
  numberUnavailable: opt(int32("The number of nodes that should be running the daemon pod and have none of the daemon pod running and available (ready for at least spec.minReadySeconds)")),
  collisionCount: opt(int32("Count of hash collisions for the DaemonSet.")),
  conditions: conditions("DaemonSet"),
});

export const DaemonSet = kind(appsId("DaemonSet"), appsGvk("DaemonSet"), "DaemonSet represents the configuration of a daemon set.", {
  ...typeMeta(),
  metadata: opt(ObjectMeta),
  spec: opt(DaemonSetSpec),
  status: opt(DaemonSetStatus),
});
export type DaemonSet = Static<typeof DaemonSet>;
