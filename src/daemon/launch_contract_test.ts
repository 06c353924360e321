import { deepStrictEqual, strictEqual } from "node:assert/strict";
import { defaultSettings } from "../config/settings.ts";
import { parseDaemonLaunch } from "./launch_contract.ts";

const launch = {
  settings: { ...defaultSettings(), socketName: "/tmp/s", ignoredSignals: [1, 15] },
  privateSocket: false,
};

Deno.test("parseDaemonLaunch() reads what a client writes", { permissions: "none" }, () => {
  deepStrictEqual(parseDaemonLaunch(JSON.stringify(launch)), launch);
});

Deno.test("parseDaemonLaunch() refuses anything else", { permissions: "none" }, () => {
  const { resourceTimeout: _, ...withoutTimeout } = launch.settings;
  for (
    const text of [
      "not json",
      "[]",
      JSON.stringify({ settings: launch.settings }),
      JSON.stringify({ ...launch, privateSocket: "no" }),
      JSON.stringify({ ...launch, settings: withoutTimeout }),
      JSON.stringify({ ...launch, settings: { ...launch.settings, resourceTimeout: "5" } }),
      JSON.stringify({ ...launch, settings: { ...launch.settings, socketName: 5 } }),
      JSON.stringify({ ...launch, settings: { ...launch.settings, ignoredSignals: ["TERM"] } }),
      JSON.stringify({ ...launch, settings: { ...launch.settings, surprise: "x" } }),
    ]
  ) {
    strictEqual(parseDaemonLaunch(text), undefined, text);
  }
});
