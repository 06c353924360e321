/**
 * Builds the .deb and .rpm packages of a Linux flom binary (the release workflow runs it on each
 * Linux runner after `deno task compile`). Usage:
 *
 *   deno task package BINARY TARGET [--out DIR] [--formats deb,rpm]
 *
 * TARGET is the binary's `deno compile` target (x86_64-unknown-linux-gnu or
 * aarch64-unknown-linux-gnu). Both packages hold the same files: the binary as /usr/bin/flom, the
 * man page flom(1) (scripts/man.ts), the bash, zsh and fish completions, the systemd unit
 * packaging/flom.service, the commented example /etc/flom.conf (a conffile, and
 * `%config(noreplace)`: an edited one survives upgrades), the licence and the README. Needs
 * dpkg-deb for .deb and rpmbuild for .rpm. Prints the path of each package built.
 */
import { createHash } from "node:crypto";
import { completionScript } from "../src/cli/completions.ts";
import { exampleConfig } from "../src/cli/example_config.ts";
import { manPage } from "../src/cli/man_page.ts";
import { VERSION } from "../src/cli/version.ts";
import { readmeDifferences } from "./man.ts";

const ROOT = decodeURIComponent(new URL("..", import.meta.url).pathname);

/** Debian's and RPM's names of each Linux target's machine. */
export const PACKAGE_ARCHES: Readonly<Record<string, { deb: string; rpm: string }>> = {
  "x86_64-unknown-linux-gnu": { deb: "amd64", rpm: "x86_64" },
  "aarch64-unknown-linux-gnu": { deb: "arm64", rpm: "aarch64" },
};

const SUMMARY = "Free Lock Manager: run commands under locks, across processes and hosts";
const DESCRIPTION = [
  "flom serialises shell commands and programs: `flom -r RES -- cmd` locks the resource RES,",
  "runs cmd, releases the lock and exits with the command's status. Locks live in a small",
  "daemon that flom starts on demand, or that runs on one host (flom.service) and serves the",
  "others over TCP, optionally with mutual TLS. A re-implementation of FLoM 1.7.2 by Christian",
  "Ferrari, with its options, configuration, exit statuses and protocol.",
];

/** The files of the package, by path below the root, with their mode. */
export async function packageFiles(
  binary: string,
): Promise<{ path: string; data: Uint8Array; mode: number }[]> {
  const text = (content: string) => new TextEncoder().encode(content);
  const readme = Deno.readTextFileSync(`${ROOT}README.md`);
  const man = manPage({ version: VERSION, differences: readmeDifferences(readme) });
  return [
    { path: "usr/bin/flom", data: Deno.readFileSync(binary), mode: 0o755 },
    { path: "etc/flom.conf", data: text(exampleConfig()), mode: 0o644 },
    { path: "usr/share/man/man1/flom.1.gz", data: await gzip(text(man)), mode: 0o644 },
    {
      path: "usr/share/bash-completion/completions/flom",
      data: text(completionScript("bash")),
      mode: 0o644,
    },
    {
      path: "usr/share/zsh/vendor-completions/_flom",
      data: text(completionScript("zsh")),
      mode: 0o644,
    },
    {
      path: "usr/share/fish/vendor_completions.d/flom.fish",
      data: text(completionScript("fish")),
      mode: 0o644,
    },
    {
      path: "usr/lib/systemd/system/flom.service",
      data: Deno.readFileSync(`${ROOT}packaging/flom.service`),
      mode: 0o644,
    },
    { path: "usr/share/doc/flom/README.md", data: text(readme), mode: 0o644 },
    { path: "usr/share/doc/flom/copyright", data: text(copyright()), mode: 0o644 },
    {
      path: "usr/share/licenses/flom/LICENSE",
      data: Deno.readFileSync(`${ROOT}LICENSE`),
      mode: 0o644,
    },
  ];
}

function copyright(): string {
  return [
    "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/",
    "Upstream-Name: flom",
    "",
    "Files: *",
    "Copyright: 2026, the flom for Deno authors",
    "License: GPL-2+",
    " flom re-implements FLoM 1.7.2, Copyright 2013-2024, Christian Ferrari, whose command",
    " line is licensed under the GPL, version 2.",
    " .",
    " This program is free software; you can redistribute it and/or modify it under the terms",
    " of the GNU General Public License as published by the Free Software Foundation; either",
    " version 2 of the License, or (at your option) any later version.",
    " .",
    " On Debian systems, the full text of the GNU General Public License version 2 is in",
    " /usr/share/common-licenses/GPL-2; it is also in /usr/share/licenses/flom/LICENSE.",
    "",
  ].join("\n");
}

