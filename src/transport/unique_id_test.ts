import assert from "node:assert/strict";
import { readUniqueId, UNIQUE_ID_FILES } from "./unique_id.ts";

const FIRST = "0123456789abcdef0123456789abcdef";
const SECOND = "fedcba9876543210fedcba9876543210";

/** Two machine-id files in a temporary directory, with the given contents (null: missing). */
function idFiles(first: string | null, second: string | null) {
  const dir = Deno.makeTempDirSync({ prefix: "flom-id" });
  const files = [`${dir}/dbus-machine-id`, `${dir}/etc-machine-id`];
  if (first !== null) Deno.writeTextFileSync(files[0]!, first);
  if (second !== null) Deno.writeTextFileSync(files[1]!, second);
  return { files, [Symbol.dispose]: () => Deno.removeSync(dir, { recursive: true }) };
}

Deno.test("readUniqueId() looks in D-Bus's file first, then in /etc, as libdbus does", () => {
  assert.deepEqual(UNIQUE_ID_FILES, ["/var/lib/dbus/machine-id", "/etc/machine-id"]);
});

Deno.test("readUniqueId() reads the first file, without its newline", () => {
  using id = idFiles(`${FIRST}\n`, `${SECOND}\n`);
  assert.equal(readUniqueId(id.files), FIRST);
});

Deno.test("readUniqueId() goes on to the next file when one is missing or empty", () => {
  {
    using id = idFiles(null, `${SECOND}\n`);
    assert.equal(readUniqueId(id.files), SECOND);
  }
  {
    using id = idFiles("\n", SECOND);
    assert.equal(readUniqueId(id.files), SECOND);
  }
});

Deno.test("readUniqueId() is undefined when no file holds an id", () => {
  using id = idFiles(null, "");
  assert.equal(readUniqueId(id.files), undefined);
});
