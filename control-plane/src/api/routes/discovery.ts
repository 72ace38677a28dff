// API discovery: the legacy documents and the aggregated (apidiscovery.k8s.io) ones.
import { Hono } from "hono";
import { groupVersions, type ResourceEntry, resourcesFor } from "../../../../schemas/registry.ts";
import { notFound } from "../errors.ts";

const AGGREGATED = /as=APIGroupDiscoveryList/;

function resourceList(groupVersion: string, resources: readonly ResourceEntry[]) {
  const entries: Record<string, unknown>[] = [];
  for (const r of resources) {
    entries.push({
      name: r.plural,
      singularName: r.singular,
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: r.verbs,
      ...(r.shortNames.length ? { shortNames: r.shortNames } : {}),
      ...(r.categories.length ? { categories: r.categories } : {}),
    });
    for (const [name, sub] of Object.entries(r.subresources)) {
      if (!sub) continue;
      entries.push({
        name: `${r.plural}/${name}`,
        singularName: "",
        namespaced: r.namespaced,
        ...(sub.group !== r.group || sub.version !== r.version ? { group: sub.group, version: sub.version } : {}),
        kind: sub.kind,
        verbs: sub.verbs,
      });
    }
  }
  return { kind: "APIResourceList", apiVersion: "v1", groupVersion, resources: entries };
}

function groupOf(groupVersion: string): { name: string; version: string } {
  const slash = groupVersion.indexOf("/");
  return slash < 0 ? { name: "", version: groupVersion } : { name: groupVersion.slice(0, slash), version: groupVersion.slice(slash + 1) };
}

function aggregatedGroup(groupVersion: string) {
  const { name, version } = groupOf(groupVersion);
  return {
    metadata: { name, creationTimestamp: null },
    versions: [
      {
        version,
        resources: resourcesFor(groupVersion).map((r) => ({
          resource: r.plural,
          responseKind: { group: r.group, version: r.version, kind: r.kind },
          scope: r.namespaced ? "Namespaced" : "Cluster",
          singularResource: r.singular,
          verbs: r.verbs,
          ...(r.shortNames.length ? { shortNames: r.shortNames } : {}),
          ...(r.categories.length ? { categories: r.categories } : {}),
          subresources: Object.entries(r.subresources)
            .filter(([, sub]) => sub)
            .map(([subresource, sub]) => ({
              subresource,
              responseKind: { group: sub!.group, version: sub!.version, kind: sub!.kind },
              verbs: sub!.verbs,
            })),
        })),
        freshness: "Current",
      },
    ],
  };
}

function aggregatedResponse(accept: string, groups: string[]): Response {
  const version = /v=v2beta1/.test(accept) && !/v=v2(?!beta)/.test(accept) ? "v2beta1" : "v2";
  const body = {
    kind: "APIGroupDiscoveryList",
    apiVersion: `apidiscovery.k8s.io/${version}`,
    metadata: {},
    items: groups.map(aggregatedGroup),
  };
  return new Response(JSON.stringify(body), {
    headers: { "content-type": `application/json;g=apidiscovery.k8s.io;v=${version};as=APIGroupDiscoveryList`, vary: "Accept" },
  });
}

const namedGroupVersions = () => groupVersions().filter((gv) => gv.includes("/"));

function apiGroup(name: string) {
  const versions = namedGroupVersions()
    .filter((gv) => groupOf(gv).name === name)
    .map((groupVersion) => ({ groupVersion, version: groupOf(groupVersion).version }));
  return { name, versions, preferredVersion: versions[0] };
}

export const discovery = new Hono()
  .get("/api", (c) => {
    const accept = c.req.header("accept") ?? "";
    if (AGGREGATED.test(accept)) return aggregatedResponse(accept, ["v1"]);
    const host = new URL(c.req.url).host;
    return c.json({ kind: "APIVersions", versions: ["v1"], serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress: host }] });
  })
  .get("/apis", (c) => {
    const accept = c.req.header("accept") ?? "";
    if (AGGREGATED.test(accept)) return aggregatedResponse(accept, namedGroupVersions());
    const names = [...new Set(namedGroupVersions().map((gv) => groupOf(gv).name))];
    return c.json({ kind: "APIGroupList", apiVersion: "v1", groups: names.map(apiGroup) });
  })
  .get("/api/v1", (c) => c.json(resourceList("v1", resourcesFor("v1"))))
  .get("/apis/:group", (c) => {
    const group = apiGroup(c.req.param("group"));
    if (group.versions.length === 0) throw notFound({ group: "", resource: "" }, "");
    return c.json({ kind: "APIGroup", apiVersion: "v1", ...group });
  })
  .get("/apis/:group/:version", (c) => {
    const groupVersion = `${c.req.param("group")}/${c.req.param("version")}`;
    const resources = resourcesFor(groupVersion);
    if (resources.length === 0) throw notFound({ group: "", resource: "" }, "");
    return c.json(resourceList(groupVersion, resources));
  });
