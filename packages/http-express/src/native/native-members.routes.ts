import { ValidationError, type Core } from '@pipewright/core';
import type { Request, Response } from 'express';
import { parseBody } from '../shared/dto.js';
import type { RouteSpec } from '../shared/openapi.js';
import { single } from '../shared/request-url.js';
import { nativePrincipal } from './native-actor.js';
import { InviteDto, SetServerAdminDto } from './native-dtos.js';
import { invitationView } from './native-membership-views.js';
import { decodeCursor, encodeCursor, orgView, userView } from './native-views.js';

const BASE = '/admin/api/v1';
const obj = { type: 'object' };
const problem = { description: 'Problem (RFC 9457)', schema: obj, contentType: 'application/problem+json' };

/**
 * Membership with consent and offboarding: invitations (sent by org admins, answered by the
 * invitee), leaving, removing members, deactivating users (server admins), ending sessions,
 * and every organization of the server (server admins).
 */
export function memberRoutes(core: Core): RouteSpec[] {
  const actorIn = async (req: Request, res: Response) =>
    core.auth.actorFor(await nativePrincipal(core, req, res), { slug: String(req.params.slug) });
  return [
    {
      method: 'post',
      path: `${BASE}/organizations/:slug/invitations`,
      summary:
        'Invite by email into the organization (org admins). The answer is the same whether or not the email has an account.',
      body: InviteDto,
      responses: {
        201: { description: 'The invitation', schema: obj },
        400: problem,
        401: problem,
        403: problem,
        404: problem,
      },
      handler: async (req, res) => {
        const actor = await actorIn(req, res);
        const dto = parseBody(InviteDto, req.body);
        res.status(201).json(invitationView(await core.memberships.invite(actor, dto)));
      },
    },
    {
      method: 'delete',
      path: `${BASE}/organizations/:slug/members/me`,
      summary: 'Leave the organization (your keys there are revoked); the last admin cannot',
      responses: { 204: { description: 'Left' }, 400: problem, 401: problem, 404: problem },
      handler: async (req, res) => {
        await core.memberships.leave(await actorIn(req, res));
        res.status(204).end();
      },
    },
    {
      method: 'delete',
      path: `${BASE}/organizations/:slug/members/:userId`,
      summary:
        "Remove a member (org admins): the membership and the member's personal keys of this organization go at once; pipelines they own stay with the organization",
      responses: { 204: { description: 'Removed' }, 400: problem, 401: problem, 403: problem, 404: problem },
      handler: async (req, res) => {
        await core.memberships.remove(await actorIn(req, res), String(req.params.userId));
        res.status(204).end();
      },
    },
    {
      method: 'get',
      path: `${BASE}/invitations`,
      summary: 'Your open invitations',
      responses: { 200: { description: 'Invitations', schema: obj }, 401: problem },
      handler: async (req, res) => {
        const found = await core.memberships.invitationsFor(await nativePrincipal(core, req, res));
        res.json({
          items: found.map(({ invitation, organization }) => invitationView(invitation, organization)),
          next_cursor: null,
        });
      },
    },
    {
      method: 'post',
      path: `${BASE}/invitations/:id/accept`,
      summary: 'Accept an invitation: you join its organization with the invited role',
      responses: { 200: { description: 'The organization joined', schema: obj }, 401: problem, 404: problem },
      handler: async (req, res) => {
        const { organization, role } = await core.memberships.accept(
          await nativePrincipal(core, req, res),
          String(req.params.id),
        );
        res.json(orgView(organization, role));
      },
    },
    {
      method: 'post',
      path: `${BASE}/invitations/:id/decline`,
      summary: 'Decline an invitation',
      responses: { 204: { description: 'Declined' }, 401: problem, 404: problem },
      handler: async (req, res) => {
        await core.memberships.decline(await nativePrincipal(core, req, res), String(req.params.id));
        res.status(204).end();
      },
    },
    {
      method: 'post',
      path: `${BASE}/users/:id/deactivate`,
      summary: 'Deactivate a user server-wide (server admins): every session and personal key of theirs stops at once',
      responses: {
        200: { description: 'The user', schema: obj },
        400: problem,
        401: problem,
        403: problem,
        404: problem,
      },
      handler: async (req, res) => {
        res.json(
          userView(await core.accounts.deactivate(await nativePrincipal(core, req, res), String(req.params.id))),
        );
      },
    },
    {
      method: 'put',
      path: `${BASE}/users/:id/server-admin`,
      summary: 'Grant or revoke the server role (server admins); the last server admin cannot lose it (400)',
      body: SetServerAdminDto,
      responses: {
        200: { description: 'The user, with server_admin', schema: obj },
        400: problem,
        401: problem,
        403: problem,
        404: problem,
      },
      handler: async (req, res) => {
        const principal = await nativePrincipal(core, req, res);
        const dto = parseBody(SetServerAdminDto, req.body);
        const user = await core.accounts.setServerAdmin(principal, String(req.params.id), dto.serverAdmin);
        res.json({ ...userView(user), server_admin: user.isServerAdmin });
      },
    },
    {
      method: 'post',
      path: `${BASE}/logout`,
      summary: 'End every session of yours (all access tokens, in every process); personal keys keep working',
      responses: { 204: { description: 'Signed out everywhere' }, 401: problem },
      handler: async (req, res) => {
        await core.auth.endSessions(await nativePrincipal(core, req, res));
        res.status(204).end();
      },
    },
    {
      method: 'get',
      path: `${BASE}/server/organizations`,
      summary: 'Every organization of the server (server admins)',
      query: {
        cursor: { schema: { type: 'string' } },
        limit: { schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } },
      },
      responses: {
        200: { description: 'A page of organizations', schema: obj },
        400: problem,
        401: problem,
        403: problem,
      },
      handler: async (req, res) => {
        const principal = await nativePrincipal(core, req, res);
        const page = decodeCursor(single(req.query.cursor));
        const size = Number(single(req.query.limit) ?? 100);
        if (!Number.isInteger(page)) throw ValidationError.field('cursor', 'Invalid cursor.');
        if (!Number.isInteger(size) || size < 1 || size > 1000)
          throw ValidationError.field('limit', 'Must be an integer from 1 to 1000.');
        const result = await core.accounts.allOrganizations(principal, { page, size });
        res.json({
          items: result.items.map((o) => orgView(o)),
          total: result.total,
          next_cursor: page * size < result.total ? encodeCursor(page + 1) : null,
        });
      },
    },
  ];
}
