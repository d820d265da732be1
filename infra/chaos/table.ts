/** The chaos report as one table, the goal line, the definitions, and each row's notes. */
import type { ChaosReport, RowReport } from './run.js';
import type { Column } from './tally.js';

export const MISS = '✗';

export const GOAL_LINE =
  'goal: answered once = accepted · duplicates 0 · lost 0 · 5xx 0 · VPC calls from invalid 0  (✗ marks a cell that misses it)';

export const DEFINITIONS = [
  'sent: requests a row sent, one per trigger (the twin row sends each logical request through two); resends and replays of a delivery are not new requests.',
  'accepted: the bus accepted the event (200) / the webhook answered 2xx (a sender resends a delivery answered 503 with Retry-After, up to its cap).',
  'answered once: accepted requests with exactly one completion event (distinct event ids; a redelivery of the same event id counts once) whose outcome is final — no Failed after a Ready for the same logical request; the fuzz rows count only Failed answers.',
  'duplicates: extra sessions for one logical request + extra distinct completion events for one request (+ completion events naming no request sent, + replays answered as another request).',
  'lost: accepted requests with no completion event once the cloud settled (bus and FC idle, no execution Running; real-time cap per row).',
  '5xx: HTTP 5xx answers (except a 503 with Retry-After, which the sender retries — counted in the notes) and dropped connections from the local servers.',
  'VPC calls from invalid input: VPC API calls during the fuzz rows (— elsewhere).',
];

interface Cell {
  text: string;
  right: boolean;
}

const cell = (text: string, right = true): Cell => ({ text, right });

function countCell(value: number | null, missed: boolean): Cell {
  if (value === null) return cell('—');
  return cell(missed ? `${value} ${MISS}` : String(value));
}

function rowCells(row: RowReport): Cell[] {
  const c = row.counts;
  const miss = (column: Column) => row.missed.includes(column);
  if (row.skipped !== undefined || c === null) {
    const label = row.skipped !== undefined ? 'skipped' : `broke ${MISS}`;
    return [
      cell(row.title, false),
      cell(label),
      ...Array(6).fill(cell('—')),
      cell(row.wallSeconds.toFixed(1)),
    ];
  }
  return [
    cell(row.title, false),
    cell(String(c.sent)),
    cell(String(c.accepted)),
    countCell(c.answeredOnce, miss('answeredOnce')),
    countCell(c.duplicates, miss('duplicates')),
    countCell(c.lost, miss('lost')),
    countCell(c.serverErrors, miss('serverErrors')),
    countCell(c.vpcCallsFromInvalid, miss('vpcCallsFromInvalid')),
    cell(row.wallSeconds.toFixed(1)),
  ];
}

const HEADER = [
  'row',
  'sent',
  'accepted',
  'answered once',
  'duplicates',
  'lost',
  '5xx',
  'VPC calls from invalid',
  'wall s',
];

/** The table alone (a Markdown-compatible pipe table, aligned for a terminal). */
export function formatTable(rows: readonly RowReport[]): string {
  const body = rows.map(rowCells);
  const widths = HEADER.map((h, i) => Math.max(h.length, ...body.map((r) => [...r[i]!.text].length)));
  const line = (cells: Cell[]) =>
    `| ${cells
      .map((c, i) => {
        const pad = ' '.repeat(widths[i]! - [...c.text].length);
        return c.right ? pad + c.text : c.text + pad;
      })
      .join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (i === 0 ? `${'-'.repeat(w + 1)}-` : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(HEADER.map((h, i) => cell(h, i > 0))), rule, ...body.map(line)].join('\n');
}

export function formatReport(report: ChaosReport): string {
  const o = report.options;
  const misses = report.rows.reduce((n, r) => n + r.missed.length, 0);
  const out = [
    `mirrorflow chaos: ${o.requests} requests per row, ${o.fuzzCount} per fuzz row, seed ${o.seed}, virtual time ×${o.timeScale}`,
    '',
    formatTable(report.rows),
    '',
    GOAL_LINE,
    misses === 0
      ? `result: every goal met (${report.wallSeconds.toFixed(1)} s)`
      : `result: ${misses} cell${misses === 1 ? '' : 's'} miss their goal (${report.wallSeconds.toFixed(1)} s)`,
    '',
    'definitions',
    ...DEFINITIONS.map((d) => `  ${d}`),
    '',
    'notes',
  ];
  for (const row of report.rows) {
    if (row.skipped !== undefined) out.push(`  ${row.id}: skipped — ${row.skipped}`);
    else if (row.error !== undefined) out.push(`  ${row.id}: broke — ${row.error}`);
    for (const note of row.notes) out.push(`  ${row.id}: ${note}`);
  }
  return out.join('\n');
}

/** The rows as one JSON object (`--json`). */
export function reportJson(report: ChaosReport): string {
  return JSON.stringify({
    options: report.options,
    goalsMet: report.goalsMet,
    wallSeconds: Math.round(report.wallSeconds * 10) / 10,
    rows: report.rows.map((r) => ({
      id: r.id,
      title: r.title,
      ...(r.skipped !== undefined ? { skipped: r.skipped } : {}),
      ...(r.error !== undefined ? { error: r.error } : {}),
      ...(r.counts
        ? {
            sent: r.counts.sent,
            accepted: r.counts.accepted,
            answeredOnce: r.counts.answeredOnce,
            duplicates: r.counts.duplicates,
            lost: r.counts.lost,
            serverErrors: r.counts.serverErrors,
            vpcCallsFromInvalid: r.counts.vpcCallsFromInvalid,
            detail: r.counts.detail,
          }
        : {}),
      missed: r.missed,
      settled: r.settled,
      wallSeconds: Math.round(r.wallSeconds * 10) / 10,
      notes: r.notes,
    })),
  });
}
