/**
 * What a compiled binary costs next to the sources: its size, and the median wall time of
 * `flom -s SOCKET -- true` against a running daemon, run alternately with the binary and with
 * `deno run` of the sources (scripts/flom). The release workflow prints it for every binary (and
 * adds it to the job summary). Usage: `deno run -A scripts/binary_report.ts BINARY [RUNS]`.
 */
const ROOT = decodeURIComponent(new URL("..", import.meta.url).pathname);

async function wallMs(argv: string[]): Promise<number> {
  const start = performance.now();
  const { code, stderr } = await new Deno.Command(argv[0]!, {
    args: argv.slice(1),
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).output();
  const ms = performance.now() - start;
  if (code !== 0) {
    throw new Error(`${argv.join(" ")} failed (${code}): ${new TextDecoder().decode(stderr)}`);
  }
  return ms;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

if (import.meta.main) {
  const [binary, runsText] = Deno.args;
  if (binary === undefined) {
    console.error("Usage: deno run -A scripts/binary_report.ts BINARY [RUNS]");
    Deno.exit(2);
  }
  const runs = Number(runsText ?? 20);
  const dir = Deno.makeTempDirSync({ prefix: "flb" });
  const socket = `${dir}/sock`;
  const compiled = [binary, "-s", socket];
  const sources = [`${ROOT}scripts/flom`, "-s", socket];
  try {
    // One daemon for both, started by the binary and kept until -X.
    await wallMs([...compiled, "-d", "-1", "--", "true"]);
    const times = { compiled: [] as number[], sources: [] as number[] };
    for (let run = 0; run < runs; run++) {
      times.compiled.push(await wallMs([...compiled, "--", "true"]));
      times.sources.push(await wallMs([...sources, "--", "true"]));
    }
    await wallMs([...compiled, "-X"]);
    const size = Deno.statSync(binary).size;
    const report = [
      `| ${binary.split("/").pop()} | size | \`flom -- true\` (median of ${runs}) |`,
      "| --- | --- | --- |",
      `| compiled binary | ${(size / 2 ** 20).toFixed(1)} MiB (${size} bytes) | ${
        median(times.compiled).toFixed(1)
      } ms |`,
      `| deno run (scripts/flom) | sources | ${median(times.sources).toFixed(1)} ms |`,
      "",
    ].join("\n");
    console.log(report);
    const summary = Deno.env.get("GITHUB_STEP_SUMMARY");
    if (summary !== undefined) Deno.writeTextFileSync(summary, `${report}\n`, { append: true });
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}
