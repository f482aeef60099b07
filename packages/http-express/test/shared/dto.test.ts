import { ValidationError } from '@pipewright/core';
import { parseBody } from '../../src/shared/dto.js';
import { CreateUserDto } from '../../src/native/native-dtos.js';

describe('parseBody', () => {
  it('answers a validation error, not a crash, when a validator throws on a lone surrogate', () => {
    expect(() => parseBody(CreateUserDto, { email: 'a\uD800@example.com', password: 'password-123' })).toThrow(
      ValidationError,
    );
  });
});
