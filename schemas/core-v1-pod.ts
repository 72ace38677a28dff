// core/v1 Pod and everything a PodSpec and PodStatus contain.
import { Type, type Static } from "@sinclair/typebox";
import { LabelSelector, ObjectMeta, typeMeta } from "./meta-v1.ts";
import {
  atomicList,
  bool,
  described,
  int32,
  int64,
  IntOrString,
  kind,
  mapList,
  named,
  opt,
  Quantity,
  ResourceList,
  str,
  stringEnum,
  stringMap,
  Time,
} from "./schema-builders.ts";
import { coreGvk, coreId, LocalObjectReference, ObjectReference, protocol, Toleration } from "./core-v1-common.ts";

// ---------------------------------------------------------------- env

export const ObjectFieldSelector = named(
  coreId("ObjectFieldSelector"),
  "ObjectFieldSelector selects an APIVersioned field of an object.",
  {
    apiVersion: opt(str('Version of the schema the FieldPath is written in terms of, defaults to "v1".')),
    fieldPath: str("Path of the field to select in the specified API version."),
  },
  { "x-kubernetes-map-type": "atomic" },
);

export const ResourceFieldSelector = named(
  coreId("ResourceFieldSelector"),
  "ResourceFieldSelector represents container resources (cpu, memory) and their output format",
  {
    containerName: opt(str("Container name: required for volumes, optional for env vars")),
    resource: str("Required: resource to select"),
    divisor: opt(Quantity),
  },
  { "x-kubernetes-map-type": "atomic" },
);

const keySelector = (name: string, what: string) =>
  named(
    coreId(name),
    `Selects a key from a ${what}.`,
    {
      name: opt(str("Name of the referent.")),
      key: str(`The key of the ${what} to select from. Must be a valid key.`),
      optional: opt(bool(`Specify whether the ${what} or its key must be defined`)),
    },
    { "x-kubernetes-map-type": "atomic" },
  );
export const ConfigMapKeySelector = keySelector("ConfigMapKeySelector", "ConfigMap");
export const SecretKeySelector = keySelector("SecretKeySelector", "Secret");

export const EnvVarSource = named(coreId("EnvVarSource"), "EnvVarSource represents a source for the value of an EnvVar.", {
  fieldRef: opt(ObjectFieldSelector),
  resourceFieldRef: opt(ResourceFieldSelector),
  configMapKeyRef: opt(ConfigMapKeySelector),
  secretKeyRef: opt(SecretKeySelector),
});

export const EnvVar = named(coreId("EnvVar"), "EnvVar represents an environment variable present in a Container.", {
  name: str("Name of the environment variable."),
  value: opt(str('Variable references $(VAR_NAME) are expanded using the previously defined environment variables in the container and any service environment variables. Defaults to "".')),
  valueFrom: opt(EnvVarSource),
});

const envSource = (name: string, what: string) =>
  named(coreId(name), `Selects a ${what} to populate the environment variables with.`, {
    name: opt(str("Name of the referent.")),
    optional: opt(bool(`Specify whether the ${what} must be defined`)),
  });

export const EnvFromSource = named(coreId("EnvFromSource"), "EnvFromSource represents the source of a set of ConfigMaps or Secrets", {
  prefix: opt(str("Optional text to prepend to the name of each environment variable.")),
  configMapRef: opt(envSource("ConfigMapEnvSource", "ConfigMap")),
  secretRef: opt(envSource("SecretEnvSource", "Secret")),
});

// ---------------------------------------------------------------- probes and lifecycle

export const HTTPHeader = named(coreId("HTTPHeader"), "HTTPHeader describes a custom header to be used in HTTP probes", {
  name: str("The header field name. This will be canonicalized upon output, so case-variant names will be understood as the same header."),
  value: str("The header field value"),
});

export const HTTPGetAction = named(coreId("HTTPGetAction"), "HTTPGetAction describes an action based on HTTP Get requests.", {
  path: opt(str("Path to access on the HTTP server.")),
  port: IntOrString,
  host: opt(str('Host name to connect to, defaults to the pod IP. You probably want to set "Host" in httpHeaders instead.')),
  scheme: opt(stringEnum(["HTTP", "HTTPS"], "Scheme to use for connecting to the host. Defaults to HTTP.")),
  httpHeaders: opt(atomicList(HTTPHeader, "Custom headers to set in the request. HTTP allows repeated headers.")),
});

export const TCPSocketAction = named(coreId("TCPSocketAction"), "TCPSocketAction describes an action based on opening a socket", {
  port: IntOrString,
  host: opt(str("Optional: Host name to connect to, defaults to the pod IP.")),
});

export const GRPCAction = named(coreId("GRPCAction"), "GRPCAction specifies an action involving a GRPC service.", {
  port: int32("Port number of the gRPC service. Number must be in the range 1 to 65535."),
  service: opt(str("Service is the name of the service to place in the gRPC HealthCheckRequest. If this is not specified, the default behavior is defined by gRPC.")),
});

export const ExecAction = named(coreId("ExecAction"), "ExecAction describes a \"run in container\" action.", {
  command: opt(atomicList(Type.String(), "Command is the command line to execute inside the container, the working directory for the command is root ('/') in the container's filesystem. The command is simply exec'd, it is not run inside a shell.")),
});

export const SleepAction = named(coreId("SleepAction"), "SleepAction describes a \"sleep\" action.", {
  seconds: int64("Seconds is the number of seconds to sleep."),
});

