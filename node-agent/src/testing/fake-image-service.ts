// An ImageService for tests: references resolve to made-up artifacts of the
// kind a test says; pulls fail on demand; every call is recorded.
import { ImageError, type ImageErrorCode } from "../images/errors.ts";
import type { GcResult, ImageRecord, ImageService, PullOptions } from "../images/image-service.ts";
import type { ArtifactKind, ResolvedImage } from "../runtime/runtime.ts";

export class FakeImageService implements ImageService {
  readonly pulls: { reference: string; policy?: string; secrets: number }[] = [];
  readonly #present = new Set<string>();
  readonly #failures = new Map<string, { code: ImageErrorCode; message: string; times: number }>();
  #offline = false;

  constructor(
    private readonly kind: ArtifactKind = "wasm-component",
    private readonly path = "/nonexistent/fake.wasm",
  ) {}

  /** Pulls of `reference` fail with `code` (the next `times` of them; Infinity: until cleared). */
  fail(reference: string, code: ImageErrorCode, message = `fake ${code}`, times = Number.POSITIVE_INFINITY): void {
    this.#failures.set(reference, { code, message, times });
  }

  clear(reference: string): void {
    this.#failures.delete(reference);
  }

  /** While offline every pull that would fetch fails as Unreachable; local copies still resolve. */
  set offline(value: boolean) {
    this.#offline = value;
  }

  async pull(reference: string, options: PullOptions = {}): Promise<ResolvedImage> {
    this.pulls.push({ reference, policy: options.pullPolicy, secrets: options.pullSecrets?.length ?? 0 });
    const failure = this.#failures.get(reference);
    if (failure && failure.times > 0) {
      failure.times--;
      throw new ImageError(failure.code, failure.message);
    }
    const present = this.#present.has(reference);
    if (options.pullPolicy === "Never" && !present) throw new ImageError("NeverPull", `${reference} is not in the store`);
    if (this.#offline && (!present || options.pullPolicy === "Always")) throw new ImageError("Unreachable", "dial tcp: connection refused");
    this.#present.add(reference);
    return this.resolved(reference);
  }

  resolved(reference: string): ResolvedImage {
    const digest = `sha256:${Buffer.from(reference).toString("hex").padEnd(64, "0").slice(0, 64)}`;
    return { reference, digest, kind: this.kind, path: this.path };
  }

  async list(): Promise<ImageRecord[]> {
    return [...this.#present].map((reference) => ({ ...this.resolved(reference), references: [reference], sizeBytes: 1, lastUsed: new Date().toISOString() }));
  }

  async remove(reference: string): Promise<boolean> {
    return this.#present.delete(reference);
  }

  async gc(): Promise<GcResult> {
    return { removed: [], usedPercentBefore: 0, usedPercentAfter: 0 };
  }
}
