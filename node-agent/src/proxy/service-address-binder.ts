// Where a ClusterIP lives before the proxy can listen on it. In loopback mode
// Linux routes all of 127.0.0.0/8 to `lo`, so there is nothing to do; in
// bridge mode the pod network puts each ClusterIP on a dummy interface (the
// network's own implementation). The proxy calls ensure before its first
// listener on an address and release after its last one closes.
export interface ServiceAddressBinder {
  ensure(ip: string): Promise<void>;
  release(ip: string): Promise<void>;
}

export const loopbackBinder: ServiceAddressBinder = {
  ensure: async () => {},
  release: async () => {},
};

/** A pod network that can also hold ClusterIPs (bridge mode) is its own binder. */
export function isServiceAddressBinder(value: unknown): value is ServiceAddressBinder {
  const candidate = value as Partial<ServiceAddressBinder> | undefined;
  return typeof candidate?.ensure === "function" && typeof candidate.release === "function";
}