export const Probe = named(
  coreId("Probe"),
  "Probe describes a health check to be performed against a container to determine whether it is alive or ready to receive traffic.",
  {
    exec: opt(ExecAction),
    httpGet: opt(HTTPGetAction),
    tcpSocket: opt(TCPSocketAction),
    grpc: opt(GRPCAction),
    initialDelaySeconds: opt(int32("Number of seconds after the container has started before liveness probes are initiated.")),
    timeoutSeconds: opt(int32("Number of seconds after which the probe times out. Defaults to 1 second. Minimum value is 1.")),
    periodSeconds: opt(int32("How often (in seconds) to perform the probe. Default to 10 seconds. Minimum value is 1.")),
    successThreshold: opt(int32("Minimum consecutive successes for the probe to be considered successful after having failed. Defaults to 1. Must be 1 for liveness and startup. Minimum value is 1.")),
    failureThreshold: opt(int32("Minimum consecutive failures for the probe to be considered failed after having succeeded. Defaults to 3. Minimum value is 1.")),
    terminationGracePeriodSeconds: opt(int64("Optional duration in seconds the pod needs to terminate gracefully upon probe failure.")),
  },
);
export type Probe = Static<typeof Probe>;

export const LifecycleHandler = named(
  coreId("LifecycleHandler"),
  "LifecycleHandler defines a specific action that should be taken in a lifecycle hook. One and only one of the fields, except TCPSocket must be specified.",
  {
    exec: opt(ExecAction),
    httpGet: opt(HTTPGetAction),
    tcpSocket: opt(TCPSocketAction),
    sleep: opt(SleepAction),
  },
);

export const Lifecycle = named(
  coreId("Lifecycle"),
  "Lifecycle describes actions that the management system should take in response to container lifecycle events.",
  { postStart: opt(LifecycleHandler), preStop: opt(LifecycleHandler) },
);

// ---------------------------------------------------------------- security

export const SELinuxOptions = named(coreId("SELinuxOptions"), "SELinuxOptions are the labels to be applied to the container", {
  user: opt(str("User is a SELinux user label that applies to the container.")),
  role: opt(str("Role is a SELinux role label that applies to the container.")),
  type: opt(str("Type is a SELinux type label that applies to the container.")),
  level: opt(str("Level is SELinux level label that applies to the container.")),
});

export const WindowsSecurityContextOptions = named(
  coreId("WindowsSecurityContextOptions"),
  "WindowsSecurityContextOptions contain Windows-specific options and credentials.",
  {
    gmsaCredentialSpecName: opt(str("GMSACredentialSpecName is the name of the GMSA credential spec to use.")),
    gmsaCredentialSpec: opt(str("GMSACredentialSpec is where the GMSA admission webhook inlines the contents of the GMSA credential spec.")),
    runAsUserName: opt(str("The UserName in Windows to run the entrypoint of the container process.")),
    hostProcess: opt(bool("HostProcess determines if a container should be run as a 'Host Process' container.")),
  },
);

const profile = (name: string, what: string, types: readonly string[]) =>
  named(coreId(name), `${name} defines a pod/container's ${what} settings. Only one profile source may be set.`, {
    type: stringEnum(types, `type indicates which kind of ${what} profile will be applied.`),
    localhostProfile: opt(str("localhostProfile indicates a profile loaded on the node that should be used. Must be set if and only if type is \"Localhost\".")),
  });
export const SeccompProfile = profile("SeccompProfile", "seccomp", ["Localhost", "RuntimeDefault", "Unconfined"]);
export const AppArmorProfile = profile("AppArmorProfile", "AppArmor", ["Localhost", "RuntimeDefault", "Unconfined"]);

export const Capabilities = named(coreId("Capabilities"), "Adds and removes POSIX capabilities from running containers.", {
  add: opt(atomicList(Type.String(), "Added capabilities")),
  drop: opt(atomicList(Type.String(), "Removed capabilities")),
});

export const SecurityContext = named(
  coreId("SecurityContext"),
  "SecurityContext holds security configuration that will be applied to a container. Some fields are present in both SecurityContext and PodSecurityContext; when both are set, the values in SecurityContext take precedence.",
  {
    capabilities: opt(Capabilities),
    privileged: opt(bool("Run container in privileged mode. Defaults to false.")),
    seLinuxOptions: opt(SELinuxOptions),
    windowsOptions: opt(WindowsSecurityContextOptions),
    runAsUser: opt(int64("The UID to run the entrypoint of the container process. Defaults to user specified in image metadata if unspecified.")),
    runAsGroup: opt(int64("The GID to run the entrypoint of the container process. Uses runtime default if unset.")),
    runAsNonRoot: opt(bool("Indicates that the container must run as a non-root user.")),
    readOnlyRootFilesystem: opt(bool("Whether this container has a read-only root filesystem. Default is false.")),
    allowPrivilegeEscalation: opt(bool("AllowPrivilegeEscalation controls whether a process can gain more privileges than its parent process.")),
    procMount: opt(stringEnum(["Default", "Unmasked"], "procMount denotes the type of proc mount to use for the containers.")),
    seccompProfile: opt(SeccompProfile),
    appArmorProfile: opt(AppArmorProfile),
  },
);

export const Sysctl = named(coreId("Sysctl"), "Sysctl defines a kernel parameter to be set", {
  name: str("Name of a property to set"),
  value: str("Value of a property to set"),
});

