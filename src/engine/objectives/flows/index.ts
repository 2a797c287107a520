/**
 * §4 "Building maps from flows": annealed statistics matching along a noising path (anneal), diffusion (ddpm),
 * flow matching (cfm, ot-cfm), the two ways to speed inference up from a trained flow — straighten it (reflow)
 * or distil it into a one-step map (distill, cd) — and the one-step flow families (ct, shortcut, meanflow).
 * `anneal` keeps its one-step map as `phi` and reads `ctx.step` / `ctx.steps` to pick its round.
 */
import type { ModelObjective } from '../types'
import { anneal } from './anneal'
import { ddpm } from './ddpm'
import { cfm } from './cfm'
import { otCfm } from './ot-cfm'
import { reflow } from './reflow'
import { distill } from './distill'
import { meanflow } from './meanflow'
import { shortcut } from './shortcut'
import { cd } from './cd'
import { ct } from './ct'

export const FLOW_OBJECTIVES: ModelObjective[] = [
  anneal,
  ddpm,
  cfm,
  otCfm,
  reflow,
  distill,
  cd,
  ct,
  shortcut,
  meanflow
]

export { anneal, ddpm, cfm, otCfm, reflow, distill, cd, ct, shortcut, meanflow }
export { ouMarginal, ouTime, vpSchedule, VP_SCHEDULES, type VpSchedule, type VpScheduleId } from './schedule'
export { isFlowModel, type FlowModel } from './common'
export { blockOtPairing, hungarian, otPairing } from './ot-pairing'
export type { DistillWeights } from './distill'
