import { DEVELOPMENT_API_KEY, developmentKeyWarning, keysInForce } from './development-key';

describe('The keys SagaModule accepts', () => {
  const ops = { name: 'ops', key: 's3cret', role: 'operator' as const };

  it('are the keys it was given, in production or not, without a warning', () => {
    const given = keysInForce({ keys: [ops] });
    expect(given).toEqual({ keys: [ops], developmentKey: false, source: 'auth.keys of SagaModule.forRoot' });
    expect(developmentKeyWarning(given, false)).toBeUndefined();
    expect(developmentKeyWarning(given, true)).toBeUndefined();
  });

  it('are the development key outside production when none are given, with a warning naming the key and where keys are set', () => {
    for (const auth of [undefined, {}, { keys: [] }]) {
      const inForce = keysInForce(auth);
      expect(inForce.keys).toEqual([{ name: 'dev', key: 'baton-dev-key', role: 'operator' }]);
      expect(developmentKeyWarning(inForce, false)).toBe(
        'auth.keys of SagaModule.forRoot is unset: the development key "baton-dev-key" (role operator) is accepted, ' +
          "e.g. -H 'Authorization: Bearer baton-dev-key'. Set auth.keys of SagaModule.forRoot before anyone else can reach this app; " +
          'with NODE_ENV=production it does not start without keys.',
      );
    }
    expect(developmentKeyWarning(keysInForce({ keysSource: 'API_KEYS' }), false)).toMatch(
      /^API_KEYS is unset: the development key "baton-dev-key" \(role operator\) is accepted.*Set API_KEYS before/,
    );
  });

  it('stop a start in production when none are given, saying what to set', () => {
    expect(() => developmentKeyWarning(keysInForce({ keys: [] }), true)).toThrow(
      /^SagaModule cannot start: auth.keys of SagaModule.forRoot is unset, and NODE_ENV=production does not accept the development key\. Set .*auth: \{ keys: \[\{ name: 'ops'/,
    );
    expect(() => developmentKeyWarning(keysInForce({ keysSource: 'BATON_KEYS' }), true)).toThrow(/BATON_KEYS is unset.*Set BATON_KEYS to at least one key/);
  });

  it('never hand out the shared constant itself', () => {
    expect(Object.isFrozen(DEVELOPMENT_API_KEY)).toBe(true);
    expect(keysInForce(undefined).keys[0]).not.toBe(DEVELOPMENT_API_KEY);
  });
});
