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
    // The dashboard's page: plain browser JavaScript served as is (no types, no build step).
    files: ['src/inspect/web/**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { sourceType: 'module', parserOptions: { projectService: false } },
  },
  {
    // machines/ are pure statecharts (DESIGN.md §1): no I/O, no runtime packages.
    files: ['machines/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['node:*', 'libp2p', '@libp2p/*', 'lmdb', 'pino', '**/src/node/**', '**/src/transport/**', '**/src/store/**', '**/src/roles/**', '**/src/sim/**'],
            message: 'machines/ must stay sans-IO: ask for I/O through provided actions or emitted events.' },
        ],
      }],
    },
  },
  // Imports point down the layers (DESIGN.md §1): each folder of src/ may import only the folders
  // below it. A wrong arrow fails `npm test`.
  ...layerRules([
    // [folder, folders above it that it must not import]
    ['xor', ['data', 'client', 'crypto', 'wire', 'knowledge', 'consensus', 'store', 'log', 'transport', 'roles', 'node', 'sim', 'verify', 'diagrams', 'cli', 'inspect', 'register', 'gateway', 'dbc', 'wallet']],
    ['log', ['data', 'client', 'crypto', 'wire', 'knowledge', 'consensus', 'store', 'transport', 'roles', 'node', 'sim', 'verify', 'diagrams', 'cli', 'inspect', 'register', 'gateway', 'dbc', 'wallet']],
    ['crypto', ['data', 'client', 'wire', 'knowledge', 'consensus', 'store', 'transport', 'roles', 'node', 'sim', 'verify', 'diagrams', 'cli', 'inspect', 'register', 'gateway', 'dbc', 'wallet']],
    ['wire', ['client', 'knowledge', 'consensus', 'store', 'transport', 'roles', 'node', 'sim', 'verify', 'diagrams', 'cli', 'inspect', 'gateway', 'dbc', 'wallet']],
    ['knowledge', ['client', 'consensus', 'store', 'transport', 'roles', 'node', 'sim', 'verify', 'diagrams', 'cli', 'inspect', 'gateway', 'dbc', 'wallet']],
    ['store', ['client', 'consensus', 'transport', 'roles', 'node', 'sim', 'verify', 'diagrams', 'cli', 'inspect', 'gateway', 'wallet']],
    ['consensus', ['client', 'transport', 'roles', 'node', 'sim', 'verify', 'diagrams', 'cli', 'inspect', 'gateway', 'wallet']],
    ['transport', ['client', 'roles', 'node', 'sim', 'verify', 'diagrams', 'cli', 'inspect', 'gateway', 'wallet']],
    ['roles', ['client', 'node', 'sim', 'verify', 'diagrams', 'cli', 'inspect', 'gateway', 'wallet']],
    // The real runtime and the simulator both host the roles; neither imports the other.
    ['node', ['client', 'sim', 'verify', 'diagrams', 'cli', 'gateway']],
    ['sim', ['node', 'verify', 'diagrams', 'cli', 'gateway']],
    // What the dashboard and the inspector see of the roles' actors: hosted by a node, a testnet or
    // the simulator's recorder, shown by the CLI's server.
    ['inspect', ['node', 'sim', 'verify', 'cli', 'client', 'gateway']],
    ['verify', ['node', 'diagrams', 'cli', 'gateway']],
    ['diagrams', ['node', 'sim', 'verify', 'cli', 'inspect', 'gateway']],
    // Self-encryption needs only hashing and ciphers: it sits just above crypto.
    ['data', ['wire', 'knowledge', 'consensus', 'store', 'transport', 'roles', 'node', 'sim', 'verify', 'diagrams', 'cli', 'client', 'inspect', 'gateway', 'wallet']],
    // Registers (mutable data, a CRDT) need only names, hashes and signatures, as self-encryption does.
    ['register', ['data', 'wire', 'knowledge', 'consensus', 'store', 'transport', 'roles', 'node', 'sim', 'verify', 'diagrams', 'cli', 'client', 'inspect', 'gateway', 'wallet']],
    // DBCs (issue 20): amounts, one-time owner keys, transactions, mint proofs (SAPs and chains: knowledge).
    ['dbc', ['data', 'consensus', 'store', 'transport', 'roles', 'node', 'sim', 'verify', 'diagrams', 'cli', 'client', 'inspect', 'gateway', 'register', 'wallet']],
    // A wallet (issue 20): keys and DBCs in a folder; the node writes the testnet's faucet, the CLI spends.
    // Its inbox is a register (the wallet names it and seals what goes in; the CLI writes it through the client).
    ['wallet', ['data', 'consensus', 'transport', 'roles', 'node', 'sim', 'verify', 'diagrams', 'cli', 'client', 'inspect', 'gateway']],
    // The web gateway serves the network to browsers through the client; only the CLI starts it.
    ['gateway', ['roles', 'node', 'sim', 'verify', 'diagrams', 'cli', 'inspect']],
    // The client speaks the protocol from outside: it does not host roles, and the simulator runs it.
    ['client', ['roles', 'node', 'sim', 'verify', 'diagrams', 'cli', 'inspect', 'gateway']],
  ]),
)

/** One `no-restricted-imports` rule per folder of src/, naming the folders above it. */
function layerRules(layers) {
  return layers.map(([folder, above]) => ({
    files: [`src/${folder}/**/*.ts`],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{
          group: above.map((name) => `**/${name}/**`).concat(above.map((name) => `../${name}/*`)),
          message: `src/${folder} sits below ${above.map((name) => `src/${name}`).join(', ')}: imports point down the layers (DESIGN.md §1).`,
        }],
      }],
    },
  }))
}
