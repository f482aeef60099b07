// A custom route set: authenticated like the built-in dialects, errors mapped like the native API.
import { authenticate, nativeErrorHandler, type RouteSetFactory } from '@pipewright/http-express';
import { Router } from 'express';

export const hello: RouteSetFactory = ({ core }) => {
  const router = Router();
  router.get('/hello/:org/pipelines/:id', async (req, res) => {
    const principal = await authenticate(core, req, res); // 401 without a valid bearer token or key
    const actor = await core.auth.actorFor(principal, { slug: req.params.org });
    const pipeline = await core.pipelines.get(actor, req.params.id); // 404 when the actor cannot see it
    // A view: the fields this API promises, never the aggregate's internal state.
    res.json({ id: pipeline.id, name: pipeline.name, enabled: pipeline.enabled, created_at: pipeline.createdAt.toISOString() });
  });
  // Core errors become problem+json by their code (404, 403, 401, 400 …) instead of a plain 500.
  router.use(nativeErrorHandler);
  return { name: 'hello', router, openapi: { openapi: '3.1.0', info: { title: 'hello', version: '1' }, paths: {} } };
};
