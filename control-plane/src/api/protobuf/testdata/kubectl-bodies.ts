// What kubectl 1.32 sends for its typed commands: the protobuf body each one
// put on the wire (captured in front of a Ledge server), beside the JSON the
// same command prints with --dry-run=client -o json. Both are Go's own
// encodings of one object, so the decoder is held to Kubernetes' marshalling,
// not to a writer of ours. bin.dat held the bytes "hello\x00\xff"; env.txt
// held "X=1\nY=two".

export interface KubectlBody {
  command: string;
  /** The request body, base64. */
  protobuf: string;
  /** `kubectl … --dry-run=client -o json` of the same command. */
  json: Record<string, unknown>;
}

export const KUBECTL_BODIES: KubectlBody[] = [
  {
    command: "kubectl create namespace pbns2",
    protobuf: "azhzAAoPCgJ2MRIJTmFtZXNwYWNlEh0KFQoFcGJuczISABoAIgAqADIAOABCABIAGgIKABoAIgA=",
    json: {"kind": "Namespace", "apiVersion": "v1", "metadata": {"name": "pbns2", "creationTimestamp": null}, "spec": {}, "status": {}},
  },
  {
    command: "kubectl -n pbns2 create configmap cm2 --from-literal=a=b --from-file=bin=bin.dat",
    protobuf: "azhzAAoPCgJ2MRIJQ29uZmlnTWFwEjIKGAoDY20yEgAaBXBibnMyIgAqADIAOABCABIGCgFhEgFiGg4KA2JpbhIHaGVsbG8A/xoAIgA=",
    json: {"kind": "ConfigMap", "apiVersion": "v1", "metadata": {"name": "cm2", "namespace": "pbns2", "creationTimestamp": null}, "data": {"a": "b"}, "binaryData": {"bin": "aGVsbG8A/w=="}},
  },
  {
    command: "kubectl -n pbns2 create secret generic s1 --from-literal=user=admin --type=Opaque",
    protobuf: "azhzAAoMCgJ2MRIGU2VjcmV0EjAKFwoCczESABoFcGJuczIiACoAMgA4AEIAEg0KBHVzZXISBWFkbWluGgZPcGFxdWUaACIA",
    json: {"kind": "Secret", "apiVersion": "v1", "metadata": {"name": "s1", "namespace": "pbns2", "creationTimestamp": null}, "data": {"user": "YWRtaW4="}, "type": "Opaque"},
  },
  {
    command: "kubectl -n pbns2 create secret docker-registry d1 --docker-server=r.example --docker-username=u --docker-password=p --docker-email=e@x",
    protobuf: "azhzAAoMCgJ2MRIGU2VjcmV0EqMBChcKAmQxEgAaBXBibnMyIgAqADIAOABCABJoChEuZG9ja2VyY29uZmlnanNvbhJTeyJhdXRocyI6eyJyLmV4YW1wbGUiOnsidXNlcm5hbWUiOiJ1IiwicGFzc3dvcmQiOiJwIiwiZW1haWwiOiJlQHgiLCJhdXRoIjoiZFRwdyJ9fX0aHmt1YmVybmV0ZXMuaW8vZG9ja2VyY29uZmlnanNvbhoAIgA=",
    json: {"kind": "Secret", "apiVersion": "v1", "metadata": {"name": "d1", "namespace": "pbns2", "creationTimestamp": null}, "data": {".dockerconfigjson": "eyJhdXRocyI6eyJyLmV4YW1wbGUiOnsidXNlcm5hbWUiOiJ1IiwicGFzc3dvcmQiOiJwIiwiZW1haWwiOiJlQHgiLCJhdXRoIjoiZFRwdyJ9fX0="}, "type": "kubernetes.io/dockerconfigjson"},
  },
  {
    command: "kubectl -n pbns2 create secret generic envs --from-env-file=env.txt",
    protobuf: "azhzAAoMCgJ2MRIGU2VjcmV0Ei8KGQoEZW52cxIAGgVwYm5zMiIAKgAyADgAQgASBgoBWBIBMRIICgFZEgN0d28aABoAIgA=",
    json: {"kind": "Secret", "apiVersion": "v1", "metadata": {"name": "envs", "namespace": "pbns2", "creationTimestamp": null}, "data": {"X": "MQ==", "Y": "dHdv"}},
  },
  {
    command: "kubectl -n pbns2 create deployment web --image=nginx:1.27 --replicas=3 --port=80",
    protobuf: "azhzAAoVCgdhcHBzL3YxEgpEZXBsb3ltZW50EsIBCiQKA3dlYhIAGgVwYm5zMiIAKgAyADgAQgBaCgoDYXBwEgN3ZWISiwEIAxIMCgoKA2FwcBIDd2ViGnEKHAoAEgAaACIAKgAyADgAQgBaCgoDYXBwEgN3ZWISURIzCgVuZ2lueBIKbmdpbng6MS4yNyoAMgoKABAAGFAiACoAQgBqAHIAgAEAiAEAkAEAogEAGgAyAEIASgBSAFgAYABoAIIBAIoBAJoBAMIBACICCgAoADgAGgwIABAAGAAgACgAOAAaACIA",
    json: {"kind": "Deployment", "apiVersion": "apps/v1", "metadata": {"name": "web", "namespace": "pbns2", "creationTimestamp": null, "labels": {"app": "web"}}, "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}}, "template": {"metadata": {"creationTimestamp": null, "labels": {"app": "web"}}, "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27", "ports": [{"containerPort": 80}], "resources": {}}]}}, "strategy": {}}, "status": {}},
  },
  {
    command: "kubectl -n pbns2 create deployment zero --image=nginx:1.27 --replicas=0",
    protobuf: "azhzAAoVCgdhcHBzL3YxEgpEZXBsb3ltZW50EroBCiYKBHplcm8SABoFcGJuczIiACoAMgA4AEIAWgsKA2FwcBIEemVybxKBAQgAEg0KCwoDYXBwEgR6ZXJvGmYKHQoAEgAaACIAKgAyADgAQgBaCwoDYXBwEgR6ZXJvEkUSJwoFbmdpbngSCm5naW54OjEuMjcqAEIAagByAIABAIgBAJABAKIBABoAMgBCAEoAUgBYAGAAaACCAQCKAQCaAQDCAQAiAgoAKAA4ABoMCAAQABgAIAAoADgAGgAiAA==",
    json: {"kind": "Deployment", "apiVersion": "apps/v1", "metadata": {"name": "zero", "namespace": "pbns2", "creationTimestamp": null, "labels": {"app": "zero"}}, "spec": {"replicas": 0, "selector": {"matchLabels": {"app": "zero"}}, "template": {"metadata": {"creationTimestamp": null, "labels": {"app": "zero"}}, "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27", "resources": {}}]}}, "strategy": {}}, "status": {}},
  },
  {
    command: "kubectl -n pbns2 create deployment cmd2 --image=busybox -- sleep 10",
    protobuf: "azhzAAoVCgdhcHBzL3YxEgpEZXBsb3ltZW50EsQBCiYKBGNtZDISABoFcGJuczIiACoAMgA4AEIAWgsKA2FwcBIEY21kMhKLAQgBEg0KCwoDYXBwEgRjbWQyGnAKHQoAEgAaACIAKgAyADgAQgBaCwoDYXBwEgRjbWQyEk8SMQoHYnVzeWJveBIHYnVzeWJveBoFc2xlZXAaAjEwKgBCAGoAcgCAAQCIAQCQAQCiAQAaADIAQgBKAFIAWABgAGgAggEAigEAmgEAwgEAIgIKACgAOAAaDAgAEAAYACAAKAA4ABoAIgA=",
    json: {"kind": "Deployment", "apiVersion": "apps/v1", "metadata": {"name": "cmd2", "namespace": "pbns2", "creationTimestamp": null, "labels": {"app": "cmd2"}}, "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "cmd2"}}, "template": {"metadata": {"creationTimestamp": null, "labels": {"app": "cmd2"}}, "spec": {"containers": [{"name": "busybox", "image": "busybox", "command": ["sleep", "10"], "resources": {}}]}}, "strategy": {}}, "status": {}},
  },
  {
    command: "kubectl -n pbns2 create service clusterip svc1 --tcp=80:8080",
    protobuf: "azhzAAoNCgJ2MRIHU2VydmljZRJxCiYKBHN2YzESABoFcGJuczIiACoAMgA4AEIAWgsKA2FwcBIEc3ZjMRJDChsKBzgwLTgwODASA1RDUBhQIgcIABCQPxoAKAASCwoDYXBwEgRzdmMxGgAiCUNsdXN0ZXJJUDoAQgBSAFoAYABoABoCCgAaACIA",
    json: {"kind": "Service", "apiVersion": "v1", "metadata": {"name": "svc1", "namespace": "pbns2", "creationTimestamp": null, "labels": {"app": "svc1"}}, "spec": {"ports": [{"name": "80-8080", "protocol": "TCP", "port": 80, "targetPort": 8080}], "selector": {"app": "svc1"}, "type": "ClusterIP"}, "status": {"loadBalancer": {}}},
  },
  {
    command: "kubectl -n pbns2 create service clusterip two --tcp=80:8080 --tcp=443:8443",
    protobuf: "azhzAAoNCgJ2MRIHU2VydmljZRKNAQokCgN0d28SABoFcGJuczIiACoAMgA4AEIAWgoKA2FwcBIDdHdvEmEKGwoHODAtODA4MBIDVENQGFAiBwgAEJA/GgAoAAodCgg0NDMtODQ0MxIDVENQGLsDIgcIABD7QRoAKAASCgoDYXBwEgN0d28aACIJQ2x1c3RlcklQOgBCAFIAWgBgAGgAGgIKABoAIgA=",
    json: {"kind": "Service", "apiVersion": "v1", "metadata": {"name": "two", "namespace": "pbns2", "creationTimestamp": null, "labels": {"app": "two"}}, "spec": {"ports": [{"name": "80-8080", "protocol": "TCP", "port": 80, "targetPort": 8080}, {"name": "443-8443", "protocol": "TCP", "port": 443, "targetPort": 8443}], "selector": {"app": "two"}, "type": "ClusterIP"}, "status": {"loadBalancer": {}}},
  },
  {
    command: "kubectl -n pbns2 create service clusterip headless --clusterip=None",
    protobuf: "azhzAAoNCgJ2MRIHU2VydmljZRJkCi4KCGhlYWRsZXNzEgAaBXBibnMyIgAqADIAOABCAFoPCgNhcHASCGhlYWRsZXNzEi4SDwoDYXBwEghoZWFkbGVzcxoETm9uZSIJQ2x1c3RlcklQOgBCAFIAWgBgAGgAGgIKABoAIgA=",
    json: {"kind": "Service", "apiVersion": "v1", "metadata": {"name": "headless", "namespace": "pbns2", "creationTimestamp": null, "labels": {"app": "headless"}}, "spec": {"selector": {"app": "headless"}, "clusterIP": "None", "type": "ClusterIP"}, "status": {"loadBalancer": {}}},
  },
  {
    command: "kubectl -n pbns2 create service nodeport np1 --tcp=81:http --node-port=30080",
    protobuf: "azhzAAoNCgJ2MRIHU2VydmljZRJyCiQKA25wMRIAGgVwYm5zMiIAKgAyADgAQgBaCgoDYXBwEgNucDESRgogCgc4MS1odHRwEgNUQ1AYUSIKCAEQABoEaHR0cCiA6wESCgoDYXBwEgNucDEaACIITm9kZVBvcnQ6AEIAUgBaAGAAaAAaAgoAGgAiAA==",
    json: {"kind": "Service", "apiVersion": "v1", "metadata": {"name": "np1", "namespace": "pbns2", "creationTimestamp": null, "labels": {"app": "np1"}}, "spec": {"ports": [{"name": "81-http", "protocol": "TCP", "port": 81, "targetPort": "http", "nodePort": 30080}], "selector": {"app": "np1"}, "type": "NodePort"}, "status": {"loadBalancer": {}}},
  },
  {
    command: "kubectl -n pbns2 create service loadbalancer lb1 --tcp=82:82",
    protobuf: "azhzAAoNCgJ2MRIHU2VydmljZRJuCiQKA2xiMRIAGgVwYm5zMiIAKgAyADgAQgBaCgoDYXBwEgNsYjESQgoYCgU4Mi04MhIDVENQGFIiBggAEFIaACgAEgoKA2FwcBIDbGIxGgAiDExvYWRCYWxhbmNlcjoAQgBSAFoAYABoABoCCgAaACIA",
    json: {"kind": "Service", "apiVersion": "v1", "metadata": {"name": "lb1", "namespace": "pbns2", "creationTimestamp": null, "labels": {"app": "lb1"}}, "spec": {"ports": [{"name": "82-82", "protocol": "TCP", "port": 82, "targetPort": 82}], "selector": {"app": "lb1"}, "type": "LoadBalancer"}, "status": {"loadBalancer": {}}},
  },
  {
    command: "kubectl -n pbns2 create service externalname ext1 --external-name=example.com",
    protobuf: "azhzAAoNCgJ2MRIHU2VydmljZRJiCiYKBGV4dDESABoFcGJuczIiACoAMgA4AEIAWgsKA2FwcBIEZXh0MRI0EgsKA2FwcBIEZXh0MRoAIgxFeHRlcm5hbE5hbWU6AEIAUgtleGFtcGxlLmNvbVoAYABoABoCCgAaACIA",
    json: {"kind": "Service", "apiVersion": "v1", "metadata": {"name": "ext1", "namespace": "pbns2", "creationTimestamp": null, "labels": {"app": "ext1"}}, "spec": {"selector": {"app": "ext1"}, "type": "ExternalName", "externalName": "example.com"}, "status": {"loadBalancer": {}}},
  },
  {
    command: "kubectl -n pbns2 create serviceaccount sa1",
    protobuf: "azhzAAoUCgJ2MRIOU2VydmljZUFjY291bnQSGgoYCgNzYTESABoFcGJuczIiACoAMgA4AEIAGgAiAA==",
    json: {"kind": "ServiceAccount", "apiVersion": "v1", "metadata": {"name": "sa1", "namespace": "pbns2", "creationTimestamp": null}},
  },
];
