import type { RestRequest } from "./context.ts";

/**
 * Warnings travel as `Warning: 299 - "text"` headers, as Kubernetes sends them.
 * Header values are bytes: the quoting escapes control characters, and the
 * text goes out as UTF-8 (as Go writes it), one byte per Latin-1 character,
 * since Headers refuses characters above U+00FF.
 */
export function warningHeaders(req: RestRequest): Record<string, string> {
  if (req.warnings.length === 0) return {};
  const value = req.warnings.map((w) => `299 - ${JSON.stringify(w)}`).join(", ");
  return { warning: Buffer.from(value, "utf8").toString("latin1") };
}