export const PodSecurityContext = named(
  coreId("PodSecurityContext"),
  "PodSecurityContext holds pod-level security attributes and common container settings.",
  {
    seLinuxOptions: opt(SELinuxOptions),
    windowsOptions: opt(WindowsSecurityContextOptions),
    runAsUser: opt(int64("The UID to run the entrypoint of the container process.")),
    runAsGroup: opt(int64("The GID to run the entrypoint of the container process.")),
    runAsNonRoot: opt(bool("Indicates that the container must run as a non-root user.")),
    supplementalGroups: opt(atomicList(Type.Integer({ format: "int64" }), "A list of groups applied to the first process run in each container, in addition to the container's primary GID.")),
    supplementalGroupsPolicy: opt(stringEnum(["Merge", "Strict"], "Defines how supplemental groups of the first container processes are calculated.")),
    fsGroup: opt(int64("A special supplemental group that applies to all containers in a pod.")),
    sysctls: opt(atomicList(Sysctl, "Sysctls hold a list of namespaced sysctls used for the pod.")),
    fsGroupChangePolicy: opt(stringEnum(["OnRootMismatch", "Always"], "fsGroupChangePolicy defines behavior of changing ownership and permission of the volume before being exposed inside Pod.")),
    seccompProfile: opt(SeccompProfile),
    appArmorProfile: opt(AppArmorProfile),
    seLinuxChangePolicy: opt(str("seLinuxChangePolicy defines how the container's SELinux label is applied to all volumes used by the Pod.")),
  },
);

// ---------------------------------------------------------------- container

export const ContainerPort = named(coreId("ContainerPort"), "ContainerPort represents a network port in a single container.", {
  name: opt(str("If specified, this must be an IANA_SVC_NAME and unique within the pod. Each named port in a pod must have a unique name.")),
  hostPort: opt(int32("Number of port to expose on the host. If specified, this must be a valid port number, 0 < x < 65536.")),
  containerPort: int32("Number of port to expose on the pod's IP address. This must be a valid port number, 0 < x < 65536."),
  protocol: opt(protocol('Protocol for port. Must be UDP, TCP, or SCTP. Defaults to "TCP".', { default: "TCP" })),
  hostIP: opt(str("What host IP to bind the external port to.")),
});

export const ResourceClaim = named(coreId("ResourceClaim"), "ResourceClaim references one entry in PodSpec.ResourceClaims.", {
  name: str("Name must match the name of one entry in pod.spec.resourceClaims of the Pod where this field is used."),
  request: opt(str("Request is the name chosen for a request in the referenced claim.")),
});

export const ResourceRequirements = named(coreId("ResourceRequirements"), "ResourceRequirements describes the compute resource requirements.", {
  limits: opt(ResourceList("Limits describes the maximum amount of compute resources allowed.")),
  requests: opt(ResourceList("Requests describes the minimum amount of compute resources required. If Requests is omitted for a container, it defaults to Limits if that is explicitly specified.")),
  claims: opt(mapList(ResourceClaim, ["name"], "Claims lists the names of resources, defined in spec.resourceClaims, that are used by this container.")),
});
export type ResourceRequirements = Static<typeof ResourceRequirements>;

export const VolumeMount = named(coreId("VolumeMount"), "VolumeMount describes a mounting of a Volume within a container.", {
  name: str("This must match the Name of a Volume."),
  readOnly: opt(bool("Mounted read-only if true, read-write otherwise (false or unspecified). Defaults to false.")),
  recursiveReadOnly: opt(stringEnum(["Disabled", "IfPossible", "Enabled"], "RecursiveReadOnly specifies whether read-only mounts should be handled recursively.")),
  mountPath: str("Path within the container at which the volume should be mounted. Must not contain ':'."),
  subPath: opt(str("Path within the volume from which the container's volume should be mounted. Defaults to \"\" (volume's root).")),
  mountPropagation: opt(stringEnum(["None", "HostToContainer", "Bidirectional"], "mountPropagation determines how mounts are propagated from the host to container and the other way around.")),
  subPathExpr: opt(str("Expanded path within the volume from which the container's volume should be mounted.")),
});

export const VolumeDevice = named(coreId("VolumeDevice"), "volumeDevice describes a mapping of a raw block device within a container.", {
  name: str("name must match the name of a persistentVolumeClaim in the pod"),
  devicePath: str("devicePath is the path inside of the container that the device will be mapped to."),
});

export const ContainerResizePolicy = named(coreId("ContainerResizePolicy"), "ContainerResizePolicy represents resource resize policy for the container.", {
  resourceName: str("Name of the resource to which this resource resize policy applies. Supported values: cpu, memory."),
  restartPolicy: str("Restart policy to apply when specified resource is resized. If not specified, it defaults to NotRequired."),
});

export const PULL_POLICIES = ["Always", "Never", "IfNotPresent"] as const;

