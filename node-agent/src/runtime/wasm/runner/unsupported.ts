/** The artifact is valid Wasm but not something a pod can run (no _start, no known world, foreign imports). */
export class UnsupportedArtifact extends Error {}
