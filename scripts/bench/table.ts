/** One line of the benchmark's report: a figure, what it is compared with, and the target. */
export interface Figure {
  name: string;
  flom: number;
  /** The floor or baseline measured in the same run; undefined when there is none. */
  floor?: number;
  unit: string;
  /** The target, as text ("≤ 1.3× floor"). */
  target: string;
  /** Whether the target is met. */
  met: boolean;
}

/** A figure compared with its floor: the target is a ratio `flom / floor ≤ limit`. */
export function ratioFigure(
  name: string,
  flom: number,
  floor: number,
  unit: string,
  limit: number,
): Figure {
  return { name, flom, floor, unit, target: `≤ ${limit}× floor`, met: flom / floor <= limit };
}

function format(value: number | undefined): string {
  if (value === undefined) return "";
  if (value >= 100) return value.toFixed(0);
  if (value >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

/** The figures as a Markdown table (the README's Performance section shows one). */
export function formatTable(figures: Figure[]): string {
  const rows = figures.map((figure) => [
    figure.name,
    `${format(figure.flom)} ${figure.unit}`,
    figure.floor === undefined ? "" : `${format(figure.floor)} ${figure.unit}`,
    figure.floor === undefined ? "" : `${(figure.flom / figure.floor).toFixed(2)}×`,
    figure.target,
    figure.met ? "met" : "NOT MET",
  ]);
  const header = ["figure", "flom", "floor / baseline", "ratio", "target", ""];
  const widths = header.map((title, i) =>
    Math.max(title.length, ...rows.map((row) => row[i]!.length))
  );
  const line = (cells: string[]) =>
    `| ${cells.map((cell, i) => cell.padEnd(widths[i]!)).join(" | ")} |`;
  return [line(header), line(widths.map((width) => "-".repeat(width))), ...rows.map(line)].join(
    "\n",
  );
}
