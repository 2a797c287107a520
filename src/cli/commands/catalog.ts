/** `pfm datasets`, `pfm objectives`: what the engine offers. */
import { BUILTINS } from '../../engine/data'
import { allObjectives } from '../../engine/objectives/registry'
import type { ParamSpec } from '../../engine/params'
import type { TrainDefaults } from '../../engine/objectives/types'
import { Out, parse, table } from '../io'

export async function datasets(argv: string[]): Promise<number> {
  const { values } = parse(argv, {})
  const out = new Out(values.json === true)
  out.result(
    { builtins: BUILTINS, formats: ['csv', 'tsv', 'txt', 'npy', 'json', 'idx', 'png', 'jpeg'] },
    () =>
      table(
        BUILTINS.map((b) => [b.id, b.image ? `${b.dim} (${b.image.shape.join('×')})` : b.dim, b.title]),
        ['id', 'dim', 'description']
      ) +
      '\n\nFiles: --data path.{csv,tsv,txt,npy,json} [--columns 0-3|x,y] [--skip-rows N]' +
      '\nImages: --data train-images-idx3-ubyte[.gz] [--labels train-labels-idx1-ubyte[.gz]]' +
      '\n        --data images.npy (n, H, W[, C])   --data folder/ (PNG/JPEG; one sub-folder per class) [--resize HxW]' +
      '\n        --data table.{csv,npy} --image-shape HxW[xC] [--label-column COL]'
  )
  return 0
}

function range(p: ParamSpec): string {
  if (p.type === 'int' || p.type === 'float') return `[${p.min}, ${p.max}]`
  if (p.type === 'enum') return p.options.join('|')
  return p.type
}

/** Where a parameter reads only under another one's value: ` (with time=logit-normal)`. */
function onlyWith(p: ParamSpec): string {
  return p.when ? ` (with ${p.when.param}=${String(p.when.equals)})` : ''
}

/** A budget as one line: steps, batch, lr, then the network and parameters where it sets them. */
function budget(b: TrainDefaults): string {
  const m = b.model ?? {}
  const net =
    (m.latentDim !== undefined ? `, latent ${m.latentDim}` : '') +
    (m.width !== undefined ? `, width ${m.width}` : '') +
    (m.depth !== undefined ? `, depth ${m.depth}` : '') +
    (m.activation !== undefined ? `, ${m.activation}` : '')
  const params = Object.entries(b.params ?? {})
    .map(([k, v]) => `, ${k}=${String(v)}`)
    .join('')
  return `steps ${b.steps}, batch ${b.batch}, lr ${b.lr}${net}${params}`
}

export async function objectives(argv: string[]): Promise<number> {
  const { values } = parse(argv, {})
  const out = new Out(values.json === true)
  const list = allObjectives().map((o) => ({
    kind: o.kind,
    id: o.id,
    family: o.family,
    title: o.title,
    paper: o.paper,
    summary: o.summary,
    defaults: o.defaults,
    ...(o.imageDefaults ? { imageDefaults: o.imageDefaults } : {}),
    params: Object.entries(o.params).map(([name, p]) => ({ name, ...p }))
  }))
  out.result({ objectives: list }, () =>
    list
      .map(
        (o) =>
          `${o.id}  [${o.family}]  ${o.title} — ${o.paper}\n  ${o.summary.replace(/\n/g, '\n  ')}\n` +
          `  defaults: ${budget(o.defaults)}` +
          (o.imageDefaults ? `\n  on images: ${budget(o.imageDefaults)}` : '') +
          o.params
            .map(
              (p) =>
                // a help's own line breaks continue under its option, not at the margin
                `\n  --set ${p.name}=${String(p.default)}  ${range(p)}${onlyWith(p)}  ${p.help.replace(/\n/g, '\n      ')}`
            )
            .join('')
      )
      .join('\n\n')
  )
  return 0
}
