/**
 * `pfm` — the Pushforward Lab command line. Every command takes --json (exactly one JSON object on stdout).
 * A user mistake exits 2 with one readable line on stderr; an internal failure exits 1 (stack with PFM_DEBUG=1).
 */
import { isEngineError } from '../engine/errors'
import { printable, withFlags } from './io'

/** A command: its line in `pfm --help`, what runs it, and its own usage (`pfm <command> --help`). */
type Command = { summary: string; run: (argv: string[]) => Promise<number>; usage?: () => Promise<string> }

const COMMANDS: Record<string, Command> = {
  datasets: { summary: 'list built-in datasets and importable formats', run: async (a) => (await import('./commands/catalog')).datasets(a) },
  objectives: { summary: 'list objectives, families and their parameters', run: async (a) => (await import('./commands/catalog')).objectives(a) },
  train: { summary: 'train a one-step map: --data X --objective ID (or continue a stopped run: --resume ID)', run: async (a) => (await import('./commands/train')).run(a), usage: async () => (await import('./commands/train')).usage },
  eval: { summary: 'held-out metrics of a run: --run ID [-n N] [--seed S] [--draws R] [--weights final|best] [--sampler S --steps K --grid G --rtol R --atol A]', run: async (a) => (await import('./commands/runs')).evaluate(a), usage: async () => (await import('./commands/runs')).USAGES.eval },
  sample: { summary: 'write samples of a run: --run ID -n N --out file.csv|.npy (image runs: grid.png) [--sampler S --steps K --grid G]', run: async (a) => (await import('./commands/runs')).sample(a), usage: async () => (await import('./commands/runs')).USAGES.sample },
  runs: { summary: 'list stored runs', run: async (a) => (await import('./commands/runs')).runs(a), usage: async () => (await import('./commands/runs')).USAGES.runs },
  rm: { summary: 'delete runs: pfm rm ID [ID …]', run: async (a) => (await import('./commands/runs')).rm(a), usage: async () => (await import('./commands/runs')).USAGES.rm },
  repro: { summary: "reproduce a paper figure: pfm repro fig1", run: async (a) => (await import('./commands/repro')).run(a) },
  serve: { summary: 'the workbench in a browser: [--port 7070] [--host 127.0.0.1] [--data-dir DIR]', run: async (a) => (await import('./commands/serve')).run(a), usage: async () => (await import('./commands/serve')).usage },
  demo: { summary: 'one-step maps vs a flow in ~3 min: train, distil, benchmark; one table, one figure', run: async (a) => (await import('./commands/demo')).run(a), usage: async () => (await import('./commands/demo')).usage },
  export: { summary: 'export a run to ONNX: --run ID --out model.onnx', run: async (a) => (await import('./commands/export')).run(a), usage: async () => (await import('./commands/export')).usage },
  bench: { summary: 'inference latency and quality: one-step maps vs multi-step samplers (onnxruntime): --runs A,B', run: async (a) => (await import('./commands/bench')).run(a), usage: async () => (await import('./commands/bench')).usage },
  'bench-train': { summary: 'training throughput per backend vs the PyTorch peer', run: async (a) => (await import('./commands/bench-train')).run(a), usage: async () => (await import('./commands/bench-train')).usage }
}

function help(): string {
  const w = Math.max(...Object.keys(COMMANDS).map((k) => k.length))
  return [
    'pfm — Pushforward Lab: learn one-step samplers φ#ν = μ₁ (Cabannes & Arnal, "Touring sampling with pushforward maps")',
    '',
    'usage: pfm <command> [options] [--json] [--runs-dir DIR]',
    '',
    ...Object.entries(COMMANDS).map(([k, c]) => `  ${k.padEnd(w)}  ${c.summary}`),
    '',
    'Runs are stored under --runs-dir (default ./runs, or $PFM_RUNS_DIR).'
  ].join('\n')
}

/** `pfm <command> --help` and `pfm help <command>`: the command's usage, or its summary where it has none. */
async function commandHelp(name: string, cmd: Command): Promise<string> {
  return cmd.usage ? await cmd.usage() : `pfm ${name}: ${cmd.summary}`
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv
  const topic = name === 'help' && rest[0] !== undefined ? COMMANDS[rest[0]] : undefined
  if (topic) {
    process.stdout.write(`${await commandHelp(rest[0]!, topic)}\n`)
    return 0
  }
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(help() + '\n')
    return name ? 0 : 2
  }
  const cmd = COMMANDS[name]
  if (!cmd) {
    process.stderr.write(`pfm: unknown command "${name}". Commands: ${Object.keys(COMMANDS).join(', ')}.\n`)
    return 2
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${await commandHelp(name, cmd)}\n`)
    return 0
  }
  try {
    return await cmd.run(rest)
  } catch (e) {
    if (isEngineError(e)) {
      process.stderr.write(`pfm ${name}: ${printable(withFlags(e.message))}\n`)
      return 2
    }
    const msg = e instanceof Error ? e.message : String(e)
    process.stderr.write(`pfm ${name}: internal error: ${msg}${process.env.PFM_DEBUG ? '\n' + (e as Error).stack : ' (PFM_DEBUG=1 shows the stack)'}\n`)
    return 1
  }
}
