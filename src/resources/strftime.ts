/**
 * The C library's `strftime` in the "C" locale, for the values of timestamp resources: the
 * original formats with `localtime_r` and never calls `setlocale`.
 */

const DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];
const DAY_MS = 86_400_000;

/** Broken-down local time, as `struct tm` (year in full, month 0..11, yday 0..365). */
interface Tm {
  readonly date: Date;
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  readonly wday: number;
  readonly yday: number;
}

function pad(value: number, width: number, fill = "0"): string {
  return String(value).padStart(width, fill);
}

function isLeap(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

// glibc's iso_week_days: the days since the Monday starting the ISO week-numbering year that
// contains day `yday` (negative when the day belongs to the previous ISO year).
function isoWeekDays(yday: number, wday: number): number {
  const bigEnoughMultipleOf7 = (Math.floor(366 / 7) + 2) * 7;
  return yday - (yday - wday + 4 + bigEnoughMultipleOf7) % 7 + 3;
}

/** The ISO 8601 week-numbering year and week of `tm` (%G and %V). */
function isoWeek(tm: Tm): { year: number; week: number } {
  let year = tm.year;
  let days = isoWeekDays(tm.yday, tm.wday);
  if (days < 0) {
    year--;
    days = isoWeekDays(tm.yday + (isLeap(year) ? 366 : 365), tm.wday);
  } else {
    const next = isoWeekDays(tm.yday - (isLeap(year) ? 366 : 365), tm.wday);
    if (next >= 0) {
      year++;
      days = next;
    }
  }
  return { year, week: Math.floor(days / 7) + 1 };
}

let zoneNames: Intl.DateTimeFormat | undefined;

// `struct tm` carries the zone abbreviation; JavaScript only exposes it through Intl, whose
// English short names match the C library's for UTC and the US zones ("GMT+1" elsewhere).
function zoneName(date: Date): string {
  zoneNames ??= new Intl.DateTimeFormat("en-US", { timeZoneName: "short" });
  return zoneNames.formatToParts(date).find((part) => part.type === "timeZoneName")?.value ?? "";
}

function zoneOffset(date: Date): string {
  const east = -date.getTimezoneOffset();
  const abs = Math.abs(east);
  return (east < 0 ? "-" : "+") + pad(Math.floor(abs / 60), 2) + pad(abs % 60, 2);
}

function hour12(hour: number): number {
  return hour % 12 === 0 ? 12 : hour % 12;
}

function convert(spec: string, tm: Tm): string | undefined {
  switch (spec) {
    case "a":
      return DAYS[tm.wday]!.slice(0, 3);
    case "A":
      return DAYS[tm.wday]!;
    case "b":
    case "h":
      return MONTHS[tm.month]!.slice(0, 3);
    case "B":
      return MONTHS[tm.month]!;
    case "c":
      return format("%a %b %e %H:%M:%S %Y", tm);
    case "C":
      return pad(Math.floor(tm.year / 100), 2);
    case "d":
      return pad(tm.day, 2);
    case "D":
    case "x":
      return format("%m/%d/%y", tm);
    case "e":
      return pad(tm.day, 2, " ");
    case "F":
      return format("%Y-%m-%d", tm);
    case "g":
      return pad(isoWeek(tm).year % 100, 2);
    case "G":
      return String(isoWeek(tm).year);
    case "H":
      return pad(tm.hour, 2);
    case "I":
      return pad(hour12(tm.hour), 2);
    case "j":
      return pad(tm.yday + 1, 3);
    case "k":
      return pad(tm.hour, 2, " ");
    case "l":
      return pad(hour12(tm.hour), 2, " ");
    case "m":
      return pad(tm.month + 1, 2);
    case "M":
      return pad(tm.minute, 2);
    case "n":
      return "\n";
    case "p":
      return tm.hour < 12 ? "AM" : "PM";
    case "r":
      return format("%I:%M:%S %p", tm);
    case "R":
      return format("%H:%M", tm);
    case "s":
      return String(Math.floor(tm.date.getTime() / 1000));
    case "S":
      return pad(tm.second, 2);
    case "t":
      return "\t";
    case "T":
    case "X":
      return format("%H:%M:%S", tm);
    case "u":
      return String(tm.wday === 0 ? 7 : tm.wday);
    case "U":
      return pad(Math.floor((tm.yday - tm.wday + 7) / 7), 2);
    case "V":
      return pad(isoWeek(tm).week, 2);
    case "w":
      return String(tm.wday);
    case "W":
      return pad(Math.floor((tm.yday - (tm.wday + 6) % 7 + 7) / 7), 2);
    case "y":
      return pad(tm.year % 100, 2);
    case "Y":
      return String(tm.year);
    case "z":
      return zoneOffset(tm.date);
    case "Z":
      return zoneName(tm.date);
    case "%":
      return "%";
    default:
      return undefined;
  }
}

function format(pattern: string, tm: Tm): string {
  let out = "";
  let from = 0;
  for (let at = pattern.indexOf("%"); at !== -1; at = pattern.indexOf("%", from)) {
    out += pattern.slice(from, at);
    const spec = pattern.charAt(at + 1);
    const converted = spec === "" ? undefined : convert(spec, tm);
    // Like glibc, an unknown conversion (or a lone trailing '%') is copied as it is.
    out += converted ?? "%" + spec;
    from = at + 1 + spec.length;
  }
  return out + pattern.slice(from);
}

/**
 * Formats `date` in local time like C `strftime(pattern, localtime(date))` in the "C" locale.
 * Supported: %a %A %b %B %c %C %d %D %e %F %g %G %h %H %I %j %k %l %m %M %n %p %r %R %s %S %t
 * %T %u %U %V %w %W %x %X %y %Y %z %Z %%; any other conversion is copied unchanged.
 */
export function strftime(pattern: string, date: Date): string {
  const year = date.getFullYear();
  const month = date.getMonth();
  const day = date.getDate();
  const tm: Tm = {
    date,
    year,
    month,
    day,
    hour: date.getHours(),
    minute: date.getMinutes(),
    second: date.getSeconds(),
    wday: date.getDay(),
    yday: (Date.UTC(year, month, day) - Date.UTC(year, 0, 1)) / DAY_MS,
  };
  return format(pattern, tm);
}
