/**
 * The release path that can run here: the .deb and .rpm packages built by scripts/package.ts
 * (from a stand-in binary: `deno compile` cannot run on this machine), the systemd unit checked by
 * `systemd-analyze verify` (Linux only), and the unit's own command line serving locks.
 */
import { deepStrictEqual, equal, match, ok } from "node:assert/strict";
import { freePort, ON_LINUX, ROOT, runsWith, TestDir } from "./harness.ts";
import { completionScript } from "../src/cli/completions.ts";
import { exampleConfig } from "../src/cli/example_config.ts";
import { manPage } from "../src/cli/man_page.ts";
import { VERSION } from "../src/cli/version.ts";
import { readmeDifferences } from "../scripts/man.ts";

const UNIT = `${ROOT}packaging/flom.service`;

function has(program: string, args: string[] = ["--version"]): boolean {
  try {
    return new Deno.Command(program, { args, stdout: "null", stderr: "null" }).outputSync()
      .success;
  } catch {
    return false;
  }
}

function run(program: string, args: string[], env: Record<string, string> = {}): string {
  const output = new Deno.Command(program, { args, env, stdin: "null" }).outputSync();
  const text = new TextDecoder();
  equal(output.code, 0, `${program} ${args.join(" ")}: ${text.decode(output.stderr)}`);
  return text.decode(output.stdout);
}

const STAND_IN = "#!/bin/sh\necho stand-in flom\n";

/** A stand-in for the compiled binary, and scripts/package.ts run on it. */
function buildPackages(dir: TestDir, target: string, formats: string): string[] {
  const binary = `${dir.path}/flom-${target}`;
  Deno.writeTextFileSync(binary, STAND_IN);
  Deno.chmodSync(binary, 0o755);
  const out = run(Deno.execPath(), [
    ...["run", "--allow-all", `--config=${ROOT}deno.json`, `${ROOT}scripts/package.ts`],
    ...[binary, target, "--out", `${dir.path}/dist`, "--formats", formats],
  ]);
  return out.split("\n").filter((line) => line !== "");
}

const PACKAGED = [
  "etc/flom.conf",
  "usr/bin/flom",
  "usr/lib/systemd/system/flom.service",
  "usr/share/bash-completion/completions/flom",
  "usr/share/doc/flom/README.md",
  "usr/share/doc/flom/copyright",
  "usr/share/fish/vendor_completions.d/flom.fish",
  "usr/share/licenses/flom/LICENSE",
  "usr/share/man/man1/flom.1.gz",
  "usr/share/zsh/vendor-completions/_flom",
];

Deno.test({
  name:
    "scripts/package.ts builds a .deb: the files, their modes, the control fields, the conffile",
  ignore: !ON_LINUX || !runsWith(has("dpkg-deb")),
  async fn() {
    await using dir = new TestDir();
    const [deb] = buildPackages(dir, "x86_64-unknown-linux-gnu", "deb");
    equal(deb, `${dir.path}/dist/flom_${VERSION}_amd64.deb`);
    const listing = run("dpkg-deb", ["-c", deb!]).split("\n").filter((line) => line !== "");
    const files = listing.filter((line) => line.startsWith("-"));
    deepStrictEqual(files.map((line) => line.split(" ").pop()!.slice(2)).sort(), PACKAGED);
    ok(files.every((line) => line.includes(" root/root ")), "owned by root");
    match(files.find((line) => line.endsWith("usr/bin/flom"))!, /^-rwxr-xr-x /);
    match(files.find((line) => line.endsWith("etc/flom.conf"))!, /^-rw-r--r-- /);
    match(listing[0]!, /^drwxr-xr-x root\/root .* \.\/$/);
    const info = run("dpkg-deb", ["-I", deb!]);
    for (const field of ["Package: flom", `Version: ${VERSION}`, "Architecture: amd64"]) {
      match(info, new RegExp(`^ ${field}$`, "m"));
    }
    match(info, /^ Description: Free Lock Manager/m);
    const control = `${dir.path}/control`;
    run("dpkg-deb", ["-e", deb!, control]);
    equal(Deno.readTextFileSync(`${control}/conffiles`), "/etc/flom.conf\n");
    // The files hold what the generators write.
    const root = `${dir.path}/root`;
    run("dpkg-deb", ["-x", deb!, root]);
    equal(Deno.readTextFileSync(`${root}/usr/bin/flom`), STAND_IN);
    equal(Deno.readTextFileSync(`${root}/etc/flom.conf`), exampleConfig());
    equal(
      Deno.readTextFileSync(`${root}/usr/lib/systemd/system/flom.service`),
      Deno.readTextFileSync(UNIT),
    );
    equal(
      Deno.readTextFileSync(`${root}/usr/share/bash-completion/completions/flom`),
      completionScript("bash"),
    );
    equal(
      run("gzip", ["-dc", `${root}/usr/share/man/man1/flom.1.gz`]),
      manPage({
        version: VERSION,
        differences: readmeDifferences(Deno.readTextFileSync(`${ROOT}README.md`)),
      }),
    );
    // Every file but the conffile has its checksum.
    const sums = Deno.readTextFileSync(`${control}/md5sums`).split("\n").filter((line) => line);
    deepStrictEqual(
      sums.map((line) => line.split("  ")[1]).sort(),
      PACKAGED.filter((path) => path !== "etc/flom.conf"),
    );
  },
});

