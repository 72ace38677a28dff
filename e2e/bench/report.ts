// What every benchmark prints: percentiles of its samples and a plain-text table.

/** The p-th percentile (nearest rank) of ascending samples; NaN for none. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/**
 * Rows (the first is the header) as aligned columns with a rule under the
 * header; columns for which `rightAligned` holds are padded on the left.
 */
export function textTable(rows: string[][], rightAligned: (column: number) => boolean, options: { trimEnd?: boolean } = {}): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
  const format = (row: string[]) => {
    const line = row.map((cell, c) => (rightAligned(c) ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join("  ");
    return options.trimEnd ? line.trimEnd() : line;
  };
  return [format(rows[0]!), widths.map((w) => "-".repeat(w)).join("  "), ...rows.slice(1).map(format)].join("\n");
}
