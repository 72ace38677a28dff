// Image references in one spelling, so that a pod's "nginx" and a node's
// "docker.io/library/nginx:latest" are recognised as the same image.
// Kubernetes only appends ":latest" here and lists the implicit-registry case
// as a known miss; runtimes report fully qualified names while manifests
// rarely use them, so Ledge applies the Docker reference defaults too.

const DEFAULT_DOMAIN = "docker.io";

function isDomain(component: string): boolean {
  return component.includes(".") || component.includes(":") || component === "localhost";
}

/** The fully qualified form of an image reference: registry, repository and a tag unless it is pinned by digest. */
export function normalizeImageName(reference: string): string {
  const at = reference.indexOf("@");
  const name = at === -1 ? reference : reference.slice(0, at);
  const digest = at === -1 ? "" : reference.slice(at);
  const slash = name.indexOf("/");
  let qualified: string;
  if (slash === -1 || !isDomain(name.slice(0, slash))) {
    qualified = `${DEFAULT_DOMAIN}/${slash === -1 ? `library/${name}` : name}`;
  } else if (name.slice(0, slash) === "index.docker.io") {
    qualified = `${DEFAULT_DOMAIN}${name.slice(slash)}`;
  } else {
    qualified = name;
  }
  const lastSlash = qualified.lastIndexOf("/");
  const hasTag = qualified.indexOf(":", lastSlash) !== -1;
  if (digest !== "") return `${qualified}${digest}`;
  return hasTag ? qualified : `${qualified}:latest`;
}
