/**
 * Unlabelled images through the CLI: `pfm train` on an `.npy` of (n, 14, 14) images without labels reports its
 * image metrics in the features of a classifier of k-means clusters, named as such in the log and the table,
 * and stores them so `pfm eval` reads them back. In-process (`main`).
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { resolveDataset } from '../../src/engine/data'
import { npy } from '../helpers/data-fixtures'
import { pfmInProcess as pfm } from './in-process'
import { removeTempRoots, tempRoot } from '../engine/store/helpers'

afterEach(removeTempRoots)

describe('an .npy of images without labels', () => {
  it('trains and scores in the features of a classifier of k-means clusters, named as such', async () => {
    const dir = tempRoot()
    const digits = resolveDataset('mnist14', { n: 400, seed: 0 })
    const file = path.join(dir, 'digits.npy')
    fs.writeFileSync(file, npy('<f4', [400, 14, 14], digits.data))
    // --eval-every 0: the figures read below are the final evaluation's (the one `pfm eval` reads back)
    const args = [
      '--objective',
      'cfm',
      '--steps',
      '30',
      '--width',
      '32',
      '--depth',
      '2',
      '--eval-every',
      '0',
      '--runs-dir',
      dir
    ]
    const t = await pfm(['train', '--data', file, ...args])
    expect(t.stderr).not.toContain('pfm train:')
    expect(t.code).toBe(0)
    expect(t.stdout).toMatch(/image metrics: unlabelled images: 10 k-means clusters of the pixels/)
    expect(t.stdout).toMatch(/fd \(cluster-classifier features\) +\d/)
    expect(t.stdout).toMatch(/cluster KL \/ rarest cluster/)
    expect(t.stdout).not.toMatch(/fd \(classifier features\)/)
    const { runs } = JSON.parse((await pfm(['runs', '--json', '--runs-dir', dir])).stdout) as {
      runs: { id: string }[]
    }
    const e = JSON.parse((await pfm(['eval', '--run', runs[0]!.id, '--json', '--runs-dir', dir])).stdout) as {
      metrics: { image: { features: string; fd: number; fdGaussian: number } }
    }
    expect(e.metrics.image.features).toBe('clusters')
    expect(e.metrics.image.fd).toBeGreaterThan(0)
    expect(e.metrics.image.fdGaussian).toBeGreaterThan(0)
  }, 300_000)
})
