/** Types of scripts/make-icons.mjs for the tests that import it. */
export declare const ICONS: readonly { file: string; size: number }[]
export declare function parseShapes(svg: string): {
  width: number
  height: number
  shapes: ({ kind: 'rect' | 'circle' } & Record<string, string>)[]
}
/** RGBA pixels (size × size, 8 bits per channel) of the SVG's rect and circle elements. */
export declare function rasterise(svg: string, size: number): Buffer