export const Container = named(coreId("Container"), "A single application container that you want to run within a pod.", {
  name: str("Name of the container specified as a DNS_LABEL. Each container in a pod must have a unique name (DNS_LABEL). Cannot be updated."),
  image: opt(str("Container image name. This field is optional to allow higher level config management to default or override container images in workload controllers like Deployments and StatefulSets.")),
  command: opt(atomicList(Type.String(), "Entrypoint array. Not executed within a shell. The container image's ENTRYPOINT is used if this is not provided.")),
  args: opt(atomicList(Type.String(), "Arguments to the entrypoint. The container image's CMD is used if this is not provided.")),
  workingDir: opt(str("Container's working directory. If not specified, the container runtime's default will be used.")),
  ports: opt(
    mapList(ContainerPort, ["containerPort", "protocol"], "List of ports to expose from the container.", { mergeKey: "containerPort" }),
  ),
  envFrom: opt(atomicList(EnvFromSource, "List of sources to populate environment variables in the container.")),
  env: opt(mapList(EnvVar, ["name"], "List of environment variables to set in the container. Cannot be updated.", { mergeKey: "name" })),
  resources: opt(described(ResourceRequirements, "Compute Resources required by this container. Cannot be updated.")),
  resizePolicy: opt(atomicList(ContainerResizePolicy, "Resources resize policy for the container.")),
  restartPolicy: opt(stringEnum(["Always"], "RestartPolicy defines the restart behavior of individual containers in a pod. Only \"Always\" is allowed, for init containers (sidecars).")),
  volumeMounts: opt(mapList(VolumeMount, ["mountPath"], "Pod volumes to mount into the container's filesystem. Cannot be updated.", { mergeKey: "mountPath" })),
  volumeDevices: opt(mapList(VolumeDevice, ["devicePath"], "volumeDevices is the list of block devices to be used by the container.", { mergeKey: "devicePath" })),
  livenessProbe: opt(described(Probe, "Periodic probe of container liveness. Container will be restarted if the probe fails. Cannot be updated.")),
  readinessProbe: opt(described(Probe, "Periodic probe of container service readiness. Container will be removed from service endpoints if the probe fails. Cannot be updated.")),
  startupProbe: opt(described(Probe, "StartupProbe indicates that the Pod has successfully initialized. If specified, no other probes are executed until this completes successfully.")),
  lifecycle: opt(described(Lifecycle, "Actions that the management system should take in response to container lifecycle events. Cannot be updated.")),
  terminationMessagePath: opt(str("Path at which the file to which the container's termination message will be written is mounted into the container's filesystem. Defaults to /dev/termination-log.")),
  terminationMessagePolicy: opt(stringEnum(["File", "FallbackToLogsOnError"], "Indicate how the termination message should be populated. Defaults to File.")),
  imagePullPolicy: opt(stringEnum(PULL_POLICIES, "Image pull policy. One of Always, Never, IfNotPresent. Defaults to Always if :latest tag is specified, or IfNotPresent otherwise.")),
  securityContext: opt(described(SecurityContext, "SecurityContext defines the security options the container should be run with. If set, the fields of SecurityContext override the equivalent fields of PodSecurityContext.")),
  stdin: opt(bool("Whether this container should allocate a buffer for stdin in the container runtime.")),
  stdinOnce: opt(bool("Whether the container runtime should close the stdin channel after it has been opened by a single attach.")),
  tty: opt(bool("Whether this container should allocate a TTY for itself, also requires 'stdin' to be true.")),
});
export type Container = Static<typeof Container>;

// ---------------------------------------------------------------- volumes

export const KeyToPath = named(coreId("KeyToPath"), "Maps a string key to a path within a volume.", {
  key: str("key is the key to project."),
  path: str("path is the relative path of the file to map the key to. May not be an absolute path. May not contain the path element '..'."),
  mode: opt(int32("mode is Optional: mode bits used to set permissions on this file. Must be an octal value between 0000 and 0777 or a decimal value between 0 and 511.")),
});

const defaultMode = () =>
  opt(int32("defaultMode is optional: mode bits used to set permissions on created files by default. Must be an octal value between 0000 and 0777 or a decimal value between 0 and 511. Defaults to 0644."));

export const EmptyDirVolumeSource = named(coreId("EmptyDirVolumeSource"), "Represents an empty directory for a pod.", {
  medium: opt(str('medium represents what type of storage medium should back this directory. The default is "" which means to use the node\'s default medium. Must be an empty string (default) or Memory.')),
  sizeLimit: opt(Quantity),
});

export const HostPathVolumeSource = named(coreId("HostPathVolumeSource"), "Represents a host path mapped into a pod.", {
  path: str("path of the directory on the host. If the path is a symlink, it will follow the link to the real path."),
  type: opt(stringEnum(["", "DirectoryOrCreate", "Directory", "FileOrCreate", "File", "Socket", "CharDevice", "BlockDevice"], 'type for HostPath Volume. Defaults to "".')),
});

export const ConfigMapVolumeSource = named(coreId("ConfigMapVolumeSource"), "Adapts a ConfigMap into a volume.", {
  name: opt(str("Name of the referent.")),
  items: opt(atomicList(KeyToPath, "items if unspecified, each key-value pair in the Data field of the referenced ConfigMap will be projected into the volume as a file whose name is the key and content is the value.")),
  defaultMode: defaultMode(),
  optional: opt(bool("optional specify whether the ConfigMap or its keys must be defined")),
});

export const SecretVolumeSource = named(coreId("SecretVolumeSource"), "Adapts a Secret into a volume.", {
  secretName: opt(str("secretName is the name of the secret in the pod's namespace to use.")),
  items: opt(atomicList(KeyToPath, "items If unspecified, each key-value pair in the Data field of the referenced Secret will be projected into the volume as a file whose name is the key and content is the value.")),
  defaultMode: defaultMode(),
  optional: opt(bool("optional field specify whether the Secret or its keys must be defined")),
});

export const DownwardAPIVolumeFile = named(coreId("DownwardAPIVolumeFile"), "DownwardAPIVolumeFile represents information to create the file containing the pod field", {
  path: str("Required: Path is the relative path name of the file to be created. Must not be absolute or contain the '..' path."),
  fieldRef: opt(ObjectFieldSelector),
  resourceFieldRef: opt(ResourceFieldSelector),
  mode: opt(int32("Optional: mode bits used to set permissions on this file, must be an octal value between 0000 and 0777 or a decimal value between 0 and 511.")),
});

export const DownwardAPIVolumeSource = named(coreId("DownwardAPIVolumeSource"), "DownwardAPIVolumeSource represents a volume containing downward API info.", {
  items: opt(atomicList(DownwardAPIVolumeFile, "Items is a list of downward API volume file")),
  defaultMode: defaultMode(),
});

export const ConfigMapProjection = named(coreId("ConfigMapProjection"), "Adapts a ConfigMap into a projected volume.", {
  name: opt(str("Name of the referent.")),
  items: opt(atomicList(KeyToPath, "items if unspecified, each key-value pair in the Data field of the referenced ConfigMap will be projected into the volume.")),
  optional: opt(bool("optional specify whether the ConfigMap or its keys must be defined")),
});

