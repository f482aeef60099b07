export * from './aes-sealer.js';
export * from './create-security.js';
export * from './jwt-signer.js';
export * from './scrypt-hasher.js';
export * from './common-passwords.js';
