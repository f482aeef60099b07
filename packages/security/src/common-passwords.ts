import type { PasswordScreen } from '@pipewright/core';
import { dictionary } from '@zxcvbn-ts/language-common';

/**
 * The passwords attackers try first: zxcvbn-ts's list of common passwords (about 30,000, from
 * leaked password sets), compared case-insensitively. Loaded once, no network.
 */
export class CommonPasswordScreen implements PasswordScreen {
  private readonly common = new Set(dictionary['passwords-common'].map((p) => p.toLowerCase()));

  isCommon(password: string): boolean {
    return this.common.has(password.toLowerCase());
  }
}