export const SecretProjection = named(coreId("SecretProjection"), "Adapts a secret into a projected volume.", {
  name: opt(str("Name of the referent.")),
  items: opt(atomicList(KeyToPath, "items if unspecified, each key-value pair in the Data field of the referenced Secret will be projected into the volume.")),
  optional: opt(bool("optional field specify whether the Secret or its key must be defined")),
});

export const DownwardAPIProjection = named(coreId("DownwardAPIProjection"), "Represents downward API info for projecting into a projected volume.", {
  items: opt(atomicList(DownwardAPIVolumeFile, "Items is a list of DownwardAPIVolume file")),
});

export const ServiceAccountTokenProjection = named(coreId("ServiceAccountTokenProjection"), "ServiceAccountTokenProjection represents a projected service account token volume.", {
  audience: opt(str("audience is the intended audience of the token.")),
  expirationSeconds: opt(int64("expirationSeconds is the requested duration of validity of the service account token. Defaults to 1 hour and must be at least 10 minutes.")),
  path: str("path is the path relative to the mount point of the file to project the token into."),
});

export const VolumeProjection = named(coreId("VolumeProjection"), "Projection that may be projected along with other supported volume types. Exactly one of these fields must be set.", {
  secret: opt(SecretProjection),
  downwardAPI: opt(DownwardAPIProjection),
  configMap: opt(ConfigMapProjection),
  serviceAccountToken: opt(ServiceAccountTokenProjection),
});

export const ProjectedVolumeSource = named(coreId("ProjectedVolumeSource"), "Represents a projected volume source", {
  sources: opt(atomicList(VolumeProjection, "sources is the list of volume projections. Each entry in this list handles one source.")),
  defaultMode: defaultMode(),
});

export const PersistentVolumeClaimVolumeSource = named(
  coreId("PersistentVolumeClaimVolumeSource"),
  "PersistentVolumeClaimVolumeSource references the user's PVC in the same namespace.",
  {
    claimName: str("claimName is the name of a PersistentVolumeClaim in the same namespace as the pod using this volume."),
    readOnly: opt(bool("readOnly Will force the ReadOnly setting in VolumeMounts. Default false.")),
  },
);

export const ImageVolumeSource = named(coreId("ImageVolumeSource"), "ImageVolumeSource represents a image volume resource.", {
  reference: opt(str("Required: Image or artifact reference to be used.")),
  pullPolicy: opt(stringEnum(PULL_POLICIES, "Policy for pulling OCI objects.")),
});

/** The volume sources Ledge understands; one of them must be set. */
export const VOLUME_SOURCES = ["emptyDir", "hostPath", "configMap", "secret", "downwardAPI", "projected", "persistentVolumeClaim", "image"] as const;

export const Volume = named(coreId("Volume"), "Volume represents a named volume in a pod that may be accessed by any container in the pod.", {
  name: str("name of the volume. Must be a DNS_LABEL and unique within the pod."),
  emptyDir: opt(EmptyDirVolumeSource),
  hostPath: opt(HostPathVolumeSource),
  configMap: opt(ConfigMapVolumeSource),
  secret: opt(SecretVolumeSource),
  downwardAPI: opt(DownwardAPIVolumeSource),
  projected: opt(ProjectedVolumeSource),
  persistentVolumeClaim: opt(PersistentVolumeClaimVolumeSource),
  image: opt(ImageVolumeSource),
});
export type Volume = Static<typeof Volume>;

// ---------------------------------------------------------------- scheduling

export const NodeSelectorRequirement = named(
  coreId("NodeSelectorRequirement"),
  "A node selector requirement is a selector that contains values, a key, and an operator that relates the key and values.",
  {
    key: str("The label key that the selector applies to."),
    operator: stringEnum(["In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"], "Represents a key's relationship to a set of values."),
    values: opt(atomicList(Type.String(), "An array of string values. If the operator is In or NotIn, the values array must be non-empty. If Exists or DoesNotExist, empty. If Gt or Lt, a single integer.")),
  },
);

export const NodeSelectorTerm = named(
  coreId("NodeSelectorTerm"),
  "A null or empty node selector term matches no objects. The requirements of them are ANDed.",
  {
    matchExpressions: opt(atomicList(NodeSelectorRequirement, "A list of node selector requirements by node's labels.")),
    matchFields: opt(atomicList(NodeSelectorRequirement, "A list of node selector requirements by node's fields.")),
  },
  { "x-kubernetes-map-type": "atomic" },
);

export const NodeSelector = named(
  coreId("NodeSelector"),
  "A node selector represents the union of the results of one or more label queries over a set of nodes; that is, it represents the OR of the selectors represented by the node selector terms.",
  { nodeSelectorTerms: atomicList(NodeSelectorTerm, "Required. A list of node selector terms. The terms are ORed.") },
  { "x-kubernetes-map-type": "atomic" },
);

export const PreferredSchedulingTerm = named(coreId("PreferredSchedulingTerm"), "An empty preferred scheduling term matches all objects with implicit weight 0.", {
  weight: int32("Weight associated with matching the corresponding nodeSelectorTerm, in the range 1-100."),
  preference: NodeSelectorTerm,
});

export const NodeAffinity = named(coreId("NodeAffinity"), "Node affinity is a group of node affinity scheduling rules.", {
  requiredDuringSchedulingIgnoredDuringExecution: opt(NodeSelector),
  preferredDuringSchedulingIgnoredDuringExecution: opt(atomicList(PreferredSchedulingTerm, "The scheduler will prefer to schedule pods to nodes that satisfy the affinity expressions specified by this field.")),
});

