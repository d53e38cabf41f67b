// Lint rules. The important one: workflow code must be deterministic and free
// of side effects, so workflows/ may not import Node built-ins, Prisma,
// nodemailer or any I/O library (as in temporalio/samples-typescript's expense
// sample). Activities and clients do the I/O.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const ioModules = [
  ...builtinModules,
  ...builtinModules.map((m) => `node:${m}`),
  '@prisma/*',
  'prisma',
  '**/generated/prisma/**',
  'nodemailer',
  'smtp-server',
  'imapflow',
  'mailparser',
  'pg',
  '@electric-sql/*',
  'pglite-prisma-adapter',
  'exceljs',
  'csv-parse',
  'iconv-lite',
  '@temporalio/client',
  '@temporalio/worker',
  '@temporalio/activity',
  '@temporalio/testing',
  '**/activities/**',
  '**/worker/**',
  '**/client/**',
  '**/lib/**',
];

export default tseslint.config(
  { ignores: ['node_modules/**', 'generated/**', '.duban/**', '.tools/**', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ioModules,
              allowTypeImports: true,
              message:
                '工作流代码必须确定、无副作用：I/O 只能放在 activities/ 里，工作流只按类型导入活动（proxyActivities）。',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
);
