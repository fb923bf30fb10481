/**
 * What `execution-gateway watch` prints, as pure functions of the subscription's events:
 * a block redrawn in place on a terminal, or plain log lines (one per change) otherwise. What the
 * events mean (how far along, the error's text) comes from the model shared with the progress page.
 */
import type { ExecutionStatus, StepStatus } from '../generated/clients/graphql.js';
import { errorText, formatDuration, fraction, type ExecutionView } from '../clients/progress.js';

export interface Style {
  readonly color: boolean;
  /** Terminal width: lines are cut to fit, so that redrawing in place stays exact. */
  readonly columns: number;
}

const CODES = { red: 31, green: 32, yellow: 33, blue: 34, gray: 90, bold: 1 } as const;
type Tint = keyof typeof CODES;
const paint = (style: Style, tint: Tint, text: string): string => (style.color ? `\x1b[${CODES[tint]}m${text}\x1b[0m` : text);

const STATUS_TINT: Record<ExecutionStatus | StepStatus, Tint> = {
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
const ICON: Record<StepStatus, string> = { COMPLETED: '✔', FAILED: '✖', CANCELLED: '⊘', SKIPPED: '↷', RUNNING: '▶', QUEUED: '·', PENDING: '·' };

const status = (style: Style, value: ExecutionStatus | StepStatus, width = 0): string => paint(style, STATUS_TINT[value], value.padEnd(width));

/** `[██████░░░░]  60%  3/5`, or `[░░░░░░░░░░]   –` when unknown. */
export function progressBar(execution: ExecutionView, width: number, style: Style, ascii = !style.color): string {
  const value = fraction(execution);
  const [full, empty] = ascii ? ['#', '-'] : ['█', '░'];
  const filled = value === null ? 0 : Math.round(value * width);
  const bar = `[${full.repeat(filled)}${empty.repeat(width - filled)}]`;
  const percent = value === null ? '   –' : `${String(Math.round(value * 100)).padStart(3)}%`;
  const counts = execution.progress ? `  ${execution.progress.completed}/${execution.progress.total}` : '';
  return `${execution.status === 'FAILED' ? paint(style, 'red', bar) : bar} ${percent}${counts}`;
}

/** Steps (Flowker) or nodes (PromptLayer) as `{ key, label, status, error }`. */
function items(execution: ExecutionView): { key: string; label: string; status: StepStatus; error: string | null }[] {
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
export function renderBlock(execution: ExecutionView, style: Style, note = ''): string[] {
  const where = [execution.provider.toLowerCase(), execution.workflowId && `workflow ${execution.workflowId}`].filter(Boolean).join(' · ');
  const reason = execution.statusReason ? ` (${execution.statusReason})` : '';
  const retries = execution.retryCount ? `  retries: ${execution.retryCount}` : '';
  const lines = [
    `${paint(style, 'bold', execution.id)}  ${status(style, execution.status)}${reason}  ${paint(style, 'gray', where)}`,
    `${progressBar(execution, Math.max(10, Math.min(40, style.columns - 30)), style)}  ${paint(style, 'gray', formatDuration(execution.durationSeconds) ?? '')}${retries}`,
  ];
  for (const item of items(execution)) {
    lines.push(`  ${paint(style, STATUS_TINT[item.status], ICON[item.status])} ${item.label}  ${status(style, item.status)}`);
    if (item.error) lines.push(`      ${paint(style, 'red', item.error)}`);
  }
  if (note) lines.push(paint(style, 'gray', note));
  return lines.map((line) => fit(line, style.columns));
}

/** Plain mode: one line for the execution when its status or progress changed. */
export function statusLine(execution: ExecutionView, style: Style, at: Date): string {
  const reason = execution.statusReason ? ` (${execution.statusReason})` : '';
  const retries = execution.retryCount ? ` retries=${execution.retryCount}` : '';
  const duration = execution.durationSeconds === null ? '' : ` ${formatDuration(execution.durationSeconds)}`;
  return `${at.toISOString().slice(11, 19)} ${status(style, execution.status, 10)}${reason} ${progressBar(execution, 20, style, true)}${duration}${retries}`;
}

/** Plain mode: the steps/nodes that are new or changed since the previous event. */
export function changedItems(previous: ExecutionView | undefined, execution: ExecutionView, style: Style): string[] {
  const before = new Map(previous ? items(previous).map((item) => [item.key, item.status]) : []);
  return items(execution)
    .filter((item) => before.get(item.key) !== item.status)
    .map((item) => `         ${item.label}: ${status(style, item.status)}${item.error ? ` ${paint(style, 'red', `(${item.error})`)}` : ''}`);
}

/** After the terminal event: the output, or the error. */
export function outcome(execution: ExecutionView, style: Style): string[] {
  if (execution.error) return [`${paint(style, 'red', 'error:')} ${errorText(execution.error)}`];
  if (execution.output !== null && execution.output !== undefined) {
    const text = JSON.stringify(execution.output, null, 2) ?? 'null';
    return [`${paint(style, 'bold', 'output:')} ${text.includes('\n') ? `\n${text}` : text}`];
  }
  return [];
}