export const PodAffinityTerm = named(
  coreId("PodAffinityTerm"),
  "Defines a set of pods (namely those matching the labelSelector relative to the given namespace(s)) that this pod should be co-located (affinity) or not co-located (anti-affinity) with.",
  {
    labelSelector: opt(LabelSelector),
    namespaces: opt(atomicList(Type.String(), "namespaces specifies a static list of namespace names that the term applies to.")),
    topologyKey: str("This pod should be co-located (affinity) or not co-located (anti-affinity) with the pods matching the labelSelector in the specified namespaces, where co-located is defined as running on a node whose value of the label with key topologyKey matches that of any node on which any of the selected pods is running. Empty topologyKey is not allowed."),
    namespaceSelector: opt(LabelSelector),
    matchLabelKeys: opt(atomicList(Type.String(), "MatchLabelKeys is a set of pod label keys to select which pods will be taken into consideration.")),
    mismatchLabelKeys: opt(atomicList(Type.String(), "MismatchLabelKeys is a set of pod label keys to select which pods will be taken into consideration.")),
  },
);

export const WeightedPodAffinityTerm = named(coreId("WeightedPodAffinityTerm"), "The weights of all of the matched WeightedPodAffinityTerm fields are added per-node to find the most preferred node(s)", {
  weight: int32("weight associated with matching the corresponding podAffinityTerm, in the range 1-100."),
  podAffinityTerm: PodAffinityTerm,
});

const podAffinity = (name: string, what: string) =>
  named(coreId(name), `Pod ${what} is a group of inter pod ${what} scheduling rules.`, {
    requiredDuringSchedulingIgnoredDuringExecution: opt(atomicList(PodAffinityTerm, `If the ${what} requirements specified by this field are not met at scheduling time, the pod will not be scheduled onto the node.`)),
    preferredDuringSchedulingIgnoredDuringExecution: opt(atomicList(WeightedPodAffinityTerm, `The scheduler will prefer to schedule pods to nodes that satisfy the ${what} expressions specified by this field.`)),
  });
export const PodAffinity = podAffinity("PodAffinity", "affinity");
export const PodAntiAffinity = podAffinity("PodAntiAffinity", "anti-affinity");

export const Affinity = named(coreId("Affinity"), "Affinity is a group of affinity scheduling rules.", {
  nodeAffinity: opt(NodeAffinity),
  podAffinity: opt(PodAffinity),
  podAntiAffinity: opt(PodAntiAffinity),
});

export const TopologySpreadConstraint = named(
  coreId("TopologySpreadConstraint"),
  "TopologySpreadConstraint specifies how to spread matching pods among the given topology.",
  {
    maxSkew: int32("MaxSkew describes the degree to which pods may be unevenly distributed. It must be greater than zero."),
    topologyKey: str("TopologyKey is the key of node labels. Nodes that have a label with this key and identical values are considered to be in the same topology."),
    whenUnsatisfiable: stringEnum(["DoNotSchedule", "ScheduleAnyway"], "WhenUnsatisfiable indicates how to deal with a pod if it doesn't satisfy the spread constraint."),
    labelSelector: opt(LabelSelector),
    minDomains: opt(int32("MinDomains indicates a minimum number of eligible domains.")),
    nodeAffinityPolicy: opt(stringEnum(["Honor", "Ignore"], "NodeAffinityPolicy indicates how we will treat Pod's nodeAffinity/nodeSelector when calculating pod topology spread skew.")),
    nodeTaintsPolicy: opt(stringEnum(["Honor", "Ignore"], "NodeTaintsPolicy indicates how we will treat node taints when calculating pod topology spread skew.")),
    matchLabelKeys: opt(atomicList(Type.String(), "MatchLabelKeys is a set of pod label keys to select the pods over which spreading will be calculated.")),
  },
);

export const HostAlias = named(coreId("HostAlias"), "HostAlias holds the mapping between IP and hostnames that will be injected as an entry in the pod's hosts file.", {
  ip: str("IP address of the host file entry."),
  hostnames: opt(atomicList(Type.String(), "Hostnames for the above IP address.")),
});

export const PodDNSConfigOption = named(coreId("PodDNSConfigOption"), "PodDNSConfigOption defines DNS resolver options of a pod.", {
  name: opt(str("Name is this DNS resolver option's name. Required.")),
  value: opt(str("Value is this DNS resolver option's value.")),
});

export const PodDNSConfig = named(coreId("PodDNSConfig"), "PodDNSConfig defines the DNS parameters of a pod in addition to those generated from DNSPolicy.", {
  nameservers: opt(atomicList(Type.String(), "A list of DNS name server IP addresses.")),
  searches: opt(atomicList(Type.String(), "A list of DNS search domains for host-name lookup.")),
  options: opt(atomicList(PodDNSConfigOption, "A list of DNS resolver options.")),
});

export const PodReadinessGate = named(coreId("PodReadinessGate"), "PodReadinessGate contains the reference to a pod condition", {
  conditionType: str("ConditionType refers to a condition in the pod's condition list with matching type."),
});

export const PodOS = named(coreId("PodOS"), "PodOS defines the OS parameters of a pod.", {
  name: str("Name is the name of the operating system. The currently supported values are linux and windows."),
});

export const PodSchedulingGate = named(coreId("PodSchedulingGate"), "PodSchedulingGate is associated to a Pod to guard its scheduling.", {
  name: str("Name of the scheduling gate. Each scheduling gate must have a unique name field."),
});

export const RESTART_POLICIES = ["Always", "OnFailure", "Never"] as const;
export const DNS_POLICIES = ["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"] as const;

