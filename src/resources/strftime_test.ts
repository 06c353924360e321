import assert from "node:assert/strict";
import { strftime } from "./strftime.ts";

const PATTERN =
  "%a|%A|%b|%B|%c|%C|%d|%D|%e|%F|%g|%G|%h|%H|%I|%j|%k|%l|%m|%M|%p|%r|%R|%S|%T|%u|%U|%V|%w|%W|%x|%X|%y|%Y|%%|%s|%z|%n%t";

/**
 * Runs `fn` with the process's local time zone set to `zone` (Deno tells the engine when TZ
 * changes), then restores it. The zone is process-wide: fine while test modules run one at a
 * time, as `deno test` runs them without --parallel.
 */
function inZone(zone: string, fn: () => void): void {
  const saved = Deno.env.get("TZ");
  Deno.env.set("TZ", zone);
  try {
    fn();
  } finally {
    if (saved === undefined) Deno.env.delete("TZ");
    else Deno.env.set("TZ", saved);
  }
}

// Fixed instants (epoch ms) and what glibc's strftime makes of them in the C locale, printed by
// `LC_ALL=C TZ=<zone> date -d @<epoch s> +PATTERN`: the expected strings come from the C
// library, not from this code's formulas. Chosen for the corners: the epoch, a century's last
// second, the ISO week-numbering years around New Year, a leap year's last day, both sides of a
// daylight-saving change, the hour repeated when it ends, and half-hour and far-east offsets.
const VECTORS: [zone: string, epochMs: number, expected: string][] = [
  [
    "UTC",
    0,
    "Thu|Thursday|Jan|January|Thu Jan  1 00:00:00 1970|19|01|01/01/70| 1|1970-01-01|70|1970|Jan|00|12|001| 0|12|01|00|AM|12:00:00 AM|00:00|00|00:00:00|4|00|01|4|00|01/01/70|00:00:00|70|1970|%|0|+0000|\n\t",
  ],
  [
    "UTC",
    946684799_999,
    "Fri|Friday|Dec|December|Fri Dec 31 23:59:59 1999|19|31|12/31/99|31|1999-12-31|99|1999|Dec|23|11|365|23|11|12|59|PM|11:59:59 PM|23:59|59|23:59:59|5|52|52|5|52|12/31/99|23:59:59|99|1999|%|946684799|+0000|\n\t",
  ],
  [
    "UTC",
    1709647629_123,
    "Tue|Tuesday|Mar|March|Tue Mar  5 14:07:09 2024|20|05|03/05/24| 5|2024-03-05|24|2024|Mar|14|02|065|14| 2|03|07|PM|02:07:09 PM|14:07|09|14:07:09|2|09|10|2|10|03/05/24|14:07:09|24|2024|%|1709647629|+0000|\n\t",
  ],
  [
    "America/New_York",
    1609650359_000,
    "Sun|Sunday|Jan|January|Sun Jan  3 00:05:59 2021|20|03|01/03/21| 3|2021-01-03|20|2020|Jan|00|12|003| 0|12|01|05|AM|12:05:59 AM|00:05|59|00:05:59|7|01|53|0|00|01/03/21|00:05:59|21|2021|%|1609650359|-0500|\n\t",
  ],
  [
    "America/New_York",
    1710053999_500,
    "Sun|Sunday|Mar|March|Sun Mar 10 01:59:59 2024|20|10|03/10/24|10|2024-03-10|24|2024|Mar|01|01|070| 1| 1|03|59|AM|01:59:59 AM|01:59|59|01:59:59|7|10|10|0|10|03/10/24|01:59:59|24|2024|%|1710053999|-0500|\n\t",
  ],
  [
    "America/New_York",
    1710054000_000,
    "Sun|Sunday|Mar|March|Sun Mar 10 03:00:00 2024|20|10|03/10/24|10|2024-03-10|24|2024|Mar|03|03|070| 3| 3|03|00|AM|03:00:00 AM|03:00|00|03:00:00|7|10|10|0|10|03/10/24|03:00:00|24|2024|%|1710054000|-0400|\n\t",
  ],
  [
    "America/New_York",
    1720072800_000,
    "Thu|Thursday|Jul|July|Thu Jul  4 02:00:00 2024|20|04|07/04/24| 4|2024-07-04|24|2024|Jul|02|02|186| 2| 2|07|00|AM|02:00:00 AM|02:00|00|02:00:00|4|26|27|4|27|07/04/24|02:00:00|24|2024|%|1720072800|-0400|\n\t",
  ],
  [
    "America/New_York",
    1730613600_000,
    "Sun|Sunday|Nov|November|Sun Nov  3 01:00:00 2024|20|03|11/03/24| 3|2024-11-03|24|2024|Nov|01|01|308| 1| 1|11|00|AM|01:00:00 AM|01:00|00|01:00:00|7|44|44|0|44|11/03/24|01:00:00|24|2024|%|1730613600|-0500|\n\t",
  ],
  [
    "Asia/Kolkata",
    1735540200_000,
    "Mon|Monday|Dec|December|Mon Dec 30 12:00:00 2024|20|30|12/30/24|30|2024-12-30|25|2025|Dec|12|12|365|12|12|12|00|PM|12:00:00 PM|12:00|00|12:00:00|1|52|01|1|53|12/30/24|12:00:00|24|2024|%|1735540200|+0530|\n\t",
  ],
  [
    "Europe/Rome",
    1609455598_000,
    "Thu|Thursday|Dec|December|Thu Dec 31 23:59:58 2020|20|31|12/31/20|31|2020-12-31|20|2020|Dec|23|11|366|23|11|12|59|PM|11:59:58 PM|23:59|58|23:59:58|4|52|53|4|52|12/31/20|23:59:58|20|2020|%|1609455598|+0100|\n\t",
  ],
  [
    "Australia/Lord_Howe",
    1767225599_000,
    "Thu|Thursday|Jan|January|Thu Jan  1 10:59:59 2026|20|01|01/01/26| 1|2026-01-01|26|2026|Jan|10|10|001|10|10|01|59|AM|10:59:59 AM|10:59|59|10:59:59|4|00|01|4|00|01/01/26|10:59:59|26|2026|%|1767225599|+1100|\n\t",
  ],
  [
    "America/St_Johns",
    1672560000_000,
    "Sun|Sunday|Jan|January|Sun Jan  1 04:30:00 2023|20|01|01/01/23| 1|2023-01-01|22|2022|Jan|04|04|001| 4| 4|01|30|AM|04:30:00 AM|04:30|00|04:30:00|7|01|52|0|00|01/01/23|04:30:00|23|2023|%|1672560000|-0330|\n\t",
  ],
  [
    "Pacific/Kiritimati",
    1704067200_000,
    "Mon|Monday|Jan|January|Mon Jan  1 14:00:00 2024|20|01|01/01/24| 1|2024-01-01|24|2024|Jan|14|02|001|14| 2|01|00|PM|02:00:00 PM|14:00|00|14:00:00|1|00|01|1|01|01/01/24|14:00:00|24|2024|%|1704067200|+1400|\n\t",
  ],
];

