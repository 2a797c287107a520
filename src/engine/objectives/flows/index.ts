/**
 * §4 "Building maps from flows": diffusion (ddpm), flow matching (cfm, ot-cfm), and the two ways to speed
 * inference up from a trained flow — straighten it (reflow) or distil it into a one-step map (distill).
 * The lead merges FLOW_OBJECTIVES into the main registry.
 */
import type { ModelObjective } from '../types'
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

export { ddpm, cfm, otCfm, reflow, distill, cd, ct, shortcut, meanflow }
export { ouMarginal, ouTime, vpSchedule, VP_SCHEDULES, type VpSchedule, type VpScheduleId } from './schedule'
export { isFlowModel, type FlowModel } from './common'
export { hungarian, otPairing } from './ot-pairing'
export type { DistillWeights } from './distill'
