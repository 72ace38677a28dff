import type { RestRequest } from "./context.ts";

/** Warnings travel as `Warning: 299 - "text"` headers, as Kubernetes sends them. */
export function warningHeaders(req: RestRequest): Record<string, string> {
  if (req.warnings.length === 0) return {};
  return { warning: req.warnings.map((w) => `299 - ${JSON.stringify(w)}`).join(", ") };
}
