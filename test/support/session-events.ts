import diagnosticsChannel from 'node:diagnostics_channel';
import { SESSION_CHANNELS } from '../../lib/index.js';
import type { SessionEventName } from '../../lib/index.js';

/** One published lifecycle event: its channel's short name and payload. */
export interface RecordedEvent {
  event: SessionEventName;
  payload: Record<string, unknown>;
}

/** Subscribes to every nest-sessions channel until `stop()`. */
export function recordSessionEvents(): { events: RecordedEvent[]; stop(): void } {
  const events: RecordedEvent[] = [];
  const listeners = (Object.keys(SESSION_CHANNELS) as SessionEventName[]).map((event) => {
    const listener = (payload: unknown) => events.push({ event, payload: payload as Record<string, unknown> });
    diagnosticsChannel.subscribe(SESSION_CHANNELS[event], listener);
    return [event, listener] as const;
  });
  return {
    events,
    stop() {
      for (const [event, listener] of listeners) diagnosticsChannel.unsubscribe(SESSION_CHANNELS[event], listener);
    },
  };
}
