// New objects go only into namespaces that exist and are not being deleted.
import { isStoreError } from "../../storage/store.ts";
import { forbidden, notFound } from "../errors.ts";
import type { RestRequest } from "./context.ts";

export async function checkNamespaceOpen(req: RestRequest): Promise<void> {
  if (!req.resource.namespaced || !req.namespace) return;
  try {
    const namespace = await req.deps.store.get({ resource: "namespaces", namespace: "", name: req.namespace });
    if (namespace.metadata.deletionTimestamp) {
      throw forbidden(
        req.groupResource,
        req.name ?? "",
        `unable to create new content in namespace ${req.namespace} because it is being terminated`,
      );
    }
  } catch (error) {
    if (isStoreError(error, "NotFound")) throw notFound({ group: "", resource: "namespaces" }, req.namespace);
    throw error;
  }
}
