import { loadOptionalPeer } from './optional-peer';

describe('loadOptionalPeer', () => {
  it('names a missing package and the command that installs it', async () => {
    const missing = 'baton-no-such-package';
    const loading = loadOptionalPeer(() => import(missing), missing, 'Embedded PGlite (no database URL given)');
    await expect(loading).rejects.toThrow(
      `Embedded PGlite (no database URL given) needs the package ${missing}, which is not installed: npm install ${missing}`,
    );
  });

  it('passes other errors through as they are', async () => {
    const broken = new Error('the module threw while loading');
    await expect(loadOptionalPeer(() => Promise.reject(broken), 'pg', 'Listening')).rejects.toBe(broken);
  });

  it('returns the module', async () => {
    const loaded = await loadOptionalPeer(() => import('node:path'), 'node:path', 'A test');
    expect(typeof loaded.join).toBe('function');
  });
});
