import type { Core } from '@pipewright/core';
import type { Router } from 'express';
import type { OpenApiDocument } from './openapi.js';

/** A connector the engine offers, with the JSON Schema of its settings (served by dialects that describe connectors). */
export interface ConnectorInfo {
  name: string;
  kind: 'source' | 'destination';
  description?: string;
  settingsSchema: Record<string, unknown>;
}

/** What every route set is built from. */
export interface RouteSetContext {
  core: Core;
  /** Absolute base URL of the server when it sits behind a proxy (links, Postman collections); else taken from the request. */
  publicUrl?: string;
  /** The engine's connectors, for dialects that describe them. */
  connectors?: () => ConnectorInfo[];
  /** Server version reported by info routes. */
  version?: string;
  /** A stable id of this deployment (ZenML's server id). */
  deploymentId?: string;
}

/** One API dialect (or the native API): an Express router owning its full paths, and its OpenAPI document. */
export interface RouteSet {
  name: string;
  router: Router;
  openapi: OpenApiDocument;
}

export type RouteSetFactory = (ctx: RouteSetContext) => RouteSet;
