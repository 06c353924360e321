/** The floor of a daemon's start: a Deno program that prints one line. */
console.log("hello world");
