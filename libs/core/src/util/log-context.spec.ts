import { currentLogContext, logContextOf, traceIdOf, withLogContext } from './log-context';

describe('The log context', () => {
  it('is empty outside withLogContext and holds its fields across awaits inside it', async () => {
    expect(currentLogContext()).toEqual({});
    const seen = await withLogContext({ sagaId: 's-1', correlationId: 'c-1' }, async () => {
      await new Promise((resolve) => setImmediate(resolve));
      return currentLogContext();
    });
    expect(seen).toEqual({ sagaId: 's-1', correlationId: 'c-1' });
    expect(currentLogContext()).toEqual({});
  });

  it('keeps concurrent scopes apart', async () => {
    const inScope = (sagaId: string, ms: number) =>
      withLogContext({ sagaId }, async () => {
        await new Promise((resolve) => setTimeout(resolve, ms));
        return currentLogContext().sagaId;
      });
    expect(await Promise.all([inScope('a', 10), inScope('b', 1)])).toEqual(['a', 'b']);
  });

  it('reads a message envelope, its trace id from the traceparent', () => {
    expect(
      logContextOf({
        sagaId: 's-1',
        sagaName: 'order-fulfillment',
        correlationId: 'c-1',
        messageId: 'm-1',
        traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      }),
    ).toEqual({ sagaId: 's-1', sagaName: 'order-fulfillment', correlationId: 'c-1', messageId: 'm-1', traceId: '4bf92f3577b34da6a3ce929d0e0e4736' });
  });

  it.each([
    ['missing', undefined],
    ['garbage', 'not-a-traceparent'],
    ['an all-zero trace id', '00-00000000000000000000000000000000-00f067aa0ba902b7-01'],
    ['an all-zero span id', '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01'],
    ['version ff', 'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'],
  ])('yields no trace id for a traceparent that is %s', (_, traceparent) => {
    expect(traceIdOf(traceparent)).toBeUndefined();
  });
});
