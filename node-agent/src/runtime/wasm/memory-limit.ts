// Caps the linear memories a core module defines by rewriting their declared
// maximum in the binary. Bun (JSC) enforces a memory's maximum, so a guest that
// tries to grow past it sees memory.grow fail: its malloc returns NULL.
export const WASM_PAGE_BYTES = 65536;

export class MemoryLimitError extends Error {
  override readonly name = "MemoryLimitError";
}

function readU32(bytes: Uint8Array, at: number): [value: number, next: number] {
  let value = 0;
  let shift = 0;
  for (let i = at; i < bytes.length; i++) {
    const byte = bytes[i]!;
    value += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return [value, i + 1];
    shift += 7;
    if (shift > 35) break;
  }
  throw new MemoryLimitError("malformed module: bad LEB128");
}

function writeU32(value: number): number[] {
  const out: number[] = [];
  do {
    let byte = value % 128;
    value = Math.floor(value / 128);
    if (value > 0) byte |= 0x80;
    out.push(byte);
  } while (value > 0);
  return out;
}

function skipName(bytes: Uint8Array, at: number): number {
  const [length, next] = readU32(bytes, at);
  return next + length;
}

/** Skips one `limits` and returns where it ends; throws on memory64 (not supported). */
function limitsEnd(bytes: Uint8Array, at: number): number {
  const flags = bytes[at]!;
  if (flags & 0x04) throw new MemoryLimitError("64-bit memories are not supported");
  let next = readU32(bytes, at + 1)[1];
  if (flags & 0x01) next = readU32(bytes, next)[1];
  return next;
}

export interface MemoryInfo {
  /** Pages. */
  initial: number;
  maximum?: number;
  shared: boolean;
}

export interface ModuleMemories {
  imported: (MemoryInfo & { module: string; name: string })[];
  defined: MemoryInfo[];
}

interface Section {
  id: number;
  /** Where the section's id byte is. */
  headerStart: number;
  start: number;
  end: number;
}

function sections(bytes: Uint8Array): Section[] {
  if (bytes[0] !== 0x00 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d || bytes[4] !== 1) {
    throw new MemoryLimitError("not a core Wasm module");
  }
  const out: Section[] = [];
  for (let at = 8; at < bytes.length; ) {
    const id = bytes[at]!;
    const [size, start] = readU32(bytes, at + 1);
    out.push({ id, headerStart: at, start, end: start + size });
    at = start + size;
  }
  return out;
}

function readLimits(bytes: Uint8Array, at: number): MemoryInfo {
  const flags = bytes[at]!;
  const [initial, next] = readU32(bytes, at + 1);
  const info: MemoryInfo = { initial, shared: (flags & 0x02) !== 0 };
  if (flags & 0x01) info.maximum = readU32(bytes, next)[0];
  return info;
}

const decoder = new TextDecoder();

/** The memories a module imports and defines, from its import and memory sections. */
export function moduleMemories(bytes: Uint8Array): ModuleMemories {
  const result: ModuleMemories = { imported: [], defined: [] };
  for (const section of sections(bytes)) {
    if (section.id === 2) {
      let [count, at] = readU32(bytes, section.start);
      while (count-- > 0) {
        const [moduleLength, moduleAt] = readU32(bytes, at);
        const module = decoder.decode(bytes.subarray(moduleAt, moduleAt + moduleLength));
        const [nameLength, nameAt] = readU32(bytes, moduleAt + moduleLength);
        const name = decoder.decode(bytes.subarray(nameAt, nameAt + nameLength));
        at = nameAt + nameLength;
        const kind = bytes[at++];
        if (kind === 0x00 || kind === 0x04) at = readU32(bytes, at + (kind === 0x04 ? 1 : 0))[1];
        else if (kind === 0x01) at = limitsEnd(bytes, at + 1);
        else if (kind === 0x02) {
          result.imported.push({ module, name, ...readLimits(bytes, at) });
          at = limitsEnd(bytes, at);
        } else if (kind === 0x03) at += 2;
        else throw new MemoryLimitError(`malformed module: import kind ${kind}`);
      }
    } else if (section.id === 5) {
      let [count, at] = readU32(bytes, section.start);
      while (count-- > 0) {
        result.defined.push(readLimits(bytes, at));
        at = limitsEnd(bytes, at);
      }
    }
  }
  return result;
}

/**
 * Returns the module with every defined memory's maximum lowered to `limitBytes`
 * (rounded down to whole pages). A module whose initial memory is already larger
 * cannot run within the limit at all.
 */
export function capDefinedMemories(bytes: Uint8Array, limitBytes: number): Uint8Array {
  const limitPages = Math.floor(limitBytes / WASM_PAGE_BYTES);
  const memorySection = sections(bytes).find((s) => s.id === 5);
  if (!memorySection) return bytes;
  let [count, at] = readU32(bytes, memorySection.start);
  const body: number[] = writeU32(count);
  while (count-- > 0) {
    const { initial, maximum, shared } = readLimits(bytes, at);
    if (initial > limitPages) {
      throw new MemoryLimitError(`the module needs ${initial * WASM_PAGE_BYTES} bytes of memory at start, over the limit of ${limitBytes}`);
    }
    const capped = Math.min(maximum ?? Number.POSITIVE_INFINITY, limitPages);
    body.push(0x01 | (shared ? 0x02 : 0), ...writeU32(initial), ...writeU32(capped));
    at = limitsEnd(bytes, at);
  }
  const header = [5, ...writeU32(body.length)];
  const sectionStart = memorySection.headerStart;
  const out = new Uint8Array(sectionStart + header.length + body.length + (bytes.length - memorySection.end));
  out.set(bytes.subarray(0, sectionStart), 0);
  out.set(header, sectionStart);
  out.set(body, sectionStart + header.length);
  out.set(bytes.subarray(memorySection.end), sectionStart + header.length + body.length);
  return out;
}
