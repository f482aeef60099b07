import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadServerSecret, securityFromSecret } from '@pipewright/server';

describe('security adapters', () => {
  const { hasher, sealer, tokens } = securityFromSecret('a-test-secret');

  it('hashes passwords with scrypt and verifies them', async () => {
    const hash = await hasher.hashPassword('correct horse');
    expect(hash).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect(hash).not.toContain('correct horse');
    expect(await hasher.verifyPassword('correct horse', hash)).toBe(true);
    expect(await hasher.verifyPassword('wrong horse', hash)).toBe(false);
    expect(await hasher.verifyPassword('x', 'garbage')).toBe(false);
    expect(await hasher.hashPassword('correct horse')).not.toBe(hash);
  });

  it('derives a stable lookup hash per server secret', () => {
    expect(hasher.lookupHash('api_x')).toBe(hasher.lookupHash('api_x'));
    expect(hasher.lookupHash('api_x')).not.toBe(securityFromSecret('other').hasher.lookupHash('api_x'));
  });

  it('seals and unseals, detecting tampering', () => {
    const sealed = sealer.seal('api_secret');
    expect(sealed).not.toContain('api_secret');
    expect(sealer.unseal(sealed)).toBe('api_secret');
    const parts = sealed.split('.');
    parts[3] = Buffer.from('tampered').toString('base64url');
    expect(() => sealer.unseal(parts.join('.'))).toThrow();
  });

  it('signs tokens that expire and are bound to the secret', async () => {
    const token = await tokens.sign({ sub: 'user-1' }, 60);
    expect(await tokens.verify(token)).toEqual({ sub: 'user-1' });
    expect(await securityFromSecret('other').tokens.verify(token)).toBeNull();
    expect(await tokens.verify(await tokens.sign({ sub: 'user-1' }, -60))).toBeNull();
    expect(await tokens.verify('not-a-token')).toBeNull();
  });

  it('generates a server secret into the data folder once, private to the owner', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pw-secret-'));
    try {
      const first = loadServerSecret(undefined, dir);
      expect(first.generated).toBe(true);
      expect(statSync(join(dir, 'secret')).mode & 0o777).toBe(0o600);
      const second = loadServerSecret(undefined, dir);
      expect(second).toEqual({ secret: first.secret, generated: false });
      expect(readFileSync(join(dir, 'secret'), 'utf8').trim()).toBe(first.secret);
      expect(loadServerSecret('configured', dir)).toEqual({ secret: 'configured', generated: false });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
