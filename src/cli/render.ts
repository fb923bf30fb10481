/**
 * What `execution-gateway watch` prints, as pure functions of the subscription's events:
 * a block redrawn in place on a terminal, or plain log lines (one per change) otherwise.
 */

/** The selection of `executionUpdated` the watcher subscribes with (`watch.ts`). */
export interface WatchedExecution {
  readonly id: string;
  readonly provider: string;
  readonly workflowId: string | null;
  readonly status: string;
  readonly statusReason: string | null;
  readonly terminal: boolean;
  readonly durationMs: number | null;
  readonly retryCount: number | null;
  readonly progress: { readonly completed: number; readonly total: number } | null;
  readonly steps: readonly { readonly number: number | null; readonly name: string; readonly status: string; readonly error: string | null }[];
  readonly nodes: readonly { readonly name: string; readonly status: string; readonly error: string | null }[];
  readonly output: unknown;
  readonly error: { readonly code: string | null; readonly message: string } | null;
}

export interface Style {
  readonly color: boolean;
  /** Terminal width: lines are cut to fit, so that redrawing in place stays exact. */
  readonly columns: number;
}

const CODES = { red: 31, green: 32, yellow: 33, blue: 34, gray: 90, bold: 1 } as const;
type Tint = keyof typeof CODES;
const paint = (style: Style, tint: Tint, text: string): string => (style.color ? `\x1b[${CODES[tint]}m${text}\x1b[0m` : text);

const STATUS_TINT: Record<string, Tint> = {
  COMPLETED: 'green',
  FAILED: 'red',
  CANCELLED: 'gray',
  SKIPPED: 'gray',
  RUNNING: 'blue',
  WAITING: 'blue',
  QUEUED: 'yellow',
  CANCELLING: 'yellow',
  PENDING: 'gray',
};
const ICON: Record<string, string> = { COMPLETED: '✔', FAILED: '✖', CANCELLED: '⊘', SKIPPED: '↷', RUNNING: '▶', WAITING: '…', QUEUED: '·', PENDING: '·' };

const status = (style: Style, value: string): string => paint(style, STATUS_TINT[value] ?? 'bold', value);

/** 0..1, or null when the execution does not say (Polos while running). */
export function fraction(execution: WatchedExecution): number | null {
  if (execution.status === 'COMPLETED') return 1;
  const { progress } = execution;
  if (progress && progress.total > 0) return Math.min(1, Math.max(0, progress.completed / progress.total));
  const items = [...execution.steps, ...execution.nodes];
  if (items.length > 0) return items.filter((item) => ['COMPLETED', 'FAILED', 'SKIPPED', 'CANCELLED'].includes(item.status)).length / items.length;
  return execution.terminal ? 1 : null;
}

/** `[██████░░░░]  60%  3/5`, or `[░░░░░░░░░░]   –` when unknown. */
export function progressBar(execution: WatchedExecution, width: number, style: Style, ascii = !style.color): string {
  const value = fraction(execution);
  const [full, empty] = ascii ? ['#', '-'] : ['█', '░'];
  const filled = value === null ? 0 : Math.round(value * width);
  const bar = `[${full.repeat(filled)}${empty.repeat(width - filled)}]`;
  const percent = value === null ? '   –' : `${String(Math.round(value * 100)).padStart(3)}%`;
  const counts = execution.progress ? `  ${execution.progress.completed}/${execution.progress.total}` : '';
  return `${execution.status === 'FAILED' ? paint(style, 'red', bar) : bar} ${percent}${counts}`;
}

