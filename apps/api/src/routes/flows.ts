import { Router } from 'express';
import type { z } from 'zod';
import type { ApiContext } from '../api-context';
import { getAuth } from '../auth';
import { chordSchema, type taskCallSchema } from '../openapi/requests';

export function flowsRouter(ctx: ApiContext): Router {
  const router = Router();
  router.post('/flows', async (req, res) => {
    const auth = getAuth(res);
    const body = chordSchema.parse(req.body ?? {});
    const withInput = (c: z.infer<typeof taskCallSchema>) => ({ task: c.task, input: c.input ?? {} });
    const chord = await ctx.client.chord(body.tasks.map(withInput), withInput(body.callback), auth);
    res.status(202).location(`/api/tasks/${chord.id}`).json({ id: chord.id, children: chord.children });
  });
  return router;
}
