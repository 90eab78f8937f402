import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sagaGraph } from '@baton/cli';
import { createOrderFulfillmentSaga } from '@example/sagas';

/**
 * docs/order-fulfillment.svg, which the README shows, is the order saga as
 * `baton graph` draws it now: the same definition gives the same SVG byte
 * for byte (the DOT text is deterministic and Graphviz's WebAssembly build
 * is pinned by the lockfile), so a change to the saga or to the drawing that
 * is not regenerated fails here.
 */
describe('docs/order-fulfillment.svg', () => {
  it('is what npm run docs:graph draws from the order saga today', async () => {
    const committed = readFileSync(join(__dirname, '..', 'docs', 'order-fulfillment.svg'), 'utf8');
    const drawn = await sagaGraph(createOrderFulfillmentSaga(), 'svg');
    if (drawn !== committed) {
      throw new Error('docs/order-fulfillment.svg is stale: run `npm run docs:graph` and commit it.');
    }
    expect(committed).toContain('<title>order&#45;fulfillment</title>');
  });
});
