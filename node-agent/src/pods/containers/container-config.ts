// The runtime's view of one container instance, built from the pod spec the
// way the kubelet builds a CRI ContainerConfig: environment, $(VAR) expansion
// in command and args, mounts, ports, limits, security context, log file.
import type { Container, Pod } from "../../../../schemas/index.ts";
import { quantityValue } from "../../../../schemas/checks/quantity.ts";
import type { ContainerConfig, ResolvedImage } from "../../runtime/runtime.ts";
import type { ObjectSource } from "../../state/object-source.ts";
import type { SetUpVolume, VolumeManager } from "../../volumes/volume-manager.ts";
import { buildEnv, ContainerConfigError, expand } from "./env.ts";

export interface ConfigInputs {
  pod: Pod;
  container: Container;
  image: ResolvedImage;
  attempt: number;
  podIPs: string[];
  hostIP: string;
  netnsPath?: string;
  volumes: Map<string, SetUpVolume> | undefined;
  volumeManager: Pick<VolumeManager, "mountsFor">;
  objects: Pick<ObjectSource, "configMap" | "secret">;
  nodeAllocatable: { cpu: number; memory: number };
  logPath: string;
  baseEnv?: Record<string, string>;
}

export async function buildContainerConfig(inputs: ConfigInputs): Promise<ContainerConfig> {
  const { pod, container } = inputs;
  const meta = pod.metadata ?? {};
  const env = await buildEnv({
    pod,
    container,
    objects: inputs.objects,
    podIPs: inputs.podIPs,
    hostIP: inputs.hostIP,
    nodeAllocatable: inputs.nodeAllocatable,
    base: inputs.baseEnv,
  });
  if ((container.volumeMounts?.length ?? 0) > 0 && !inputs.volumes) throw new ContainerConfigError("the pod's volumes are not set up");
  const limits = container.resources?.limits ?? {};
  const memory = limits.memory === undefined ? undefined : quantityValue(limits.memory as string | number);
  const cpu = limits.cpu === undefined ? undefined : quantityValue(limits.cpu as string | number);
  const podSecurity = pod.spec?.securityContext ?? {};
  const security = container.securityContext ?? {};
  const runAsUser = security.runAsUser ?? podSecurity.runAsUser;
  const runAsGroup = security.runAsGroup ?? podSecurity.runAsGroup;
  return {
    id: `${meta.uid}-${container.name}-${inputs.attempt}`,
    podUid: meta.uid ?? "",
    podName: meta.name ?? "",
    namespace: meta.namespace ?? "default",
    containerName: container.name,
    image: inputs.image,
    ...(container.command ? { command: container.command.map((part) => expand(part, env)) } : {}),
    ...(container.args ? { args: container.args.map((part) => expand(part, env)) } : {}),
    env,
    ...(container.workingDir ? { workingDir: container.workingDir } : {}),
    mounts: inputs.volumes ? inputs.volumeManager.mountsFor(container, inputs.volumes) : [],
    ports: (container.ports ?? []).map((p) => ({ containerPort: p.containerPort, protocol: p.protocol ?? "TCP", ...(p.name ? { name: p.name } : {}) })),
    podIP: inputs.podIPs[0] ?? inputs.hostIP,
    resources: {
      ...(memory === undefined ? {} : { memoryLimitBytes: Math.floor(memory) }),
      ...(cpu === undefined ? {} : { cpuLimitMillis: Math.ceil(cpu * 1000) }),
    },
    securityContext: {
      ...(runAsUser === undefined ? {} : { runAsUser }),
      ...(runAsGroup === undefined ? {} : { runAsGroup }),
      ...(security.readOnlyRootFilesystem === undefined ? {} : { readOnlyRootFilesystem: security.readOnlyRootFilesystem }),
      ...(security.privileged === undefined ? {} : { privileged: security.privileged }),
      ...(security.allowPrivilegeEscalation === undefined ? {} : { allowPrivilegeEscalation: security.allowPrivilegeEscalation }),
      ...(security.capabilities ? { capabilities: security.capabilities } : {}),
    },
    logPath: inputs.logPath,
    ...(inputs.netnsPath ? { netnsPath: inputs.netnsPath } : {}),
  };
}