Deno.test("strftime() formats fixed instants in fixed zones like glibc", {
  permissions: { env: ["TZ"] },
}, () => {
  for (const [zone, epochMs, expected] of VECTORS) {
    inZone(zone, () => {
      assert.equal(strftime(PATTERN, new Date(epochMs)), expected, `${zone} ${epochMs}`);
    });
  }
});

Deno.test("strftime() names a US zone with %Z like glibc, in and out of daylight-saving time", {
  permissions: { env: ["TZ"] },
}, () => {
  // Elsewhere glibc prints the zone's own abbreviation ("IST") and JavaScript an offset
  // ("GMT+5:30"): strftime.ts says so. Only New York here, because strftime keeps the first
  // zone's name formatter for the life of the process (the zone never changes in flom).
  inZone("America/New_York", () => {
    assert.equal(strftime("%Z %z", new Date(1710053999_000)), "EST -0500");
    assert.equal(strftime("%Z %z", new Date(1710054000_000)), "EDT -0400");
  });
});

Deno.test("strftime() copies unknown conversions and a trailing % unchanged", {
  permissions: "none",
}, () => {
  const date = new Date(1709647629_000);
  assert.equal(strftime("a%Qb%", date), "a%Qb%");
  assert.equal(strftime("tmstmp.123", date), "tmstmp.123");
  assert.equal(strftime("", date), "");
});
