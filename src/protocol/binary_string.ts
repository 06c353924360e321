/**
 * "Binary strings": one JS char per byte (char codes 0..255). Resource names are kept in this
 * form so that two names are equal exactly when the original's byte strings are.
 */

// Made on first use, and only for text that is not ASCII: the runtime's encoder and decoder
// cost a short-lived client about a millisecond on first use, and nearly every message and name
// is ASCII, which is converted here char by char.
let encoder: TextEncoder | undefined;
const decoders = new Map<boolean, TextDecoder>();

/** The UTF-8 bytes of `text`. */
export function encodeUtf8(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code > 0x7f) return (encoder ??= new TextEncoder()).encode(text);
    bytes[i] = code;
  }
  return bytes;
}

/**
 * The text of UTF-8 `bytes`; a byte order mark is kept. `fatal`: invalid UTF-8 throws a
 * TypeError instead of becoming U+FFFD.
 */
export function decodeUtf8(bytes: Uint8Array, { fatal }: { fatal: boolean }): string {
  if (bytes.length <= MAX_CHARS_PER_CALL && isAscii(bytes)) {
    return String.fromCharCode.apply(null, bytes as unknown as number[]);
  }
  let decoder = decoders.get(fatal);
  if (decoder === undefined) {
    decoders.set(fatal, decoder = new TextDecoder("utf-8", { fatal, ignoreBOM: true }));
  }
  return decoder.decode(bytes);
}

// A plain loop: the first call of a typed array's `every` costs a fresh process most of a
// millisecond.
function isAscii(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i]! > 0x7f) return false;
  }
  return true;
}

// Well below any engine's limit on the arguments of one call.
const MAX_CHARS_PER_CALL = 4096;

/** UTF-8 encodes `text` and returns the bytes as a binary string. */
export function toBinaryString(text: string): string {
  let binary = "";
  for (const byte of encodeUtf8(text)) binary += String.fromCharCode(byte);
  return binary;
}

/**
 * Decodes the bytes of a binary string as UTF-8; invalid sequences become U+FFFD (a name received
 * as arbitrary bytes must still be printable). Char codes above 255 are not valid input (only
 * their low byte is kept).
 */
export function fromBinaryString(binary: string): string {
  return decodeUtf8(Uint8Array.from(binary, (char) => char.charCodeAt(0)), { fatal: false });
}

const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/**
 * Standard base64 (with `=` padding) of a binary string: what `btoa` returns. Written out because
 * the first `btoa` call loads a runtime module that costs a short-lived client milliseconds.
 * @throws {RangeError} for a char code above 255
 */
export function toBase64(binary: string): string {
  let out = "";
  for (let i = 0; i < binary.length; i += 3) {
    const a = byteAt(binary, i);
    const b = i + 1 < binary.length ? byteAt(binary, i + 1) : 0;
    const c = i + 2 < binary.length ? byteAt(binary, i + 2) : 0;
    out += BASE64[a >> 2]! + BASE64[((a & 3) << 4) | (b >> 4)]! +
      (i + 1 < binary.length ? BASE64[((b & 15) << 2) | (c >> 6)]! : "=") +
      (i + 2 < binary.length ? BASE64[c & 63]! : "=");
  }
  return out;
}

function byteAt(binary: string, index: number): number {
  const code = binary.charCodeAt(index);
  if (code > 255) throw new RangeError(`Cannot encode char code ${code}: not a binary string`);
  return code;
}