export const PodSpec = named(coreId("PodSpec"), "PodSpec is a description of a pod.", {
  volumes: opt(
    mapList(Volume, ["name"], "List of volumes that can be mounted by containers belonging to the pod.", { mergeKey: "name", strategy: "merge,retainKeys" }),
  ),
  initContainers: opt(
    mapList(Container, ["name"], "List of initialization containers belonging to the pod. Init containers are executed in order prior to containers being started.", { mergeKey: "name" }),
  ),
  containers: mapList(Container, ["name"], "List of containers belonging to the pod. Containers cannot currently be added or removed. There must be at least one container in a Pod. Cannot be updated.", { mergeKey: "name" }),
  restartPolicy: opt(stringEnum(RESTART_POLICIES, "Restart policy for all containers within the pod. One of Always, OnFailure, Never. Default to Always.")),
  terminationGracePeriodSeconds: opt(int64("Optional duration in seconds the pod needs to terminate gracefully. Defaults to 30 seconds.")),
  activeDeadlineSeconds: opt(int64("Optional duration in seconds the pod may be active on the node relative to StartTime before the system will actively try to mark it failed and kill associated containers. Value must be a positive integer.")),
  dnsPolicy: opt(stringEnum(DNS_POLICIES, "Set DNS policy for the pod. Defaults to \"ClusterFirst\".")),
  nodeSelector: opt(stringMap("NodeSelector is a selector which must be true for the pod to fit on a node.", { "x-kubernetes-map-type": "atomic" })),
  serviceAccountName: opt(str("ServiceAccountName is the name of the ServiceAccount to use to run this pod.")),
  serviceAccount: opt(str("DeprecatedServiceAccount is a deprecated alias for ServiceAccountName. Deprecated: Use serviceAccountName instead.")),
  automountServiceAccountToken: opt(bool("AutomountServiceAccountToken indicates whether a service account token should be automatically mounted.")),
  nodeName: opt(str("NodeName indicates in which node this pod is scheduled. If empty, this pod is a candidate for scheduling by the scheduler defined in schedulerName.")),
  hostNetwork: opt(bool("Host networking requested for this pod. Use the host's network namespace. Default to false.")),
  hostPID: opt(bool("Use the host's pid namespace. Optional: Default to false.")),
  hostIPC: opt(bool("Use the host's ipc namespace. Optional: Default to false.")),
  shareProcessNamespace: opt(bool("Share a single process namespace between all of the containers in a pod.")),
  securityContext: opt(described(PodSecurityContext, "SecurityContext holds pod-level security attributes and common container settings. Optional: Defaults to empty.")),
  imagePullSecrets: opt(
    mapList(LocalObjectReference, ["name"], "ImagePullSecrets is an optional list of references to secrets in the same namespace to use for pulling any of the images used by this PodSpec.", { mergeKey: "name" }),
  ),
  hostname: opt(str("Specifies the hostname of the Pod. If not specified, the pod's hostname will be set to a system-defined value.")),
  subdomain: opt(str('If specified, the fully qualified Pod hostname will be "<hostname>.<subdomain>.<pod namespace>.svc.<cluster domain>".')),
  affinity: opt(described(Affinity, "If specified, the pod's scheduling constraints")),
  schedulerName: opt(str("If specified, the pod will be dispatched by specified scheduler. If not specified, the pod will be dispatched by default scheduler.")),
  tolerations: opt(atomicList(Toleration, "If specified, the pod's tolerations.")),
  hostAliases: opt(mapList(HostAlias, ["ip"], "HostAliases is an optional list of hosts and IPs that will be injected into the pod's hosts file if specified.", { mergeKey: "ip" })),
  priorityClassName: opt(str("If specified, indicates the pod's priority.")),
  priority: opt(int32("The priority value. Various system components use this field to find the priority of the pod.")),
  dnsConfig: opt(described(PodDNSConfig, "Specifies the DNS parameters of a pod. Parameters specified here will be merged to the generated DNS configuration based on DNSPolicy.")),
  readinessGates: opt(atomicList(PodReadinessGate, "If specified, all readiness gates will be evaluated for pod readiness.")),
  runtimeClassName: opt(str("RuntimeClassName refers to a RuntimeClass object in the node.k8s.io group, which should be used to run this pod.")),
  enableServiceLinks: opt(bool("EnableServiceLinks indicates whether information about services should be injected into pod's environment variables. Optional: Defaults to true.")),
  preemptionPolicy: opt(stringEnum(["Never", "PreemptLowerPriority"], "PreemptionPolicy is the Policy for preempting pods with lower priority. Defaults to PreemptLowerPriority if unset.")),
  overhead: opt(ResourceList("Overhead represents the resource overhead associated with running a pod for a given RuntimeClass.")),
  topologySpreadConstraints: opt(
    mapList(TopologySpreadConstraint, ["topologyKey", "whenUnsatisfiable"], "TopologySpreadConstraints describes how a group of pods ought to spread across topology domains.", { mergeKey: "topologyKey" }),
  ),
  setHostnameAsFQDN: opt(bool("If true the pod's hostname will be configured as the pod's FQDN, rather than the leaf name (the default).")),
  os: opt(PodOS),
  hostUsers: opt(bool("Use the host's user namespace. Optional: Default to true.")),
  schedulingGates: opt(mapList(PodSchedulingGate, ["name"], "SchedulingGates is an opaque list of values that if specified will block scheduling the pod.", { mergeKey: "name" })),
  resources: opt(ResourceRequirements),
});
export type PodSpec = Static<typeof PodSpec>;

// ---------------------------------------------------------------- status

export const ContainerStateWaiting = named(coreId("ContainerStateWaiting"), "ContainerStateWaiting is a waiting state of a container.", {
  reason: opt(str("(brief) reason the container is not yet running.")),
  message: opt(str("Message regarding why the container is not yet running.")),
});

export const ContainerStateRunning = named(coreId("ContainerStateRunning"), "ContainerStateRunning is a running state of a container.", {
  startedAt: opt(Time),
});

