/** Draws a `ViewState` into the page: plain DOM, redrawn whole on every change (it is small). */
import { errorText, formatDuration, fraction, type ExecutionView, type ViewState } from '../../src/clients/progress.js';

type Child = Node | string | null | undefined | false;

/** `h('p', { class: 'x' }, 'text', child)`: an element with attributes and children. */
function h(tag: string, attributes: Record<string, string | undefined> = {}, ...children: Child[]): HTMLElement {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) if (value !== undefined) element.setAttribute(name, value);
  for (const child of children) if (child) element.append(child);
  return element;
}

const badge = (status: string, testId?: string): HTMLElement =>
  h('span', { class: `badge badge-${status.toLowerCase()}`, 'data-status': status, ...(testId ? { 'data-testid': testId } : {}) }, status);

const json = (value: unknown): string => JSON.stringify(value, null, 2) ?? 'null';

function progressBar(execution: ExecutionView | undefined): HTMLElement {
  const value = fraction(execution);
  const percent = value === null ? undefined : Math.round(value * 100);
  const total = execution?.progress;
  const label = total ? `${total.completed} of ${total.total}` : percent === undefined ? 'in progress' : `${percent}%`;
  const bar = h(
    'div',
    {
      class: `bar${percent === undefined ? ' bar-indeterminate' : ''}${execution?.status === 'FAILED' ? ' bar-failed' : ''}`,
      role: 'progressbar',
      'aria-label': 'Execution progress',
      'aria-valuemin': '0',
      'aria-valuemax': '100',
      'aria-valuenow': percent === undefined ? undefined : String(percent),
      'aria-valuetext': label,
    },
    h('div', { class: 'bar-fill', style: percent === undefined ? undefined : `width: ${percent}%` }),
  );
  return h('div', { class: 'progress' }, bar, h('span', { class: 'progress-label' }, label));
}

function facts(execution: ExecutionView): HTMLElement {
  const rows: [string, string | null][] = [
    ['Provider', execution.provider],
    ['Upstream id', execution.upstreamId],
    ['Workflow', execution.workflowId],
    ['Upstream status', execution.upstreamStatus],
    ['Reason', execution.statusReason],
    ['Started', execution.startedAt && new Date(execution.startedAt).toLocaleString()],
    ['Completed', execution.completedAt && new Date(execution.completedAt).toLocaleString()],
    ['Duration', formatDuration(execution.durationSeconds)],
    ['Retries', execution.retryCount ? String(execution.retryCount) : null],
  ];
  return h('dl', { class: 'facts' }, ...rows.filter(([, value]) => value).flatMap(([term, value]) => [h('dt', {}, term), h('dd', {}, value)]));
}

function itemList(execution: ExecutionView): HTMLElement | null {
  const steps = execution.steps.map((step) =>
    h('li', { 'data-testid': 'item' }, badge(step.status), h('span', { class: 'item-name' }, `${step.number ?? '·'}. ${step.name}`), step.durationSeconds === null ? null : h('span', { class: 'muted' }, formatDuration(step.durationSeconds)), step.error ? h('div', { class: 'item-error' }, step.error) : null),
  );
  const nodes = execution.nodes.map((node) =>
    h('li', { 'data-testid': 'item' }, badge(node.status), h('span', { class: 'item-name' }, node.name), node.isOutput ? h('span', { class: 'muted' }, 'output') : null, node.error ? h('div', { class: 'item-error' }, node.error) : null),
  );
  if (steps.length > 0) return h('section', {}, h('h2', {}, 'Steps'), h('ol', { class: 'items' }, ...steps));
  if (nodes.length > 0) return h('section', {}, h('h2', {}, 'Nodes'), h('ol', { class: 'items' }, ...nodes));
  if (execution.provider === 'FLOWKER' && !execution.terminal) return h('p', { class: 'muted' }, 'Flowker reports its steps once the execution has finished.');
  return null;
}

function result(execution: ExecutionView): HTMLElement | null {
  if (execution.error && (execution.terminal || execution.statusReason === 'RETRYING')) {
    const title = execution.terminal ? 'Error' : 'Last attempt failed (retrying)';
    return h('section', { class: 'result result-error', 'data-testid': 'error' }, h('h2', {}, title), h('p', {}, errorText(execution.error)));
  }
  if (execution.terminal && execution.output !== null && execution.output !== undefined) {
    return h('section', { class: 'result', 'data-testid': 'output' }, h('h2', {}, 'Output'), h('pre', {}, json(execution.output)));
  }
  return null;
}

function connection(state: ViewState): HTMLElement {
  const text = {
    connecting: 'Connecting…',
    live: 'Live: updates as they happen',
    reconnecting: 'Connection lost, reconnecting…',
    done: 'Finished: no more updates',
    problem: '',
  }[state.phase];
  const time = state.updatedAt ? ` · last update ${state.updatedAt.toLocaleTimeString()}` : '';
  return h('p', { class: `connection connection-${state.phase}`, 'data-testid': 'connection' }, `${text}${time}`);
}

export function render(root: HTMLElement, state: ViewState): void {
  const { execution, problem } = state;
  const status = execution ? badge(execution.status, 'status') : null;
  const content: Child[] = [
    h('header', {}, h('h1', {}, 'Execution ', h('code', {}, state.id)), status),
  ];
  if (problem) {
    content.push(h('section', { class: 'problem', role: 'alert', 'data-testid': 'problem' }, h('h2', {}, problem.title), h('p', {}, problem.detail), problem.code ? h('p', { class: 'muted' }, `Code: ${problem.code}`) : null));
  }
  if (execution) {
    content.push(progressBar(execution));
    if (state.warning) content.push(h('p', { class: 'warning', role: 'status' }, state.warning));
    content.push(facts(execution), itemList(execution), result(execution));
  } else if (!problem) {
    content.push(progressBar(undefined));
  }
  if (!problem) content.push(connection(state));
  root.replaceChildren(...content.filter((child): child is Node | string => Boolean(child)));
  root.dataset.phase = state.phase;
  document.title = `${execution ? `${execution.status} · ` : problem ? `${problem.title} · ` : ''}${state.id}`;
}
