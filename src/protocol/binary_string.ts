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
