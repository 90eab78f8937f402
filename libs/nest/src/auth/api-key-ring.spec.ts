import { ApiKeyRing } from './api-key-ring';

describe('The API key ring', () => {
  const ring = new ApiKeyRing([
    { name: 'ops', key: 'operator-secret', role: 'operator' },
    { name: 'dash', key: 'reader-secret', role: 'reader' },
  ]);

  it('names the holder and role of a key it was given', () => {
    expect(ring.identify('operator-secret')).toEqual({ name: 'ops', role: 'operator' });
    expect(ring.identify('reader-secret')).toEqual({ name: 'dash', role: 'reader' });
  });

  it('knows no key it was not given, however close', () => {
    expect(ring.identify('operator-secreT')).toBeUndefined();
    expect(ring.identify('operator-secret ')).toBeUndefined();
    expect(ring.identify('')).toBeUndefined();
  });

  it('refuses a list with repeated names or keys, or unknown roles, naming keys by name only', () => {
    const attempt = () =>
      new ApiKeyRing([
        { name: 'ops', key: 'one-secret', role: 'operator' },
        { name: 'ops', key: 'two-secret', role: 'reader' },
        { name: 'ci', key: 'one-secret', role: 'operator' },
        { name: 'root', key: 'three-secret', role: 'admin' as never },
      ]);

    expect(attempt).toThrow(/key 2 \("ops"\): the name is used by another key/);
    expect(attempt).toThrow(/key 3 \("ci"\): the same key is given to another name/);
    expect(attempt).toThrow(/key 4 \("root"\): role must be reader or operator/);
    expect(attempt).not.toThrow(/secret/);
  });
});
