/**
 * The network architectures a run can choose (`--arch`, the Train form, the host's schema): the MLP on every
 * data set, and on images the U-Net velocity network (flows) and the conv generator (one-step maps). Which an
 * objective takes is `objectiveArchs` in the engine, listed to the renderer in `ObjectiveInfo.archs`.
 */
export const ARCHS = ['mlp', 'unet', 'conv'] as const

export type Arch = (typeof ARCHS)[number]

export const ARCH_TITLES: Readonly<Record<Arch, string>> = {
  mlp: 'MLP',
  unet: 'U-Net (flows on images)',
  conv: 'conv generator (one-step maps on images)'
}
