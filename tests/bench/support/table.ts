/** Plain-text tables for benchmark output, plus the number formats every suite shares. */

export interface Column {
  readonly header: string;
  readonly align?: 'left' | 'right';
}

export interface BenchTable {
  readonly title: string;
  readonly columns: readonly Column[];
  readonly rows: readonly (readonly string[])[];
  /** Lines printed under the table: baselines, caveats. */
  readonly notes?: readonly string[];
  /** Each goal checked in this table, so a runner can summarise what was missed. */
  readonly goals?: readonly GoalVerdict[];
}

export interface GoalVerdict {
  readonly subject: string;
  readonly goal: string;
  readonly met: boolean;
}

/** A goal on a ratio or a rate, printed beside the value and checked by `met`. */
export interface Goal {
  readonly text: string;
  readonly met: (value: number) => boolean;
}

export const atLeast = (threshold: number, unit = '×'): Goal => ({
  text: `≥ ${formatNumber(threshold)}${unit}`,
  met: (value) => value >= threshold,
});

export const atMost = (threshold: number, unit = ''): Goal => ({
  text: `≤ ${formatNumber(threshold)}${unit}`,
  met: (value) => value <= threshold,
});

export const PASS_MARK = '✓';
export const FAIL_MARK = '✗';
export const NO_GOAL = '—';

export const verdictMark = (goal: Goal | undefined, value: number): string =>
  goal === undefined ? NO_GOAL : goal.met(value) ? PASS_MARK : FAIL_MARK;

/** Three significant digits, grouped thousands for large values. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const magnitude = Math.abs(value);
  if (magnitude >= 1000) return Math.round(value).toLocaleString('en-US');
  if (magnitude >= 100) return value.toFixed(0);
  if (magnitude >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

export const formatRatio = (value: number): string => `${value.toFixed(2)}×`;

export const formatMs = (value: number): string => `${formatNumber(value)} ms`;

/** Width in terminal cells; every character we print is one cell wide. */
const width = (text: string): number => [...text].length;

export function renderTable(table: BenchTable): string {
  const { columns, rows } = table;
  for (const row of rows) {
    if (row.length !== columns.length) {
      throw new RangeError(
        `row has ${row.length} cells, table "${table.title}" has ${columns.length} columns`,
      );
    }
  }
  const widths = columns.map((column, i) =>
    Math.max(width(column.header), ...rows.map((row) => width(row[i]!))),
  );
  const pad = (text: string, i: number): string => {
    const fill = ' '.repeat(widths[i]! - width(text));
    return columns[i]!.align === 'right' ? fill + text : text + fill;
  };
  const line = (cells: readonly string[]): string => cells.map(pad).join('  ').trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [
    table.title,
    line(columns.map((c) => c.header)),
    rule,
    ...rows.map(line),
    ...(table.notes ?? []).map((note) => `  ${note}`),
  ].join('\n');
}

export function printTable(table: BenchTable): void {
  console.log(`\n${renderTable(table)}`);
}