export const formatDuration = (ms: number | null): string => {
  if (ms === null) return '';
  if (ms < 1_000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1_000)} s`;
};

/** Steps (Flowker) or nodes (PromptLayer) as `{ key, label, status, error }`. */
export function items(execution: WatchedExecution): { key: string; label: string; status: string; error: string | null }[] {
  return [
    ...execution.steps.map((step, index) => ({ key: `step:${step.number ?? index}:${step.name}`, label: `${step.number ?? index + 1}. ${step.name}`, status: step.status, error: step.error })),
    ...execution.nodes.map((node) => ({ key: `node:${node.name}`, label: node.name, status: node.status, error: node.error })),
  ];
}

const fit = (line: string, columns: number): string => {
  // Cut by visible characters (escape sequences take no room).
  let visible = 0;
  let out = '';
  for (const part of line.split(/(\x1b\[[0-9;]*m)/)) {
    if (part.startsWith('\x1b[')) {
      out += part;
      continue;
    }
    const room = columns - 1 - visible;
    if (room <= 0) break;
    const chars = [...part];
    out += chars.slice(0, room).join('');
    visible += Math.min(chars.length, room);
  }
  return closeEscapes(out, line);
};
const closeEscapes = (out: string, line: string): string => (out !== line && out.includes('\x1b[') ? `${out}\x1b[0m` : out);

/** The block a terminal shows, redrawn on every event. */
export function renderBlock(execution: WatchedExecution, style: Style, note = ''): string[] {
  const where = [execution.provider.toLowerCase(), execution.workflowId && `workflow ${execution.workflowId}`].filter(Boolean).join(' · ');
  const reason = execution.statusReason ? ` (${execution.statusReason})` : '';
  const retries = execution.retryCount ? `  retries: ${execution.retryCount}` : '';
  const lines = [
    `${paint(style, 'bold', execution.id)}  ${status(style, execution.status)}${reason}  ${paint(style, 'gray', where)}`,
    `${progressBar(execution, Math.max(10, Math.min(40, style.columns - 30)), style)}  ${paint(style, 'gray', formatDuration(execution.durationMs))}${retries}`,
  ];
  for (const item of items(execution)) {
    lines.push(`  ${paint(style, STATUS_TINT[item.status] ?? 'bold', ICON[item.status] ?? '?')} ${item.label}  ${status(style, item.status)}`);
    if (item.error) lines.push(`      ${paint(style, 'red', item.error)}`);
  }
  if (note) lines.push(paint(style, 'gray', note));
  return lines.map((line) => fit(line, style.columns));
}

/** Plain mode: one line for the execution when its status or progress changed. */
export function statusLine(execution: WatchedExecution, style: Style, at: Date): string {
  const reason = execution.statusReason ? ` (${execution.statusReason})` : '';
  const retries = execution.retryCount ? ` retries=${execution.retryCount}` : '';
  const duration = execution.durationMs === null ? '' : ` ${formatDuration(execution.durationMs)}`;
  return `${at.toISOString().slice(11, 19)} ${status(style, execution.status.padEnd(10))}${reason} ${progressBar(execution, 20, style, true)}${duration}${retries}`;
}

/** Plain mode: the steps/nodes that are new or changed since the previous event. */
export function changedItems(previous: WatchedExecution | undefined, execution: WatchedExecution, style: Style): string[] {
  const before = new Map(previous ? items(previous).map((item) => [item.key, item.status]) : []);
  return items(execution)
    .filter((item) => before.get(item.key) !== item.status)
    .map((item) => `         ${item.label}: ${status(style, item.status)}${item.error ? ` ${paint(style, 'red', `(${item.error})`)}` : ''}`);
}

/** `CODE: message`, without repeating a code the message already starts with. */
export const errorText = (error: { readonly code: string | null; readonly message: string }): string =>
  error.code && !error.message.startsWith(error.code) ? `${error.code}: ${error.message}` : error.message;

/** After the terminal event: the output, or the error. */
export function outcome(execution: WatchedExecution, style: Style): string[] {
  if (execution.error) return [`${paint(style, 'red', 'error:')} ${errorText(execution.error)}`];
  if (execution.output !== null && execution.output !== undefined) {
    const text = JSON.stringify(execution.output, null, 2) ?? 'null';
    return [`${paint(style, 'bold', 'output:')} ${text.includes('\n') ? `\n${text}` : text}`];
  }
  return [];
}
