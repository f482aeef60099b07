import type { Core } from '@pipewright/core';
import type { Router } from 'express';
import type { OpenApiDocument } from './openapi.js';
import type { UploadSpool } from './upload-spool.js';

/** A connector the engine offers, with the JSON Schema of its settings (served by dialects that describe connectors). */
export interface ConnectorInfo {
  name: string;
  kind: 'source' | 'destination';
  description?: string;
  settingsSchema: Record<string, unknown>;
}

/** A connection kind the engine knows (`postgres`, `webhook`, `filesystem`, plug-ins), with its settings schema. */
export interface ConnectionKindInfo {
  name: string;
  description?: string;
  /** JSON Schema of the connection's settings (secrets included). */
  settingsSchema: Record<string, unknown>;
  /** Settings that are secret: sealed at rest, masked in every view. */
  secretFields: readonly string[];
}

/** What every route set is built from. */
export interface RouteSetContext {
  core: Core;
  /** Absolute base URL of the server when it sits behind a proxy (links, Postman collections); else taken from the request. */
  publicUrl?: string;
  /** Without a public URL: the Host headers absolute links may follow (PIPEWRIGHT_ALLOWED_HOSTS; loopback always). */
  allowedHosts?: readonly string[];
  /** The engine's connectors, for dialects that describe them. */
  connectors?: () => ConnectorInfo[];
  /** The engine's connection kinds, for the routes that describe them. */
  connectionKinds?: () => ConnectionKindInfo[];
  /** Server version reported by info routes. */
  version?: string;
  /** A stable id of this deployment (ZenML's server id). */
  deploymentId?: string;
  /** Where uploaded files are received and held until their runs consume them, with their caps. */
  uploads?: UploadSpool;
}

/** One API dialect (or the native API): an Express router owning its full paths, and its OpenAPI document. */
export interface RouteSet {
  name: string;
  router: Router;
  openapi: OpenApiDocument;
}

export type RouteSetFactory = (ctx: RouteSetContext) => RouteSet;
