// Store calls with their errors translated for this request's resource and name.
import { isStoreError, type KubeObject } from "../../storage/store.ts";
import { fromStoreError } from "../errors.ts";
import { objectKey, type RestRequest } from "./context.ts";

/** Runs a store call; a StoreError becomes the Status Kubernetes would answer. */
export async function translated<T>(req: RestRequest, call: () => Promise<T>, name = req.name ?? ""): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (isStoreError(error)) throw fromStoreError(error, req.groupResource, name);
    throw error;
  }
}

export const fetchObject = (req: RestRequest): Promise<KubeObject> =>
  translated(req, () => req.deps.store.get(objectKey(req)));