export const ContainerStateTerminated = named(coreId("ContainerStateTerminated"), "ContainerStateTerminated is a terminated state of a container.", {
  exitCode: int32("Exit status from the last termination of the container"),
  signal: opt(int32("Signal from the last termination of the container")),
  reason: opt(str("(brief) reason from the last termination of the container")),
  message: opt(str("Message regarding the last termination of the container")),
  startedAt: opt(Time),
  finishedAt: opt(Time),
  containerID: opt(str("Container's ID in the format '<type>://<container_id>'")),
});

export const ContainerState = named(
  coreId("ContainerState"),
  "ContainerState holds a possible state of container. Only one of its members may be specified. If none of them is specified, the default one is ContainerStateWaiting.",
  { waiting: opt(ContainerStateWaiting), running: opt(ContainerStateRunning), terminated: opt(ContainerStateTerminated) },
);

export const ContainerStatus = named(coreId("ContainerStatus"), "ContainerStatus contains details for the current status of this container.", {
  name: str("Name is a DNS_LABEL representing the unique name of the container."),
  state: opt(ContainerState),
  lastState: opt(ContainerState),
  ready: bool("Ready specifies whether the container is currently passing its readiness check."),
  restartCount: int32("RestartCount holds the number of times the container has been restarted."),
  image: str("Image is the name of container image that the container is running."),
  imageID: str("ImageID is the image ID of the container's image."),
  containerID: opt(str("ContainerID is the ID of the container in the format '<type>://<container_id>'.")),
  started: opt(bool("Started indicates whether the container has finished its postStart lifecycle hook and passed its startup probe.")),
  allocatedResources: opt(ResourceList("AllocatedResources represents the compute resources allocated for this container by the node.")),
  resources: opt(ResourceRequirements),
});
export type ContainerStatus = Static<typeof ContainerStatus>;

export const PodCondition = named(coreId("PodCondition"), "PodCondition contains details for the current condition of this pod.", {
  type: str("Type is the type of the condition, such as PodScheduled, Initialized, ContainersReady, Ready."),
  status: str("Status is the status of the condition. Can be True, False, Unknown."),
  lastProbeTime: opt(Time),
  lastTransitionTime: opt(Time),
  reason: opt(str("Unique, one-word, CamelCase reason for the condition's last transition.")),
  message: opt(str("Human-readable message indicating details about last transition.")),
});

export const PodIP = named(coreId("PodIP"), "PodIP represents a single IP address allocated to the pod.", {
  ip: str("IP is the IP address assigned to the pod"),
});
export const HostIP = named(coreId("HostIP"), "HostIP represents a single IP address allocated to the host.", {
  ip: str("IP is the IP address assigned to the host"),
});

export const PodStatus = named(coreId("PodStatus"), "PodStatus represents information about the status of a pod. Status may trail the actual state of a system, especially if the node that hosts the pod cannot contact the control plane.", {
  phase: opt(stringEnum(["Pending", "Running", "Succeeded", "Failed", "Unknown"], "The phase of a Pod is a simple, high-level summary of where the Pod is in its lifecycle.")),
  conditions: opt(mapList(PodCondition, ["type"], "Current service state of pod.", { mergeKey: "type" })),
  message: opt(str("A human readable message indicating details about why the pod is in this condition.")),
  reason: opt(str("A brief CamelCase message indicating details about why the pod is in this state. e.g. 'Evicted'")),
  nominatedNodeName: opt(str("nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods.")),
  hostIP: opt(str("hostIP holds the IP address of the host to which the pod is assigned. Empty if the pod has not started yet.")),
  hostIPs: opt(Type.Array(HostIP, { description: "hostIPs holds the IP addresses allocated to the host.", "x-kubernetes-list-type": "atomic", "x-kubernetes-patch-merge-key": "ip", "x-kubernetes-patch-strategy": "merge" })),
  podIP: opt(str("podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.")),
  podIPs: opt(mapList(PodIP, ["ip"], "podIPs holds the IP addresses allocated to the pod.", { mergeKey: "ip" })),
  startTime: opt(Time),
  initContainerStatuses: opt(atomicList(ContainerStatus, "Statuses of init containers in this pod.")),
  containerStatuses: opt(atomicList(ContainerStatus, "Statuses of containers in this pod.")),
  qosClass: opt(stringEnum(["Guaranteed", "Burstable", "BestEffort"], "The Quality of Service (QOS) classification assigned to the pod based on resource requirements.")),
  ephemeralContainerStatuses: opt(atomicList(ContainerStatus, "Statuses for any ephemeral containers that have run in this pod.")),
  resize: opt(str("Status of resources resize desired for pod's containers.")),
  observedGeneration: opt(int64("If set, this represents the .metadata.generation that the pod status was set based upon.")),
});
export type PodStatus = Static<typeof PodStatus>;

export const Pod = kind(
  coreId("Pod"),
  coreGvk("Pod"),
  "Pod is a collection of containers that can run on a host. This resource is created by clients and scheduled onto hosts.",
  { ...typeMeta(), metadata: opt(ObjectMeta), spec: opt(PodSpec), status: opt(PodStatus) },
);
export type Pod = Static<typeof Pod>;

export const PodTemplateSpec = named(coreId("PodTemplateSpec"), "PodTemplateSpec describes the data a pod should have when created from a template", {
  metadata: opt(described(ObjectMeta, "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata")),
  spec: opt(described(PodSpec, "Specification of the desired behavior of the pod. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#spec-and-status")),
});
export type PodTemplateSpec = Static<typeof PodTemplateSpec>;

export const Binding = kind(
  coreId("Binding"),
  coreGvk("Binding"),
  "Binding ties one object to another; for example, a pod is bound to a node by a scheduler.",
  { ...typeMeta(), metadata: opt(ObjectMeta), target: ObjectReference },
);
export type Binding = Static<typeof Binding>;
