/**
 * Spans for live updates. Each poll is a trace of its own (a poller serves every subscriber of an
 * execution, so it belongs to none of their operations): `poll execution`, with the upstream
 * reads as its children, and its trace context stamped on the events it publishes (which carries
 * it to other replicas through Redis too). Each event sent to a subscriber is a `push execution`
 * span inside the subscription operation's trace, linked to the poll that caused it.
 */
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Link, type Tracer } from '@opentelemetry/api';
import { ATTR_ERROR_TYPE } from '@opentelemetry/semantic-conventions';
import type { TraceCarrier } from '../live/events.js';
import type { LiveObserver } from '../live/live-executions.js';
import * as attributes from './attributes.js';

export function traceLive(tracer: Tracer, observer: LiveObserver): LiveObserver {
  return {
    ...observer,
    observePoll: async (poller, read) => {
      const span = tracer.startSpan(
        'poll execution',
        { kind: SpanKind.INTERNAL, attributes: { [attributes.EXECUTION_ID]: poller.globalId, [attributes.PROVIDER]: poller.ref.provider } },
        ROOT_CONTEXT,
      );
      const active = trace.setSpan(ROOT_CONTEXT, span);
      const carrier: Record<string, string> = {};
      propagation.inject(active, carrier);
      try {
        const result = await context.with(active, () => read(carrier));
        span.setAttribute(attributes.POLL_OUTCOME, result.outcome);
        if (result.outcome === 'failed') {
          span.setAttribute(ATTR_ERROR_TYPE, result.error.code);
          span.setStatus({ code: SpanStatusCode.ERROR, message: result.error.message });
        }
      } finally {
        span.end();
      }
    },
    observeSubscriber: (globalId) => {
      const subscriber = context.active();
      return (event) => {
        tracer
          .startSpan(
            'push execution',
            {
              kind: SpanKind.CONSUMER,
              attributes: { [attributes.EXECUTION_ID]: globalId, [attributes.LIVE_EVENT]: event.type },
              links: linkTo(event.trace),
            },
            subscriber,
          )
          .end();
      };
    },
  };
}

const linkTo = (carrier: TraceCarrier | undefined): Link[] => {
  const origin = carrier && trace.getSpanContext(propagation.extract(ROOT_CONTEXT, carrier));
  return origin ? [{ context: origin }] : [];
};
