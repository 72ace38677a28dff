// An agent that starts one container and exits at once, as an agent restart
// would leave it (runc-runtime.test.ts then recovers the container).
// argv: root rootfs id logPath
import { RuncRuntime } from "../runc-runtime.ts";

const [root, rootfs, id, logPath] = process.argv.slice(2) as [string, string, string, string];
const runtime = new RuncRuntime({ root });
await runtime.start({
  id,
  podUid: "restart",
  podName: "restart",
  namespace: "default",
  containerName: "c",
  image: { reference: "busybox", digest: "sha256:0", kind: "oci-rootfs", path: rootfs },
  command: ["sh", "-c", "echo before; trap 'echo term; exit 5' TERM; while :; do sleep 0.05; [ -f /tmp/say ] && { echo after; rm /tmp/say; }; done"],
  env: {},
  mounts: [],
  ports: [],
  podIP: "127.0.0.1",
  resources: {},
  logPath,
});
process.stdout.write("started\n");
process.exit(0);
