import assert from "node:assert/strict";
import { strftime } from "./strftime.ts";

const PATTERN =
  "%a|%A|%b|%B|%c|%C|%d|%D|%e|%F|%g|%G|%h|%H|%I|%j|%k|%l|%m|%M|%p|%r|%R|%S|%T|%u|%U|%V|%w|%W|%x|%X|%y|%Y|%%|%n%t";

// Expected values produced by glibc strftime in the C locale; local-time fields are given
// directly, so the cases hold in any time zone.
const CASES: [fields: [number, number, number, number, number, number], expected: string][] = [
  [
    [2024, 2, 5, 14, 7, 9],
    "Tue|Tuesday|Mar|March|Tue Mar  5 14:07:09 2024|20|05|03/05/24| 5|2024-03-05|24|2024|Mar|14|02|065|14| 2|03|07|PM|02:07:09 PM|14:07|09|14:07:09|2|09|10|2|10|03/05/24|14:07:09|24|2024|%|\n\t",
  ],
  [
    [2021, 0, 3, 0, 5, 59],
    "Sun|Sunday|Jan|January|Sun Jan  3 00:05:59 2021|20|03|01/03/21| 3|2021-01-03|20|2020|Jan|00|12|003| 0|12|01|05|AM|12:05:59 AM|00:05|59|00:05:59|7|01|53|0|00|01/03/21|00:05:59|21|2021|%|\n\t",
  ],
  [
    [2024, 11, 30, 12, 0, 0],
    "Mon|Monday|Dec|December|Mon Dec 30 12:00:00 2024|20|30|12/30/24|30|2024-12-30|25|2025|Dec|12|12|365|12|12|12|00|PM|12:00:00 PM|12:00|00|12:00:00|1|52|01|1|53|12/30/24|12:00:00|24|2024|%|\n\t",
  ],
  [
    [2020, 11, 31, 23, 59, 58],
    "Thu|Thursday|Dec|December|Thu Dec 31 23:59:58 2020|20|31|12/31/20|31|2020-12-31|20|2020|Dec|23|11|366|23|11|12|59|PM|11:59:58 PM|23:59|58|23:59:58|4|52|53|4|52|12/31/20|23:59:58|20|2020|%|\n\t",
  ],
  [
    [2027, 0, 1, 9, 30, 0],
    "Fri|Friday|Jan|January|Fri Jan  1 09:30:00 2027|20|01|01/01/27| 1|2027-01-01|26|2026|Jan|09|09|001| 9| 9|01|30|AM|09:30:00 AM|09:30|00|09:30:00|5|00|53|5|00|01/01/27|09:30:00|27|2027|%|\n\t",
  ],
  [
    [2023, 0, 1, 1, 1, 1],
    "Sun|Sunday|Jan|January|Sun Jan  1 01:01:01 2023|20|01|01/01/23| 1|2023-01-01|22|2022|Jan|01|01|001| 1| 1|01|01|AM|01:01:01 AM|01:01|01|01:01:01|7|01|52|0|00|01/01/23|01:01:01|23|2023|%|\n\t",
  ],
];

Deno.test(
  "strftime() formats every C-locale conversion like glibc",
  { permissions: "none" },
  () => {
    for (const [fields, expected] of CASES) {
      assert.equal(strftime(PATTERN, new Date(...fields)), expected, fields.join("-"));
    }
  },
);

Deno.test("strftime() formats %s, %z and %Z from the instant and the local zone", {
  permissions: "none",
}, () => {
  const date = new Date(Date.UTC(2026, 0, 15, 10, 20, 30, 999));
  assert.equal(strftime("%s", date), "1768472430");
  const east = -date.getTimezoneOffset();
  const sign = east < 0 ? "-" : "+";
  const hhmm = String(Math.floor(Math.abs(east) / 60) * 100 + Math.abs(east) % 60).padStart(4, "0");
  assert.equal(strftime("%z", date), sign + hhmm);
  assert.match(strftime("%Z", date), /^\S+$/);
});

Deno.test("strftime() copies unknown conversions and a trailing % unchanged", {
  permissions: "none",
}, () => {
  const date = new Date(2024, 2, 5, 14, 7, 9);
  assert.equal(strftime("a%Qb%", date), "a%Qb%");
  assert.equal(strftime("tmstmp.123", date), "tmstmp.123");
  assert.equal(strftime("", date), "");
});
