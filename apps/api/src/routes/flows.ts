import { Router } from 'express';
import { z } from 'zod';
import type { ApiContext } from '../api-context';
import { getAuth } from '../auth';

const call = z.object({ task: z.string().min(1).max(200), input: z.unknown().optional() });
const flowSchema = z.object({
  tasks: z.array(call).min(1, 'a chord needs at least one task').max(1_000),
  callback: call,
});

export function flowsRouter(ctx: ApiContext): Router {
  const router = Router();
  router.post('/flows', async (req, res) => {
    const auth = getAuth(res);
    const body = flowSchema.parse(req.body ?? {});
    const withInput = (c: z.infer<typeof call>) => ({ task: c.task, input: c.input ?? {} });
    const chord = await ctx.client.chord(body.tasks.map(withInput), withInput(body.callback), auth);
    res.status(202).location(`/api/tasks/${chord.id}`).json({ id: chord.id, children: chord.children });
  });
  return router;
}
