import { deepStrictEqual, equal, ok } from "node:assert/strict";
import { exampleConfig } from "./example_config.ts";
import { applyConfigText } from "../config/config_file.ts";
import { SETTING_KEYS } from "../config/setting_keys.ts";
import { defaultSettings } from "../config/settings.ts";

Deno.test("exampleConfig() names every key, all commented out: read as it is, it changes nothing", async () => {
  const text = exampleConfig();
  for (const key of SETTING_KEYS) ok(text.includes(`\n#${key.key}=`), key.key);
  ok(
    text.split("\n").every((line) => line === "" || line.startsWith("#") || /^\[\w+\]$/.test(line)),
  );
  const settings = defaultSettings();
  deepStrictEqual(await applyConfigText(settings, text, "/etc/flom.conf"), []);
  deepStrictEqual(settings, defaultSettings());
});

Deno.test("exampleConfig(): its values, uncommented, are the defaults", async () => {
  const uncommented = exampleConfig().replaceAll(/^#(\w+=.+)$/gm, "$1");
  ok(uncommented.includes("\nLockMode=EX\n"));
  const settings = defaultSettings();
  deepStrictEqual(await applyConfigText(settings, uncommented, "/etc/flom.conf"), []);
  deepStrictEqual(settings, defaultSettings());
  equal(uncommented.match(/^\w+=$/gm), null);
});