async function gzip(data: Uint8Array<ArrayBuffer>): Promise<Uint8Array> {
  const stream = new Blob([data]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Writes the files below `root`. */
function stage(root: string, files: { path: string; data: Uint8Array; mode: number }[]): void {
  for (const file of files) {
    const path = `${root}/${file.path}`;
    Deno.mkdirSync(path.slice(0, path.lastIndexOf("/")), { recursive: true, mode: 0o755 });
    Deno.writeFileSync(path, file.data, { mode: file.mode });
    Deno.chmodSync(path, file.mode);
  }
}

async function run(program: string, args: string[]): Promise<void> {
  const output = await new Deno.Command(program, { args, stdin: "null" }).output();
  if (!output.success) {
    const text = new TextDecoder();
    throw new Error(
      `Cannot build the package: ${program} ${args.join(" ")} failed: ${
        text.decode(output.stdout)
      }${text.decode(output.stderr)}`,
    );
  }
}

/** Builds the .deb of `files` for Debian machine `arch` into `out`; returns its path. */
export async function buildDeb(
  files: { path: string; data: Uint8Array; mode: number }[],
  arch: string,
  out: string,
): Promise<string> {
  const root = Deno.makeTempDirSync({ prefix: "flom-deb" });
  try {
    Deno.chmodSync(root, 0o755);
    stage(root, files);
    Deno.mkdirSync(`${root}/DEBIAN`, { mode: 0o755 });
    const size = Math.ceil(files.reduce((total, file) => total + file.data.length, 0) / 1024);
    Deno.writeTextFileSync(
      `${root}/DEBIAN/control`,
      [
        "Package: flom",
        `Version: ${VERSION}`,
        `Architecture: ${arch}`,
        "Maintainer: the flom for Deno authors",
        `Installed-Size: ${size}`,
        "Depends: libc6",
        "Suggests: fuse3",
        "Section: utils",
        "Priority: optional",
        `Description: ${SUMMARY}`,
        ...DESCRIPTION.map((line) => ` ${line}`),
        "",
      ].join("\n"),
    );
    Deno.writeTextFileSync(`${root}/DEBIAN/conffiles`, "/etc/flom.conf\n");
    Deno.writeTextFileSync(
      `${root}/DEBIAN/md5sums`,
      files.filter((file) => !file.path.startsWith("etc/")).map((file) =>
        `${createHash("md5").update(file.data).digest("hex")}  ${file.path}\n`
      ).join(""),
    );
    const deb = `${out}/flom_${VERSION}_${arch}.deb`;
    await run("dpkg-deb", ["--root-owner-group", "-Zxz", "--build", root, deb]);
    return deb;
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
}

/** Builds the .rpm of `files` for RPM machine `arch` into `out`; returns its path. */
export async function buildRpm(
  files: { path: string; data: Uint8Array; mode: number }[],
  arch: string,
  out: string,
): Promise<string> {
  const top = Deno.makeTempDirSync({ prefix: "flom-rpm" });
  try {
    stage(`${top}/files`, files);
    const listed = files.map((file) =>
      file.path === "etc/flom.conf"
        ? "%config(noreplace) /etc/flom.conf"
        : file.path.startsWith("usr/share/licenses/")
        ? `%license /${file.path}`
        : file.path.startsWith("usr/share/doc/")
        ? `%doc /${file.path}`
        : `/${file.path}`
    );
    Deno.writeTextFileSync(
      `${top}/flom.spec`,
      [
        "Name: flom",
        `Version: ${VERSION}`,
        "Release: 1",
        `Summary: ${SUMMARY}`,
        "License: GPL-2.0-or-later",
        "Suggests: fuse3",
        // A prebuilt binary: nothing to build, strip (a deno compile binary carries its program
        // after the executable: stripping would lose it) or scan for dependencies.
        "AutoReqProv: no",
        "%global debug_package %{nil}",
        "%global __os_install_post %{nil}",
        "%global _build_id_links none",
        "",
        "%description",
        ...DESCRIPTION,
        "",
        "%install",
        `cp -a ${top}/files/. %{buildroot}/`,
        "",
        "%files",
        ...listed,
        "",
      ].join("\n"),
    );
    await run("rpmbuild", [
      "-bb",
      "--target",
      arch,
      "--define",
      `_topdir ${top}/build`,
      "--define",
      `_rpmdir ${out}`,
      "--define",
      "_build_name_fmt %%{NAME}-%%{VERSION}-%%{RELEASE}.%%{ARCH}.rpm",
      `${top}/flom.spec`,
    ]);
    return `${out}/flom-${VERSION}-1.${arch}.rpm`;
  } finally {
    Deno.removeSync(top, { recursive: true });
  }
}

if (import.meta.main) {
  const [binary, target, ...rest] = Deno.args;
  const option = (name: string) => {
    const at = rest.indexOf(name);
    return at < 0 ? undefined : rest[at + 1];
  };
  const arches = target === undefined ? undefined : PACKAGE_ARCHES[target];
  if (binary === undefined || arches === undefined) {
    console.error(
      `Usage: deno task package BINARY TARGET [--out DIR] [--formats deb,rpm]; TARGET is one of ${
        Object.keys(PACKAGE_ARCHES).join(", ")
      }`,
    );
    Deno.exit(2);
  }
  const given = option("--out") ?? `${ROOT}dist`;
  const out = given.startsWith("/") ? given : `${Deno.cwd()}/${given}`;
  Deno.mkdirSync(out, { recursive: true });
  const formats = (option("--formats") ?? "deb,rpm").split(",");
  const files = await packageFiles(binary);
  if (formats.includes("deb")) console.log(await buildDeb(files, arches.deb, out));
  if (formats.includes("rpm")) console.log(await buildRpm(files, arches.rpm, out));
}
