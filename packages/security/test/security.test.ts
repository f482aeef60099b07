import { createSecurity } from '@pipewright/security';

describe('security adapters', () => {
  const { hasher, sealer, tokens } = createSecurity('a-test-secret');

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
    expect(hasher.lookupHash('api_x')).not.toBe(createSecurity('other').hasher.lookupHash('api_x'));
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
    expect(await createSecurity('other').tokens.verify(token)).toBeNull();
    expect(await tokens.verify(await tokens.sign({ sub: 'user-1' }, -60))).toBeNull();
    expect(await tokens.verify('not-a-token')).toBeNull();
  });

  it('refuses an empty secret', () => {
    expect(() => createSecurity('')).toThrow(/non-empty secret/);
  });
});
