import type { DomainEvent, EventSink } from '@pipewright/core';

/** Publishes each event to every sink; a failing sink never breaks the others or the caller. */
export class FanOutEvents implements EventSink {
  constructor(private readonly sinks: EventSink[]) {}

  publish(event: DomainEvent): void {
    for (const sink of this.sinks) {
      try {
        sink.publish(event);
      } catch {
        // events are best effort
      }
    }
  }
}
