// ESLint flat config. Lives in .config/ so the top level stays as DESIGN.md §1 lays it out;
// `npm run lint` passes it with --config. Type-aware rules catch what tsc does not:
// floating promises, misused promises, unsafe `any` flows.
import { fileURLToPath } from 'node:url'
import tseslint from 'typescript-eslint'

const root = fileURLToPath(new URL('..', import.meta.url))

export default tseslint.config(
  { ignores: ['node_modules/**', 'visualizations/**', '.config/**'] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: root },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
      eqeqeq: ['error', 'always'],
    },
  },
  {
    // machines/ are pure statecharts (DESIGN.md §1): no I/O, no runtime packages.
    files: ['machines/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['node:*', 'libp2p', '@libp2p/*', 'lmdb', 'pino', '**/src/node/**', '**/src/transport/**', '**/src/store/**'],
            message: 'machines/ must stay sans-IO: ask for I/O through provided actions or emitted events.' },
        ],
      }],
    },
  },
)
