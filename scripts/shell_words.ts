/** A command line as one `sh -c` word list: each word single-quoted. */
export function shellWords(words: string[]): string {
  return words.map((word) => `'${word.replaceAll("'", `'\\''`)}'`).join(" ");
}
