// A failed API call, carrying the Kubernetes Status the server answered with.

export interface StatusBody {
  kind?: string;
  code?: number;
  reason?: string;
  message?: string;
  details?: unknown;
}

export class ApiStatusError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly status?: StatusBody,
  ) {
    super(message);
    this.name = "ApiStatusError";
  }
}

export const isStatus = (e: unknown, code: number): e is ApiStatusError => e instanceof ApiStatusError && e.code === code;
export const isNotFound = (e: unknown) => isStatus(e, 404);
export const isConflict = (e: unknown) => isStatus(e, 409);
export const isGone = (e: unknown) => isStatus(e, 410);
