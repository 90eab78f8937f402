import { createOrderFulfillmentSaga } from '@example/sagas';
import { DefinitionDiagrams } from './definition-diagrams';
import { renderSvg } from './render-svg';

// The real renderer, watched: how often the diagrams ask Graphviz for a layout.
jest.mock('./render-svg', () => {
  const actual = jest.requireActual('./render-svg');
  return { renderSvg: jest.fn(actual.renderSvg) };
});
const rendered = renderSvg as jest.MockedFunction<typeof renderSvg>;

describe('DefinitionDiagrams', () => {
  beforeEach(() => rendered.mockClear());

  it('lays a definition out once per name@version, and answers the same SVG after', async () => {
    const diagrams = new DefinitionDiagrams();
    const order = createOrderFulfillmentSaga();
    const [first, concurrent] = await Promise.all([diagrams.svgOf(order), diagrams.svgOf(order)]);
    const again = await diagrams.svgOf(createOrderFulfillmentSaga());
    expect(rendered).toHaveBeenCalledTimes(1);
    expect(concurrent).toBe(first);
    expect(again).toBe(first);
    expect(first).toContain('<g id="state:order-fulfillment.completed" class="node baton-state baton-final">');
  });

  it('lays another version out on its own', async () => {
    const diagrams = new DefinitionDiagrams();
    const v1 = await diagrams.svgOf(createOrderFulfillmentSaga());
    const v2 = await diagrams.svgOf({ ...createOrderFulfillmentSaga(), version: 2 });
    expect(rendered).toHaveBeenCalledTimes(2);
    expect(v2).not.toBe(v1);
    expect(v2).toContain('> v2</text>');
    expect(v1).toContain('> v1</text>');
  });

  it('keeps no failed layout: the next request tries again', async () => {
    const diagrams = new DefinitionDiagrams();
    rendered.mockRejectedValueOnce(new Error('out of memory'));
    await expect(diagrams.svgOf(createOrderFulfillmentSaga())).rejects.toThrow('out of memory');
    await expect(diagrams.svgOf(createOrderFulfillmentSaga())).resolves.toContain('</svg>');
    expect(rendered).toHaveBeenCalledTimes(2);
  });
});
