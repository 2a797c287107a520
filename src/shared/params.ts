/**
 * When a declared parameter means something: `{ param: 'time', equals: 'logit-normal' }` — a parameter that
 * reads only under another parameter's value (the form hides it otherwise, the engine refuses a non-default
 * value for it). Shared by the engine's declarations (engine/params.ts) and the renderer's form.
 */
export interface ParamCondition {
  param: string
  equals: string | number | boolean
}

/** Whether a parameter with condition `when` applies, given how to read another parameter's value. */
export function paramApplies(when: ParamCondition | undefined, read: (name: string) => unknown): boolean {
  return when === undefined || read(when.param) === when.equals
}
