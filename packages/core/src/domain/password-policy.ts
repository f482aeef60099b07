import { ValidationError } from '../errors/domain-error.js';
import type { PasswordScreen } from '../ports/system.js';

export const MIN_PASSWORD_LENGTH = 8;
export const MAX_PASSWORD_LENGTH = 1024;

/**
 * The rules a new password must meet: 8 to 1024 characters, not only whitespace, and not one
 * of the passwords attackers try first (the screen's list). Existing passwords are not re-checked.
 */
export function checkNewPassword(password: unknown, screen: PasswordScreen): asserts password is string {
  if (typeof password !== 'string' || password.length < MIN_PASSWORD_LENGTH)
    throw ValidationError.field('password', `Use at least ${MIN_PASSWORD_LENGTH} characters.`, 'min_length');
  if (password.length > MAX_PASSWORD_LENGTH)
    throw ValidationError.field('password', `Use at most ${MAX_PASSWORD_LENGTH} characters.`, 'max_length');
  if (password.trim() === '') throw ValidationError.field('password', 'A password may not be only spaces.', 'blank');
  if (screen.isCommon(password))
    throw ValidationError.field('password', 'This password is too common; choose another.', 'too_common');
}
