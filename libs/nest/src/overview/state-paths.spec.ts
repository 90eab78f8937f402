import { statePaths } from './state-paths';

describe('statePaths', () => {
  it('gives an atomic state as its name', () => {
    expect(statePaths('completed')).toEqual(['completed']);
  });

  it('joins nested states with dots', () => {
    expect(statePaths({ securing: { stock: 'reserving' } })).toEqual(['securing.stock.reserving']);
  });

  it('gives a parallel state one path per region, sorted', () => {
    expect(statePaths({ securing: { stock: 'reserving', payment: { authorizing: 'waiting' } } })).toEqual([
      'securing.payment.authorizing.waiting',
      'securing.stock.reserving',
    ]);
  });

  it('gives nothing for a value that is not a state value', () => {
    expect(statePaths(null)).toEqual([]);
    expect(statePaths(42)).toEqual([]);
  });
});
