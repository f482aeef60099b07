import { filesystemDestination } from './destinations/filesystem.js';
import { noneDestination } from './destinations/none.js';
import { postgresDestination } from './destinations/postgres.js';
import { webhookDestination } from './destinations/webhook.js';
import { filesystemConnectionKind, postgresConnectionKind, webhookConnectionKind } from './connection-kinds.js';
import { ConnectorRegistry } from './registry.js';
import { filesystemSource } from './sources/filesystem.js';
import { inlineSource } from './sources/inline.js';
import { postgresSource } from './sources/postgres.js';
import { uploadSource } from './sources/upload.js';

/** A registry with the built-in connectors; embedders add theirs to it. */
export function createDefaultRegistry(): ConnectorRegistry {
  return new ConnectorRegistry()
    .registerConnectionKind(postgresConnectionKind)
    .registerConnectionKind(webhookConnectionKind)
    .registerConnectionKind(filesystemConnectionKind)
    .registerSource(inlineSource)
    .registerSource(uploadSource)
    .registerSource(filesystemSource)
    .registerSource(postgresSource)
    .registerDestination(noneDestination)
    .registerDestination(filesystemDestination)
    .registerDestination(postgresDestination)
    .registerDestination(webhookDestination);
}
