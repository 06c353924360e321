/**
 * "Binary strings": one JS char per byte (char codes 0..255). Resource names are kept in this
 * form so that two names are equal exactly when the original's byte strings are.
 */

const encoder = new TextEncoder();
// Not fatal: a name received as arbitrary bytes must still be printable.
const decoder = new TextDecoder("utf-8", { ignoreBOM: true });

/** UTF-8 encodes `text` and returns the bytes as a binary string. */
export function toBinaryString(text: string): string {
  let binary = "";
  for (const byte of encoder.encode(text)) binary += String.fromCharCode(byte);
  return binary;
}

/**
 * Decodes the bytes of a binary string as UTF-8; invalid sequences become U+FFFD. Char codes
 * above 255 are not valid input (only their low byte is kept).
 */
export function fromBinaryString(binary: string): string {
  return decoder.decode(Uint8Array.from(binary, (char) => char.charCodeAt(0)));
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
