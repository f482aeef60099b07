// Jest transformer for TypeScript test files: Node's own type stripping (node:module), so an
// adapter's tests need neither ts-jest nor babel. Import/export stay ESM (jest runs them as ESM).
'use strict';
const { stripTypeScriptTypes } = require('node:module');

module.exports = {
  process(sourceText, sourcePath) {
    return { code: stripTypeScriptTypes(sourceText, { mode: 'transform', sourceMap: true, sourceUrl: sourcePath }) };
  },
};
