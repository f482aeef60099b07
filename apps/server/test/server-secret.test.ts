import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadServerSecret, securityFromSecret } from '@pipewright/server';

describe('server secret', () => {
  it('generates a server secret into the data folder once, private to the owner', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pw-secret-'));
    try {
      const first = loadServerSecret(undefined, dir);
      expect(first.generated).toBe(true);
      expect(statSync(join(dir, 'secret')).mode & 0o777).toBe(0o600);
      const second = loadServerSecret(undefined, dir);
      expect(second).toEqual({ secret: first.secret, generated: false });
      expect(readFileSync(join(dir, 'secret'), 'utf8').trim()).toBe(first.secret);
      const configured = 'configured-secret-0123456789-abcdefghij';
      expect(loadServerSecret(configured, dir)).toEqual({ secret: configured, generated: false });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a configured secret that is short or repetitive, and says how to make one', () => {
    for (const weak of ['a', 'configured', 'a'.repeat(64), 'passwordpasswordpasswordpassword'])
      expect(() => loadServerSecret(weak, '/nonexistent')).toThrow(
        /^PIPEWRIGHT_SECRET is too weak \(\d+ bytes, about \d+ bits\): use at least 32 random bytes, e\.g\. `openssl rand -base64 32`/,
      );
    expect(() => loadServerSecret(randomBytes(32).toString('base64url'), '/nonexistent')).not.toThrow();
    expect(() => loadServerSecret(randomBytes(32).toString('hex'), '/nonexistent')).not.toThrow();
  });

  it('builds the security ports from it', async () => {
    const { tokens } = securityFromSecret('a-test-secret');
    expect(await tokens.verify(await tokens.sign({ sub: 'user-1' }, 60))).toEqual({ sub: 'user-1' });
  });
});
