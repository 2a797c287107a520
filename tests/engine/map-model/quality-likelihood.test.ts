/** Training quality of the likelihood objectives, realnvp and vae (quality-cases.ts). */
import { describeQuality, QUALITY_PARTS } from './quality-cases'

describeQuality(QUALITY_PARTS.likelihood)