Deno.test({
  name:
    "scripts/package.ts builds an .rpm for each machine: the files and /etc/flom.conf as %config(noreplace)",
  ignore: !ON_LINUX || !runsWith(has("rpmbuild")),
  async fn() {
    await using dir = new TestDir();
    for (
      const [target, arch] of [["x86_64-unknown-linux-gnu", "x86_64"], [
        "aarch64-unknown-linux-gnu",
        "aarch64",
      ]]
    ) {
      const [rpm] = buildPackages(dir, target!, "rpm");
      equal(rpm, `${dir.path}/dist/flom-${VERSION}-1.${arch}.rpm`);
      equal(
        run("rpm", ["-qp", "--qf", "%{NAME} %{VERSION} %{ARCH} %{LICENSE}", rpm!]),
        `flom ${VERSION} ${arch} GPL-2.0-or-later`,
      );
      deepStrictEqual(
        run("rpm", ["-qpl", rpm!]).split("\n").filter((line) => line).map((path) => path.slice(1)),
        PACKAGED,
      );
      const flags = run("rpm", ["-qp", "--qf", "[%{FILEFLAGS:fflags} %{FILENAMES}\n]", rpm!]);
      match(flags, /^cn \/etc\/flom.conf$/m);
      match(flags, /^l \/usr\/share\/licenses\/flom\/LICENSE$/m);
      // Nothing stripped or added: the binary is the one given.
      const modes = run("rpm", [
        "-qp",
        "--qf",
        "[%{FILEMODES:perms} %{FILESIZES} %{FILENAMES}\n]",
        rpm!,
      ]);
      ok(modes.includes(`\n-rwxr-xr-x ${STAND_IN.length} /usr/bin/flom\n`), modes);
    }
  },
});

Deno.test({
  name: "packaging/flom.service passes systemd-analyze verify, with its man page found",
  ignore: !ON_LINUX || !runsWith(has("systemd-analyze")),
  async fn() {
    await using dir = new TestDir();
    // The unit as installed, but naming an executable that exists here.
    const unit = `${dir.path}/flom.service`;
    const text = Deno.readTextFileSync(UNIT);
    match(text, /^ExecStart=\/usr\/bin\/flom --foreground /m);
    Deno.writeTextFileSync(unit, text.replace("/usr/bin/flom", Deno.execPath()));
    Deno.mkdirSync(`${dir.path}/man/man1`, { recursive: true });
    run(Deno.execPath(), [
      ...["run", "--allow-read", "--allow-write", `${ROOT}scripts/man.ts`],
      `${dir.path}/man/man1/flom.1`,
    ]);
    const output = new Deno.Command("systemd-analyze", {
      args: ["verify", unit],
      env: { MANPATH: `${dir.path}/man` },
      stdin: "null",
    }).outputSync();
    const messages = new TextDecoder().decode(output.stdout) +
      new TextDecoder().decode(output.stderr);
    equal(output.code, 0, messages);
    equal(messages, "");
  },
});

Deno.test("packaging/flom.service's command serves locks over TCP and stops on SIGTERM", async () => {
  await using dir = new TestDir();
  const text = Deno.readTextFileSync(UNIT);
  const command = /^ExecStart=\/usr\/bin\/flom (.*) \$FLOM_ARGS$/m.exec(text)?.[1]?.split(" ");
  const defaults = /^Environment="FLOM_ARGS=(.*)"$/m.exec(text)?.[1];
  deepStrictEqual(command, ["--foreground", "--daemon-lifespan=-1"]);
  equal(defaults, "--unicast-address=0.0.0.0");
  // As a host would run it, on loopback here.
  const port = freePort("127.0.0.1");
  const address = ["--unicast-address=127.0.0.1", `--unicast-port=${port}`];
  // An empty -c file: the test directory in the daemon's command line, for its cleanup.
  Deno.writeTextFileSync(`${dir.path}/none.conf`, "");
  const daemon = dir.spawn([...command!, ...address, "-c", `${dir.path}/none.conf`], {
    env: { JOURNAL_STREAM: "8:1" },
  });
  await daemon.waitFor(/^<5>FLM003N /m, "stderr");
  const locked = await dir.run([
    "-a",
    "127.0.0.1",
    "-p",
    String(port),
    "-d",
    "0",
    "--",
    "echo",
    "ok",
  ]);
  deepStrictEqual([locked.code, locked.stdout], [0, "ok\n"], locked.stderr);
  daemon.child.kill("SIGTERM");
  const result = await daemon.result();
  equal(result.code, 0, result.stderr);
  match(result.stderr, /^<5>FLM004N /m);
});
