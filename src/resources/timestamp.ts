/**
 * Timestamps `_t_FORMAT[N]`: up to N holders, each handed the current time formatted with FORMAT;
 * grants are spaced so that no two of them format to the same value (docs/compatibility.md,
 * "Resources").
 */
import type { ResourceName } from "./names.ts";
import { BaseResource, type ConnId } from "./resource.ts";
import { strftime } from "./strftime.ts";

type TimestampName = Extract<ResourceName, { kind: "timestamp" }>;

// Finest first: a format with several markers is as fine as its finest one.
const FRACTION_GRAINS: readonly (readonly [marker: string, micros: number])[] = [
  ["#ffffff", 1],
  ["#fffff", 10],
  ["#ffff", 100],
  ["#fff", 1_000],
  ["#ff", 10_000],
  ["#f", 100_000],
];
const SECOND_SPECIFIERS = ["%c", "%r", "%s", "%S", "%T", "%X"];
const MINUTE_SPECIFIERS = ["%M", "%R"];
const HOUR_SPECIFIERS = ["%H", "%I"];
const FRACTION_MARKERS = /#f{1,6}/g;

/**
 * The smallest change of time that changes the formatted value, in microseconds; undefined when
 * the format shows no time of day at all (such a resource cannot be created).
 */
export function timestampGrain(format: string): number | undefined {
  for (const [marker, micros] of FRACTION_GRAINS) if (format.includes(marker)) return micros;
  const shows = (specifiers: string[]) => specifiers.some((s) => format.includes(s));
  if (shows(SECOND_SPECIFIERS)) return 1_000_000;
  if (shows(MINUTE_SPECIFIERS)) return 60_000_000;
  if (shows(HOUR_SPECIFIERS)) return 3_600_000_000;
  return undefined;
}

/** Epoch microseconds of an epoch-milliseconds reading, as gettimeofday would give them. */
function toMicros(epochMs: number): number {
  return Math.floor(epochMs / 1000) * 1_000_000 + Math.floor((epochMs % 1000) * 1000);
}

/**
 * The value handed out for time `epochMs`: every `#` followed by k `f`s (k ≤ 6) becomes '.' and
 * the first k digits of the microseconds (truncated), then the result goes through strftime in
 * local time.
 */
export function formatTimestamp(format: string, epochMs: number): string {
  const micros = String(Math.floor((epochMs % 1000) * 1000)).padStart(6, "0");
  const withFractions = format.replace(
    FRACTION_MARKERS,
    (marker) => "." + micros.slice(0, marker.length - 1),
  );
  return strftime(withFractions, new Date(Math.floor(epochMs / 1000) * 1000));
}

/** What a timestamp resource remembers beyond its holders and waiters (Resource.state). */
export interface TimestampState {
  /** Epoch microseconds of the last grant. */
  last: number;
}

/** A timestamp resource; holders are remembered by the value they were given. */
export class TimestampResource extends BaseResource<string, undefined> {
  readonly #format: string;
  readonly #total: number;
  readonly #grain: number;
  readonly #now: () => number;
  /** Epoch microseconds of the last grant (0 before the first one, as in the original). */
  #last = 0;

  /** A timestamp resource, or undefined when its format shows no time of day. */
  static create(name: TimestampName, now: () => number): TimestampResource | undefined {
    const grain = timestampGrain(name.format);
    return grain === undefined ? undefined : new TimestampResource(name, grain, now);
  }

  private constructor(name: TimestampName, grain: number, now: () => number) {
    super();
    this.#format = name.format;
    this.#total = name.total;
    this.#grain = grain;
    this.#now = now;
  }

  protected waiter(): undefined {
    return undefined;
  }

  protected canGrant(): boolean {
    return this.holding < this.#total &&
      Math.floor(toMicros(this.#now()) / this.#grain) > Math.floor(this.#last / this.#grain);
  }

  protected acquire(): string {
    const now = this.#now();
    this.#last = toMicros(now);
    return formatTimestamp(this.#format, now);
  }

  protected override element(value: string): string {
    return value;
  }

  protected free(): void {}

  /** Books `conn` as holding `value`, handed out elsewhere; false when no slot is free. */
  restore(conn: ConnId, value: string): boolean {
    if (this.holding >= this.#total) return false;
    this.restoreHolder(conn, value);
    return true;
  }

  /** The time of the last grant: no later grant may fall in its grain. */
  state(): TimestampState {
    return { last: this.#last };
  }

  restoreState(state: unknown): void {
    const last = (state as Partial<TimestampState> | null)?.last;
    if (typeof state === "object" && Number.isSafeInteger(last) && last! >= 0) this.#last = last!;
  }

  protected override saturated(): boolean {
    return !this.canGrant();
  }

  /** The start of the next grain, while waiters could use a free slot. */
  override deadline(): number | undefined {
    if (this.waiting === 0 || this.holding >= this.#total) return undefined;
    const boundary = (Math.floor(this.#last / this.#grain) + 1) * this.#grain;
    // Epoch milliseconds as doubles resolve about 0.24 µs: aim half a microsecond past a
    // sub-millisecond boundary so that the reading at the deadline is not rounded back below it.
    return this.#grain % 1000 === 0 ? boundary / 1000 : (boundary + 0.5) / 1000;
  }
}
