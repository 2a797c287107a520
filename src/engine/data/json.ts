/**
 * JSON tables: an array of equal-length arrays of numbers (`[[1, 2], [3, 4]]`, n × d) or an array of numbers
 * (`[1, 2, 3]`, n × 1). A small scanner for exactly this subset of JSON, so that every error — invalid JSON,
 * a string or null where a number belongs, a nested or ragged row, Python's `NaN`/`Infinity` — names the line
 * and column where it happens, and no intermediate object tree is built.
 */
import {
  FLOAT32_MAX,
  at,
  badValue,
  defaultNames,
  fail,
  fastNumber,
  plural,
  textLineCol,
  type Table
} from './table'

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y

/** Parses a decoded JSON text into a numeric table with columns `x0…`. */
export function parseJsonTable(text: string, file: string): Table {
  return new Scanner(text, file).table()
}

class Scanner {
  private pos = 0
  private values = new Float32Array(0)
  private count = 0

  constructor(
    private readonly text: string,
    private readonly file: string
  ) {}

  table(): Table {
    this.ws()
    if (this.pos >= this.text.length) this.fail('the file is empty (no JSON value)')
    if (this.peek() !== '[') this.fail(`expected an array of rows, found ${this.describe()}`)
    this.pos++
    this.ws()
    if (this.peek() === ']') this.fail('the array is empty (no data rows)')
    const nested = this.peek() === '['
    let n = 0
    let d = nested ? -1 : 1
    for (;;) {
      this.ws()
      if (nested) {
        if (this.peek() !== '[')
          this.fail(`row ${n + 1} is ${this.describe()}; expected an array of numbers like row 1`)
        const rowStart = this.pos
        const k = this.row(n + 1)
        if (d === -1) d = k
        else if (k !== d)
          this.fail(`row ${n + 1} has ${plural(k, 'value')}, expected ${d} (as in row 1)`, rowStart)
      } else {
        this.number(`value ${n + 1}`)
      }
      n++
      if (this.next(nested ? `row ${n}` : `value ${n}`)) break
    }
    this.ws()
    if (this.pos < this.text.length)
      this.fail(`unexpected ${this.describe()} after the end of the top-level array`)
    return { n, d, data: this.values.slice(0, this.count), columns: defaultNames(d) }
  }

  /** After an element (`what`): consumes ',' (false: another follows) or ']' (true: the array ends). */
  private next(what: string): boolean {
    this.ws()
    const c = this.peek()
    if (c === ',') {
      this.pos++
      this.ws()
      if (this.peek() === ']') this.fail("invalid JSON: trailing comma before ']'")
      return false
    }
    if (c === ']') {
      this.pos++
      return true
    }
    return this.fail(`invalid JSON: expected ',' or ']' after ${what}, found ${this.describe()}`)
  }

  /** One row `[v, v, …]`; returns its length. */
  private row(r: number): number {
    this.pos++ // [
    this.ws()
    if (this.peek() === ']') this.fail(`row ${r} is empty`)
    let k = 0
    for (;;) {
      this.ws()
      this.number(`row ${r}, value ${k + 1}`)
      k++
      if (this.next(`row ${r}, value ${k}`)) return k
    }
  }

  private number(what: string): void {
    const t = this.text
    let end = this.pos
    while (end < t.length && isTokenChar(t.charCodeAt(end))) end++
    NUMBER.lastIndex = this.pos
    if (end > this.pos && NUMBER.test(t) && NUMBER.lastIndex === end) {
      const fast = fastNumber(t, this.pos, end)
      const v = fast === fast ? fast : Number(t.slice(this.pos, end))
      if (!(Math.abs(v) <= FLOAT32_MAX)) this.fail(`${what}: ${badValue(v, t.slice(this.pos, end))}`)
      this.push(v)
      this.pos = end
      return
    }
    const token = t.slice(this.pos, end)
    if (/^-?(NaN|Infinity)$/.test(token))
      this.fail(
        `${what}: ${badValue(token.endsWith('NaN') ? NaN : token.startsWith('-') ? -Infinity : Infinity)}`
      )
    if (/^[-+.\d]/.test(token))
      this.fail(`${what}: invalid JSON number ${JSON.stringify(token.slice(0, 30))}`)
    if (this.peek() === '[') this.fail(`${what} is a nested array; rows must be flat lists of numbers`)
    this.fail(`${what} is ${this.describe()}, not a number`)
  }

  private push(v: number): void {
    if (this.count === this.values.length) {
      const grown = new Float32Array(Math.max(1024, this.values.length * 2))
      grown.set(this.values)
      this.values = grown
    }
    this.values[this.count++] = v
  }

  private ws(): void {
    const t = this.text
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos)
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) this.pos++
      else break
    }
  }

  private peek(): string | undefined {
    return this.text[this.pos]
  }

  /** What is at the current position, for messages: `an object`, `a string ("abc")`, `the end of the file`. */
  private describe(): string {
    const c = this.peek()
    if (c === undefined) return 'the end of the file'
    if (c === '{') return 'an object'
    if (c === '[') return 'an array'
    if (c === '"') {
      const end = this.text.indexOf('"', this.pos + 1)
      const s = end === -1 ? this.text.slice(this.pos, this.pos + 20) : this.text.slice(this.pos, end + 1)
      return `a string (${s.length > 30 ? s.slice(0, 30) + '…' : s})`
    }
    const word = /^(true|false|null)\b/.exec(this.text.slice(this.pos, this.pos + 6))
    if (word) return word[1]!
    return `'${c}'`
  }

  private fail(reason: string, pos = this.pos): never {
    const { line, column } = textLineCol(this.text, pos)
    return fail(at(this.file, line, column), reason)
  }
}

/** Characters that can belong to a number-like token: letters, digits, `_ . + -`. */
function isTokenChar(c: number): boolean {
  return (
    (c >= 48 && c <= 57) ||
    (c >= 65 && c <= 90) ||
    (c >= 97 && c <= 122) ||
    c === 95 ||
    c === 46 ||
    c === 43 ||
    c === 45
  )
}
