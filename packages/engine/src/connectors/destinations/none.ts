import type { DestinationConnector } from '../types.js';

/** Discards records (every record counts as written): for runs whose effect is the counters and logs. */
export const noneDestination: DestinationConnector = {
  name: 'none',
  description: 'Discards the records.',
  settingsSchema: { type: 'object', properties: {}, additionalProperties: false },
  async open() {
    return {
      async write() {
        return { failed: [] };
      },
      async close() {},
    };
  },
};
