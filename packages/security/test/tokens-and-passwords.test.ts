import { CommonPasswordScreen, createSecurity } from '@pipewright/security';
import { SignJWT } from 'jose';

describe('tokens carry a session version and always expire', () => {
  const { tokens } = createSecurity('a-secret-long-enough-for-tests-0123456789');

  it('round-trips the session version', async () => {
    expect(await tokens.verify(await tokens.sign({ sub: 'user-1', ver: 3 }, 60))).toEqual({ sub: 'user-1', ver: 3 });
    expect(await tokens.verify(await tokens.sign({ sub: 'user-1' }, 60))).toEqual({ sub: 'user-1' });
  });

  it('refuses a token without exp, or with a version that is not an integer, even signed with the right key', async () => {
    const key = new TextEncoder().encode('not the derived key');
    const other = createSecurity('another-secret-long-enough-0123456789');
    const noExp = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('u')
      .setIssuer('pipewright')
      .sign(key);
    expect(await other.tokens.verify(noExp)).toBeNull();
    // Through the signer's own key: a token it did not give an expiry is refused.
    const signer = tokens as unknown as { key: Uint8Array };
    const forged = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('u')
      .setIssuer('pipewright')
      .setIssuedAt()
      .sign(signer.key);
    expect(await tokens.verify(forged)).toBeNull();
    const badVer = await new SignJWT({ ver: 'x' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('u')
      .setIssuer('pipewright')
      .setExpirationTime('60s')
      .sign(signer.key);
    expect(await tokens.verify(badVer)).toBeNull();
  });
});

describe('common passwords', () => {
  const screen = new CommonPasswordScreen();
  it('knows the passwords attackers try first, whatever their case', () => {
    for (const p of ['password', '12345678', 'Password1', 'qwertyuiop', 'LETMEIN'])
      expect([p, screen.isCommon(p)]).toEqual([p, true]);
    for (const p of ['correct horse battery', 'a-new-long-passphrase-1'])
      expect([p, screen.isCommon(p)]).toEqual([p, false]);
  });
});
